"""Copenhagen calendar arithmetic inside SQL: month buckets from UTC bounds, and a local date on both engines.

Timestamps are stored as naive UTC. Month buckets are a CASE over the months' UTC start instants computed in
Python (start_of_local_day_utc), so they are exact across summer time on every engine and leave the range filter
free to use the index. A local *date* (needed to measure delivery days) is `AT TIME ZONE` on PostgreSQL and a
registered deterministic function on SQLite, which has no time zones.
"""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

from sqlalchemy import Date, case, event, literal
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from stomi_app.timeutil import TZ, start_of_local_day_utc

SQLITE_FUNCTION = "stomi_local_date"


def _sqlite_local_date(value):
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)
    return moment.astimezone(TZ).date().isoformat()


@event.listens_for(Engine, "connect")
def _register_sqlite_function(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQLITE_FUNCTION, 1, _sqlite_local_date, deterministic=True)


class local_date(FunctionElement):  # noqa: N801 (reads like the SQL function it is)
    """The Copenhagen calendar date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_pg(element, compiler, **kw):
    (column,) = element.clauses
    return f"CAST(({compiler.process(column, **kw)} AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Copenhagen' AS DATE)"


@compiles(local_date)
def _local_date_default(element, compiler, **kw):
    (column,) = element.clauses
    return f"{SQLITE_FUNCTION}({compiler.process(column, **kw)})"


def month_bucket(column, bounds: list[tuple[date, date]]):
    """0-based index of the month (from `bounds`, as from Period.month_bounds) that the UTC `column` falls in.

    Rows outside every bound give NULL; callers filter on the period's window anyway.
    """
    whens = [(column < start_of_local_day_utc(end), literal(i)) for i, (_start, end) in enumerate(bounds)]
    return case(*whens, else_=literal(None)) if whens else literal(None)

