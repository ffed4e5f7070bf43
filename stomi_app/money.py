"""Money: amounts are integer øre, read from what a person or a file wrote, and written in each output's one format.

Reading (``parse_oere``; ``parse_basis_points`` for a percentage with two decimals) is Babel's
``parse_decimal(strict=True)`` in one locale, with these decisions:

- A form is read in the language the person chose (Danish by default, English when they switched), because the
  pages show them amounts in that notation; a price list file and the command line are always read in Danish,
  the notation the catalogue export writes and the documents describe.
- In Danish the point separates thousands and the comma the øre: "1.500" is 1.500,00 kr., "1.500,5" is
  1.500,50 kr., "1,5" is 1,50 kr. "1.50" and "1500.50" are refused, as Babel's strict mode refuses them (a point
  that is not between groups of three digits), with Babel's suggestions ("150 or 1,5"): guessing would turn
  1,50 kr. into 150,00 kr. or the other way. In English the same with the two symbols swapped.
- Spaces between groups of three digits ("1 500,00") and a "kr."/"DKK" after the number are allowed; anything
  but ASCII digits, the locale's two symbols and a leading minus is refused (Babel itself reads "NaN", "5e3" and
  Arabic-Indic digits).
- At most two decimals, counted as written: "1,500" in Danish is refused, not read as 1,50 kr.
- Negative amounts only where the caller allows them; every amount at most ``MAX_AMOUNT_OERE`` unless the
  caller gives another bound.

Writing: ``format_money`` (a page, Babel's currency format in the person's locale: ``1.385,00 kr.``),
``document_kr`` (the invoice documents, always Danish), ``whole_kroner`` (chart labels), ``input_text`` (a form
field filled in with an amount, read back by ``parse_oere``), ``csv_amount`` (CSV files: decimal comma, no
thousands separator, so a Danish spreadsheet reads a number), ``ubl_amount`` (UBL XML: xs:decimal,
"1385.00") and ``kroner`` (an XLSX cell: a Decimal).
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.lists import format_list
from babel.numbers import (NumberFormatError, format_currency as babel_format_currency, format_decimal,
                           get_decimal_symbol, get_group_symbol, parse_decimal)

from stomi_app.i18n import lazy_gettext as _l

CURRENCY = "DKK"
# The largest amount of money typed into a form (a price, a fee, a grant's price ceiling, a shared cost): ten million
# kroner is far above any real one, and stays inside the INTEGER columns amounts are stored in as øre (21.474.836,47
# kr. at most).
MAX_AMOUNT_OERE = 10_000_000_00
FILE_LOCALE = "da"  # price list files and the command line: the notation the export writes

_SPACES = "\u0020\u00a0\u202f\u2009"  # space, no-break space (Babel's Danish currency), narrow no-break, thin
_GROUP_SPACE = re.compile(rf"(?<=\d)[{_SPACES}](?=\d{{3}}(?!\d))")
_CURRENCY_SUFFIX = re.compile(rf"[{_SPACES}]*(kr\.?|DKK)$", re.IGNORECASE)


class AmountError(ValueError):
    """An amount could not be read. ``message`` is what to tell the person; ``reason`` lets a caller that has
    its own wording for a case (a price ceiling's bound) use it: "empty", "format", "decimals", "negative",
    "too_small" or "too_large"."""

    def __init__(self, message, reason: str):
        super().__init__(str(message))
        self.message = message
        self.reason = reason


def current_locale() -> str:
    """The person's language in a request, else Danish (a job, the command line)."""
    try:
        from flask_babel import get_locale

        return str(get_locale() or FILE_LOCALE)
    except RuntimeError:  # no application context
        return FILE_LOCALE


def _kroner_messages(locale: str) -> dict:
    example = format_decimal(Decimal("1250.50"), "#,##0.00", locale=locale)
    return {
        "empty": lambda: _l("Enter an amount in kroner, e.g. %(example)s.", example=example),
        "format": lambda: _l("Write the amount in kroner, e.g. %(example)s.", example=example),
        "decimals": lambda: _l("An amount has at most two decimals (øre), e.g. %(example)s.", example=example),
        "negative": lambda: _l("The amount cannot be negative."),
        "too_small": lambda bound: _l("The amount must be at least %(min)s", min=format_money(bound, locale)),
        "too_large": lambda bound: _l("The amount can be at most %(max)s", max=format_money(bound, locale)),
    }


def _percent_messages(locale: str) -> dict:
    example = format_decimal(Decimal("5.25"), "#,##0.00", locale=locale)

    def percent(bound: int) -> str:
        return format_decimal(Decimal(bound) / 100, "#,##0.##", locale=locale) + "\xa0%"

    return {
        "empty": lambda: _l("Enter a percentage, e.g. %(example)s.", example=example),
        "format": lambda: _l("Write the percentage as a number, e.g. %(example)s.", example=example),
        "decimals": lambda: _l("A percentage has at most two decimals, e.g. %(example)s.", example=example),
        "negative": lambda: _l("The percentage cannot be negative."),
        "too_small": lambda bound: _l("The percentage must be at least %(min)s.", min=percent(bound)),
        "too_large": lambda bound: _l("The percentage can be at most %(max)s.", max=percent(bound)),
    }


def _parse_hundredths(text, locale: str, minimum: int, maximum: int, messages: dict) -> int:
    """A number with at most two decimals as written in ``locale``, in hundredths (the module's rule)."""
    raw = _CURRENCY_SUFFIX.sub("", str(text if text is not None else "").strip()).strip()
    if not raw:
        raise AmountError(messages["empty"](), "empty")
    decimal_symbol, group_symbol = get_decimal_symbol(locale), get_group_symbol(locale)
    raw = _GROUP_SPACE.sub(group_symbol, raw)
    allowed = re.compile(rf"-?[0-9{re.escape(decimal_symbol + group_symbol)}]+")
    if not (raw.isascii() and allowed.fullmatch(raw)):
        raise AmountError(messages["format"](), "format")
    try:
        value = parse_decimal(raw, locale=locale, strict=True)
    except NumberFormatError as exc:
        suggestions = [s for s in (exc.suggestions or []) if _at_most_two_decimals(s, locale)]
        if not suggestions:
            raise AmountError(messages["format"](), "format") from None
        raise AmountError(_l("%(text)s can be read in more than one way: write “%(decimal)s” before the decimals and "
                             "“%(group)s” between thousands. Did you mean %(suggestions)s?",
                             text=raw, decimal=decimal_symbol, group=group_symbol,
                             suggestions=format_list(suggestions, style="or", locale=locale)), "format") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise AmountError(messages["decimals"](), "decimals")
    hundredths = int(value * 100)
    if hundredths < minimum:
        if hundredths < 0 <= minimum:
            raise AmountError(messages["negative"](), "negative")
        raise AmountError(messages["too_small"](minimum), "too_small")
    if hundredths > maximum:
        raise AmountError(messages["too_large"](maximum), "too_large")
    return hundredths


def parse_oere(text, *, locale: str | None = None, minimum: int = 0, maximum: int = MAX_AMOUNT_OERE) -> int:
    """Kroner as typed in ``locale`` (the person's language by default) → øre; AmountError with a message if not.

    ``minimum=0`` (the default) refuses negative amounts, ``minimum=1`` also zero; pass ``minimum=-maximum`` where a
    negative amount makes sense.
    """
    locale = locale or current_locale()
    return _parse_hundredths(text, locale, minimum, maximum, _kroner_messages(locale))


def parse_basis_points(text, *, locale: str | None = None, minimum: int = 0, maximum: int = 100_00) -> int:
    """A percentage with at most two decimals, by the same rule, in basis points: "5,25" → 525 (0 to 100 % by
    default)."""
    locale = locale or current_locale()
    return _parse_hundredths(text, locale, minimum, maximum, _percent_messages(locale))


def _at_most_two_decimals(text: str, locale: str) -> bool:
    try:
        return parse_decimal(text, locale=locale, strict=True).as_tuple().exponent >= -2
    except NumberFormatError:
        return False


def _plain(hundredths: int, decimal_symbol: str) -> str:
    # Integer arithmetic, not Babel: exact, and fast enough for a national month's CSV and XML (~200,000 amounts).
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}{decimal_symbol}{cents:02d}"


# ---------------------------------------------------------------- the outputs, one rule each

def kroner(oere: int) -> Decimal:
    """The exact amount in kroner, for a spreadsheet cell that keeps it a number (XLSX)."""
    return Decimal(int(oere)) / 100


class Example:
    """An amount for a lazy message or a field's description ("e.g. %(example)s"), written when the text is shown, in
    the notation of the person reading it: 1.250,50 in Danish, 1,250.50 in English."""

    def __init__(self, oere: int):
        self.oere = oere

    def __str__(self) -> str:
        return format_decimal(kroner(self.oere), "#,##0.00", locale=current_locale())


def format_money(oere: int | None, locale: str | None = None) -> str:
    """A page: Babel's currency format in the person's language, 138500 → '1.385,00 kr.' (no-break space) or
    'DKK1,385.00'; None → ''."""
    if oere is None:
        return ""
    return babel_format_currency(kroner(oere), CURRENCY, locale=locale or current_locale())


@lru_cache(maxsize=1)
def _danish_currency():
    locale = Locale.parse("da_DK")
    return locale, locale.currency_formats["standard"]


@lru_cache(maxsize=4096)
def document_kr(oere: int) -> str:
    """The invoice documents (PDF, the CLI's listing), always Danish: Babel's format, 138500 → '1.385,00 kr.'.

    Babel's pattern is parsed once and recurring amounts (unit prices, fees) are remembered: a national run prints
    tens of thousands of amounts, and format_currency looked everything up again each time.
    """
    locale, pattern = _danish_currency()
    return pattern.apply(Decimal(oere) / 100, locale, currency=CURRENCY)


def whole_kroner(oere: float) -> str:
    """A chart's label: whole kroner, rounded, in the person's language ('1.385 kr.')."""
    return babel_format_currency(Decimal(round(oere / 100)), CURRENCY, format="#,##0\xa0¤", currency_digits=False,
                                 locale=current_locale())


def input_text(oere: int | None, locale: str | None = None) -> str:
    """A form field filled in with an amount, in the person's notation without thousands separators
    ('1385,00' / '1385.00'), which parse_oere reads back; None → ''."""
    if oere is None:
        return ""
    return _plain(int(oere), get_decimal_symbol(locale or current_locale()))


def csv_amount(oere: int | None) -> str:
    """A CSV cell: kroner with a decimal comma and no thousands separator ('-1385,05'), what a Danish spreadsheet
    reads as a number and the price list import reads back; None → ''."""
    if oere is None:
        return ""
    return _plain(int(oere), ",")


def ubl_amount(oere: int) -> str:
    """A UBL (Peppol BIS 3) amount: xs:decimal with exactly two decimals and a point, -5 → '-0.05'."""
    return _plain(int(oere), ".")
