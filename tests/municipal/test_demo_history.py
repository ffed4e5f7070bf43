"""The demo grants and order history: deterministic for a seed, consistent over its three years, and usable by the demo
journeys."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from devtools.demo.catalogue import generate_catalogue
from catalogue.models import ContractPrice, Variant
from stomi_app import cpr
from devtools.demo import DemoContext, _insert_citizens, citizen_counts, reset_database
from devtools.demo.history import FIXED_LAST_ORDER_DAYS_AGO, HISTORY_YEARS, SETTLED_AFTER_DAYS, generate_grants_and_orders, history_window
from stomi_app.extensions import db
from grants.services import consumption
from stomi_app.models.citizen import Citizen
from grants.models import Grant, GrantStatus
from ordering.models import Order, OrderLine, OrderStatus
from ordering.services import evaluate, last_order, new_draft, reorder, set_draft_lines
from stomi_app.reference import load_municipalities
from stomi_app.timeutil import add_months, local_date

# The module-wide demo world commits before any test's transaction begins: every table is emptied after each test.
pytestmark = pytest.mark.committing

TODAY = date(2026, 11, 22)


def generate(seed: int) -> DemoContext:
    reset_database()
    ctx = DemoContext(rng=random.Random(seed), scale="small", today=TODAY, municipalities=load_municipalities(national=False),
                      echo=lambda *_: None)
    _insert_citizens(ctx, citizen_counts("small"))
    generate_catalogue(ctx)
    generate_grants_and_orders(ctx)
    db.session.commit()
    return ctx


def fingerprint() -> list[tuple]:
    rows = db.session.execute(
        select(Citizen.cpr_hash, Order.status, Order.submitted_at, Order.express, OrderLine.article_number,
               OrderLine.quantity, OrderLine.unit_price_oere, OrderLine.routing)
        .join(Order, Order.citizen_id == Citizen.id).join(OrderLine, OrderLine.order_id == Order.id)
        .order_by(Order.id, OrderLine.id)
    )
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def demo(app):
    """One small demo world shared by the read-only tests below (generating it is the slow part)."""
    with app.app_context():
        generate(2019)
        rows = fingerprint()
        db.session.rollback()  # no transaction left open while the tests make their own demo worlds
        yield rows


def by_cpr(digits: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits)))


def test_same_seed_same_orders(ctx, demo):
    generate(2019)
    assert fingerprint() == demo
    generate(7)
    assert fingerprint() != demo


def test_every_citizen_has_a_grant_matching_the_stoma(ctx, demo):
    generate(2019)
    bag_for = {"colostomy": {"bag_one_piece_closed", "baseplate_two_piece", "baseplate_convex"},
               "ileostomy": {"bag_one_piece_drainable", "baseplate_two_piece", "baseplate_convex"},
               "urostomy": {"bag_urostomy"}}
    for citizen in db.session.scalars(select(Citizen)):
        [grant] = db.session.scalars(select(Grant).where(Grant.citizen_id == citizen.id, Grant.status == GrantStatus.ACTIVE))
        first = grant.lines[0]
        code = first.variant.product.category.code if first.variant else first.category.code
        assert code in bag_for[citizen.stoma_type.value], (citizen.name, code)
        assert grant.municipality_id == citizen.municipality_id and len(grant.changes) == 1


def test_orders_are_consistent(ctx, demo):
    generate(2019)
    prices: dict[int, list[ContractPrice]] = {}
    for p in db.session.scalars(select(ContractPrice)):
        prices.setdefault(p.variant_id, []).append(p)

    def price_on(variant_id, day):
        [price] = [p for p in prices[variant_id] if p.valid_from <= day and (p.valid_to is None or day <= p.valid_to)]
        return price

    orders = list(db.session.scalars(select(Order)))
    assert len(orders) > 100
    statuses = {o.status for o in orders}
    assert {OrderStatus.DELIVERED, OrderStatus.AWAITING_APPROVAL}.issubset(statuses)
    for order in orders:
        assert order.status is OrderStatus.DRAFT or order.submitted_at is not None
        assert order.lines and order.events and order.events[-1].to_status is order.status
        for line in order.lines:
            # priced from the contract in force on the day (the years before 2026 from the previous contract)
            assert line.unit_price_oere == price_on(line.variant_id, local_date(order.submitted_at)).price_oere
            assert line.total_oere == line.quantity * line.unit_price_oere
            assert line.article_number == line.variant.article_number and line.product_name == line.variant.display_name
            if line.variant.is_cut_to_fit:
                assert line.cut_shape is not None
        assert order.total_oere == sum(l.quantity * l.unit_price_oere for l in order.lines)
        if order.status is OrderStatus.DELIVERED:
            assert order.delivered_at is not None and order.tracking_reference


def test_three_years_of_history_each_order_within_its_grant(ctx, demo):
    generate(2019)
    start, settled = history_window(TODAY)
    grants = {g.citizen_id: g for g in db.session.scalars(select(Grant).where(Grant.status == GrantStatus.ACTIVE))}
    fixed = {by_cpr(digits).id for digits in ("1503481234", "0207562345", "1112403456")}
    orders = list(db.session.scalars(select(Order)))
    days = [local_date(o.submitted_at) for o in orders]
    assert min(days) < add_months(settled, -12 * HISTORY_YEARS) + timedelta(days=31)
    drawn = [o for o, day in zip(orders, days) if day >= start]
    earlier = [o for o, day in zip(orders, days) if day < start]
    assert len(earlier) > len(drawn)  # two earlier years, less where a grant began during them
    for order, day in zip(orders, days):
        assert day >= grants[order.citizen_id].valid_from  # ordered while the grant was in force
        if day < TODAY - timedelta(days=SETTLED_AFTER_DAYS):
            assert order.status in (OrderStatus.DELIVERED, OrderStatus.REJECTED, OrderStatus.CANCELLED)
    # Order numbers grow with time: the earlier years are numbered below the drawn one.
    assert max(o.id for o in earlier) < min(o.id for o in drawn)
    assert len({o.idempotency_key for o in orders}) == len(orders)
    # The fixed demo citizens keep their one year on a known rhythm, the newest order 20 days old.
    for citizen_id in fixed:
        theirs = sorted(local_date(o.submitted_at) for o in orders if o.citizen_id == citizen_id)
        assert len(theirs) == 12 and theirs[-1] == TODAY - timedelta(days=FIXED_LAST_ORDER_DAYS_AGO) and theirs[0] >= start


@pytest.mark.parametrize("seed", [1, 2019])  # 1 is the e2e journeys' seed
def test_birthe_can_reorder_within_the_grant_today(ctx, seed):
    generate(seed)
    birthe = by_cpr("1503481234")
    previous = last_order(birthe.id)
    assert previous.status is OrderStatus.DELIVERED
    draft = reorder(previous, on=TODAY)
    routing = evaluate(draft, TODAY)
    assert routing.within_grant, [(r.line.article_number, r.reason) for r in routing.lines] + routing.order_reasons


@pytest.mark.parametrize("seed", [1, 2019])
def test_one_box_beyond_jens_grant_goes_to_approval(ctx, seed):
    generate(seed)
    jens = by_cpr("0207562345")
    [use] = [u for u in consumption(jens.id, TODAY) if u.line.variant is not None]
    draft = new_draft(jens)
    set_draft_lines(draft, {use.line.variant_id: use.remaining_quantity + 1}, on=TODAY)
    routing = evaluate(draft, TODAY)
    assert [r.reason for r in routing.lines] == ["over_grant"] and not routing.order_reasons


def test_near_or_over_in_sql_matches_consumption_for(ctx):
    """The list is counted in SQL; on a year of realistic orders it must agree with the one Python function."""
    generate(2019)
    from grants.services import citizens_near_or_over, consumption_for

    checked = 0
    for municipality_id in set(db.session.scalars(select(Citizen.municipality_id))):
        ids = list(db.session.scalars(select(Citizen.id).where(Citizen.municipality_id == municipality_id)))
        expected = {(cid, u.line.id, u.used_quantity, u.used_oere)
                    for cid, uses in consumption_for(ids, TODAY).items() for u in uses if u.utilisation >= 0.8}
        got = {(c.id, u.line.id, u.used_quantity, u.used_oere) for c, u in citizens_near_or_over(municipality_id, TODAY)}
        assert got == expected, municipality_id
        checked += len(got)
    assert checked > 10


def test_every_demo_order_is_routed_as_the_ordering_rule_routes_it(ctx, demo):
    """The demo routes its orders by the rule the citizens' orders go through (issue 24, item 8): the nurses' queue
    holds only orders the rule sends there. Each sent order is judged on the day it counts in, by the orders sent
    before it, exactly as ordering.evaluate judges a waiting order."""
    from ordering.services import counting_day, order_reasons_of

    generate(2019)
    orders = list(db.session.scalars(select(Order).where(Order.submitted_at.is_not(None)).order_by(Order.id)))
    assert len(orders) > 100
    wrong = []
    for order in orders:
        routing = evaluate(order, counting_day(order))
        said = ([(r.line.id, r.reason) for r in routing.lines], sorted(routing.order_reasons))
        stored = ([(line.id, line.routing) for line in order.lines], sorted(order_reasons_of(order)))
        went_to_approval = any(e.to_status is OrderStatus.AWAITING_APPROVAL for e in order.events)
        if said != stored or went_to_approval == routing.within_grant:
            wrong.append((order.id, local_date(order.submitted_at), said, stored))
    assert not wrong, (len(wrong), wrong[:5])
    reasons = {line.routing for order in orders for line in order.lines}
    assert {"within_grant", "over_grant"} <= reasons  # the demo still has requests to decide


def test_demo_deliveries_are_plausible_working_days_daytime_and_mostly_on_the_promised_day(ctx, demo):
    """Issue 19 item 17: the SLA page and the citizen's history show these moments. Warehouse steps and deliveries on
    Danish working days in the daytime; delivered on the promised day (a few a working day late), never before."""
    from fulfilment.instructions import requested_delivery_date
    from stomi_app.workdays import is_working_day
    from ordering.models import OrderEvent
    from stomi_app.timeutil import TZ

    generate(2019)
    from flask import current_app

    days = {False: current_app.config["DELIVERY_SLA_DAYS"], True: current_app.config["DELIVERY_SLA_EXPRESS_DAYS"]}
    warehouse = {"picked", "cut", "packed", "shipped"}
    delivered = late = 0
    moments = {}
    for order_id, status, at in db.session.execute(
            select(OrderEvent.order_id, OrderEvent.to_status, OrderEvent.at).join(Order, Order.id == OrderEvent.order_id)
            .where(Order.status == OrderStatus.DELIVERED)):
        moments.setdefault(order_id, {})[status.value] = at.astimezone(TZ)
    for order in db.session.scalars(select(Order).where(Order.status == OrderStatus.DELIVERED)):
        events = moments[order.id]
        for status, at in events.items():
            if status in warehouse:
                assert is_working_day(at.date()) and 7 <= at.hour < 18, (order.id, status, at)
        arrived = order.delivered_at.astimezone(TZ)
        assert is_working_day(arrived.date()) and 9 <= arrived.hour < 17, (order.id, arrived)
        assert arrived > events["shipped"]
        promised = requested_delivery_date(events["accepted"].date(), days[order.express])
        assert arrived.date() >= promised, (order.id, arrived, promised)
        delivered += 1
        late += arrived.date() > promised
    assert delivered > 100
    assert late / delivered < 0.15  # mostly on time: the promise is the rule, lateness the exception
