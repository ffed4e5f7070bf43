"""Delivery SLA: working days from acceptance to delivery against the promise, the monthly on-time share, the FSC page."""
from __future__ import annotations

from datetime import date

import time_machine

from fulfilment.sla import monthly_on_time, recent_months
from stomi_app.extensions import db
from ordering.models import OrderStatus
from ordering.services import set_status
from ordering.models import OrderStatus
from ordering.services import set_status
from tests.fixtures.app import Auth
from tests.factories import PASSWORD
from tests.fixtures.fulfilment import bulk_accepted
from tests.fixtures.orders import at

ROUTE = [OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED,
         OrderStatus.DELIVERED]


def delivered(citizen, variant, accepted, delivered_at, express=False):
    with time_machine.travel(accepted, tick=False):
        order = bulk_accepted(citizen, variant, 1, express=express)[0]
    with time_machine.travel(delivered_at, tick=False):
        for status in ROUTE:
            set_status(order, status)
        db.session.commit()
    return order


def test_monthly_on_time_share(granted, shop):
    bag = shop.bag_a
    delivered(granted, bag, at(2026, 3, 6), at(2026, 3, 10, 15))       # Friday → Tuesday: 2 working days, on time
    delivered(granted, bag, at(2026, 3, 6), at(2026, 3, 11, 9))        # Wednesday: 3 working days, late
    delivered(granted, bag, at(2026, 3, 27), at(2026, 3, 31, 23, ))    # 23:00 on 31 March (summer time) is March
    delivered(granted, bag, at(2026, 4, 1), at(2026, 4, 7, 10), express=True)  # over Easter: 1 working day
    delivered(granted, bag, at(2026, 4, 2), at(2026, 4, 8, 10), express=True)  # Maundy Thursday → Wednesday: late
    march = monthly_on_time(2026, 3)
    assert (march.delivered, march.on_time, march.on_time_pct) == (3, 2, 66.7)
    assert march.average_working_days == round((2 + 3 + 2) / 3, 2)
    april = monthly_on_time(2026, 4)
    assert (april.delivered, april.on_time, april.express_delivered, april.express_on_time) == (2, 1, 2, 1)
    assert april.on_time_pct == 50.0
    assert monthly_on_time(2026, 5).on_time_pct is None
    months = recent_months(3, today=date(2026, 4, 15))
    assert [(m.year, m.month, m.delivered) for m in months] == [(2026, 4, 2), (2026, 3, 3), (2026, 2, 0)]


def test_orders_not_yet_delivered_do_not_count(granted, shop):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        bulk_accepted(granted, shop.bag_a, 2)
    assert monthly_on_time(2026, 3).delivered == 0


def test_fsc_admin_sees_the_delivery_times_page(client, granted, shop):
    delivered(granted, shop.bag_a, at(2026, 3, 6), at(2026, 3, 10, 15))
    auth = Auth(client)
    # Log in inside the travelled time: a session cookie signed "later" than the clock reads is refused.
    with time_machine.travel(at(2026, 3, 20), tick=True):
        auth.staff("admin@test.dk", PASSWORD)
        start = client.get("/admin/").get_data(as_text=True)
        assert "/admin/levering" in start
        page = client.get("/admin/levering")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="sla-months"' in html and "100,0 %" in html
    auth.logout()
    auth.staff("warehouse@test.dk", PASSWORD)
    assert client.get("/admin/levering").status_code == 403
