"""Databases for tests: throw-away ones (a temp SQLite file, or a fresh PostgreSQL database per run), and counting
the SQL statements a piece of code sends."""
from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

_SAVEPOINT = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def throwaway_database(tmp_dir, label: str):
    """Yield a database URL that exists only for this test run."""
    admin_url = os.environ.get("STOMI_TEST_DATABASE_URL")
    if not admin_url:
        yield f"sqlite:///{tmp_dir}/{label}.sqlite"
        return
    name = f"stomi_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def count_statements(engine):
    """Yield a list that collects every SQL statement sent on `engine` inside the block (clear it to start over).

    Savepoints are left out: the test's rolled-back transaction (tests/fixtures) opens one wherever a session begins,
    which says nothing about the number of queries the code sends."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if not _SAVEPOINT.match(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
