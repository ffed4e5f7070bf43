"""Fulfilment's metrics at /metrics: the warehouse instructions' outbox backlog and its oldest pending age."""
from __future__ import annotations

from datetime import timezone

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from fulfilment.models import OutboxMessage, OutboxStatus
from stomi_app.db import utcnow
from stomi_app.extensions import db


class OutboxCollector:
    """The warehouse instructions waiting to go out, read at scrape time (one indexed query)."""

    def collect(self):
        backlog = GaugeMetricFamily("stomi_outbox_pending", "Warehouse instructions not yet accepted by the provider")
        age = GaugeMetricFamily("stomi_outbox_oldest_pending_seconds", "Age of the oldest instruction not yet accepted")
        count, oldest = db.session.execute(select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
                                           .where(OutboxMessage.status == OutboxStatus.PENDING)).one()
        backlog.add_metric([], count or 0)
        if oldest is not None and oldest.tzinfo is None:  # aggregates bypass the column type on some engines
            oldest = oldest.replace(tzinfo=timezone.utc)
        age.add_metric([], (utcnow() - oldest).total_seconds() if oldest is not None else 0)
        yield backlog
        yield age
