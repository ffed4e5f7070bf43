"""The warehouse's start page reads a bounded amount whatever the outbox holds (issue 24, item 14), and the bench
times it and the delivery SLA page at 1x and 10x history."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from fulfilment.instructions import SENT_COUNT_DAYS, outbox_counts
from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from tests.conftest import Auth
from tests.factories import PASSWORD
from tests.fulfilment.conftest import bulk_accepted


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
