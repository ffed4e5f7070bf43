"""Queries that run on pages people open all day read through an index, not the whole order history.

The plans are asked of both databases the platform runs on: PostgreSQL in production, SQLite in development, which
has no statistics and so takes any index that matches; there must be no plain status index for it to take."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, text

from municipal_portal.services import awaiting_approval
from stomi_app.extensions import db
from grants.services import consumption
from ordering.models import Order
from stomi_app.models import Role
from ordering.replacements import already_replaced
from usage_statistics.figures import order_totals
from usage_statistics.period import month_period
from grants.services import consumption
from ordering.models import Order
from stomi_app.models import Role
from ordering.replacements import already_replaced
from usage_statistics.figures import order_totals
from usage_statistics.period import month_period
from tests.fixtures.grants import grant_for, line


@contextmanager
def statements():
    """The statements the block runs against the database, with their parameters."""
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield captured
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def plan_of(captured, fragment: str) -> str:
    statement, parameters = next((s, p) for s, p in captured if fragment in s)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: ask whether an index can serve
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    return "\n".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_already_replaced_reads_replacements_through_their_index(ctx, world):
    """The callcenter's problem page asks it of a delivered order; before the index it read every order."""
    with statements() as captured:
        already_replaced(Order(id=1))
    assert "ix_supply_order_replaces_order_id" in plan_of(captured, "replaces_order_id")


def test_the_approval_queue_reads_only_waiting_orders(ctx, world):
    """The grant officer's queue of orders beyond the grant: through the partial index of waiting orders, or the
    municipality's citizens' orders where the planner thinks that cheaper (SQLite always: it cannot match a bound
    status to the index's condition) — never every order."""
    with statements() as captured:
        awaiting_approval(world["citizen"].municipality_id)
    plan = plan_of(captured, "supply_order")
    assert "ix_supply_order_awaiting_approval" in plan or "ix_supply_order_citizen" in plan, plan
    assert "Seq Scan on supply_order" not in plan and "SCAN supply_order" not in plan, plan


def test_a_citizens_consumption_reads_her_orders_not_every_order_in_a_status(ctx, world, shop):
    """Every order and every grant page counts the citizen's use: by her orders, never by a status index."""
    grant_for(world[Role.GRANT_OFFICER], world["citizen"], line(10, variant=shop.bag_a))
    with statements() as captured:
        consumption(world["citizen"].id, date(2026, 12, 3))
    plan = plan_of(captured, "supply_order")
    # By her orders or the period's: PostgreSQL takes the time index when its statistics say the window is narrow.
    assert "ix_supply_order_citizen" in plan or "ix_supply_order_submitted_at" in plan, plan
    assert "ix_supply_order_status" not in plan and "SCAN supply_order" not in plan


def test_statistics_read_the_period_by_time_not_by_status(ctx, world):
    with statements() as captured:
        order_totals(month_period(date(2026, 11, 1)))
    plan = plan_of(captured, "submitted_at")
    assert "submitted" in plan and "ix_supply_order_status" not in plan, plan


def test_the_warehouses_late_list_reads_the_orders_on_their_way(ctx, world):
    """The warehouse's start page lists late instructions: through the partial index of orders on their way (a few
    hundred rows), not every past instruction filtered by its order's status (2.6 s at 10× history before)."""
    from fulfilment.sla import UNDELIVERED, overdue
    from ordering.models import ON_ITS_WAY

    assert all(f"'{status.value}'" in ON_ITS_WAY for status in UNDELIVERED)  # the index holds what the list asks
    if db.engine.dialect.name != "postgresql":
        return  # SQLite cannot match bound statuses to the index's condition
    with statements() as captured:
        overdue(date(2026, 6, 1))
    assert "ix_supply_order_on_its_way" in plan_of(captured, "requested_delivery_date <")
