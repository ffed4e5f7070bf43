"""Queries that run on pages people open all day read through an index, not the whole order history (PostgreSQL)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from stomi_app.extensions import db
from stomi_app.models import Order
from stomi_app.replacements import already_replaced

pytestmark = pytest.mark.skipif(not os.environ.get("STOMI_TEST_DATABASE_URL"), reason="PostgreSQL's planner")


def test_already_replaced_reads_replacements_through_their_index(ctx, world):
    """The callcenter's problem page asks it of a delivered order; before the index it read every order."""
    captured = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if "replaces_order_id" in statement and not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        already_replaced(Order(id=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    statement, parameters = captured[0]
    connection = db.session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask whether the index can serve
    plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_supply_order_replaces_order_id" in plan, plan
