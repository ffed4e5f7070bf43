"""Finding the citizen from one search box: CPR, birth date + name, name, phone or order number."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from stomi_app import cpr
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from ordering.models import Order
from stomi_app.text import clean_text

MAX_HITS = 50
MIN_NAME_LENGTH = 2
MAX_QUERY_LENGTH = 100

KIND_LABELS = {
    "cpr": _l("CPR number"),
    "birthdate_name": _l("Birth date and name"),
    "birthdate": _l("Birth date"),
    "name": _l("Name"),
    "phone": _l("Phone"),
    "order": _l("Order number"),
}

# Ten digits (a dash or space after six), or a longer run that may be a mistyped one: never phones (8) or orders (7).
_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{3,}(?!\d)")
_PHONE_PREFIX = re.compile(r"^(?:\+45|0045)")


class SearchError(ValueError):
    """Input the search cannot understand; the message tells the agent what to type."""


@dataclass
class SearchResult:
    kind: str
    criterion: str  # as written to the audit log and shown back: CPR numbers masked
    citizens: list[Citizen] = field(default_factory=list)
    truncated: bool = False
    order: Order | None = None  # the order found by an order-number search


def mask_cprs(text: str) -> str:
    """Every CPR-like run of ten digits in free text shown as DDMMYY-****: audit details never hold a CPR."""
    return _CPR_LIKE.sub(lambda m: f"{m.group(1)}-****", text)


def _escape_like(text: str) -> str:
    # The agent's % and _ are letters to look for, not wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_conditions(words: list[str]):
    return [Citizen.name.ilike(f"%{_escape_like(w)}%", escape="\\") for w in words]


def _valid_birthdate(ddmmyy: str) -> bool:
    day, month = int(ddmmyy[:2]), int(ddmmyy[2:4])
    try:
        date(2000, month, day)  # a leap year, so 29 February is a date
    except ValueError:
        return False
    return True


def _citizens(*conditions) -> tuple[list[Citizen], bool]:
    rows = list(db.session.scalars(
        select(Citizen).where(*conditions).options(joinedload(Citizen.municipality))
        .order_by(Citizen.name, Citizen.id).limit(MAX_HITS + 1)
    ))
    return rows[:MAX_HITS], len(rows) > MAX_HITS


def classify(query: str) -> tuple[str, str]:
    """(kind, normalised value) of the agent's input, or SearchError with what to type instead."""
    text = " ".join(clean_text(query).split())
    if not text:
        raise SearchError(_l("Type a CPR number, a name, a phone number or an order number."))
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(_l("The search is too long. Type at most %(max)s characters.", max=MAX_QUERY_LENGTH))
    compact = re.sub(r"[\s\-]", "", text)
    prefix = _PHONE_PREFIX.match(compact)
    if prefix:
        rest = compact[prefix.end():]
        if not (rest.isascii() and rest.isdigit() and len(rest) == 8):
            raise SearchError(_l("A Danish phone number has 8 digits."))
        return "phone", rest
    if compact.isascii() and compact.isdigit():
        if len(compact) == 10:
            try:
                return "cpr", cpr.normalise(compact)
            except cpr.InvalidCPR:
                raise SearchError(_l("%(value)s is not a valid CPR number. Check the digits.", value=cpr.mask(compact))) from None
        if len(compact) == 8:
            return "phone", compact
        if len(compact) == 6 and _valid_birthdate(compact):
            return "birthdate", compact
        if len(compact) <= 7:
            return "order", compact
        raise SearchError(_l("A CPR number has 10 digits, a phone number 8 and an order number at most 7."))
    match = re.match(r"^(\d{6})-?\s*(\D.*)$", text)
    if match:
        ddmmyy, name = match.group(1), match.group(2).strip()
        if not _valid_birthdate(ddmmyy):
            raise SearchError(_l("%(value)s is not a birth date. Type it as DDMMYY, e.g. 150348.", value=ddmmyy))
        if len(name) < MIN_NAME_LENGTH:
            raise SearchError(_l("Type at least %(min)s letters of the name.", min=MIN_NAME_LENGTH))
        return "birthdate_name", f"{ddmmyy} {name}"
    if any(ch.isdigit() for ch in text):
        raise SearchError(_l("Search for a CPR number, a birth date and name (e.g. 150348 Birthe), a name, a phone number or an order number."))
    if len(text.replace(" ", "")) < MIN_NAME_LENGTH:
        raise SearchError(_l("Type at least %(min)s letters of the name.", min=MIN_NAME_LENGTH))
    return "name", text


def search(query: str) -> SearchResult:
    """Citizens matching the agent's input across every municipality, at most MAX_HITS, by name."""
    kind, value = classify(query)
    if kind == "cpr":
        citizens, truncated = _citizens(Citizen.cpr_hash == cpr.lookup_hash(value))
        return SearchResult(kind, cpr.mask(value), citizens, truncated)
    if kind == "birthdate":
        citizens, truncated = _citizens(Citizen.cpr_masked.like(f"{value}-%"))
        return SearchResult(kind, value, citizens, truncated)
    if kind == "birthdate_name":
        ddmmyy, name = value.split(" ", 1)
        citizens, truncated = _citizens(Citizen.cpr_masked.like(f"{ddmmyy}-%"), *_name_conditions(name.split()))
        return SearchResult(kind, value, citizens, truncated)
    if kind == "name":
        citizens, truncated = _citizens(and_(*_name_conditions(value.split())))
        return SearchResult(kind, value, citizens, truncated)
    if kind == "phone":
        # Phones are stored as typed; the common Danish spellings are looked up exactly (the column is indexed).
        spaced = " ".join(value[i:i + 2] for i in range(0, 8, 2))
        variants = [value, spaced, f"+45{value}", f"+45 {value}", f"+45 {spaced}"]
        citizens, truncated = _citizens(Citizen.phone.in_(variants))
        return SearchResult(kind, value, citizens, truncated)
    order_id = int(value)
    order = db.session.get(Order, order_id) if order_id > 0 else None
    citizens = [order.citizen] if order is not None else []
    return SearchResult(kind, f"{order_id:07d}", citizens, False, order)
