"""The notice sender: takes due outbox rows for a lease, hands each to its channel, retries with backoff.

A row is claimed by a conditional UPDATE (committed) before it is sent, so two senders never take the same row, and it
is marked sent in its own commit straight after the channel took it. The only way to send twice is a crash between
the SMTP server's "250 OK" and that commit (then the lease runs out and it goes again): SMTP has no idempotency key,
so that window is kept as short as one commit. A channel that fails (SMTP down) leaves the row pending with its next
attempt `backoff_seconds` later; the notice's cause (the order) committed long before and is never touched.
"""
from __future__ import annotations

import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from notices.channels import CHANNELS, ChannelError, NotConnected
from notices.models import DeliveryStatus, Notice, NoticeDelivery
from notices.texts import outgoing
from stomi_app.db import utcnow
from stomi_app.extensions import db

log = logging.getLogger("stomi.notices")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed} (will retry), gave up {self.gave_up}, skipped {self.skipped}"


def backoff_seconds(attempts: int) -> float:
    """Exponential from NOTICE_BACKOFF_SECONDS, capped at NOTICE_BACKOFF_MAX_SECONDS, with a little jitter."""
    config = current_app.config
    base = config["NOTICE_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    return min(base, config["NOTICE_BACKOFF_MAX_SECONDS"]) * (1 + random.uniform(0, 0.1))


def _claim(now: datetime, batch: int) -> list[NoticeDelivery]:
    lease = timedelta(seconds=current_app.config["NOTICE_LEASE_SECONDS"])
    ids = list(db.session.scalars(
        select(NoticeDelivery.id).where(NoticeDelivery.status == DeliveryStatus.PENDING, NoticeDelivery.next_attempt_at <= now)
        .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id).limit(batch)))
    if not ids:
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        update(NoticeDelivery)
        .where(NoticeDelivery.id.in_(ids), NoticeDelivery.status == DeliveryStatus.PENDING,
               NoticeDelivery.next_attempt_at <= now)
        .values(claim_token=token, next_attempt_at=now + lease, attempts=NoticeDelivery.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        select(NoticeDelivery).where(NoticeDelivery.claim_token == token).order_by(NoticeDelivery.id)
        .options(selectinload(NoticeDelivery.notice).selectinload(Notice.citizen))))


def _send_one(delivery: NoticeDelivery, report: SendReport, now: datetime) -> None:
    citizen = delivery.notice.citizen
    channel = CHANNELS.get(delivery.channel)
    to = channel.address(citizen) if channel else None
    if to is None:
        delivery.status, delivery.claim_token = DeliveryStatus.SKIPPED, None
        delivery.last_error = "no address for the channel"
        report.skipped += 1
        return
    try:
        channel.send(to, outgoing(delivery.notice, citizen.language))
    except NotConnected as exc:
        delivery.status, delivery.claim_token, delivery.last_error = DeliveryStatus.SKIPPED, None, str(exc)
        report.skipped += 1
        return
    except ChannelError as exc:
        delivery.last_error, delivery.claim_token = str(exc)[:1000], None
        if delivery.attempts >= current_app.config["NOTICE_MAX_ATTEMPTS"]:
            delivery.status = DeliveryStatus.FAILED
            report.gave_up += 1
            log.error("notice %s by %s given up after %s attempts: %s", delivery.notice_id, delivery.channel,
                      delivery.attempts, exc)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
            report.failed += 1
            log.warning("notice %s by %s not sent, attempt %s: %s", delivery.notice_id, delivery.channel,
                        delivery.attempts, exc)
        return
    delivery.status, delivery.sent_at, delivery.recipient = DeliveryStatus.SENT, utcnow(), to[:254]
    delivery.claim_token, delivery.last_error = None, None
    report.sent += 1


def send_due(*, now: datetime | None = None, max_batches: int = 100, after_send=None) -> SendReport:
    """Send every delivery due now; each is committed on its own right after its channel answered.

    `after_send(delivery)` runs between the channel's answer and that commit (tests use it to fail exactly there).
    """
    report = SendReport()
    due_by = now or utcnow()
    batch = current_app.config["NOTICE_BATCH_SIZE"]
    for _ in range(max_batches):
        deliveries = _claim(due_by, batch)
        if not deliveries:
            break
        for delivery in deliveries:
            _send_one(delivery, report, now or utcnow())
            if after_send is not None:
                after_send(delivery)
            db.session.commit()
    return report


def run_loop(*, interval: float = 5.0, should_stop=lambda: False, echo=None) -> None:
    """Send until stopped, pausing `interval` seconds after a round with nothing sent."""
    while not should_stop():
        try:
            report = send_due()
        except Exception:  # a database hiccup must not end the loop; the rows stay pending
            db.session.rollback()
            log.exception("notice round failed")
            report = SendReport()
        if echo and (report.sent or report.failed or report.gave_up or report.skipped):
            echo(str(report))
        db.session.remove()
        deadline = time.monotonic() + interval
        while not report.sent and time.monotonic() < deadline and not should_stop():
            time.sleep(0.2)
