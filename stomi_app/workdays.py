"""Danish working days: weekends and public holidays (from the `holidays` package) are not delivery days."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# A delivery promise is a handful of days; this bounds every walk over the calendar.
MAX_WALK_DAYS = 60


@lru_cache(maxsize=32)
def _danish_holidays(year: int) -> frozenset[date]:
    # Only the official public holidays: Christmas Eve, New Year's Eve and Constitution Day are
    # ordinary working days for the logistics contract.
    return frozenset(holidays.country_holidays("DK", years=[year]).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _danish_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself does not count, whatever day it is)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, found = start, 0
    for _ in range(days * 7 + MAX_WALK_DAYS):
        day += timedelta(days=1)
        if is_working_day(day):
            found += 1
            if found == days:
                return day
    raise RuntimeError(f"no {days} working days within reach of {start}")


def next_working_day_on_or_after(day: date) -> date:
    for _ in range(MAX_WALK_DAYS):
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    raise RuntimeError(f"no working day within reach of {day}")


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end: 0 for a delivery on the day of acceptance."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
