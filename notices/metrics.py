"""Notices' metrics at /metrics: deliveries pending or given up per channel, and the oldest pending one's age."""
from __future__ import annotations

from datetime import timezone

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from notices.models import DeliveryStatus, NoticeDelivery
from stomi_app.db import utcnow
from stomi_app.extensions import db


class NoticeCollector:
    """Notices to citizens not (yet) out on their channel, read at scrape time: a growing pending count or a rising
    failed count means a channel's provider (the SMTP server) is down or refusing."""

    def collect(self):
        waiting = GaugeMetricFamily("stomi_notice_deliveries", "Notice deliveries pending or given up, by channel",
                                    labels=["status", "channel"])
        rows = db.session.execute(
            select(NoticeDelivery.status, NoticeDelivery.channel, func.count(NoticeDelivery.id))
            .where(NoticeDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
            .group_by(NoticeDelivery.status, NoticeDelivery.channel)).all()
        for status, channel, count in rows:
            waiting.add_metric([getattr(status, "value", status), getattr(channel, "value", channel)], count)
        yield waiting
        age = GaugeMetricFamily("stomi_notice_oldest_pending_seconds", "Age of the oldest notice delivery still pending")
        oldest = db.session.scalar(select(func.min(NoticeDelivery.created_at))
                                   .where(NoticeDelivery.status == DeliveryStatus.PENDING))
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        age.add_metric([], (utcnow() - oldest).total_seconds() if oldest is not None else 0)
        yield age
