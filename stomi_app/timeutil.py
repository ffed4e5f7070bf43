"""Time as the platform sees it: stored in UTC, dated and shown in Europe/Copenhagen."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from stomi_app.db import utcnow

TZ = ZoneInfo("Europe/Copenhagen")


def local_today() -> date:
    return utcnow().astimezone(TZ).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def start_of_local_day_utc(day: date) -> datetime:
    """The UTC instant at which `day` begins in Copenhagen (handles summer time)."""
    return datetime.combine(day, time.min, tzinfo=TZ).astimezone(timezone.utc)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
