"""The statistics as tables: one structure that the page, the CSV, the XLSX and the PDF report all render."""
from __future__ import annotations

from dataclasses import dataclass, field

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale, gettext as _

from stomi_app.money import format_money


class Money(int):
    """An amount in øre (shown in kroner)."""


class Share(float):
    """A fraction 0..1 (shown as a percentage)."""


class Change(float):
    """A relative change, e.g. 0.12 for +12 % (shown with its sign)."""


@dataclass
class StatTable:
    key: str  # used in export URLs and file names
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str | None = None
    # Rows that sum up (totals, averages): shown after the body, in <tfoot>.
    footer: list[list] = field(default_factory=list)


def _locale() -> str:
    return str(get_locale() or "da")


def format_cell(value) -> str:
    """The text a cell shows on the page (and in the PDF): Danish or English number formats."""
    locale = _locale()
    if value is None:
        return "–"
    if isinstance(value, Money):
        return format_money(int(value), locale)
    if isinstance(value, Change):
        sign = "+" if value > 0 else ""
        return sign + format_percent(float(value), "#,##0.0 %", locale=locale)
    if isinstance(value, Share):
        return format_percent(float(value), "#,##0.0 %", locale=locale)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, float):
        return format_decimal(value, "#,##0.0", locale=locale)
    return str(value)


def is_numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def change(current: int | float | None, previous: int | float | None) -> Change | None:
    """current against previous; None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return Change((current - previous) / previous)
