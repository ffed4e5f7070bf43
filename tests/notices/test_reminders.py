"""Days of supply and reminders at their boundaries, with a frozen clock: day N-1, N, N+1, the run-out day and the day
after, an open order, an order too soon, per-municipality N, twice in a night, and the pre-filled draft."""
from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from notices.models import Notice
from notices.reminders import call_list, draft_from_reminder, remind, reminder_due, run_nightly
from notices.supply import covered_until, supply_for
from notices.texts import Kind
from stomi_app.extensions import db
from grants.models import GrantPeriod
from ordering.models import OrderStatus
from ordering.services import set_status
from grants.models import GrantPeriod
from ordering.models import OrderStatus
from ordering.services import set_status
from tests.fixtures.grants import grant_for, line
from tests.fixtures.orders import copenhagen, place

ORDERED, DELIVERED = date(2026, 1, 5), date(2026, 1, 6)
# 30 boxes a quarter: one box lasts 91.3125 / 30 = 3.04 days; 10 boxes delivered on 6 January last until 5 February.
RUNS_OUT = date(2026, 2, 5)
REMINDER_DAY = date(2026, 1, 26)  # N = 10 days before


def deliver(order, day: date):
    with time_machine.travel(copenhagen(day), tick=False):
        for status in (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED,
                       OrderStatus.DELIVERED):
            set_status(order, status)
        db.session.commit()


@pytest.fixture
def supplied(emailed, shop, officer):
    grant_for(officer, emailed, line(30, GrantPeriod.QUARTER, variant=shop.bag_a))
    order = place(emailed, {shop.bag_a: 10}, ORDERED)
    deliver(order, DELIVERED)
    return emailed


def reminders_of(citizen_id):
    return list(db.session.scalars(select(Notice).where(Notice.citizen_id == citizen_id, Notice.kind == Kind.SUPPLY_REMINDER)))


def on(day):
    return time_machine.travel(copenhagen(day, 3), tick=False)  # the nightly run at 03:00


def test_the_method_carries_spare_packs_over_and_restarts_after_a_gap():
    assert covered_until([(date(2026, 1, 1), 10)], 3.0) == date(2026, 1, 31)
    # Early delivery: the spare days add on to what was left.
    assert covered_until([(date(2026, 1, 1), 10), (date(2026, 1, 20), 10)], 3.0) == date(2026, 3, 2)
    # After running out, a delivery counts from its own day.
    assert covered_until([(date(2026, 1, 1), 1), (date(2026, 2, 1), 2)], 3.0) == date(2026, 2, 7)
    assert covered_until([], 3.0) is None


def test_the_start_page_estimate(supplied, shop):
    [supply] = supply_for(supplied.id, date(2026, 1, 20))
    assert supply.runs_out == RUNS_OUT and supply.product_name == shop.bag_a.display_name


@pytest.mark.parametrize("day, reminded", [
    (date(2026, 1, 25), False),  # N + 1 days before: not yet
    (REMINDER_DAY, True),  # N days before
    (date(2026, 1, 27), True),  # N - 1 days before (a missed night is caught up)
    (RUNS_OUT, True),  # the last day
    (date(2026, 2, 6), False),  # run out: the callcenter's call list, not a late reminder
])
def test_reminded_from_n_days_before_until_the_day_they_run_out(supplied, day, reminded):
    with on(day):
        notice = remind(supplied, day)
        db.session.commit()
    assert (notice is not None) is reminded
    if reminded:
        assert notice.params == {"runs_out": RUNS_OUT.isoformat(), "products": [notice.params["products"][0]]}
        assert [d.channel for d in notice.deliveries] == ["email", "digital_post"]


def test_once_per_supply_period_however_often_the_night_runs(supplied):
    for day in (REMINDER_DAY, REMINDER_DAY, date(2026, 1, 27), date(2026, 2, 1)):
        with on(day):
            run_nightly(day)
    assert len(reminders_of(supplied.id)) == 1


def test_no_reminder_while_an_order_is_open(supplied, shop):
    place(supplied, {shop.bag_a: 2}, date(2026, 1, 24))  # accepted and on its way
    with on(REMINDER_DAY):
        assert reminder_due(supplied, REMINDER_DAY) is None


def test_just_ordered_and_delivered_moves_the_run_out_day(supplied, shop):
    order = place(supplied, {shop.bag_a: 10}, date(2026, 1, 22))
    deliver(order, date(2026, 1, 23))
    with on(REMINDER_DAY):
        assert reminder_due(supplied, REMINDER_DAY) is None
    # The spare boxes carried over: 20 boxes from 6 January last until 7 March; reminded 10 days before.
    [supply] = supply_for(supplied.id, date(2026, 2, 1))
    assert supply.runs_out == date(2026, 3, 7)
    with on(date(2026, 2, 25)):
        assert reminder_due(supplied, date(2026, 2, 25))[0] == date(2026, 3, 7)


def test_not_before_an_order_would_stop_being_too_soon(supplied, shop):
    supplied.municipality.reminder_days_before = 25  # would remind from 11 January, but 14 days must pass
    db.session.commit()
    with on(date(2026, 1, 18)):
        assert reminder_due(supplied, date(2026, 1, 18)) is None
    with on(date(2026, 1, 19)):
        assert reminder_due(supplied, date(2026, 1, 19)) is not None


def test_the_days_before_are_the_municipalitys(supplied):
    supplied.municipality.reminder_days_before = 5
    db.session.commit()
    with on(date(2026, 1, 30)):
        assert reminder_due(supplied, date(2026, 1, 30)) is None
    with on(date(2026, 1, 31)):
        assert reminder_due(supplied, date(2026, 1, 31)) is not None


def test_not_when_nothing_is_left_of_the_grant_this_period(emailed, shop, officer):
    grant_for(officer, emailed, line(10, GrantPeriod.MONTH, variant=shop.bag_a))
    deliver(place(emailed, {shop.bag_a: 10}, ORDERED), DELIVERED)
    # January's 10 are used; the supplies last until 5 February: remind from 1 February, when there is room.
    with on(REMINDER_DAY):
        assert reminder_due(emailed, REMINDER_DAY) is None
    with on(date(2026, 2, 1)):
        assert reminder_due(emailed, date(2026, 2, 1)) is not None


def test_order_the_same_again_is_a_draft_within_the_rules_and_nothing_is_sent(supplied, shop):
    with on(REMINDER_DAY):
        notice = remind(supplied, REMINDER_DAY)
        db.session.commit()
        draft = draft_from_reminder(supplied, notice, REMINDER_DAY)
        db.session.commit()
    assert draft.status is OrderStatus.DRAFT
    # 10 again (within the 20 left this quarter and the intro months' one month = 10 per order).
    assert {l.variant_id: l.quantity for l in draft.lines} == {shop.bag_a.id: 10}


def test_call_list_has_who_was_reminded_and_did_not_order_without_email_first(supplied, shop, officer):
    from tests import factories

    exempt = factories.citizen(name="Aase Uden Mail")  # no e-mail address: digitally exempt
    db.session.commit()
    grant_for(officer, exempt, line(30, GrantPeriod.QUARTER, variant=shop.bag_a))
    deliver(place(exempt, {shop.bag_a: 10}, ORDERED), DELIVERED)
    with on(REMINDER_DAY):
        remind(supplied, REMINDER_DAY)
        db.session.commit()
    with on(date(2026, 1, 27)):
        remind(exempt, date(2026, 1, 27))
        db.session.commit()
    assert [(e.citizen.name, e.without_email) for e in call_list(date(2026, 1, 27))] == [
        ("Aase Uden Mail", True), ("Birthe Nielsen", False)]
    # Birthe orders: off the list; Aase stays.
    place(supplied, {shop.bag_a: 2}, date(2026, 1, 28))
    assert [e.citizen.name for e in call_list(date(2026, 1, 28))] == ["Aase Uden Mail"]
    # A month later the reminder is too old for the list.
    assert call_list(date(2026, 2, 28)) == []


def test_a_grant_ending_within_30_days_is_told_once_and_not_earlier(emailed, shop, officer):
    from notices.reminders import grant_ending_notices

    grant = grant_for(officer, emailed, line(10, variant=shop.bag_a), valid_to=date(2026, 3, 31))
    with on(date(2026, 2, 28)):  # 31 days before the last day
        assert grant_ending_notices(date(2026, 2, 28)) == 0
    with on(date(2026, 3, 1)):  # 30 days before
        assert grant_ending_notices(date(2026, 3, 1)) == 1
        assert grant_ending_notices(date(2026, 3, 2)) == 0
        db.session.commit()
    [notice] = [n for n in db.session.scalars(select(Notice).where(Notice.kind == Kind.GRANT_ENDING_SOON))]
    assert notice.key == f"grant:{grant.id}:ending:2026-03-31"


def test_remeasure_due_is_told_for_the_current_measure_once(emailed):
    from notices.reminders import remeasure_notices
    from citizens.clinical import CutShape
    from ordering.services import record_measure

    old = record_measure(emailed, shape=CutShape.ROUND, diameter_mm=35)
    old.remeasure_on = date(2026, 2, 1)
    db.session.commit()
    assert remeasure_notices(date(2026, 1, 31)) == 0
    assert remeasure_notices(date(2026, 2, 1)) == 1
    assert remeasure_notices(date(2026, 2, 2)) == 0
    db.session.commit()
    record_measure(emailed, shape=CutShape.ROUND, diameter_mm=32)  # measured again: the new one has no date
    db.session.commit()
    assert remeasure_notices(date(2026, 2, 10)) == 0


def test_a_line_that_ran_out_long_ago_does_not_hold_back_the_reminder_for_the_others(emailed, shop, officer):
    grant_for(officer, emailed, line(30, GrantPeriod.QUARTER, variant=shop.bag_a), line(6, GrantPeriod.QUARTER, variant=shop.bag_b))
    deliver(place(emailed, {shop.bag_a: 10, shop.bag_b: 1}, ORDERED), DELIVERED)  # one bag_b box: half a month
    supplies = {s.line.variant_id: s.runs_out for s in supply_for(emailed.id, REMINDER_DAY)}
    assert supplies[shop.bag_b.id] < REMINDER_DAY < supplies[shop.bag_a.id] == RUNS_OUT
    with on(REMINDER_DAY):
        runs_out, products = reminder_due(emailed, REMINDER_DAY)
    assert runs_out == RUNS_OUT and products == [shop.bag_a.display_name]


def test_order_the_same_again_after_she_already_ordered_is_refused(supplied, shop):
    from notices.reminders import NothingToReorder

    with on(REMINDER_DAY):
        notice = remind(supplied, REMINDER_DAY)
        db.session.commit()
    place(supplied, {shop.bag_a: 2}, date(2026, 1, 27))  # by phone, before she opened the reminder
    with on(date(2026, 1, 28)):
        with pytest.raises(NothingToReorder) as refused:
            draft_from_reminder(supplied, notice, date(2026, 1, 28))
    assert "allerede bestilt" in str(refused.value.errors["order"])
