"""Routing of orders against the grant, the order rules and the status machine, at their boundaries."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from stomi_app.extensions import db
from grants.services import change_grant
from citizens.clinical import CutShape
from grants.models import GrantPeriod, OrderRules
from ordering.models import Order, OrderStatus
from ordering.services import OrderError, cancel, evaluate, new_draft, record_measure, reorder, set_delivery, set_draft_lines, set_status, submit
from stomi_app.statemachine import IllegalTransition
from tests.fixtures.grants import grant_for, line

CPH = ZoneInfo("Europe/Copenhagen")
NOON = lambda y, m, d: datetime(y, m, d, 12, tzinfo=CPH)  # noqa: E731


def place(citizen, quantities, when, express=False):
    with time_machine.travel(when, tick=False):
        order = new_draft(citizen)
        set_draft_lines(order, {v.id: q for v, q in quantities.items()})
        if express:
            set_delivery(order, express=True, temporary=False)
        submit(order)
        db.session.commit()
    return order


def reasons(order):
    return {line.article_number: line.routing for line in order.lines}


def test_order_within_grant_is_accepted(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 4}, NOON(2026, 3, 2))
    assert order.status is OrderStatus.ACCEPTED
    assert [e.to_status for e in order.events] == [OrderStatus.ACCEPTED]


def test_one_more_than_remaining_awaits_approval(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    place(citizen, {shop.bag_a: 2}, NOON(2026, 3, 2))
    order = place(citizen, {shop.bag_a: 3}, NOON(2026, 3, 20))
    assert order.status is OrderStatus.AWAITING_APPROVAL
    assert reasons(order) == {"NL-100": "over_grant"}


def test_product_not_granted_awaits_approval_per_line(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 1, shop.bag_b: 1}, NOON(2026, 3, 2))
    assert order.status is OrderStatus.AWAITING_APPROVAL
    assert reasons(order) == {"NL-100": "within_grant", "NL-101": "not_granted"}


def test_expired_grant_is_explained(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1), valid_to=date(2026, 2, 28))
    order = place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 2))
    assert reasons(order) == {"NL-100": "grant_expired"}


def test_price_ceiling(officer, citizen, shop):
    grant_for(officer, citizen, line(10, category=shop.bags, ceiling=90000), valid_from=date(2025, 1, 1))
    assert place(citizen, {shop.bag_a: 2}, NOON(2026, 3, 2)).status is OrderStatus.ACCEPTED  # 900 kr. exactly
    order = place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 20))
    assert reasons(order) == {"NL-100": "over_price_ceiling"}


@pytest.mark.parametrize("when,qty,expected", [
    # Grant from 1 Jan 2026, 12 a year: 1 a month. First 6 months: 1 month's quantity per order; then 3 months'.
    (NOON(2026, 6, 30), 1, "within_grant"),
    (NOON(2026, 6, 30), 2, "over_order_limit"),
    (NOON(2026, 7, 1), 3, "within_grant"),
    (NOON(2026, 7, 1), 4, "over_order_limit"),
])
def test_order_limit_in_and_after_the_first_six_months(officer, citizen, shop, when, qty, expected):
    grant_for(officer, citizen, line(12, GrantPeriod.YEAR, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    assert reasons(place(citizen, {shop.bag_a: qty}, when)) == {"NL-100": expected}


def test_municipal_rules_override_the_defaults(officer, citizen, shop):
    db.session.add(OrderRules(municipality_id=citizen.municipality_id, intro_months=0, intro_max_months_per_order=1,
                              max_months_per_order=12, min_days_between_orders=0))
    db.session.commit()
    grant_for(officer, citizen, line(12, GrantPeriod.YEAR, variant=shop.bag_a), valid_from=date(2026, 1, 1))
    assert place(citizen, {shop.bag_a: 12}, NOON(2026, 2, 1)).status is OrderStatus.ACCEPTED


@pytest.mark.parametrize("days_later,expected", [(13, OrderStatus.AWAITING_APPROVAL), (14, OrderStatus.ACCEPTED)])
def test_minimum_interval_between_orders(officer, citizen, shop, days_later, expected):
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 1))
    order = place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 1 + days_later))
    assert order.status is expected


def test_express_beyond_allowance(officer, citizen, shop):
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1), express_per_year=1)
    assert place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 1), express=True).status is OrderStatus.ACCEPTED
    second = place(citizen, {shop.bag_a: 1}, NOON(2026, 5, 1), express=True)
    assert second.status is OrderStatus.AWAITING_APPROVAL and all(r == "within_grant" for r in reasons(second).values())
    next_year = place(citizen, {shop.bag_a: 1}, NOON(2027, 1, 4), express=True)
    assert next_year.status is OrderStatus.ACCEPTED


def test_raising_the_grant_accepts_the_waiting_order(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 3}, NOON(2026, 3, 2))
    assert order.status is OrderStatus.AWAITING_APPROVAL
    with time_machine.travel(NOON(2026, 3, 3), tick=False):
        change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=None,
                     lines=[line(3, variant=shop.bag_a)], reason="Flere poser efter lækage")
        db.session.commit()
    assert order.status is OrderStatus.ACCEPTED
    assert order.events[-1].reason == "grant_changed"


def test_cut_to_fit_line_carries_the_measure_and_refuses_one_outside_the_range(officer, measured, shop):
    grant_for(officer, measured, line(5, variant=shop.plate), valid_from=date(2025, 1, 1))
    order = place(measured, {shop.plate: 1}, NOON(2026, 3, 2))
    assert order.lines[0].cut.label == "Ø 32 mm"
    with time_machine.travel(NOON(2026, 3, 20), tick=False):
        record_measure(measured, shape=CutShape.OVAL, width_mm=40, height_mm=56)
        draft = new_draft(measured)
        with pytest.raises(OrderError) as exc:
            set_draft_lines(draft, {shop.plate.id: 1})
    assert f"qty-{shop.plate.id}" in exc.value.errors
    assert order.lines[0].cut.label == "Ø 32 mm"  # the snapshot did not change


@pytest.mark.parametrize("shape,kwargs,ok", [
    (CutShape.ROUND, {"diameter_mm": 15}, True), (CutShape.ROUND, {"diameter_mm": 55}, True),
    (CutShape.ROUND, {"diameter_mm": 14}, False), (CutShape.ROUND, {"diameter_mm": 56}, False),
    (CutShape.OVAL, {"width_mm": 15, "height_mm": 55}, True), (CutShape.OVAL, {"width_mm": 14, "height_mm": 30}, False),
])
def test_cut_range_boundaries(citizen, shop, shape, kwargs, ok):
    record_measure(citizen, shape=shape, **kwargs)
    draft = new_draft(citizen)
    if ok:
        set_draft_lines(draft, {shop.plate.id: 1})
        assert draft.lines[0].cut_shape is shape
    else:
        with pytest.raises(OrderError):
            set_draft_lines(draft, {shop.plate.id: 1})


def test_cut_to_fit_without_a_measure_is_refused(citizen, shop):
    with pytest.raises(OrderError) as exc:
        set_draft_lines(new_draft(citizen), {shop.plate.id: 1})
    assert "measure" in str(exc.value).lower() or "mål" in str(exc.value).lower()


@pytest.mark.parametrize("raw", ["-1", "abc", "100", "2.5", "1e3", " 3x", "٣"])
def test_bad_quantities_are_refused_and_nothing_is_saved(citizen, shop, raw):
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: "2"})
    db.session.commit()
    with pytest.raises(OrderError) as exc:
        set_draft_lines(draft, {shop.bag_a.id: "1", shop.bag_b.id: raw})
    assert list(exc.value.errors) == [f"qty-{shop.bag_b.id}"]
    db.session.rollback()
    assert [(l.variant_id, l.quantity) for l in draft.lines] == [(shop.bag_a.id, 2)]


def test_zero_and_empty_remove_a_line(citizen, shop):
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: "2", shop.bag_b.id: "1"})
    set_draft_lines(draft, {shop.bag_a.id: "0", shop.bag_b.id: ""})
    assert draft.lines == []
    with pytest.raises(OrderError):
        submit(draft)


def test_discontinued_and_unknown_variants_are_refused(citizen, shop):
    with pytest.raises(OrderError):
        set_draft_lines(new_draft(citizen), {shop.old.id: 1})
    with pytest.raises(OrderError):
        set_draft_lines(new_draft(citizen), {999999: 1})


def test_submit_twice_gives_one_order(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: 1})
    first = submit(draft)
    second = submit(draft)
    db.session.commit()
    assert first is second and len(first.events) == 1
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_lines_snapshot_price_and_name(officer, citizen, shop):
    from catalogue.models import ContractPrice

    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 2}, NOON(2026, 3, 2))
    price = db.session.scalar(select(ContractPrice).where(ContractPrice.variant_id == shop.bag_a.id))
    price.price_oere = 99999
    shop.bag_a.product.name = "Omdøbt"
    db.session.commit()
    db.session.refresh(order.lines[0])
    assert order.lines[0].unit_price_oere == 45000 and "Calma" in order.lines[0].product_name
    assert order.lines[0].vat_rate_pct == 25 and order.total_oere == 90000


def test_status_machine_refuses_illegal_moves_and_cancel_after_warehouse(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 2))
    with pytest.raises(IllegalTransition):
        set_status(order, OrderStatus.DELIVERED)
    set_status(order, OrderStatus.SENT_TO_WAREHOUSE)
    with pytest.raises(OrderError):
        cancel(order)
    for status in (OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        set_status(order, status)
    with pytest.raises(IllegalTransition):
        set_status(order, OrderStatus.CANCELLED)
    assert order.delivered_at is not None


def test_citizen_can_cancel_until_sent(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 1}, NOON(2026, 3, 2))
    cancel(order)
    assert order.status is OrderStatus.CANCELLED and order.events[-1].by_citizen


def test_reorder_copies_products_and_quantities(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = place(citizen, {shop.bag_a: 2}, NOON(2026, 3, 2))
    with time_machine.travel(NOON(2026, 4, 2), tick=False):
        draft = reorder(order)
        assert [(l.variant_id, l.quantity) for l in draft.lines] == [(shop.bag_a.id, 2)]
        assert submit(draft).status is OrderStatus.ACCEPTED


def test_temporary_address_validation(citizen, shop):
    draft = new_draft(citizen)
    with time_machine.travel(NOON(2026, 3, 2), tick=False):
        with pytest.raises(OrderError) as exc:
            set_delivery(draft, express=False, temporary=True, address="", postcode="12", city="",
                         temporary_from=date(2026, 3, 1), temporary_to=date(2026, 2, 1))
        assert set(exc.value.errors) == {"address", "postcode", "city", "temporary_from", "temporary_to"}
        set_delivery(draft, express=True, temporary=True, address="Sommerhusvej 3", postcode="8400", city="Ebeltoft",
                     temporary_from=date(2026, 3, 2), temporary_to=date(2026, 3, 2))
    assert draft.delivery_city == "Ebeltoft" and draft.express


def test_evaluate_changes_nothing(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: 9})
    routing = evaluate(draft)
    assert not routing.within_grant and draft.lines[0].routing == "within_grant" and draft.status is OrderStatus.DRAFT
