"""Steering SQLite's query planner where it has no statistics to go by (PostgreSQL plans from its own)."""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement):  # noqa: N801 (used like a column)
    """A column whose index SQLite must not use for this condition: `+column` on SQLite, the column elsewhere.

    SQLite without ANALYZE prefers an equality on a low-selectivity column such as `supply_order.status` over a
    range on a time column, and then walks every order ever made; `+` is SQLite's documented way to stop that,
    so the period's (citizen, time) or time index is used and the cost follows the period, not the history.
    """

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"+{compiler.process(column, **kw)}"


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(column, **kw)
