"""Allocation keys for shared costs: a split between region(s) and municipalities, then by citizens or population.

The documents' keys: set-up costs 35 % region / 65 % municipalities, the municipalities' part by their number of
citizens with a stoma grant; the base contribution and Syddanmark's support unit 50/50, the municipalities' part
by population. Every split uses the largest-remainder method (invoicing.money.largest_remainder), so the parts
add up to the whole to the øre: the arrangement "rests in itself", no profit and no rounding loss. With no region
given, the region part is split between the regions by the same key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from invoicing.fees import InvoicingError, month_end
from invoicing.models import Invoice, SharedCostAllocation, SharedCostShare
from invoicing.money import largest_remainder
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from grants.models import Grant
from stomi_app.models import Municipality, Region, User
from stomi_app.userinput import whole_number

KEYS = ("citizens", "population")
# The largest shared cost typed in (form and command line): a region's yearly spend is about 86 million kroner, so
# the platform's bound for typed amounts (10 million) is too small; the amounts are BIGINT columns.
MAX_SHARED_COST_OERE = 1_000_000_000_00


@dataclass
class Allocation:
    amount_oere: int
    key: str
    region_pct: int
    region_parts: dict[Region, int]
    municipality_parts: dict[Municipality, int]
    weights: dict[Municipality, int]

    @property
    def total(self) -> int:
        return sum(self.region_parts.values()) + sum(self.municipality_parts.values())


def parse_split(text: str) -> int:
    """'region:35,municipalities:65' → 35 (the region's percentage); the two parts must add up to 100."""
    parts = {}
    for item in (text or "").split(","):
        name, _sep, pct = item.partition(":")
        share = whole_number(pct, high=100)
        if name.strip() not in ("region", "municipalities") or share is None:
            raise InvoicingError(_l("Write the split as region:35,municipalities:65."), "split")
        parts[name.strip()] = share
    if set(parts) != {"region", "municipalities"} or sum(parts.values()) != 100:
        raise InvoicingError(_l("The region's and the municipalities' percentages must add up to 100."), "split")
    return parts["region"]


def weights_for(key: str, municipalities: list[Municipality], on: date) -> dict[Municipality, int]:
    if key == "population":
        return {m: m.population for m in municipalities}
    if key != "citizens":
        raise InvoicingError(_l("The key is citizens or population."), "key")
    counts = dict(db.session.execute(
        select(Citizen.municipality_id, func.count(func.distinct(Grant.citizen_id)))
        .join(Citizen, Citizen.id == Grant.citizen_id)
        .where(Grant.in_force_on(on))
        .group_by(Citizen.municipality_id)
    ).all())
    return {m: int(counts.get(m.id, 0)) for m in municipalities}


def allocate(amount_oere: int, *, key: str, region_pct: int, region: Region | None = None,
             on: date) -> Allocation:
    """Split a shared cost; `on` is the day whose grants count (the key 'citizens')."""
    if not 0 <= region_pct <= 100:
        raise InvoicingError(_l("The region's percentage must be between 0 and 100."), "split")
    query = select(Municipality).where(Municipality.active.is_(True)).order_by(Municipality.code)
    if region is not None:
        query = query.where(Municipality.region_id == region.id)
    municipalities = list(db.session.scalars(query))
    if not municipalities:
        raise InvoicingError(_l("No municipality to split the cost between."), "region")
    weights = weights_for(key, municipalities, on)
    halves = largest_remainder(amount_oere, {"region": region_pct, "municipalities": 100 - region_pct})
    regions = [region] if region is not None else sorted({m.region for m in municipalities}, key=lambda r: r.code)
    region_weights = {r: sum(w for m, w in weights.items() if m.region_id == r.id) for r in regions}
    region_parts = largest_remainder(halves["region"], region_weights) if region_pct else {r: 0 for r in regions}
    municipality_parts = largest_remainder(halves["municipalities"], weights)
    return Allocation(amount_oere, key, region_pct, region_parts, municipality_parts, weights)


def save_allocation(allocation: Allocation, *, description: str, month: date | None, region: Region | None = None,
                    by: User | None = None, vat_rate_pct: int = 25) -> SharedCostAllocation:
    """Keep the allocation; with a month, the municipalities' shares become lines on that month's invoices."""
    description = (description or "").strip()
    if not description:
        raise InvoicingError(_l("Describe the shared cost (it is printed on the invoices)."), "description")
    if month is not None:
        invoiced = db.session.scalars(
            select(Municipality.name).join(Invoice, Invoice.municipality_id == Municipality.id)
            .where(Invoice.period_start == month, Invoice.current_key.is_not(None),
                   Municipality.id.in_([m.id for m, part in allocation.municipality_parts.items() if part]))
        ).all()
        if invoiced:
            raise InvoicingError(_l("%(month)s is already invoiced for %(names)s: credit those invoices first or choose "
                                    "a later month.", month=month.strftime("%Y-%m"), names=", ".join(sorted(invoiced))),
                                 "month")
    record = SharedCostAllocation(description=description, amount_oere=allocation.amount_oere, key=allocation.key,
                                  region_share_pct=allocation.region_pct, region_id=getattr(region, "id", None),
                                  month=month, vat_rate_pct=vat_rate_pct, created_by_id=getattr(by, "id", None))
    for r, part in allocation.region_parts.items():
        record.shares.append(SharedCostShare(region_id=r.id, weight=0, amount_oere=part))
    for m, part in allocation.municipality_parts.items():
        record.shares.append(SharedCostShare(municipality_id=m.id, weight=allocation.weights[m], amount_oere=part))
    db.session.add(record)
    db.session.flush()
    return record


def allocations(limit: int = 50) -> list[SharedCostAllocation]:
    return list(db.session.scalars(select(SharedCostAllocation).order_by(SharedCostAllocation.id.desc()).limit(limit)))


def key_day(month: date | None, today: date) -> date:
    """The day whose grants count for the key 'citizens': the month's last day, or today."""
    return month_end(month) if month is not None else today
