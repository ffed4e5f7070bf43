"""The dispatcher: sends pending outbox rows to the provider, marks them sent only on a 2xx answer.

Delivery is at least once, and the provider's de-duplication by `Idempotency-Key` makes it exactly one
order there. A row is claimed for a lease (committed) before it is sent, so another dispatcher skips it,
and it stays pending until the 2xx is committed: a dispatcher that dies mid-send leaves it to the next
run after the lease, which sends the same key again. Retries are durable: the backoff lives in the row
(`next_attempt_at`), not in the process.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fulfilment.instructions import payload
from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from fulfilment.signing import SIGNATURE_HEADER, sign
from stomi_app import outbox_loop
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.logs import REQUEST_ID_HEADER, bind_request_id
from ordering.models import Order, OrderStatus
from ordering.services import set_status

log = logging.getLogger("stomi.fulfilment.dispatch")


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    seconds: float = 0.0

    def did_anything(self) -> bool:
        return bool(self.sent or self.failed or self.cancelled)

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}, cancelled {self.cancelled} in {self.seconds:.2f} s"


def backoff_seconds(attempts: int) -> float:
    config = current_app.config
    return outbox_loop.backoff_seconds(attempts, config["LOGISTICS_BACKOFF_SECONDS"],
                                       config["LOGISTICS_BACKOFF_MAX_SECONDS"])


def encode(instruction: WarehouseInstruction) -> bytes:
    return json.dumps(payload(instruction), separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _claim(due_by: datetime, now: datetime, batch: int) -> list[OutboxMessage]:
    """Take up to `batch` rows due by `due_by` for the lease, with what sending them reads."""
    return outbox_loop.claim_due(
        OutboxMessage, OutboxStatus.PENDING, due_by=due_by, now=now, batch=batch,
        lease_seconds=current_app.config["LOGISTICS_LEASE_SECONDS"],
        options=[selectinload(OutboxMessage.instruction).selectinload(WarehouseInstruction.lines),
                 selectinload(OutboxMessage.instruction).selectinload(WarehouseInstruction.order)
                 .selectinload(Order.events)])


def _mark_sent(message: OutboxMessage, status_code: int, now: datetime) -> None:
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.last_status_code = status_code
    message.last_error = None
    message.claim_token = None


def _move_orders_sent(order_ids: list[int]) -> None:
    """accepted → sent_to_warehouse for the batch's sent orders, re-read under a row lock in one query:
    an event from the provider may have moved an order while we waited for the answers."""
    if not order_ids:
        return
    orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id).with_for_update()
                                .options(selectinload(Order.events)).execution_options(populate_existing=True))
    for order in orders:
        mark_order_sent(order, reason="dispatched")


def mark_order_sent(order, *, reason: str) -> None:
    """accepted → sent_to_warehouse; an order that already moved on (an event came first) is left alone."""
    if order.status is OrderStatus.ACCEPTED:
        set_status(order, OrderStatus.SENT_TO_WAREHOUSE, reason=reason)
    elif order.status is OrderStatus.CANCELLED:
        # The citizen cancelled while the instruction was in flight: a person must call the provider.
        log.error("order %s was cancelled but its instruction reached the provider", order.number)


def _mark_failed(message: OutboxMessage, error: str, status_code: int | None, now: datetime) -> None:
    message.last_error = error[:1000]
    message.last_status_code = status_code
    message.claim_token = None
    message.next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts))


@dataclass
class Outgoing:
    key: str
    body: bytes
    request_id: str | None = None  # of the request that accepted the order, for the provider's log


@dataclass
class Answer:
    ok: bool
    status_code: int | None
    error: str


class Sender:
    """POSTs instructions, a few at a time: one requests.Session (keep-alive pool) per worker thread.

    Only bytes cross into the threads; the ORM objects stay with the dispatcher's own thread.
    """

    def __init__(self, url: str, secret: str, timeout: tuple[float, float], concurrency: int):
        self.url, self.secret, self.timeout = f"{url}/instructions", secret, timeout
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(concurrency, 1), thread_name_prefix="dispatch")

    @classmethod
    def from_config(cls) -> "Sender":
        config = current_app.config
        return cls(config["LOGISTICS_URL"], config["LOGISTICS_SECRET"],
                   (config["LOGISTICS_CONNECT_TIMEOUT"], config["LOGISTICS_READ_TIMEOUT"]), config["LOGISTICS_CONCURRENCY"])

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(session)
        return session

    def post(self, item: Outgoing) -> Answer:
        headers = {"Content-Type": "application/json", "Idempotency-Key": item.key,
                   SIGNATURE_HEADER: sign(self.secret, item.body)}
        if item.request_id:
            headers[REQUEST_ID_HEADER] = item.request_id
        try:
            response = self._session().post(self.url, data=item.body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Answer(False, None, f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            return Answer(True, response.status_code, "")
        return Answer(False, response.status_code, f"HTTP {response.status_code}: {response.text[:300]}")

    def post_all(self, items: list[Outgoing]) -> list[Answer]:
        """The answers in the order of `items`; every request is bounded by the timeout."""
        return list(self._pool.map(self.post, items))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for session in self._sessions:
            session.close()


def dispatch_pending(*, sender: Sender | None = None, now: datetime | None = None, max_batches: int = 1000,
                     after_send=None) -> DispatchReport:
    """Send every row that is due now, batch by batch; rows that fail wait for their backoff.

    `after_send(message)` runs between the provider's answer and the commit that marks the row (tests
    use it to die exactly there).
    """
    started = time.monotonic()
    report = DispatchReport()
    own_sender = sender is None
    sender = sender or Sender.from_config()
    batch = current_app.config["LOGISTICS_BATCH_SIZE"]
    # Only rows due when the run starts: a row that fails now waits for its backoff, and the run ends.
    due_by = now or utcnow()
    try:
        for _ in range(max_batches):
            messages = _claim(due_by, now or utcnow(), batch)
            if not messages:
                break
            to_send = []
            for message in messages:
                if message.instruction.order.status is OrderStatus.CANCELLED:
                    message.status, message.claim_token = OutboxStatus.CANCELLED, None
                    report.cancelled += 1
                else:
                    to_send.append(message)
            answers = sender.post_all([Outgoing(m.idempotency_key, encode(m.instruction), m.request_id) for m in to_send])
            sent_order_ids = []
            for message, answer in zip(to_send, answers):
                if after_send is not None:
                    after_send(message)
                answered_at = now or utcnow()
                if answer.ok:
                    _mark_sent(message, answer.status_code, answered_at)
                    sent_order_ids.append(message.instruction.order_id)
                    report.sent += 1
                else:
                    _mark_failed(message, answer.error, answer.status_code, answered_at)
                    report.failed += 1
                    with bind_request_id(message.request_id):  # the line joins the accepting request's
                        log.warning("instruction %s (order %s) not sent, attempt %s: %s", message.instruction_id,
                                    message.instruction.order.number, message.attempts, answer.error)
            _move_orders_sent(sent_order_ids)
            # One commit per batch: a crash before it re-sends the batch with the same keys, which the
            # provider de-duplicates; a commit per row would cost a disk sync per instruction.
            db.session.commit()
    finally:
        if own_sender:
            sender.close()
    report.seconds = time.monotonic() - started
    return report


def run_loop(*, interval: float = 2.0, iterations: int | None = None, should_stop=lambda: False, echo=None) -> None:
    """Dispatch forever (or `iterations` times), pausing `interval` seconds when nothing was due."""
    sender = Sender.from_config()
    try:
        outbox_loop.run_loop(lambda: dispatch_pending(sender=sender), DispatchReport, interval=interval, logger=log,
                             iterations=iterations, should_stop=should_stop, echo=echo)
    finally:
        sender.close()
