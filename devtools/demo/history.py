"""Demo grants, cutting measures and three years of order history for every demo citizen, inserted in bulk.

The newest year (and a fortnight) is drawn order by order, with orders in every status; each year before it repeats
that year's settled orders one calendar year earlier (same rhythm, the prices of the contract then in force), for
as long as the citizen's grant was in force. A copy costs a fraction of a drawn order, which is what lets national
scale (three million orders) load in minutes.
"""
from __future__ import annotations

import gc
import math
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import Category, ContractPrice, Product, Variant
from catalogue.services import prices_in_force
from devtools.demo.bulk import TableWriter, constraints_set_aside, first_free_id, pipelined
from stomi_app.extensions import db
from stomi_app.models import Citizen, Role, StomaType, User
from citizens.clinical import CuttingMeasure
from grants.models import Grant, GrantChange, GrantLine
from ordering.models import Order, OrderEvent, OrderEventReason, OrderLine
from ordering.models import OrderStatus as S
from grants.services import period_bounds
from grants.models import GrantPeriod
from ordering.services import default_rules, line_reason, per_order_limit, too_soon_until
from stomi_app.db import utcnow
from stomi_app.timeutil import TZ, add_months, local_date, start_of_local_day_utc

LEGAL_BASIS = "Serviceloven § 112"
MAIN_BAG = {
    StomaType.COLOSTOMY: "bag_one_piece_closed",
    StomaType.ILEOSTOMY: "bag_one_piece_drainable",
    StomaType.UROSTOMY: "bag_urostomy",
}
# Bags (or plates) a person uses in a month: closed bags are changed 1–3 times a day, drainable ones and
# urostomy bags about daily, a baseplate every 2–3 days.
UNITS_PER_MONTH = {
    "bag_one_piece_closed": (30, 90), "bag_one_piece_drainable": (20, 45), "bag_urostomy": (30, 60),
    "bag_two_piece": (30, 75), "baseplate_two_piece": (10, 20), "baseplate_convex": (10, 20),
}
# Accessories are granted per quarter or per year by category: (category, period, quantity).
ACCESSORIES = [
    ("adhesive_remover", "quarter", 2), ("barrier_film", "quarter", 1), ("paste_rings", "quarter", 2),
    ("disposal_bag", "quarter", 1), ("belt", "year", 2),
]
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# The fixed demo citizens order on a known rhythm (last order 15 days ago, within the grant) so the demo and
# the e2e journeys can reorder within the grant today, and order one box beyond it.
FIXED_LAST_ORDER_DAYS_AGO = 15
FIXED_PLANS = {
    # CPR: (main category, boxes granted per month, boxes per order, measure Ø mm)
    "1503481234": ("bag_one_piece_closed", 4, 2, 32),
    "0207562345": ("bag_one_piece_drainable", 3, 3, None),
    "1112403456": ("bag_urostomy", 2, 1, None),
}
PROGRESS = [S.ACCEPTED, S.SENT_TO_WAREHOUSE, S.PICKED, S.CUT, S.PACKED, S.SHIPPED, S.DELIVERED]
HISTORY_YEARS = 3
# _status_for settles every order older than 14 days (delivered, rejected or cancelled). The earlier years repeat
# orders at least this old only, so no copy stops half-way; the drawn part reaches that much further back.
SETTLED_AFTER_DAYS = 15
# At most one order a month: the drawn 12½ months touch at most 14 calendar months. Each earlier year gets a block of
# this many order ids per citizen below the later ones, so order numbers grow with time as they would have.
MAX_ORDERS_PER_CITIZEN = 14

ORDER_COLUMNS = ("id", "citizen_id", "status", "channel", "placed_by_id", "idempotency_key", "express", "is_replacement",
                 "delivery_name", "delivery_address", "delivery_postcode", "delivery_city", "temporary_address",
                 "created_at", "submitted_at", "decided_at", "decided_by_id", "decision_reason", "delivered_at",
                 "tracking_reference", "carrier")
LINE_COLUMNS = ("id", "order_id", "variant_id", "grant_line_id", "quantity", "article_number", "product_name",
                "unit_price_oere", "vat_rate_pct", "cut_shape", "cut_diameter_mm", "cut_width_mm", "cut_height_mm", "routing")
EVENT_COLUMNS = ("id", "order_id", "from_status", "to_status", "at", "by_id", "by_citizen", "reason")


@dataclass
class _Line:
    variant: Variant
    quantity: int
    period: str
    by_category: bool = False
    ceiling_oere: int | None = None
    per_order: int | None = None  # boxes in each order (defaults to the period's quantity)
    id: int | None = None

    def __post_init__(self):
        # Read once: the variant's ORM attributes cost more than everything else about a million order lines.
        self.variant_id = self.variant.id
        self.cut_to_fit = self.variant.is_cut_to_fit
        self.article_number = self.variant.article_number


@dataclass
class _Plan:
    citizen_id: int
    municipality_id: int
    valid_from: date
    lines: list[_Line] = field(default_factory=list)
    measure: tuple | None = None  # (shape, diameter, width, height)
    fixed: bool = False
    past_variant: Variant | None = None  # the product of an earlier, ended grant


class _Catalogue:
    """The demo assortment in memory: active, priced variants by category code."""

    def __init__(self, on: date):
        variants = list(db.session.scalars(
            select(Variant).join(Product).where(Variant.active.is_(True), Product.active.is_(True))
            .options(selectinload(Variant.product).selectinload(Product.category)).order_by(Variant.id)
        ))
        self.prices = prices_in_force([v.id for v in variants], on)
        self.by_category: dict[str, list[Variant]] = defaultdict(list)
        for v in variants:
            if v.id in self.prices:
                self.by_category[v.product.category.code].append(v)
        self.category_ids = {c.code: c.id for c in db.session.scalars(select(Category))}
        # Display names read the product: computed once here, not per order line.
        self.names = {v.id: v.display_name for vs in self.by_category.values() for v in vs}
        # Prices by period of validity (a contract's prices share one): a day's prices are those of the periods
        # that hold it, worked out once per day.
        self._periods: dict[tuple, dict[int, tuple[int, int]]] = defaultdict(dict)
        for p in db.session.execute(
            select(ContractPrice.variant_id, ContractPrice.valid_from, ContractPrice.valid_to, ContractPrice.price_oere,
                   ContractPrice.vat_rate_pct).where(ContractPrice.variant_id.in_(list(self.names)))):
            self._periods[(p.valid_from, p.valid_to)][p.variant_id] = (p.price_oere, p.vat_rate_pct)
        self._prices_on: dict[date, dict[int, tuple[int, int]]] = {}

    def prices_on(self, day: date) -> dict[int, tuple[int, int]]:
        """Variant id → (price in øre, VAT %) of the contract in force on `day` (before 2026, the previous one)."""
        prices = self._prices_on.get(day)
        if prices is None:
            prices = self._prices_on[day] = {}
            for (valid_from, valid_to), period in sorted(self._periods.items(), key=lambda item: item[0][0]):
                if valid_from <= day and (valid_to is None or day <= valid_to):
                    prices.update(period)
        return prices


def _boxes(rng, category: str, variant: Variant) -> int:
    low, high = UNITS_PER_MONTH[category]
    return max(1, math.ceil(rng.randint(low, high) / variant.pack_size))


def _measure_for(rng, variant: Variant, wanted: int | None = None) -> tuple:
    lo, hi = variant.cut_min_mm + 2, min(variant.cut_max_mm - 3, 55)
    if wanted is not None and variant.cut_min_mm <= wanted <= variant.cut_max_mm:
        return ("round", wanted, None, None)
    if rng.random() < 0.15:
        width = rng.randint(lo + 3, hi)
        return ("oval", None, width, rng.randint(lo, width - 2))
    return ("round", rng.randint(lo, hi), None, None)


def _plan(rng, cat: _Catalogue, citizen, today: date, fixed: tuple | None) -> _Plan:
    citizen_id, municipality_id, stoma_type = citizen
    if fixed:
        valid_from = add_months(today, -24)
    elif (draw := rng.random()) < 0.1:  # a recent discharge: still in the first months' ordering rules
        valid_from = today - timedelta(days=rng.randint(20, 150))
    elif draw < 0.15:  # granted during the three years of history
        valid_from = today - timedelta(days=rng.randint(150, 365 * HISTORY_YEARS))
    else:  # most have had their stoma, and this grant, for longer
        valid_from = today - timedelta(days=rng.randint(365 * HISTORY_YEARS + 30, 365 * 12))
    plan = _Plan(citizen_id, municipality_id, valid_from, fixed=bool(fixed))
    stoma_type = StomaType(stoma_type)
    main = MAIN_BAG[stoma_type]
    if fixed:
        main, boxes, per_order, diameter = fixed
        choices = cat.by_category[main]
        fitting = [v for v in choices if diameter and v.is_cut_to_fit and v.cut_min_mm <= diameter <= v.cut_max_mm]
        variant = (fitting or [v for v in choices if not v.is_cut_to_fit] or choices)[0]
        plan.lines.append(_Line(variant, boxes, "month", per_order=per_order))
        if variant.is_cut_to_fit:
            plan.measure = _measure_for(rng, variant, diameter)
        plan.lines.append(_Line(rng.choice(cat.by_category["adhesive_remover"]), 6, "quarter", by_category=True, per_order=2))
        return plan
    two_piece = stoma_type is not StomaType.UROSTOMY and rng.random() < 0.3
    if two_piece:
        plate_category = "baseplate_convex" if rng.random() < 0.2 else "baseplate_two_piece"
        plates = [v for v in cat.by_category[plate_category] if v.is_cut_to_fit] or \
            [v for v in cat.by_category["baseplate_two_piece"] if v.is_cut_to_fit]
        plate = rng.choice(plates)
        plan.measure = _measure_for(rng, plate)
        plan.lines.append(_Line(plate, _boxes(rng, plate.product.category.code, plate), "month"))
        bags = [v for v in cat.by_category["bag_two_piece"] if v.coupling_mm == plate.coupling_mm] or cat.by_category["bag_two_piece"]
        bag = rng.choice(bags)
        plan.lines.append(_Line(bag, _boxes(rng, "bag_two_piece", bag), "month", by_category=rng.random() < 0.25))
    else:
        bag = rng.choice(cat.by_category[main])
        if bag.is_cut_to_fit:
            plan.measure = _measure_for(rng, bag)
        plan.lines.append(_Line(bag, _boxes(rng, main, bag), "month", by_category=not bag.is_cut_to_fit and rng.random() < 0.25))
    if rng.random() < 0.15:  # some grants are per quarter: the same use, ordered in bigger lots
        plan.lines[0].quantity *= 3
        plan.lines[0].period = "quarter"
    # Many grants leave some room: the citizen usually orders a box less than granted.
    for line in plan.lines:
        if line.quantity >= 2 and rng.random() < 0.5:
            line.per_order = line.quantity - 1
    if rng.random() < 0.1:
        price = cat.prices[plan.lines[0].variant.id].price_oere
        plan.lines[0].ceiling_oere = math.ceil(plan.lines[0].quantity * price * 1.1 / 10000) * 10000
    for code, period, quantity in rng.sample(ACCESSORIES, rng.choice([0, 0, 1, 1, 2])):
        if cat.by_category[code]:
            plan.lines.append(_Line(rng.choice(cat.by_category[code]), quantity, period, by_category=True))
    if rng.random() < 0.1:
        others = [v for v in cat.by_category[main] if v.id != plan.lines[0].variant.id and not v.is_cut_to_fit]
        plan.past_variant = rng.choice(others) if others else None
    return plan


@lru_cache(maxsize=4096)
def _midnight(day: date) -> datetime:
    return start_of_local_day_utc(day)


def _at(day: date, rng) -> datetime:
    """A moment during the day (07–21) on a local day, as aware UTC."""
    # random() rather than randrange(): a third of the cost, and this runs for every order
    return _midnight(day) + timedelta(minutes=7 * 60 + int(rng.random() * 14 * 60))


def _order_days(rng, plan: _Plan, today: date, history_start: date) -> list[date]:
    start = max(history_start, plan.valid_from)
    if plan.fixed:
        last = today - timedelta(days=FIXED_LAST_ORDER_DAYS_AGO)
        days = [last - timedelta(days=30 * k) for k in range(12)]
        return sorted(d for d in days if d >= start)
    day_of_month = rng.randint(1, 28)
    days, month = [], date(start.year, start.month, 1)
    while month <= today:
        day = month.replace(day=day_of_month) + timedelta(days=rng.randint(-2, 2))
        if start <= day < today:
            days.append(day)
        month = add_months(month, 1)
    return days


def _line_quantity(line: _Line, day: date, first: bool, last_for_fixed: bool) -> int:
    """Boxes of a grant line in the order of `day`: monthly lines every month, others in their period's first month."""
    if line.period == "month":
        return line.per_order or line.quantity
    if last_for_fixed:
        return 0  # the fixed citizens' newest order holds only monthly lines: it must be re-orderable today
    months = PERIOD_MONTHS[line.period]
    if first or (day.month - 1) % months == 0:
        return line.per_order or line.quantity
    return 0


# Read as plain names: an Enum member looked up on its class costs a descriptor call, millions of times over.
AWAITING, ACCEPTED, REJECTED, CANCELLED, DELIVERED, SHIPPED, DRAFT = (
    S.AWAITING_APPROVAL, S.ACCEPTED, S.REJECTED, S.CANCELLED, S.DELIVERED, S.SHIPPED, S.DRAFT)
DELIVERED_PATHS = {True: [*PROGRESS], False: [s for s in PROGRESS if s is not S.CUT]}  # by "has a cut line"


def _status_for(rng, age: int, has_cut: bool, over: bool, fixed: bool = False) -> tuple[list[S], S | None]:
    """The path an order took so far (from draft) and, for a decided request, the decision. The fixed demo
    citizens' orders are never cancelled: their journeys count on what they received."""
    if over:
        if age <= 14:
            return [AWAITING], None
        if rng.random() < 0.25:
            return [AWAITING, REJECTED], REJECTED
        path = [AWAITING]
    else:
        path = []
    if age > 3 and not fixed and rng.random() < 0.02:
        return path + [CANCELLED] if over else [ACCEPTED, CANCELLED], None
    steps = DELIVERED_PATHS[has_cut]
    if age > 14:
        return path + steps, ACCEPTED if over else None
    if age > 7:
        reached = rng.choice([S.DELIVERED] * 8 + [S.SHIPPED])
    elif age > 3:
        reached = rng.choice([S.SHIPPED, S.SHIPPED, S.PACKED, S.DELIVERED])
    elif age > 1:
        reached = rng.choice([S.SENT_TO_WAREHOUSE, S.PICKED, S.CUT if has_cut else S.PICKED, S.PACKED])
    else:
        reached = S.ACCEPTED
    return path + steps[:steps.index(reached) + 1], ACCEPTED if over else None


def _grant_rows(plan: _Plan, cat: _Catalogue, officer_id, rng) -> list[dict]:
    grants = []

    def snapshot(lines, valid_from, valid_to):
        return {"legal_basis": LEGAL_BASIS, "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None, "express_per_year": 2,
                "lines": [{"variant_id": vid, "category_id": cid, "quantity": q, "period": p, "price_ceiling_oere": c}
                          for vid, cid, q, p, c in lines]}

    if plan.past_variant is not None:
        past_from = plan.valid_from - timedelta(days=rng.randint(200, 700))
        past_to = plan.valid_from - timedelta(days=1)
        lines = [(plan.past_variant.id, None, plan.lines[0].quantity, plan.lines[0].period, None)]
        grants.append(dict(status="ended", valid_from=past_from, valid_to=past_to, version=2,
                           created_at=_at(past_from, rng), ended_at=_at(past_to, rng), ended_by_id=officer_id,
                           end_reason="Produktskift efter råd fra stomisygeplejerske", _lines=lines,
                           _changes=[(1, "created", "Bevilget efter udskrivelse", past_from),
                                     (2, "ended", "Produktskift efter råd fra stomisygeplejerske", past_to)]))
    lines = [(None if l.by_category else l.variant.id, cat.category_ids[l.variant.product.category.code] if l.by_category else None,
              l.quantity, l.period, l.ceiling_oere) for l in plan.lines]
    grants.append(dict(status="active", valid_from=plan.valid_from, valid_to=None, version=1,
                       created_at=_at(plan.valid_from, rng), ended_at=None, ended_by_id=None, end_reason=None,
                       _lines=lines, _changes=[(1, "created", "Bevilget efter udskrivelse og stomisygeplejerskens anbefaling", plan.valid_from)]))
    for g in grants:
        g.update(citizen_id=plan.citizen_id, municipality_id=plan.municipality_id, legal_basis=LEGAL_BASIS,
                 express_per_year=2, created_by_id=officer_id)
        g["_snapshot"] = snapshot(g["_lines"], g["valid_from"], g["valid_to"])
    return grants


def history_window(today: date) -> tuple[date, date]:
    """(start, settled): orders are drawn from `start` to today; those before `settled` are repeated in the earlier
    years (from `start` a year back to `settled` a year back, and so on: the years join without gap or overlap)."""
    settled = today - timedelta(days=SETTLED_AFTER_DAYS)
    return add_months(settled, -12), settled


def generate_grants_and_orders(ctx) -> None:
    """Give every demo citizen a grant that fits their stoma, a measure where cut-to-fit, and three years of orders.

    Areas that keep rows of their own per accepted order (fulfilment's warehouse instructions) get each such order
    as it is made, through ctx.accepted_order_sinks, and are loaded in the same pass.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    rng, today = ctx.rng, ctx.today
    cat = _Catalogue(today)
    if not cat.by_category.get("bag_one_piece_closed"):
        ctx.echo("no catalogue: grants and orders skipped")
        return
    wanted = set(ctx.citizen_ids)  # filtered here: an IN list of 100,000 ids is beyond SQLite's parameter limit
    citizens = [c for c in db.session.execute(
        select(Citizen.id, Citizen.municipality_id, Citizen.stoma_type, Citizen.name, Citizen.address, Citizen.postcode,
               Citizen.city).order_by(Citizen.id)
    ) if c.id in wanted]
    fixed = _fixed_citizens()
    # The first (lowest id) user of a role or municipality acts in the history: a dict keeps the last of equal keys.
    officers = dict(db.session.execute(
        select(User.municipality_id, User.id).where(User.role == Role.GRANT_OFFICER).order_by(User.id.desc())).all())
    staff = dict(db.session.execute(
        select(User.role, User.id).where(User.role.in_([Role.NURSE, Role.CALLCENTER])).order_by(User.id.desc())).all())
    plans = [_plan(rng, cat, (c.id, c.municipality_id, c.stoma_type), today, FIXED_PLANS.get(fixed.get(c.id)))
             for c in citizens]
    sinks = [make() for make in ctx.accepted_order_sinks]
    ctx.sinks_fed.extend(ctx.accepted_order_sinks)
    tables = [Order, OrderLine, OrderEvent, OrderEventReason, *(model for sink in sinks for model in sink.models)]
    # PostgreSQL has a core to spare while Python makes the rows, and none while the keys are built afterwards:
    # the keys of the tables filled in id order, cheapest to keep up, stay (measured at national scale).
    kept = (OrderEvent, OrderLine, *(model for sink in sinks for model in sink.sequential_keys))
    with constraints_set_aside(*tables, keep_keys=kept, echo=ctx.echo):
        step = time.perf_counter()
        with pipelined(), _no_garbage_collection():
            active, ended = _insert_grants(rng, plans, cat, officers)
            measures = _insert_measures(rng, plans, staff.get(Role.NURSE))
            counts = _insert_orders(rng, plans, citizens, cat, staff, today, sinks)
            handed_over = [sink.close() for sink in sinks]
        ctx.echo(f"  {active} grants ({ended} ended), {measures} cutting measures; {counts.orders} orders "
                 f"({counts.drawn} drawn, the rest earlier years' repeats) with {counts.lines} lines and {counts.events} "
                 f"events{''.join(f', {n} {sink.label}' for n, sink in zip(handed_over, sinks))} "
                 f"written in {time.perf_counter() - step:.1f} s")
    ctx.echo(f"{active} grants, {counts.orders} orders with {counts.lines} lines, {counts.events} events "
             f"in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu_started:.1f} s CPU)")


GRANT_COLUMNS = ("id", "citizen_id", "municipality_id", "legal_basis", "valid_from", "valid_to", "status",
                 "express_per_year", "version", "created_at", "created_by_id", "ended_at", "ended_by_id", "end_reason")
GRANT_LINE_COLUMNS = ("id", "grant_id", "variant_id", "category_id", "quantity", "period", "price_ceiling_oere", "replaced_at")
GRANT_CHANGE_COLUMNS = ("grant_id", "version", "action", "at", "by_id", "reason", "snapshot")
MEASURE_COLUMNS = ("citizen_id", "shape", "diameter_mm", "width_mm", "height_mm", "created_at", "entered_by_citizen",
                   "entered_by_id", "confirmed_by_id", "confirmed_at", "remeasure_on", "note")


@contextmanager
def _no_garbage_collection():
    """The pass makes tens of millions of tuples and no reference cycles: the cyclic collector, set off by every
    few hundred new tuples, would only walk the living ones again and again."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _insert_grants(rng, plans: list[_Plan], cat: _Catalogue, officers: dict) -> tuple[int, int]:
    """Each plan's grant (and any ended earlier one) with its lines and history; sets the plan lines' ids."""
    grants = TableWriter(Grant, GRANT_COLUMNS)
    grant_lines = TableWriter(GrantLine, GRANT_LINE_COLUMNS, after=(grants,))
    changes = TableWriter(GrantChange, GRANT_CHANGE_COLUMNS, after=(grants,))
    next_grant, next_line, ended = first_free_id(Grant), first_free_id(GrantLine), 0
    for plan in plans:
        for spec in _grant_rows(plan, cat, officers.get(plan.municipality_id), rng):
            grants.add((next_grant, *(spec[c] for c in GRANT_COLUMNS[1:])))
            ended += spec["status"] == "ended"
            for i, (vid, cid, q, period, ceiling) in enumerate(spec["_lines"]):
                grant_lines.add((next_line, next_grant, vid, cid, q, period, ceiling, None))
                if spec["status"] == "active":
                    plan.lines[i].id = next_line
                next_line += 1
            for version, action, reason, day in spec["_changes"]:
                changes.add((next_grant, version, action, _at(day, rng), spec["created_by_id"], reason, spec["_snapshot"]))
            next_grant += 1
    total = grants.close()
    grant_lines.close()
    changes.close()
    return total - ended, ended


def _insert_measures(rng, plans: list[_Plan], nurse_id: int | None) -> int:
    writer = TableWriter(CuttingMeasure, MEASURE_COLUMNS)
    for p in plans:
        if p.measure:
            writer.add((p.citizen_id, *p.measure, _at(p.valid_from, rng), False, nurse_id, None, None, None, None))
    return writer.close()


@dataclass
class _Counts:
    orders: int = 0
    drawn: int = 0
    lines: int = 0
    events: int = 0


def _year_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _insert_orders(rng, plans: list[_Plan], citizens, cat: _Catalogue, staff: dict, today: date, sinks) -> _Counts:
    """Every plan's orders, with their lines and timelines: drawn from 12½ months ago to today, then each settled one
    again 1 and 2 years earlier where the grant was in force (never for the fixed demo citizens, whose history the
    journeys know). The citizen's orders are numbered in blocks by year, oldest first.

    Each order is routed, oldest first, by the ordering rule's own decisions (ordering.line_reason, per_order_limit,
    too_soon_until) against what the citizen's earlier orders that count used of each grant line in its period, as
    ordering.evaluate judges it: an order goes to approval only when the rule says so (issue 24, item 8). A repeat
    takes its original's timeline when both are routed alike; otherwise the other timeline is drawn for it once.

    This loop makes every order of national scale (three million, with 25 million rows around them): it appends
    to the writers' lists itself and keeps to local names.
    """
    by_id = {c.id: c for c in citizens}
    orders = TableWriter(Order, ORDER_COLUMNS)
    lines = TableWriter(OrderLine, LINE_COLUMNS, after=(orders,))
    events = TableWriter(OrderEvent, EVENT_COLUMNS, after=(orders,))
    event_reasons = TableWriter(OrderEventReason, ("event_id", "reason"), after=(events,))
    put_order, put_line, put_event = orders.rows.append, lines.rows.append, events.rows.append
    put_reason = event_reasons.rows.append
    sink_adds = [sink.add for sink in sinks]
    start, settled = history_window(today)
    block = MAX_ORDERS_PER_CITIZEN * len(plans)
    next_order = first_free_id(Order) + (HISTORY_YEARS - 1) * block
    next_line, next_event = first_free_id(OrderLine), first_free_id(OrderEvent)
    agent, nurse = staff.get(Role.CALLCENTER), staff.get(Role.NURSE)
    sla_days = {False: current_app.config["DELIVERY_SLA_DAYS"], True: current_app.config["DELIVERY_SLA_EXPRESS_DAYS"]}
    within = "within_grant"
    rules = default_rules(0)  # the demo municipalities keep the default order rules
    names, prices_on, random = cat.names, cat.prices_on, rng.random
    no_cut = (None, None, None, None)
    drawn = 0
    for plan in plans:
        citizen = by_id[plan.citizen_id]
        delivery = (citizen.name, citizen.address, citizen.postcode, citizen.city)
        measure = plan.measure
        days = _order_days(rng, plan, today, start)
        if len(days) > MAX_ORDERS_PER_CITIZEN:
            raise RuntimeError(f"{len(days)} orders for citizen {plan.citizen_id}: more than the id block allows")
        last = len(days) - 1
        originals = []  # [order id, day, lines [(line, quantity)], submitted, express, {over: (row, path, clock)}]
        for n, day in enumerate(days):
            picked = [(line, q) for line in plan.lines
                      if (q := _line_quantity(line, day, n == 0, plan.fixed and n == last))]
            if not picked:
                continue
            # Now and then a citizen asks for one box more than usual (more often in the newest order, so the demo
            # has a few still waiting): whether the grant holds it is the rule's to say.
            if not plan.fixed and random() < (0.1 if n == last else 0.03):
                picked[0] = (picked[0][0], picked[0][1] + 1)
            originals.append((next_order, day, picked, _at(day, rng), not plan.fixed and random() < 0.03, {}))
            next_order += 1
            drawn += 1
        # (moment sent, years back, the original): the repeats whole years earlier, where the grant was in force.
        sent = [(o[3], 0, o) for o in originals]
        for years in range(1, HISTORY_YEARS):
            for o in originals:
                if o[1] < settled and not plan.fixed:
                    earlier = _year_back(o[1], years)
                    if earlier >= plan.valid_from:
                        sent.append((o[3] + timedelta(days=(earlier - o[1]).days), years, o))
        sent.sort(key=lambda s: s[0])
        used: dict[tuple, list[int]] = {}  # (grant line id, period start) → [packs, øre] of the orders that count
        last_sent, express_in_year = None, defaultdict(int)
        for _moment, years, (original_id, original_day, picked, original_sent, express, timelines) in sent:
            day = _year_back(original_day, years) if years else original_day
            # A citizen asks for express within the grant's allowance (two a year) only.
            express = express and express_in_year[day.year] < 2
            express_in_year[day.year] += express
            prices = prices_on(day)
            routed = []
            for line, quantity in picked:
                packs, oere = used.get((line.id, _period_start(line.period, day)), (0, 0))
                routed.append(line_reason(
                    quantity, quantity * prices[line.variant_id][0], granted=line.quantity, used=packs,
                    used_oere=oere, ceiling_oere=line.ceiling_oere,
                    per_order=per_order_limit(line.quantity, line.period, plan.valid_from, day, rules)))
            too_soon = too_soon_until(last_sent, day, rules) is not None
            over = too_soon or any(r != within for r in routed)
            if over not in timelines:
                timelines[over] = _order_row(rng, original_id, plan, citizen, original_day, today, picked, over,
                                             agent, nurse, original_sent, express, sla_days)
            row, path, clock = timelines[over]
            shift = timedelta(days=(day - original_day).days)
            order_id = original_id - years * block
            # Each copy's steps fall on its own working days (a copy a year back is on another weekday).
            moments = _progress(path, row[14] + shift, express, clock, sla_days)
            if years or row[6] != express:
                decided = moments[1] if row[15] else None  # a decision follows the wait for approval
                delivered = moments[-1] if row[18] else None
                row = (order_id, *row[1:5], f"demo-{order_id:09d}", express, *row[7:13], row[13] + shift,
                       row[14] + shift, decided, *row[16:18], delivered,
                       row[19] and (f"DAO{int(random() * 1e9):09d}" if years else row[19]), row[20])
            put_order(row)
            order_lines = []
            for (line, quantity), routing in zip(picked, routed):
                variant_id = line.variant_id
                head = (variant_id, line.id, quantity, line.article_number, names[variant_id])
                tail = (*(measure if measure and line.cut_to_fit else no_cut), routing)
                order_lines.append((head, tail))
                put_line((next_line, order_id, *head, *prices[variant_id], *tail))
                next_line += 1
            placed_by, decided_by, decision_reason = row[4], row[16], row[17]
            sent_reasons = sorted({r for r in routed if r != within} | ({"too_soon"} if too_soon else set()))
            previous = DRAFT
            for step, at in zip(path, moments):
                # Who took each step: the citizen or agent sends, a nurse decides, the warehouse moves it on.
                actor, by_citizen, reason = None, False, None
                if previous is DRAFT:
                    actor, by_citizen = placed_by, placed_by is None
                    if step is AWAITING:  # the routing reasons are rows of their own (ordering.set_status)
                        for sent_reason in sent_reasons:
                            put_reason((next_event, sent_reason))
                    else:
                        reason = within
                elif previous is AWAITING and (step is ACCEPTED or step is REJECTED):
                    actor, reason = decided_by, decision_reason
                elif step is CANCELLED:
                    by_citizen, reason = True, "cancelled"
                put_event((next_event, order_id, previous._value_, step._value_, at, actor, by_citizen, reason))
                next_event += 1
                previous = step
            status = path[-1]
            if status is not REJECTED and status is not CANCELLED:  # what counts against the grant afterwards
                last_sent = day
                for (line, quantity), (head, _tail) in zip(picked, order_lines):
                    use = used.setdefault((line.id, _period_start(line.period, day)), [0, 0])
                    use[0] += quantity
                    use[1] += quantity * prices[line.variant_id][0]
            if ACCEPTED in path and sink_adds:
                accepted_at = moments[path.index(ACCEPTED)]
                # (variant id, article number, packs, cut shape, Ø, width, height)
                packs = tuple((head[0], head[3], head[2], *tail[:4]) for head, tail in order_lines)
                for add in sink_adds:
                    add(order_id, status, accepted_at, row[6], citizen.id, delivery, packs)
        orders.spill()
        lines.spill()
        events.spill()
        event_reasons.spill()
        for sink in sinks:
            sink.spill()
    counts = _Counts(orders=orders.close(), drawn=drawn, lines=lines.close(), events=events.close())
    event_reasons.close()
    return counts


@lru_cache(maxsize=4096)
def _period_start(period: str, day: date) -> date:
    return period_bounds(GrantPeriod(period), day)[0]


_MINUTES = [timedelta(minutes=m) for m in range(2, 41)]  # from opening the draft to sending it
_ONE_MINUTE = timedelta(minutes=1)
# The warehouse starts the day's orders when they come in before noon on a working day; later ones the next one.
WAREHOUSE_CUT_OFF_HOUR = 12
# A share of deliveries arrives a working day after the promised one (the SLA page has something to show).
LATE_SHARE = 0.04


def _clock(random) -> tuple:
    """The times of day of one order's steps, drawn once and used for every copy of it (minutes after midnight):
    a nurse's decision 08–15, picking 08–11, cutting and packing up to 1½ hours each, hand-over to the carrier
    15–16:30, delivery 09–16; and whether the carrier is a day late."""
    return (480 + int(random() * 420), 480 + int(random() * 180), 20 + int(random() * 70), 15 + int(random() * 75),
            900 + int(random() * 90), 540 + int(random() * 420), random() < LATE_SHARE)


@lru_cache(maxsize=8192)
def _working_days(accepted_on: date, accepted_hour: int, days: int, late: bool) -> tuple[date, date]:
    """(the day the warehouse picks and ships, the day the carrier delivers): delivery on the promised day
    (fulfilment.instructions.requested_delivery_date), never before the day after shipping; a late one a working
    day later."""
    from fulfilment.instructions import requested_delivery_date
    from stomi_app.workdays import add_working_days, is_working_day

    work = accepted_on if is_working_day(accepted_on) and accepted_hour < WAREHOUSE_CUT_OFF_HOUR \
        else add_working_days(accepted_on, 1)
    delivered = requested_delivery_date(accepted_on, days)
    if delivered <= work:
        delivered = add_working_days(work, 1)
    return work, add_working_days(delivered, 1) if late else delivered


def _progress(path: list[S], submitted: datetime, express: bool, clock: tuple, sla_days: dict) -> list[datetime]:
    """The moment of each step of `path` for an order sent at `submitted` (aware UTC): plausible for the SLA page
    and the citizen's history, i.e. nurses and the warehouse on working days in the daytime, deliveries on the
    promised working day (issue 19 item 17)."""
    from stomi_app.workdays import add_working_days

    decide, pick, cut, pack, ship, deliver, late = clock
    moments, moment, accepted = [], submitted, None
    work = delivered = None
    for step in path:
        if step is AWAITING:
            moment = submitted
        elif step is ACCEPTED or step is REJECTED:
            if moments:  # decided by a nurse: in office hours on the next working day
                local = local_date(moment)
                moment = _midnight(add_working_days(local, 1)) + timedelta(minutes=decide)
            accepted = moment
        elif step is CANCELLED:
            moment = moment + timedelta(minutes=decide // 8)
        elif step is S.SENT_TO_WAREHOUSE:
            moment = accepted + _ONE_MINUTE
            local = accepted.astimezone(TZ)
            work, delivered = _working_days(local.date(), local.hour, sla_days[express], late)
        elif step is S.PICKED:
            moment = max(moment + _ONE_MINUTE, _midnight(work) + timedelta(minutes=pick))
        elif step is S.CUT or step is S.PACKED:
            moment = moment + timedelta(minutes=cut if step is S.CUT else pack)
        elif step is SHIPPED:
            moment = max(moment + _ONE_MINUTE, _midnight(work) + timedelta(minutes=ship))
        elif step is DELIVERED:
            moment = _midnight(delivered) + timedelta(minutes=deliver)
        moments.append(moment)
    return moments


def _order_row(rng, order_id: int, plan: _Plan, citizen, day: date, today: date, lines: list, over: bool,
               agent: int | None, nurse: int | None, submitted: datetime, express: bool, sla_days: dict
               ) -> tuple[tuple, list[S], tuple]:
    """One order of the history (ORDER_COLUMNS): where it got to by today, when, by which channel; also its path and
    the times of day of its steps (_clock), for _progress to place each copy's steps on its own working days."""
    random = rng.random  # random() rather than randint(): a third of the cost, for millions of draws
    has_cut = plan.measure is not None and any(line.cut_to_fit for line, _q in lines)
    path, decision = _status_for(rng, (today - day).days, has_cut, over, plan.fixed)
    clock = _clock(random)
    moments = _progress(path, submitted, express, clock, sla_days)
    now = utcnow()
    while moments[-1] > now and path[-1] not in (AWAITING, ACCEPTED, REJECTED, CANCELLED):
        path, moments = path[:-1], moments[:-1]  # a step the warehouse or the carrier has not taken yet
    status = path[-1]
    phone = not plan.fixed and random() < 0.25
    reason = None
    if decision is not None:
        reason = ("Afvist: forbruget er drøftet med borgeren" if decision is REJECTED
                  else "Godkendt: øget forbrug efter hudproblemer")
    created = submitted - _MINUTES[int(random() * len(_MINUTES))]
    shipped = status is SHIPPED or status is DELIVERED
    row = (
        order_id, citizen.id, status._value_, "phone" if phone else "web", agent if phone else None,
        f"demo-{order_id:09d}", express, False, citizen.name, citizen.address, citizen.postcode, citizen.city, False,
        created, submitted, moments[path.index(decision)] if decision else None, nurse if decision else None, reason,
        moments[-1] if status is DELIVERED else None,
        f"DAO{int(random() * 1e9):09d}" if shipped else None, "DAO" if shipped else None,
    )
    return row, path, clock


def _fixed_citizens() -> dict[int, str]:
    """Citizen id → CPR digits for the fixed demo citizens (found by their look-up hash)."""
    from stomi_app import cpr

    hashes = {cpr.lookup_hash(digits): digits for digits in FIXED_PLANS}
    rows = db.session.execute(select(Citizen.id, Citizen.cpr_hash).where(Citizen.cpr_hash.in_(list(hashes)))).all()
    return {cid: hashes[h] for cid, h in rows}
