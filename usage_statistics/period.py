"""The period a statistic covers (month, quarter, year or custom), parsed from user input, and its comparison period."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date

from stomi_app.i18n import lazy_gettext as _l
from stomi_app.timeutil import add_months, local_today, start_of_local_day_utc
from stomi_app.userinput import last_year, year_in_range, year_range_message

KINDS = ("month", "quarter", "year", "custom")
# A custom period is drawn as one point per month: beyond three years the chart and the scan stop being useful.
MAX_CUSTOM_MONTHS = 36


class PeriodError(ValueError):
    """Bad period input; `field` names the form field the message belongs next to."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    """[start, end) in Copenhagen dates; `kind` and `key` say how it was chosen (for links and file names)."""

    kind: str
    start: date
    end: date  # exclusive
    key: str

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def window_utc(self) -> tuple[datetime, datetime]:
        """The UTC instants the period covers: what every query filters on, so only the period is scanned."""
        return start_of_local_day_utc(self.start), start_of_local_day_utc(self.end)

    def months(self) -> list[date]:
        """First day of each calendar month the period touches (the line chart's points)."""
        month = date(self.start.year, self.start.month, 1)
        result = []
        while month < self.end:
            result.append(month)
            month = add_months(month, 1)
        return result

    def month_bounds(self) -> list[tuple[date, date]]:
        """Each month of the period cut to the period: [from, to) local dates."""
        return [(max(m, self.start), min(add_months(m, 1), self.end)) for m in self.months()]

    def previous_year(self) -> "Period":
        """The same period a year earlier (29 February becomes 28 February)."""
        start, end = add_months(self.start, -12), add_months(self.end, -12)
        return Period(self.kind, start, end, _key(self.kind, start, end))

    def includes(self, day: date) -> bool:
        return self.start <= day < self.end

    def query_args(self) -> dict:
        """The request arguments that select this period again (links, exports)."""
        if self.kind == "month":
            return {"kind": "month", "month": self.key}
        if self.kind == "quarter":
            return {"kind": "quarter", "quarter": self.key}
        if self.kind == "year":
            return {"kind": "year", "year": self.key}
        return {"kind": "custom", "from": self.start.isoformat(), "to": self.last_day.isoformat()}

    def label(self) -> str:
        if self.kind == "month":
            return format_date(self.start, "MMMM y")
        if self.kind == "quarter":
            return str(_l("Q%(quarter)s %(year)s", quarter=(self.start.month - 1) // 3 + 1, year=self.start.year))
        if self.kind == "year":
            return str(self.start.year)
        return f"{format_date(self.start, 'd. MMM y')} – {format_date(self.last_day, 'd. MMM y')}"


def _key(kind: str, start: date, end: date) -> str:
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "year":
        return str(start.year)
    return f"{start.isoformat()}_{(end - timedelta(days=1)).isoformat()}"


def month_period(month_start: date) -> Period:
    start = date(month_start.year, month_start.month, 1)
    return Period("month", start, add_months(start, 1), f"{start:%Y-%m}")


def default_period(today: date | None = None) -> Period:
    """The last complete month: what a municipality looks at first."""
    today = today or local_today()
    return month_period(add_months(date(today.year, today.month, 1), -1))


def _not_begun():
    return _l("The period has not begun yet: choose one that starts today or earlier.")


def _check_year(year: int, field: str, today: date | None, *, starts: bool = True) -> None:
    """Years from 2000 to next year: a period's end and its comparison year must stay within the calendar
    (year 9999 ended in a 500 when its end was computed), and nothing is recorded outside those years. A period
    that starts in a later year has simply not begun."""
    if starts and year > last_year(today):
        raise PeriodError(_not_begun(), field)
    if not year_in_range(year, today):
        raise PeriodError(year_range_message(today), field)


def parse_month(text: str | None, field: str = "month", today: date | None = None) -> date:
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "", flags=re.ASCII)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(_l("Enter a month like 2026-03."), field)
    _check_year(int(match.group(1)), field, today)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _parse_quarter(text: str | None, today: date) -> date:
    match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", text or "", flags=re.ASCII)
    if not match:
        raise PeriodError(_l("Enter a quarter like 2026-Q1."), "quarter")
    _check_year(int(match.group(1)), "quarter", today)
    return date(int(match.group(1)), 3 * (int(match.group(2)) - 1) + 1, 1)


def _parse_year(text: str | None, today: date) -> date:
    match = re.fullmatch(r"\s*(\d{4})\s*", text or "", flags=re.ASCII)
    if not match:
        raise PeriodError(_l("Enter a year like 2026."), "year")
    _check_year(int(match.group(1)), "year", today)
    return date(int(match.group(1)), 1, 1)


def _parse_day(text: str | None, field: str, today: date) -> date:
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        _check_year(day.year, field, today, starts=field == "from")  # an end far ahead is out of range, not "not begun"
        return day
    raise PeriodError(_l("Enter a date like 2026-03-31."), field)


def parse_period(args, today: date | None = None) -> Period:
    """The period chosen in `args` (a mapping of request arguments); no arguments give the last complete month.

    A period that begins after today is refused; one that is still running is allowed (figures up to now).
    """
    today = today or local_today()
    kind = (args.get("kind") or "").strip()
    if not kind:
        return default_period(today)
    if kind not in KINDS:
        raise PeriodError(_l("Choose a month, a quarter, a year or your own period."), "kind")
    if kind == "month":
        start = parse_month(args.get("month"), today=today)
        period = Period(kind, start, add_months(start, 1), _key(kind, start, start))
    elif kind == "quarter":
        start = _parse_quarter(args.get("quarter"), today)
        period = Period(kind, start, add_months(start, 3), _key(kind, start, start))
    elif kind == "year":
        start = _parse_year(args.get("year"), today)
        period = Period(kind, start, add_months(start, 12), _key(kind, start, start))
    else:
        start = _parse_day(args.get("from"), "from", today)
        last = _parse_day(args.get("to"), "to", today)
        if last < start:
            raise PeriodError(_l("The end date must be on or after the start date."), "to")
        end = last + timedelta(days=1)
        if add_months(start, MAX_CUSTOM_MONTHS) < end:
            raise PeriodError(_l("A period can be at most %(months)s months long.", months=MAX_CUSTOM_MONTHS), "to")
        period = Period(kind, start, end, _key(kind, start, end))
    if period.start > today:
        field = {"month": "month", "quarter": "quarter", "year": "year", "custom": "from"}[kind]
        raise PeriodError(_not_begun(), field)
    return period
