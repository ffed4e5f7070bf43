"""Days of supply: for each grant line, when the citizen's delivered supplies are expected to run out.

The method, simple enough to explain on the phone: the grant says how many packs a period is meant to last
(e.g. 10 boxes a month), so one pack lasts period ÷ quantity days (a month is 365.25 ÷ 12 days). Walking the
citizen's deliveries of the line's products over the last year, oldest first, each delivery adds its packs × days per
pack to the day the supplies were covered until — counted from the delivery's day when the supplies had already run
out by then, or from the day they would have run out when the delivery came early (the spare packs carry over).
The last day covered is when they run out. Orders still on their way are not counted (they are not home yet); free
replacements are not counted (they stand in for packs of a delivery already counted).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from catalogue.models import Product, Variant
from stomi_app.extensions import db
from grants.services import consumption, matching_line
from grants.models import GrantLine
from ordering.models import Order, OrderLine, OrderStatus
from stomi_app.timeutil import local_date, start_of_local_day_utc

PERIOD_DAYS = {"month": 365.25 / 12, "quarter": 365.25 / 4, "year": 365.25}
HISTORY_DAYS = 365


@dataclass
class Supply:
    line: GrantLine
    runs_out: date | None  # None: nothing of this line delivered in the last year
    product_name: str | None  # the product last delivered against the line


def days_per_pack(line: GrantLine) -> float:
    return PERIOD_DAYS[getattr(line.period, "value", line.period)] / line.quantity


def covered_until(deliveries: list[tuple[date, int]], per_pack: float) -> date | None:
    """The day (day, packs) deliveries last until at `per_pack` days a pack, spare packs carried over."""
    covered: float | None = None  # days since date.min, fractional
    for day, packs in sorted(deliveries):
        start = max(covered, float(day.toordinal())) if covered is not None else float(day.toordinal())
        covered = start + packs * per_pack
    return date.fromordinal(int(covered)) if covered is not None else None


def supply_for(citizen_id: int, on: date) -> list[Supply]:
    """Each grant line in force on `on` with the day its supplies run out."""
    return supply_for_many({citizen_id: [use.line for use in consumption(citizen_id, on)]}, on).get(citizen_id, [])


def supply_for_many(lines_by_citizen: dict[int, list[GrantLine]], on: date) -> dict[int, list[Supply]]:
    """`supply_for` for many citizens at once (the nightly run): one query for all their deliveries."""
    lines_by_citizen = {cid: lines for cid, lines in lines_by_citizen.items() if lines}
    if not lines_by_citizen:
        return {}
    rows = db.session.execute(
        select(Order.citizen_id, Order.delivered_at, OrderLine.variant_id, Product.category_id, OrderLine.quantity,
               OrderLine.product_name)
        .join(OrderLine, OrderLine.order_id == Order.id).join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(Order.citizen_id.in_(list(lines_by_citizen)), Order.status == OrderStatus.DELIVERED,
               Order.is_replacement.is_(False),
               Order.delivered_at >= start_of_local_day_utc(on - timedelta(days=HISTORY_DAYS)),
               Order.delivered_at < start_of_local_day_utc(on + timedelta(days=1)))
        .order_by(Order.delivered_at))
    by_line: dict[int, list[tuple[date, int]]] = {}
    names: dict[int, str] = {}
    for citizen_id, delivered_at, variant_id, category_id, quantity, name in rows:
        line = matching_line(lines_by_citizen[citizen_id], variant_id, category_id)  # the rule consumption counts by
        if line is not None:
            by_line.setdefault(line.id, []).append((local_date(delivered_at), quantity))
            names[line.id] = name
    return {cid: [Supply(line, covered_until(by_line.get(line.id, []), days_per_pack(line)), names.get(line.id))
                  for line in lines if line.quantity > 0]
            for cid, lines in lines_by_citizen.items()}


def earliest_run_out(supplies: list[Supply]) -> Supply | None:
    dated = [s for s in supplies if s.runs_out is not None]
    return min(dated, key=lambda s: s.runs_out) if dated else None
