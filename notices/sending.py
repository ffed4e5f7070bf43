"""The notice sender: takes due outbox rows for a lease, hands each to its channel, retries with backoff.

A row is claimed by a conditional UPDATE (committed) before it is sent, so two senders never take the same row, and it
is marked sent in its own commit straight after the channel took it. The only way to send twice is a crash between
the SMTP server's "250 OK" and that commit (then the lease runs out and it goes again): SMTP has no idempotency key,
so that window is kept as short as one commit. A channel that fails (SMTP down) leaves the row pending with its next
attempt `backoff_seconds` later; the notice's cause (the order) committed long before and is never touched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import selectinload

from notices.channels import CHANNELS, ChannelError, NotConnected
from notices.models import DeliveryStatus, Notice, NoticeDelivery
from notices.texts import outgoing
from stomi_app import outbox_loop
from stomi_app.db import utcnow
from stomi_app.extensions import db

log = logging.getLogger("stomi.notices")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0

    def did_anything(self) -> bool:
        return bool(self.sent or self.failed or self.gave_up or self.skipped)

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed} (will retry), gave up {self.gave_up}, skipped {self.skipped}"


def backoff_seconds(attempts: int) -> float:
    """From NOTICE_BACKOFF_SECONDS, capped at NOTICE_BACKOFF_MAX_SECONDS."""
    config = current_app.config
    return outbox_loop.backoff_seconds(attempts, config["NOTICE_BACKOFF_SECONDS"], config["NOTICE_BACKOFF_MAX_SECONDS"])


def _claim(now: datetime, batch: int) -> list[NoticeDelivery]:
    return outbox_loop.claim_due(
        NoticeDelivery, DeliveryStatus.PENDING, due_by=now, now=now, batch=batch,
        lease_seconds=current_app.config["NOTICE_LEASE_SECONDS"],
        options=[selectinload(NoticeDelivery.notice).selectinload(Notice.citizen)])


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
    outbox_loop.run_loop(send_due, SendReport, interval=interval, logger=log, should_stop=should_stop, echo=echo)
