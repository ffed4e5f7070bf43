"""The warehouse's start page reads a bounded amount whatever the outbox holds (issue 24, item 14), and the bench
times it and the delivery SLA page at 1x and 10x history."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from fulfilment.instructions import SENT_COUNT_DAYS, outbox_counts
from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from tests.fixtures.app import Auth
from tests.factories import PASSWORD
from tests.fixtures.fulfilment import bulk_accepted


def _mark_sent(orders, days_ago: int) -> None:
    ids = [o.id for o in orders]
    for message in db.session.scalars(select(OutboxMessage).join(WarehouseInstruction)
                                      .where(WarehouseInstruction.order_id.in_(ids))):
        message.status, message.sent_at = OutboxStatus.SENT, utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_the_sent_count_is_of_the_last_days_only(granted, shop):
    orders = bulk_accepted(granted, shop.bag_a, 4)
    _mark_sent(orders[:1], SENT_COUNT_DAYS + 1)   # before the window: not counted
    _mark_sent(orders[1:3], SENT_COUNT_DAYS - 1)  # inside it
    assert outbox_counts() == {"pending": 1, "sent": 2}


def test_the_page_reads_the_same_few_statements_however_many_were_sent(client, granted, shop):
    auth = Auth(client)
    auth.staff("warehouse@test.dk", PASSWORD)

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = client.get("/lager/")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert page.status_code == 200
        return len(seen), page.get_data(as_text=True)

    _mark_sent(bulk_accepted(granted, shop.bag_a, 2), 1)
    few, _ = statements()
    _mark_sent(bulk_accepted(granted, shop.bag_b, 12), 1)
    many, html = statements()
    assert many == few  # no statement per row (the instruction and its order come joined)
    assert f"Sendt til leverandøren de seneste {SENT_COUNT_DAYS} dage" in html


def test_both_pages_are_bench_history_measures():
    from devtools.bench import runner
    from devtools.bench.fulfilment_measures import measure_delivery_sla_page, measure_warehouse_page

    assert runner.HISTORY_MEASURES["warehouse_page"] is measure_warehouse_page
    assert runner.HISTORY_MEASURES["delivery_sla_page"] is measure_delivery_sla_page


def _promised(orders, day, status):
    """Promise the orders for `day` and walk them to `status` ("accepted" leaves them where they are)."""
    from ordering.models import OrderStatus
    from ordering.services import set_status

    for order in orders:
        instruction = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
        instruction.requested_delivery_date = day
        path = ["sent_to_warehouse", "picked", "packed", "shipped", "delivered"]
        for step in path[:path.index(status) + 1] if status != "accepted" else []:
            set_status(order, OrderStatus(step))
    db.session.commit()


def test_late_and_due_unshipped_orders_at_their_boundaries(granted, shop):
    """Issue 24, staff expect: the warehouse sees what is late and what is due and has not left."""
    from fulfilment.sla import overdue
    from stomi_app.workdays import add_working_days
    from stomi_app.timeutil import local_today

    today = local_today()
    yesterday, next_day, after = today - timedelta(days=1), add_working_days(today, 1), add_working_days(today, 2)
    late_shipped, late_delivered, due_today, due_next, due_next_shipped, due_later = (
        bulk_accepted(granted, shop.bag_a, 1) for _ in range(6))
    _promised(late_shipped, yesterday, "shipped")        # late: shipped but not delivered
    _promised(late_delivered, yesterday, "delivered")    # delivered: nothing to do
    _promised(due_today, today, "picked")                # due today, still in the warehouse
    _promised(due_next, next_day, "sent_to_warehouse")   # due the next working day, not shipped
    _promised(due_next_shipped, next_day, "shipped")     # on its way: fine
    _promised(due_later, after, "accepted")              # not due yet
    found = overdue(today)
    assert [o.id for _i, o in found.late] == [late_shipped[0].id] and found.late_count == 1
    assert {o.id for _i, o in found.due_unshipped} == {due_today[0].id, due_next[0].id} and found.due_count == 2


def test_the_warehouse_page_lists_them(granted, shop, client):
    from stomi_app.timeutil import local_today

    late = bulk_accepted(granted, shop.bag_a, 1)
    _promised(late, local_today() - timedelta(days=3), "packed")
    assert Auth(client).staff("warehouse@test.dk", PASSWORD).status_code == 302
    html = client.get("/lager/").get_data(as_text=True)
    assert 'data-testid="late-instructions"' in html and "Forsinket: den lovede dag er passeret (1)" in html
    assert late[0].number in html and "Pakket" in html
