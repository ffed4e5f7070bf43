"""Bulk writing for the demo data: COPY on PostgreSQL, chunked Core inserts elsewhere, from the same row tuples."""
from __future__ import annotations

import queue
import sys
import threading
import time
from contextlib import contextmanager
from functools import partial

from sqlalchemy import func, insert, select, text

from stomi_app.extensions import db

CHUNK = 50_000
# Binary COPY sends a timestamp as microseconds since 2000-01-01, the same eight bytes for `timestamp` and
# `timestamptz`; dumped as timestamptz, an aware UTC datetime arrives in a naive-UTC column as its UTC value,
# which is how UTCDateTime stores every moment.
_TIMESTAMP, _TIMESTAMPTZ = 1114, 1184


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def table_of(model_or_table):
    return getattr(model_or_table, "__table__", model_or_table)


def first_free_id(model_or_table) -> int:
    return (db.session.scalar(select(func.max(table_of(model_or_table).c.id))) or 0) + 1


def _quoted(name: str) -> str:
    return db.session.get_bind().dialect.identifier_preparer.quote(name)


class _Pipeline:
    """A thread that runs the writers' COPYs, in order, on the session's connection while the caller makes the next
    rows: PostgreSQL stores one chunk on the second core while Python builds the next on the first."""

    def __init__(self, connection):
        self.connection = connection
        self.jobs: queue.Queue = queue.Queue(maxsize=4)  # chunks waiting: memory stays bounded
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None:  # after a failure the rest is dropped; the caller raises it
                try:
                    job(self.connection)
                except BaseException as exc:  # handed to the caller's thread, which raises it
                    self.error = exc

    def submit(self, job) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(job)

    def finish(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


_pipeline: _Pipeline | None = None


@contextmanager
def pipelined():
    """On PostgreSQL, the TableWriters in this block hand their chunks to a COPY thread; nothing else may use the
    session until the block ends (it waits for the last chunk). Elsewhere it changes nothing."""
    global _pipeline
    if not is_postgresql() or _pipeline is not None:
        yield
        return
    _pipeline = _Pipeline(db.session.connection().connection.driver_connection)
    # The COPY thread waits on the socket most of the time, and after each wait it needs the interpreter back from
    # the thread making rows, which keeps it for the switch interval (5 ms): a socket buffer per 5 ms would starve
    # PostgreSQL. A short interval hands it over in time.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        pipeline, _pipeline = _pipeline, None
        pipeline.finish()


def _run(job) -> None:
    """Run a job on the session's psycopg connection: in the COPY thread while one runs, else now."""
    if _pipeline is not None:
        _pipeline.submit(job)
    else:
        job(db.session.connection().connection.driver_connection)


def _copy_job(statement: str, oids: list[int], rows: list[tuple], connection) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(oids)
        write = copy.write_row
        for row in rows:
            write(row)


def _execute_job(statement: str, connection) -> None:
    connection.execute(statement)


class TableWriter:
    """Rows for one table, as tuples in `columns` order with the caller's ids, written a chunk at a time.

    Several writers can fill at once (an order, its lines and its events are made together): each holds its
    rows until a chunk is full, so only one COPY is ever open on the connection. A writer flushes the writers of
    the rows it points at (`after`) first, so foreign keys in force always find their row. A hot loop may append
    to `rows` itself (the list stays the same object) and call spill() now and then.
    """

    def __init__(self, model_or_table, columns: list[str] | tuple[str, ...], chunk: int = CHUNK,
                 after: tuple[TableWriter, ...] = ()):
        self.table = table_of(model_or_table)
        self.columns = list(columns)
        self.chunk = chunk
        self.after = after
        self.rows: list[tuple] = []
        self.count = 0
        self.postgresql = is_postgresql()
        self._copy: tuple[str, list[int]] | None = None

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def spill(self) -> None:
        """Flush if a chunk is full."""
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for parent in self.after:
            parent.flush()
        if not self.rows:
            return
        rows = self.rows[:]
        self.rows.clear()
        if self.postgresql:
            statement, oids = self._copy_statement()
            _run(partial(_copy_job, statement, oids, rows))
        elif db.session.get_bind().dialect.name == "sqlite":
            self._insert_sqlite(rows)
        else:
            db.session.execute(insert(self.table), [dict(zip(self.columns, row)) for row in rows])
        self.count += len(rows)

    def close(self) -> int:
        """Write what is left and move the id sequence past the caller's ids; returns the rows written."""
        self.flush()
        if self.count and "id" in self.columns:
            move_sequence(self.table)
        return self.count

    def _insert_sqlite(self, rows: list[tuple]) -> None:
        """executemany on the driver's connection, each value through its column type's own bind processor (what a
        Core insert would store, without building a dict and a parameter set per row)."""
        dialect = db.session.get_bind().dialect
        columns = [self.table.c[name] for name in self.columns]
        processors = [(i, p) for i, c in enumerate(columns) if (p := c.type.bind_processor(dialect)) is not None]
        names = ", ".join(_quoted(name) for name in self.columns)
        statement = f"INSERT INTO {_quoted(self.table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"

        def processed(row):
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            return values

        cursor = db.session.connection().connection.driver_connection.cursor()
        try:
            cursor.executemany(statement, map(processed, rows))
        finally:
            cursor.close()

    def _copy_statement(self) -> tuple[str, list[int]]:
        if self._copy is None:
            types = dict(db.session.execute(text(
                "SELECT attname, CAST(atttypid AS INTEGER) FROM pg_attribute WHERE attrelid = CAST(:name AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"), {"name": _quoted(self.table.name)}).all())
            names = ", ".join(_quoted(c) for c in self.columns)
            self._copy = (f"COPY {_quoted(self.table.name)} ({names}) FROM STDIN (FORMAT BINARY)",
                          [_TIMESTAMPTZ if types[c] == _TIMESTAMP else types[c] for c in self.columns])
        return self._copy


def move_sequence(model_or_table) -> None:
    """Explicit ids do not move PostgreSQL's id sequence: move it past them, or the next ordinary insert collides."""
    if is_postgresql():
        name = table_of(model_or_table).name
        _run(partial(_execute_job, f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                   f"(SELECT max(id) FROM {_quoted(name)}))"))


@contextmanager
def constraints_set_aside(*models, keep_keys=(), echo=None):
    """On PostgreSQL, fill these tables without their keys, foreign keys and indexes, then put them all back.

    A row inserted into an indexed table costs an insertion per index and a look-up per foreign key; building each
    index once over the full table and checking each foreign key in one join is several times faster (what
    pg_restore does). The primary key and unique constraints of the `keep_keys` tables stay: kept up row by row
    while the rows arrive, on a core that has time then, rather than built after, when nothing else can run.
    Foreign keys from other tables to keys set aside go and come back too. It is all one transaction: a failure
    rolls the definitions back with the rows. Elsewhere nothing changes.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        with _sqlite_indexes_set_aside(models):
            yield
        return
    if dialect != "postgresql":
        yield
        return
    names = [_quoted(table_of(m).name) for m in models]
    keyless = [_quoted(table_of(m).name) for m in models if m not in keep_keys]
    params = {"names": names, "keyless": keyless}
    foreign_keys = db.session.execute(text(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = ANY(CAST(:names AS regclass[])) OR confrelid = ANY(CAST(:keyless AS regclass[]))) "
        "ORDER BY conrelid, conname"), params).all()
    keys = db.session.execute(text(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype IN ('p', 'u') AND conrelid = ANY(CAST(:keyless AS regclass[])) ORDER BY conrelid, contype, conname"),
        params).all()
    indexes = db.session.execute(text(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(CAST(:names AS regclass[])) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY indrelid, indexrelid"),
        params).all()
    for table, name, _definition in foreign_keys + keys:
        db.session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _definition in indexes:
        db.session.execute(text(f"DROP INDEX {name}"))
    # Joins between the big tables hash millions of rows: more memory than the default 4 MB keeps them off disk.
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))
    yield
    started = time.perf_counter()
    # An index build sorts; above maintenance_work_mem (64 MB by default) the sort spills to disk.
    db.session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for table, name, definition in keys:
        db.session.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))
    for _name, definition in indexes:
        db.session.execute(text(definition))
    for table, name, definition in foreign_keys:
        db.session.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))
    # The planner still has the empty tables' statistics; the next steps' queries read these tables.
    for name in names:
        db.session.execute(text(f"ANALYZE {name}"))
    db.session.execute(text("RESET work_mem"))
    db.session.execute(text("RESET maintenance_work_mem"))
    if echo:
        echo(f"  {len(keys)} keys, {len(indexes)} indexes and {len(foreign_keys)} foreign keys rebuilt, tables analysed "
             f"in {time.perf_counter() - started:.1f} s")


@contextmanager
def _sqlite_indexes_set_aside(models):
    """SQLite's share of constraints_set_aside: the secondary indexes (keys are part of the table definitions, and
    the app does not turn SQLite's foreign key checks on)."""
    tables = [table_of(m).name for m in models]
    indexes = db.session.execute(text(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join(f':t{i}' for i in range(len(tables)))})"), {f"t{i}": t for i, t in enumerate(tables)}).all()
    for name, _sql in indexes:
        db.session.execute(text(f"DROP INDEX {_quoted(name)}"))
    yield
    for _name, sql in indexes:
        db.session.execute(text(sql))
