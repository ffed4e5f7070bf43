"""The dispatcher against the simulator over real HTTP on 127.0.0.1: nothing lost, nothing twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fulfilment.dispatch import dispatch_pending
from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from ordering.models import Order, OrderStatus
from tests.fixtures.fulfilment import bulk_accepted


def outbox_by_status() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status.value: count for status, count in rows}


def drain(max_rounds: int = 10) -> int:
    """Dispatch round after round, each a day later than the last (past any backoff); returns the rounds used."""
    for round_ in range(1, max_rounds + 1):
        dispatch_pending(now=utcnow() + timedelta(days=round_))
        if not outbox_by_status().get("pending"):
            return round_
    raise AssertionError(f"still pending after {max_rounds} rounds: {outbox_by_status()}")


def assert_each_arrived_once(provider, count, repeated: int = 0):
    """One order per key at the provider; `repeated` keys arrived more than once (and were de-duplicated)."""
    stats = provider.state.stats()
    assert stats["instructions"] == count
    assert stats["duplicates"] == repeated
    keys = set(db.session.scalars(select(OutboxMessage.idempotency_key)))
    assert set(provider.state.instructions) == keys


def test_all_sent_and_orders_move_to_sent_to_warehouse(granted, shop, provider):
    orders = bulk_accepted(granted, shop.bag_a, 5)
    report = dispatch_pending()
    assert (report.sent, report.failed) == (5, 0)
    assert outbox_by_status() == {"sent": 5}
    assert_each_arrived_once(provider, 5)
    for order in orders:
        db.session.refresh(order)
        assert order.status is OrderStatus.SENT_TO_WAREHOUSE
        assert [e.to_status for e in order.events][-1] is OrderStatus.SENT_TO_WAREHOUSE
    assert dispatch_pending().sent == 0  # nothing is sent twice


@pytest.mark.parametrize("mode", ["down", "error"])
def test_provider_failing_for_the_first_attempts(granted, shop, provider, mode):
    bulk_accepted(granted, shop.bag_a, 5)
    provider.state.set_mode(mode, count=7)  # the first 7 requests fail: every row fails at least once
    first = dispatch_pending()
    assert (first.sent, first.failed) == (0, 5)
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    assert message.status is OutboxStatus.PENDING and message.attempts == 1 and message.claim_token is None
    assert message.last_error.startswith("ConnectionError" if mode == "down" else "HTTP 500")
    # Backed off: a dispatcher running again at once sends nothing.
    assert message.next_attempt_at > utcnow() + timedelta(seconds=4)
    assert dispatch_pending().sent == 0
    assert drain() == 2
    assert_each_arrived_once(provider, 5)
    assert provider.state.stats()["requests"] == 12
    assert sorted(db.session.scalars(select(OutboxMessage.attempts))) == [2, 2, 2, 3, 3]


def test_backoff_grows_and_is_capped(app, ctx):
    from fulfilment.dispatch import backoff_seconds

    base, cap = app.config["LOGISTICS_BACKOFF_SECONDS"], app.config["LOGISTICS_BACKOFF_MAX_SECONDS"]
    assert base <= backoff_seconds(1) <= base * 1.1
    assert base * 8 <= backoff_seconds(4) <= base * 8 * 1.1
    assert cap <= backoff_seconds(40) <= cap * 1.1


def test_answer_lost_in_a_timeout_is_sent_again_with_the_same_key(granted, shop, provider, app):
    bulk_accepted(granted, shop.bag_a, 1)
    app.config["LOGISTICS_READ_TIMEOUT"] = 0.3
    provider.state.set_mode("slow", count=1, slow_seconds=1.0)  # stored, but the answer comes too late
    assert dispatch_pending().failed == 1
    assert provider.state.stats()["instructions"] == 1
    assert drain() == 1
    key = db.session.scalar(select(OutboxMessage.idempotency_key))
    assert provider.state.receipts[key] == 2
    assert provider.state.stats()["instructions"] == 1  # one order at the provider


def test_dispatcher_dying_between_send_and_mark_in_process(granted, shop, provider):
    bulk_accepted(granted, shop.bag_a, 3)

    def die(message):
        raise SystemExit("killed")  # after the provider answered, before the mark is committed

    with pytest.raises(SystemExit):
        dispatch_pending(after_send=die)
    db.session.rollback()  # what the process's death does to the open transaction
    db.session.expire_all()
    assert outbox_by_status() == {"pending": 3}
    assert provider.state.stats()["instructions"] == 3  # the batch reached the provider; none was marked
    assert dispatch_pending().sent == 0  # still held by the dead dispatcher's lease
    assert drain() == 1
    assert_each_arrived_once(provider, 3, repeated=3)
    assert set(provider.state.receipts.values()) == {2}
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status == OrderStatus.SENT_TO_WAREHOUSE)) == 3


@pytest.mark.committing
def test_dispatcher_process_killed_mid_send(granted, shop, provider, app, database_url):
    """A real `stomi fulfilment dispatch` is SIGKILLed after the provider stored the instruction, before the answer."""
    bulk_accepted(granted, shop.bag_a, 1)
    key = db.session.scalar(select(OutboxMessage.idempotency_key))
    provider.state.set_mode("slow", count=1, slow_seconds=5.0)
    env = {**os.environ, "STOMI_DATABASE_URL": database_url, "STOMI_LOGISTICS_URL": provider.url,
           "STOMI_LOGISTICS_READ_TIMEOUT": "20"}
    stomi = os.path.join(os.path.dirname(sys.executable), "stomi")
    process = subprocess.Popen([stomi, "fulfilment", "dispatch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while provider.state.receipts[key] == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        assert provider.state.receipts[key] == 1, process.stdout.read() if process.poll() is not None else "no request"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status is OutboxStatus.PENDING and message.attempts == 1  # claimed, never marked
    assert drain() == 1
    assert provider.state.receipts[key] == 2
    assert provider.state.stats()["instructions"] == 1
    assert db.session.scalar(select(Order.status)) is OrderStatus.SENT_TO_WAREHOUSE


def test_thousand_orders_none_lost(granted, shop, provider, capsys):
    started = time.monotonic()
    bulk_accepted(granted, shop.bag_a, 1000)
    db.session.expunge_all()  # a dispatcher process starts with an empty session, not with the 1,000 orders
    made = time.monotonic()
    provider.state.set_mode("error", count=100)  # a bad minute at the provider on top
    first = dispatch_pending()
    assert (first.sent, first.failed) == (900, 100)
    assert drain() == 1
    took = time.monotonic() - made
    assert db.session.scalar(select(func.count(WarehouseInstruction.id))) == 1000
    assert outbox_by_status() == {"sent": 1000}
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status == OrderStatus.SENT_TO_WAREHOUSE)) == 1000
    stats = provider.state.stats()
    assert stats["instructions"] == 1000 and stats["duplicates"] == 0 and stats["requests"] == 1100
    assert_each_arrived_once(provider, 1000)
    with capsys.disabled():
        print(f"\n1,000 orders: made in {made - started:.1f} s, dispatched in {took:.1f} s "
              f"({1000 / took:.0f}/s incl. 100 retries)")
