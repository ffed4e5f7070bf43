"""Multiplying order history inside the database (same citizens, k times the orders), for the flat-cost check."""
from __future__ import annotations

import math
from datetime import timezone

from sqlalchemy import func, select, text

from stomi_app.db import utcnow
from devtools.demo.bulk import constraints_set_aside
from stomi_app.extensions import db
from ordering.models import Order, OrderEvent, OrderEventReason, OrderLine


def history_years() -> int:
    """How many whole years the sent orders span (at least one)."""
    oldest = db.session.scalar(select(func.min(Order.submitted_at)))
    if oldest is None:
        return 1
    if oldest.tzinfo is None:  # aggregates bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=timezone.utc)
    return max(1, math.ceil((utcnow() - oldest).days / 365))


def multiply_history(factor: int) -> int:
    """Add factor-1 copies of every sent order, each copy moved back by one more span of the existing history
    (whole years, so seasons stay where they are); returns orders added.

    Done with INSERT … SELECT so ten times a region's history takes seconds, not an hour of ORM work.
    Copies are delivered orders: history, not open work. Because each copy lies before all existing history,
    the recent months stay as they were: only older history grows.
    """
    dialect = db.engine.dialect.name
    years = history_years()
    max_order = db.session.scalar(select(func.max(Order.id))) or 0
    max_line = db.session.scalar(select(func.max(OrderLine.id))) or 0
    max_event = db.session.scalar(select(func.max(OrderEvent.id))) or 0
    order_cols = [c.name for c in Order.__table__.columns]
    added = 0
    # Keys, indexes and foreign keys are rebuilt once after the copies, not kept up row by row (pg_restore's way).
    with constraints_set_aside(Order, OrderLine, OrderEvent, OrderEventReason):
        for k in range(1, factor):
            if dialect == "postgresql":
                shift = lambda col: f"{col} - interval '{365 * years * k} days'"  # noqa: E731
            else:
                shift = lambda col: f"datetime({col}, '-{365 * years * k} days')"  # noqa: E731
            select_cols = []
            for col in order_cols:
                if col == "id":
                    select_cols.append(f"id + {k * (max_order + 1)}")
                elif col == "idempotency_key":
                    select_cols.append(f"idempotency_key || '-h{k}'")
                elif col in ("created_at", "submitted_at", "decided_at", "delivered_at"):
                    select_cols.append(shift(col))
                elif col == "status":
                    select_cols.append("'delivered'")
                elif col == "replaces_order_id":
                    select_cols.append("NULL")
                else:
                    select_cols.append(col)
            result = db.session.execute(text(
                f"INSERT INTO supply_order ({', '.join(order_cols)}) SELECT {', '.join(select_cols)} FROM supply_order "
                f"WHERE id <= {max_order} AND status <> 'draft'"
            ))
            added += result.rowcount or 0
            line_cols = [c.name for c in OrderLine.__table__.columns]
            line_select = [f"id + {k * (max_line + 1)}" if c == "id" else f"order_id + {k * (max_order + 1)}" if c == "order_id" else c
                           for c in line_cols]
            db.session.execute(text(
                f"INSERT INTO order_line ({', '.join(line_cols)}) SELECT {', '.join(line_select)} FROM order_line l "
                f"WHERE l.id <= {max_line} AND l.order_id IN (SELECT id FROM supply_order WHERE id <= {max_order} AND status <> 'draft')"
            ))
            event_cols = [c.name for c in OrderEvent.__table__.columns]
            event_select = [f"id + {k * (max_event + 1)}" if c == "id" else f"order_id + {k * (max_order + 1)}" if c == "order_id"
                            else shift(c) if c == "at" else c for c in event_cols]
            db.session.execute(text(
                f"INSERT INTO order_event ({', '.join(event_cols)}) SELECT {', '.join(event_select)} FROM order_event e "
                f"WHERE e.id <= {max_event} AND e.order_id IN (SELECT id FROM supply_order WHERE id <= {max_order} AND status <> 'draft')"
            ))
            db.session.execute(text(
                f"INSERT INTO order_event_reason (event_id, reason) SELECT r.event_id + {k * (max_event + 1)}, r.reason "
                f"FROM order_event_reason r JOIN order_event e ON e.id = r.event_id "
                f"WHERE e.id <= {max_event} AND e.order_id IN (SELECT id FROM supply_order WHERE id <= {max_order} AND status <> 'draft')"
            ))
    if dialect == "postgresql":
        for table in ("supply_order", "order_line", "order_event"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    db.session.commit()
    from devtools.demo import refresh_planner_statistics

    refresh_planner_statistics()
    return added
