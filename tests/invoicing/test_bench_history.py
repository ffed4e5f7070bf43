"""`stomi bench`'s 10x history: copies of the sent orders lie before all existing history, whole years back."""
from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from sqlalchemy import func, select

from devtools.bench.history import history_years, multiply_history
from stomi_app.extensions import db
from ordering.models import Order, OrderLine, OrderStatus


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_copies_are_older_than_all_history_and_recent_months_are_unchanged(month):
    with time_machine.travel(datetime(2026, 7, 5, 10, tzinfo=timezone.utc), tick=False):
        sent = db.session.scalar(select(func.count(Order.id)).where(Order.status != OrderStatus.DRAFT))
        lines = db.session.scalar(select(func.count(OrderLine.id)))
        oldest = _aware(db.session.scalar(select(func.min(Order.submitted_at))))
        recent = db.session.scalar(select(func.count(Order.id)).where(Order.submitted_at >= oldest))
        assert history_years() == 1  # April–May 2026 seen from July 2026
        added = multiply_history(3)
        assert added == 2 * sent
        assert db.session.scalar(select(func.count(OrderLine.id))) == 3 * lines
        # Everything added lies before the oldest order there was; what was there is untouched.
        assert db.session.scalar(select(func.count(Order.id)).where(Order.submitted_at >= oldest)) == recent
        copies = db.session.scalars(select(Order).where(Order.submitted_at < oldest)).all()
        assert len(copies) == added and {c.status for c in copies} == {OrderStatus.DELIVERED}
        assert _aware(db.session.scalar(select(func.min(Order.submitted_at)))).year == 2024
