"""Whole numbers and days typed by a person or put in a URL, read within what the database and the calendar hold.

``str.isdigit()`` alone lets through digits that ``int()`` refuses ("²") or reads in another script ("٣"), and a
number past a 32-bit column's range is a database error; a day in year 1 or 9999 overflows as soon as a day is added
to it or it is turned into UTC. Every view and form reads such input through these functions instead.
"""
from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError, validate_email

from stomi_app.i18n import lazy_gettext as _l
from stomi_app.money import MAX_AMOUNT_OERE  # noqa: F401  (the bound lives with the money rule; importable here too)
from stomi_app.timeutil import local_today

DB_INT_MAX = 2**31 - 1  # PostgreSQL's INTEGER: every id and most counts and amounts are stored in one
FIRST_YEAR = 2000  # nothing the platform records is older: no order, grant, invoice or statistic


def whole_number(text, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` (ASCII digits, spaces around allowed), else None."""
    text = str(text if text is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def record_id(text) -> int | None:
    """An id from a form or URL (1 or more, within an INTEGER key), else None: a forged id is just not found."""
    return whole_number(text, low=1)


def last_year(today: date | None = None) -> int:
    """The last year a period or a day can be chosen in: next year (grants and deliveries are planned ahead)."""
    return (today or local_today()).year + 1


def year_in_range(year: int, today: date | None = None) -> bool:
    return FIRST_YEAR <= year <= last_year(today)


def year_range_message(today: date | None = None):
    """What to tell a person whose year is outside year_in_range."""
    return _l("Choose a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=last_year(today))


def iso_day(text, today: date | None = None) -> date | None:
    """An ISO date (2026-03-31) in a year from FIRST_YEAR to next year, else None."""
    text = str(text if text is not None else "").strip()
    if not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if year_in_range(day.year, today) else None


EMAIL_MAX = 254  # RFC 5321's limit on a forward path: longer is no address anyone can send to


def normalised_email(text) -> str | None:
    """An e-mail address as typed, checked by its syntax (no DNS look-up: an office network may have none) and
    normalised; None when it is not one. Every form that takes an address reads it through this."""
    try:
        email = validate_email(str(text or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    return email if len(email) <= EMAIL_MAX else None
