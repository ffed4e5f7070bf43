"""Demo grants, cutting measures and about a year of order history for every demo citizen, inserted in bulk."""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import selectinload

from catalogue.models import Category, Product, Variant
from catalogue.services import prices_in_force
from stomi_app.extensions import db
from stomi_app.models import (
    Citizen, CuttingMeasure, Grant, GrantChange, GrantLine, Order, OrderEvent, OrderLine, Role, StomaType, User,
)
from stomi_app.models.orders import OrderStatus as S
from stomi_app.timeutil import add_months, start_of_local_day_utc

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
# The fixed demo citizens order on a known rhythm (last order 20 days ago, within the grant) so the demo and
# the e2e journeys can reorder within the grant today, and order one box beyond it.
FIXED_LAST_ORDER_DAYS_AGO = 20
FIXED_PLANS = {
    # CPR: (main category, boxes granted per month, boxes per order, measure Ø mm)
    "1503481234": ("bag_one_piece_closed", 4, 2, 32),
    "0207562345": ("bag_one_piece_drainable", 3, 3, None),
    "1112403456": ("bag_urostomy", 2, 1, None),
}
PROGRESS = [S.ACCEPTED, S.SENT_TO_WAREHOUSE, S.PICKED, S.CUT, S.PACKED, S.SHIPPED, S.DELIVERED]


@dataclass
class _Line:
    variant: Variant
    quantity: int
    period: str
    by_category: bool = False
    ceiling_oere: int | None = None
    per_order: int | None = None  # boxes in each order (defaults to the period's quantity)
    id: int | None = None


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
    elif rng.random() < 0.1:  # a recent discharge: still in the first months' ordering rules
        valid_from = today - timedelta(days=rng.randint(20, 150))
    else:
        valid_from = today - timedelta(days=rng.randint(400, 365 * 6))
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
    return _midnight(day) + timedelta(minutes=rng.randrange(7 * 60, 21 * 60))


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


def _status_for(rng, age: int, has_cut: bool, over: bool) -> tuple[list[S], S | None]:
    """The path an order took so far (from draft) and, for a decided request, the decision."""
    if over:
        if age <= 14:
            return [S.AWAITING_APPROVAL], None
        if rng.random() < 0.25:
            return [S.AWAITING_APPROVAL, S.REJECTED], S.REJECTED
        path = [S.AWAITING_APPROVAL]
    else:
        path = []
    if age > 3 and rng.random() < 0.02:
        return path + [S.CANCELLED] if over else [S.ACCEPTED, S.CANCELLED], None
    if age > 14:
        reached = S.DELIVERED
    elif age > 7:
        reached = rng.choice([S.DELIVERED] * 8 + [S.SHIPPED])
    elif age > 3:
        reached = rng.choice([S.SHIPPED, S.SHIPPED, S.PACKED, S.DELIVERED])
    elif age > 1:
        reached = rng.choice([S.SENT_TO_WAREHOUSE, S.PICKED, S.CUT if has_cut else S.PICKED, S.PACKED])
    else:
        reached = S.ACCEPTED
    steps = [s for s in PROGRESS if has_cut or s is not S.CUT]
    return path + steps[:steps.index(reached) + 1], S.ACCEPTED if over else None


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


def generate_grants_and_orders(ctx) -> None:
    """Give every demo citizen a grant that fits their stoma, a measure where cut-to-fit, and a year of orders."""
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
    active, ended = _insert_grants(rng, plans, cat, officers)
    measures = _insert_measures(rng, plans, staff.get(Role.NURSE))
    orders, lines = _insert_orders(rng, plans, citizens, cat, staff, today)
    ctx.echo(f"{active} grants ({ended} ended), {orders} orders with {lines} lines, {measures} cutting measures "
             f"in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu_started:.1f} s CPU)")


def _insert_grants(rng, plans: list[_Plan], cat: _Catalogue, officers: dict) -> tuple[int, int]:
    """Each plan's grant (and any ended earlier one) with its lines and history; sets the plan lines' ids."""
    grant_cols = {c.name for c in Grant.__table__.columns}
    grant_rows, line_rows, change_rows = [], [], []
    next_grant, next_line = _first_free_id(Grant), _first_free_id(GrantLine)
    for plan in plans:
        for spec in _grant_rows(plan, cat, officers.get(plan.municipality_id), rng):
            grant_rows.append({k: v for k, v in spec.items() if k in grant_cols} | {"id": next_grant})
            for i, (vid, cid, q, period, ceiling) in enumerate(spec["_lines"]):
                line_rows.append({"id": next_line, "grant_id": next_grant, "variant_id": vid, "category_id": cid,
                                  "quantity": q, "period": period, "price_ceiling_oere": ceiling, "replaced_at": None})
                if spec["status"] == "active":
                    plan.lines[i].id = next_line
                next_line += 1
            for version, action, reason, day in spec["_changes"]:
                change_rows.append({"grant_id": next_grant, "version": version, "action": action, "at": _at(day, rng),
                                    "by_id": spec["created_by_id"], "reason": reason, "snapshot": spec["_snapshot"]})
            next_grant += 1
    _bulk(Grant, grant_rows)
    _bulk(GrantLine, line_rows)
    _bulk(GrantChange, change_rows)
    ended = sum(1 for g in grant_rows if g["status"] == "ended")
    return len(grant_rows) - ended, ended


def _insert_measures(rng, plans: list[_Plan], nurse_id: int | None) -> int:
    rows = [
        {"citizen_id": p.citizen_id, "shape": p.measure[0], "diameter_mm": p.measure[1], "width_mm": p.measure[2],
         "height_mm": p.measure[3], "created_at": _at(p.valid_from, rng), "entered_by_citizen": False,
         "entered_by_id": nurse_id, "confirmed_by_id": None, "confirmed_at": None, "remeasure_on": None, "note": None}
        for p in plans if p.measure
    ]
    _bulk(CuttingMeasure, rows)
    return len(rows)


def _insert_orders(rng, plans: list[_Plan], citizens, cat: _Catalogue, staff: dict, today: date) -> tuple[int, int]:
    from catalogue.demo import CONTRACT_START

    # Orders are priced from the contract, so the history starts no earlier than the contract.
    history_start = max(add_months(today, -12), CONTRACT_START)
    by_id = {c.id: c for c in citizens}
    order_rows, line_rows, event_rows = [], [], []
    next_order = _first_free_id(Order)
    for plan in plans:
        citizen = by_id[plan.citizen_id]
        days = _order_days(rng, plan, today, history_start)
        for n, day in enumerate(days):
            lines = [[line, q, "within_grant"] for line in plan.lines
                     if (q := _line_quantity(line, day, n == 0, plan.fixed and n == len(days) - 1))]
            if not lines:
                continue
            # Now and then a citizen asks for one box more than the grant: a request someone must decide (more
            # often in the newest order, so the demo has a few still waiting).
            over = not plan.fixed and rng.random() < (0.1 if n == len(days) - 1 else 0.03)
            if over:
                lines[0][1] += 1
                lines[0][2] = "over_grant"
            row, path, moments = _order_row(rng, plan, citizen, day, today, lines, over, staff)
            row |= {"id": next_order, "idempotency_key": f"demo-{next_order:09d}"}
            order_rows.append(row)
            for line, quantity, routing in lines:
                line_rows.append(_order_line_row(next_order, line, quantity, routing, plan.measure, cat))
            previous = S.DRAFT
            for step, at in zip(path, moments):
                event_rows.append(_event_row(next_order, row, previous, step, at))
                previous = step
            next_order += 1
    _bulk(Order, order_rows)
    _bulk(OrderLine, line_rows)
    _bulk(OrderEvent, event_rows)
    return len(order_rows), len(line_rows)


def _order_row(rng, plan: _Plan, citizen, day: date, today: date, lines: list, over: bool, staff: dict):
    """One order of the history: where it got to by today, when, by which channel; also its path and moments."""
    has_cut = plan.measure is not None and any(line.variant.is_cut_to_fit for line, _q, _r in lines)
    path, decision = _status_for(rng, (today - day).days, has_cut, over)
    submitted = _at(day, rng)
    moments, moment = [], submitted
    for _step in path:
        moments.append(moment)
        moment += timedelta(hours=rng.randint(2, 30))
    phone = not plan.fixed and rng.random() < 0.25
    express = not plan.fixed and rng.random() < 0.03
    reason = None
    if decision is not None:
        reason = ("Afvist: forbruget er drøftet med borgeren" if decision is S.REJECTED
                  else "Godkendt: øget forbrug efter hudproblemer")
    row = {
        "citizen_id": citizen.id, "status": path[-1].value, "channel": "phone" if phone else "web",
        "placed_by_id": staff.get(Role.CALLCENTER) if phone else None, "express": express, "is_replacement": False,
        "replaces_order_id": None, "delivery_name": citizen.name, "delivery_address": citizen.address,
        "delivery_postcode": citizen.postcode, "delivery_city": citizen.city, "temporary_address": False,
        "temporary_from": None, "temporary_to": None, "note": None,
        "created_at": submitted - timedelta(minutes=rng.randint(2, 40)), "submitted_at": submitted,
        "decided_at": moments[path.index(decision)] if decision else None,
        "decided_by_id": staff.get(Role.NURSE) if decision else None, "decision_reason": reason,
        "delivered_at": moments[-1] if path[-1] is S.DELIVERED else None,
        "tracking_reference": f"DAO{rng.randrange(10**9):09d}" if S.SHIPPED in path else None,
        "carrier": "DAO" if S.SHIPPED in path else None,
    }
    return row, path, moments


def _order_line_row(order_id: int, line: _Line, quantity: int, routing: str, measure, cat: _Catalogue) -> dict:
    """An order line with the snapshot an order line keeps: article, name, contract price, VAT, cut measure."""
    v = line.variant
    price = cat.prices[v.id]
    shape, diameter, width, height = measure if (measure and v.is_cut_to_fit) else (None, None, None, None)
    return {"order_id": order_id, "variant_id": v.id, "grant_line_id": line.id, "quantity": quantity,
            "article_number": v.article_number, "product_name": cat.names[v.id], "unit_price_oere": price.price_oere,
            "vat_rate_pct": price.vat_rate_pct, "cut_shape": shape, "cut_diameter_mm": diameter, "cut_width_mm": width,
            "cut_height_mm": height, "routing": routing}


def _first_free_id(model) -> int:
    return (db.session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1


def _bulk(model, rows: list[dict], chunk: int = 20000) -> None:
    """Bulk insert through Core, in chunks.

    Ids are given by the caller so child rows can point at their parents without RETURNING (on SQLite that returns
    ids in order only one row per statement, which is 100 times slower).
    """
    table = model.__table__
    for offset in range(0, len(rows), chunk):
        db.session.execute(insert(table), rows[offset:offset + chunk])
    if rows and "id" in rows[-1] and db.session.get_bind().dialect.name == "postgresql":
        # Explicit ids do not move the id sequence: move it past them, or the next ordinary insert collides.
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))


def _event_row(order_id: int, row: dict, previous: S, step: S, at: datetime) -> dict:
    """One step of the timeline, with who took it: the citizen or agent sends, a nurse decides, the warehouse moves."""
    by_id, by_citizen, reason = None, False, None
    if previous is S.DRAFT:
        by_id, by_citizen = row["placed_by_id"], row["placed_by_id"] is None
        reason = "over_grant" if step is S.AWAITING_APPROVAL else "within_grant"
    elif previous is S.AWAITING_APPROVAL and step in (S.ACCEPTED, S.REJECTED):
        by_id, reason = row["decided_by_id"], row["decision_reason"]
    elif step is S.CANCELLED:
        by_citizen, reason = True, "cancelled"
    return {"order_id": order_id, "from_status": previous.value, "to_status": step.value, "at": at, "by_id": by_id,
            "by_citizen": by_citizen, "reason": reason}


def _fixed_citizens() -> dict[int, str]:
    """Citizen id → CPR digits for the fixed demo citizens (found by their look-up hash)."""
    from stomi_app import cpr

    hashes = {cpr.lookup_hash(digits): digits for digits in FIXED_PLANS}
    rows = db.session.execute(select(Citizen.id, Citizen.cpr_hash).where(Citizen.cpr_hash.in_(list(hashes)))).all()
    return {cid: hashes[h] for cid, h in rows}
