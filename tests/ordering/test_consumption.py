"""Consumption control at the period boundaries, with a frozen clock in Copenhagen time."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from stomi_app.extensions import db
from grants.services import GrantError, GrantLineInput, change_grant, consumption, end_grant, period_bounds
from grants.models import GrantPeriod
from ordering.services import new_draft, set_draft_lines, submit
from grants.services import GrantError, GrantLineInput, change_grant, consumption, end_grant, period_bounds
from grants.models import GrantPeriod
from ordering.services import new_draft, set_draft_lines, submit
from tests.fixtures.grants import grant_for, line

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize("period,on,expected", [
    (GrantPeriod.MONTH, date(2026, 1, 31), (date(2026, 1, 1), date(2026, 2, 1))),
    (GrantPeriod.MONTH, date(2026, 12, 1), (date(2026, 12, 1), date(2027, 1, 1))),
    (GrantPeriod.QUARTER, date(2026, 3, 31), (date(2026, 1, 1), date(2026, 4, 1))),
    (GrantPeriod.QUARTER, date(2026, 4, 1), (date(2026, 4, 1), date(2026, 7, 1))),
    (GrantPeriod.QUARTER, date(2026, 12, 31), (date(2026, 10, 1), date(2027, 1, 1))),
    (GrantPeriod.YEAR, date(2026, 7, 15), (date(2026, 1, 1), date(2027, 1, 1))),
])
def test_period_bounds(period, on, expected):
    assert period_bounds(period, on) == expected


def _order(citizen, variant, qty, when):
    with time_machine.travel(when, tick=False):
        order = new_draft(citizen)
        set_draft_lines(order, {variant.id: qty})
        submit(order)
        db.session.commit()
    return order


def test_late_evening_order_on_the_last_day_counts_in_that_month(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a))
    # 23:30 in Copenhagen on 31 March is 21:30 UTC: it belongs to March, not April.
    _order(citizen, shop.bag_a, 3, datetime(2026, 3, 31, 23, 30, tzinfo=CPH))
    march = consumption(citizen.id, date(2026, 3, 31))
    assert (march[0].used_quantity, march[0].remaining_quantity) == (3, 1)
    april = consumption(citizen.id, date(2026, 4, 1))
    assert (april[0].used_quantity, april[0].remaining_quantity) == (0, 4)


def test_order_just_after_midnight_counts_in_the_new_month(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a))
    _order(citizen, shop.bag_a, 2, datetime(2026, 4, 1, 0, 5, tzinfo=CPH))
    assert consumption(citizen.id, date(2026, 3, 31))[0].used_quantity == 0
    assert consumption(citizen.id, date(2026, 4, 1))[0].used_quantity == 2


def test_quarter_line_sums_the_quarter_and_category_line_covers_every_variant(officer, citizen, shop):
    grant_for(officer, citizen, line(9, GrantPeriod.QUARTER, category=shop.bags))
    _order(citizen, shop.bag_a, 3, datetime(2026, 1, 10, 12, tzinfo=CPH))
    _order(citizen, shop.bag_b, 3, datetime(2026, 3, 1, 12, tzinfo=CPH))
    use = consumption(citizen.id, date(2026, 3, 31))[0]
    assert (use.used_quantity, use.remaining_quantity) == (6, 3)
    assert use.used_oere == 3 * 45000 + 3 * 47000
    assert consumption(citizen.id, date(2026, 4, 1))[0].used_quantity == 0


def test_variant_line_wins_over_category_line(officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a), line(5, category=shop.bags))
    _order(citizen, shop.bag_a, 2, datetime(2026, 5, 5, 12, tzinfo=CPH))
    uses = {(u.line.variant_id, u.line.category_id): u for u in consumption(citizen.id, date(2026, 5, 6))}
    assert uses[(shop.bag_a.id, None)].used_quantity == 2
    assert uses[(None, shop.bags.id)].used_quantity == 0


def test_cancelled_and_rejected_orders_do_not_count(officer, citizen, shop):
    from ordering.services import cancel

    grant_for(officer, citizen, line(4, variant=shop.bag_a))
    order = _order(citizen, shop.bag_a, 3, datetime(2026, 6, 2, 12, tzinfo=CPH))
    cancel(order)
    db.session.commit()
    assert consumption(citizen.id, date(2026, 6, 3))[0].used_quantity == 0


def test_a_grant_not_yet_in_force_or_ended_gives_no_lines(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2026, 2, 1), valid_to=date(2026, 2, 28))
    assert consumption(citizen.id, date(2026, 1, 31)) == []
    assert len(consumption(citizen.id, date(2026, 2, 1))) == 1
    assert len(consumption(citizen.id, date(2026, 2, 28))) == 1
    assert consumption(citizen.id, date(2026, 3, 1)) == []
    with time_machine.travel(datetime(2026, 2, 3, 12, tzinfo=CPH), tick=False):
        end_grant(officer, grant, end_date=date(2026, 2, 10), reason="Flyttet")
        db.session.commit()
    # Ended, but in force through its last day (the day the ending is decided and the days up to the 10th included).
    assert len(consumption(citizen.id, date(2026, 2, 3))) == 1
    assert len(consumption(citizen.id, date(2026, 2, 10))) == 1
    assert consumption(citizen.id, date(2026, 2, 11)) == []


def test_grant_change_keeps_history_and_uses_new_lines(officer, citizen, shop):
    grant = grant_for(officer, citizen, line(4, variant=shop.bag_a))
    change_grant(officer, grant, legal_basis="Serviceloven § 112", valid_from=date(2026, 1, 1), valid_to=None,
                 lines=[line(8, variant=shop.bag_a)], reason="Øget forbrug efter operation")
    db.session.commit()
    assert [u.line.quantity for u in consumption(citizen.id, date(2026, 6, 1))] == [8]
    assert [c.action for c in grant.changes] == ["created", "changed"]
    assert grant.changes[0].snapshot["lines"][0]["quantity"] == 4 and grant.version == 2


def test_officer_of_another_municipality_cannot_grant(world, citizen, shop):
    from grants.services import GrantAccessDenied

    with pytest.raises(GrantAccessDenied):
        grant_for(world["officer_odense"], citizen, line(4, variant=shop.bag_a))


@pytest.mark.parametrize("kwargs,field", [
    ({"legal_basis": " "}, "legal_basis"),
    ({"valid_to": date(2025, 12, 31)}, "valid_to"),
    ({"reason": ""}, "reason"),
    ({"lines": []}, "lines"),
    ({"lines": [GrantLineInput(0, GrantPeriod.MONTH, variant_id=-1)]}, "lines"),
    ({"lines": [GrantLineInput(1000, GrantPeriod.MONTH, variant_id=-1)]}, "lines"),
])
def test_bad_grants_are_refused_and_nothing_is_saved(officer, citizen, shop, kwargs, field):
    from sqlalchemy import func, select

    from grants.services import create_grant
    from grants.models import Grant

    args = dict(legal_basis="Serviceloven § 112", valid_from=date(2026, 1, 1), valid_to=None,
                lines=[line(4, variant=shop.bag_a)], reason="ok")
    args.update(kwargs)
    with pytest.raises(GrantError) as exc:
        create_grant(officer, citizen, **args)
    assert exc.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Grant.id))) == 0
