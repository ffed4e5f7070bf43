"""A grant is in force until its last day, in every rule; an ending can be withdrawn until it takes effect; an order is
judged in the period it counts in (issue 24, items 2 and 9)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from invoicing.allocation import weights_for
from invoicing.charges import citizens_with_grant_query
from municipal_portal.services import start_figures
from stomi_app.extensions import db
from grants.services import GrantError, change_grant, consumption, end_grant, grants_in_force, utilisation_by_line, withdraw_ending
from grants.models import Grant, GrantStatus
from ordering.models import OrderStatus
from stomi_app.models import Role
from ordering.services import new_draft, reevaluate_waiting_orders, set_draft_lines, submit
from usage_statistics.figures import citizens_with_grant
from usage_statistics.period import month_period
from grants.services import GrantError, change_grant, consumption, end_grant, grants_in_force, utilisation_by_line, withdraw_ending
from grants.models import Grant, GrantStatus
from ordering.models import OrderStatus
from stomi_app.models import Role
from ordering.services import new_draft, reevaluate_waiting_orders, set_draft_lines, submit
from usage_statistics.figures import citizens_with_grant
from usage_statistics.period import month_period
from tests.fixtures.grants import grant_for, line

CPH = ZoneInfo("Europe/Copenhagen")
NOON = lambda y, m, d: datetime(y, m, d, 12, tzinfo=CPH)  # noqa: E731
NOV_30 = date(2026, 11, 30)
DEC_1 = date(2026, 12, 1)


def _sql_in_force(grant: Grant, first: date, last: date) -> bool:
    return bool(db.session.scalar(select(func.count(Grant.id)).where(Grant.id == grant.id,
                                                                     Grant.in_force_during(first, last))))


@pytest.mark.parametrize("status", [GrantStatus.ACTIVE, GrantStatus.ENDED])
def test_python_rule_and_its_sql_twin_agree_at_the_boundaries(officer, citizen, shop, status):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2026, 2, 1), valid_to=date(2026, 2, 28))
    grant.status = status  # the status says an ending was decided; it never decides "in force"
    db.session.commit()
    expected = {date(2026, 1, 31): False, date(2026, 2, 1): True, date(2026, 2, 28): True, date(2026, 3, 1): False}
    for day, in_force in expected.items():
        assert grant.in_force_on(day) is in_force, day
        assert _sql_in_force(grant, day, day) is in_force, day
    for first, last, overlaps in [(date(2026, 1, 1), date(2026, 1, 31), False), (date(2026, 1, 1), date(2026, 2, 1), True),
                                  (date(2026, 2, 28), date(2026, 3, 31), True), (date(2026, 3, 1), date(2026, 3, 31), False)]:
        assert grant.in_force_during(first, last) is overlaps
        assert _sql_in_force(grant, first, last) is overlaps


@pytest.fixture
def ended_at_month_end(officer, citizen, shop):
    """A grant ended on 10 November with 30 November as its last day."""
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    with time_machine.travel(NOON(2026, 11, 10), tick=False):
        end_grant(officer, grant, end_date=NOV_30, reason="Fraflytter kommunen 1. december")
        db.session.commit()
    assert grant.status is GrantStatus.ENDED and grant.valid_to == NOV_30
    return grant


def test_an_ended_grant_is_in_force_through_its_last_day_in_every_rule(ended_at_month_end, citizen, world):
    municipality_id = citizen.municipality_id
    # Ordering and consumption: the last day in force, the first day after not.
    assert [g.id for g in grants_in_force([citizen.id], NOV_30)] == [ended_at_month_end.id]
    assert grants_in_force([citizen.id], DEC_1) == []
    assert len(consumption(citizen.id, NOV_30)) == 1 and consumption(citizen.id, DEC_1) == []
    assert len(db.session.execute(utilisation_by_line(NOV_30, [municipality_id])).all()) == 1
    assert db.session.execute(utilisation_by_line(DEC_1, [municipality_id])).all() == []
    # The grant officer's start page, the statistics, the citizen fee and the shared-cost key count the same days.
    assert start_figures(municipality_id, NOV_30).with_active_grant == 1
    assert start_figures(municipality_id, DEC_1).with_active_grant == 0
    assert citizens_with_grant(month_period(date(2026, 11, 1)), [municipality_id]) == {municipality_id: 1}
    assert citizens_with_grant(month_period(DEC_1), [municipality_id]) == {}
    fee_citizens = lambda month: {c for m, c in db.session.execute(citizens_with_grant_query(month)) if m == municipality_id}  # noqa: E731
    assert fee_citizens(date(2026, 11, 1)) == {citizen.id} and fee_citizens(DEC_1) == set()
    aarhus = citizen.municipality
    assert weights_for("citizens", [aarhus], NOV_30)[aarhus] == 1
    assert weights_for("citizens", [aarhus], DEC_1)[aarhus] == 0


def test_an_order_on_the_last_day_is_within_the_grant_and_the_day_after_is_expired(ended_at_month_end, citizen, shop):
    with time_machine.travel(NOON(2026, 11, 30), tick=False):
        order = new_draft(citizen)
        set_draft_lines(order, {shop.bag_a.id: 2})
        submit(order)
        db.session.commit()
    assert order.status is OrderStatus.ACCEPTED and order.lines[0].routing == "within_grant"
    with time_machine.travel(NOON(2026, 12, 20), tick=False):
        later = new_draft(citizen)
        set_draft_lines(later, {shop.bag_a.id: 1})
        submit(later)
        db.session.commit()
    assert later.status is OrderStatus.AWAITING_APPROVAL and later.lines[0].routing == "grant_expired"


def test_the_ending_can_be_withdrawn_until_its_last_day(ended_at_month_end, officer):
    grant = ended_at_month_end
    with time_machine.travel(NOON(2026, 11, 30), tick=False):
        withdraw_ending(officer, grant, reason="Flytningen er aflyst")
        db.session.commit()
    db.session.expire_all()
    assert grant.status is GrantStatus.ACTIVE and grant.valid_to is None
    assert (grant.ended_at, grant.ended_by_id, grant.end_reason) == (None, None, None)
    assert [(c.action, c.version) for c in grant.changes] == [("created", 1), ("ended", 2), ("end_withdrawn", 3)]
    assert grant.changes[-1].reason == "Flytningen er aflyst" and grant.changes[-1].snapshot["valid_to"] is None
    assert grant.in_force_on(date(2027, 6, 1))


def test_the_ending_cannot_be_withdrawn_after_it_took_effect(ended_at_month_end, officer):
    with time_machine.travel(NOON(2026, 12, 1), tick=False), pytest.raises(GrantError) as exc:
        withdraw_ending(officer, ended_at_month_end, reason="For sent")
    assert "2026-11-30" in str(exc.value)
    db.session.rollback()
    assert ended_at_month_end.status is GrantStatus.ENDED and ended_at_month_end.valid_to == NOV_30


def test_withdrawing_restores_a_fixed_term(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_to=date(2027, 3, 31))
    with time_machine.travel(NOON(2026, 11, 10), tick=False):
        end_grant(officer, grant, end_date=NOV_30, reason="Fraflytning")
        with pytest.raises(GrantError, match="Fortryd afslutningen"):  # a pending ending is withdrawn before a change
            change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=None,
                         lines=[line(3, variant=shop.bag_a)], reason="Mere")
        with pytest.raises(GrantError) as exc:
            withdraw_ending(officer, grant, reason=" ")
        assert exc.value.field == "reason"
        withdraw_ending(officer, grant, reason="Fortrudt")
        db.session.commit()
    assert grant.valid_to == date(2027, 3, 31) and grant.status is GrantStatus.ACTIVE
    with pytest.raises(GrantError):  # nothing left to withdraw
        withdraw_ending(officer, grant, reason="igen")


# --- an order is judged in the period it counts in (item 9) -----------------------------------------------------

def _place(citizen, variant, quantity, when):
    with time_machine.travel(when, tick=False):
        order = new_draft(citizen)
        set_draft_lines(order, {variant.id: quantity})
        submit(order)
        db.session.commit()
    return order


@pytest.fixture
def late_november(officer, citizen, shop):
    """2 bags a month; 2 sent on 10 November (accepted), 1 more sent on 30 November at 23:30 (waits: November is used)."""
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    first = _place(citizen, shop.bag_a, 2, NOON(2026, 11, 10))
    waiting = _place(citizen, shop.bag_a, 1, datetime(2026, 11, 30, 23, 30, tzinfo=CPH))
    assert first.status is OrderStatus.ACCEPTED and waiting.status is OrderStatus.AWAITING_APPROVAL
    assert waiting.lines[0].routing == "over_grant"
    return grant, waiting


def test_an_order_from_november_is_reevaluated_against_november_on_2_december(late_november, citizen):
    _grant, waiting = late_november
    with time_machine.travel(NOON(2026, 12, 2), tick=False):
        accepted = reevaluate_waiting_orders(citizen)
        db.session.commit()
    # December has 2 bags left, but the order counts in November, where both are used.
    assert accepted == [] and waiting.status is OrderStatus.AWAITING_APPROVAL


def test_a_grant_raised_on_2_december_accepts_the_november_order_that_now_fits_november(late_november, officer, citizen, shop):
    grant, waiting = late_november
    with time_machine.travel(NOON(2026, 12, 2), tick=False):
        change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=None,
                     lines=[line(3, variant=shop.bag_a)], reason="3 poser om måneden")
        db.session.commit()
    assert waiting.status is OrderStatus.ACCEPTED and waiting.events[-1].reason == "grant_changed"


def test_a_later_order_does_not_make_a_waiting_order_too_soon(officer, citizen, shop):
    """Judged as of when it was sent: an order sent after the waiting one is not "the last order" before it."""
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), line(1, variant=shop.bag_b))
    waiting = _place(citizen, shop.bag_a, 3, NOON(2026, 11, 2))
    later = _place(citizen, shop.bag_b, 1, NOON(2026, 11, 25))
    assert waiting.status is OrderStatus.AWAITING_APPROVAL and later.status is OrderStatus.ACCEPTED
    with time_machine.travel(NOON(2026, 11, 26), tick=False):
        change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=None,
                     lines=[line(3, variant=shop.bag_a), line(1, variant=shop.bag_b)], reason="3 poser")
        db.session.commit()
    assert waiting.status is OrderStatus.ACCEPTED


def test_the_nurse_decides_the_november_order_on_2_december_with_november_figures(late_november, auth, world):
    _grant, waiting = late_november
    with time_machine.travel(NOON(2026, 12, 2), tick=False):
        assert auth.staff(world[Role.NURSE].email).status_code == 302  # logged in on the travelled day
        page = auth.client.get(f"/sygeplejerske/ordre/{waiting.id}").get_data(as_text=True)
    grant_table = page[page.find('data-testid="grant"'):]
    assert 'data-testid="use-period">1.–30. nov. 2026<' in grant_table
    # November's use: the 2 accepted and this waiting 1 (an order counts from sending); 0 left.
    assert '<td class="numeric">3</td>\n      <td class="numeric">0</td>' in grant_table
