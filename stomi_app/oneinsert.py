"""Writing a session's new objects in one INSERT statement on PostgreSQL, where a flush sends one per table.

A flush costs the unit of work's bookkeeping and one statement per table: an accepted order with its lines, first
event, warehouse instruction, instruction lines and outbox row makes six. PostgreSQL runs INSERTs chained as
data-modifying CTEs in one statement: each table's new rows in one INSERT ... RETURNING, a child's foreign key
read from its parent's CTE. The objects then become persistent as a flush would leave them.

Only plain inserts qualify: no changed or deleted object in the session, one table and one key per class, and one
new row in a table that new rows refer to. Anything else, and every other engine, is left to the flush:
`write_new` returns False and the caller flushes. Session flush events do not run for this write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from inspect import Parameter, signature

from sqlalchemy import ClauseElement, bindparam, func, insert, inspect, select, union_all
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY


class _Unsupported(Exception):
    pass


@dataclass
class _Row:
    state: object
    values: dict = field(default_factory=dict)  # column key → value
    refs: dict = field(default_factory=dict)  # column key → (parent row, parent column key)
    syncs: list = field(default_factory=list)  # (own attribute, parent row, parent attribute) to set afterwards


def write_new(session: Session) -> bool:
    """Insert every pending object of the session in one statement; False (nothing written) when not possible."""
    if session.get_bind().dialect.name != "postgresql" or session.dirty or session.deleted or not session.new:
        return False
    # Held to the end: once expunged, an object only the session held (or only a cycle of backrefs) is gone.
    new = list(session.new)
    try:
        tables = _plan(new)
    except _Unsupported:
        return False
    shape, params = _shape(tables)
    keys = session.connection().execute(_statement(shape), params).one()
    for (table, rows), written in zip(tables, keys):
        if len(written or ()) != len(rows):
            raise RuntimeError(f"{table.name}: {len(rows)} rows written, {len(written or ())} keys returned")
        # A sequence hands out keys in the order of the VALUES rows: sorted keys match the rows in order.
        for row, new_key in zip(rows, sorted(written)):
            mapper = row.state.mapper
            row.state.dict[mapper.get_property_by_column(mapper.primary_key[0]).key] = new_key
    everything = [row for _, rows in tables for row in rows]
    for row in everything:
        for attribute, parent, parent_attribute in row.syncs:
            row.state.dict[attribute] = parent.state.dict[parent_attribute]
    for row in everything:
        if row.state.obj() in session:  # expunging a parent cascades to its children
            session.expunge(row.state.obj())
    for row in everything:
        make_transient_to_detached(row.state.obj())  # as if loaded: what was written, no history
    for row in everything:  # parents first: adding one cascades to its children, each cascade walks its relations
        if row.state.obj() not in session:
            session.add(row.state.obj())
    return True


def _plan(objects: list) -> list:
    """The new rows by table, parents before children, with their values and references to new parents."""
    rows = {}
    for obj in objects:
        state = inspect(obj)
        if len(state.mapper.tables) != 1 or len(state.mapper.primary_key) != 1:
            raise _Unsupported
        if state.mapper.inherits is not None or state.mapper.polymorphic_on is not None:
            raise _Unsupported  # a subclass's own columns and defaults: the flush knows them
        rows[state] = _Row(state, _column_values(state))
    by_table: dict = {}
    for row in rows.values():
        by_table.setdefault(row.state.mapper.local_table, []).append(row)
    for row in rows.values():
        for rel in row.state.mapper.relationships:
            if rel.lazy in ("write_only", "dynamic"):  # their new members are kept outside the object's dict
                raise _Unsupported
            related = row.state.dict.get(rel.key)
            if rel.viewonly or related is None or related == []:
                continue
            if rel.direction not in (MANYTOONE, ONETOMANY) or rel.secondary is not None or rel.post_update:
                raise _Unsupported
            for other in (related if isinstance(related, (list, tuple)) else [related]):
                other_state = inspect(other)
                parent, child = (other_state, row.state) if rel.direction is MANYTOONE else (row.state, other_state)
                _link(rows, by_table, rel, parent, child)
    order = _table_order(next(iter(by_table)).metadata)
    return sorted(by_table.items(), key=lambda item: order[item[0]])


@lru_cache(maxsize=4)
def _table_order(metadata) -> dict:
    # Parents before children; MetaData.sorted_tables sorts anew on every call.
    return {table: i for i, table in enumerate(metadata.sorted_tables)}


def _link(rows: dict, by_table: dict, rel, parent, child) -> None:
    """Give the child row its parent's key: from the parent's CTE when the parent is new, else copied."""
    if child not in rows:  # a stored child moved under a new parent needs an UPDATE: the flush's work
        raise _Unsupported
    child_row = rows[child]
    for parent_col, child_col in rel.synchronize_pairs:
        child_attr = child.mapper.get_property_by_column(child_col).key
        parent_attr = parent.mapper.get_property_by_column(parent_col).key
        if parent in rows:
            if len(by_table[parent.mapper.local_table]) != 1:  # which of several new parents: left to the flush
                raise _Unsupported
            child_row.values.pop(child_col.key, None)
            child_row.refs[child_col.key] = (rows[parent], parent_col.key)
            child_row.syncs.append((child_attr, rows[parent], parent_attr))
        elif parent.key is not None:
            child_row.values[child_col.key] = child.dict[child_attr] = getattr(parent.obj(), parent_attr)
        else:
            raise _Unsupported


def _column_values(state) -> dict:
    """The row a flush would insert: the values set, else the column's Python default (set on the object too).
    Columns left NULL are left out of the INSERT, as they would be NULL anyway."""
    columns = _columns_of(state.mapper)
    if columns is None:
        raise _Unsupported
    values, state_dict = {}, state.dict
    for prop_key, column_key, on_none, default in columns:
        value = state_dict.get(prop_key)
        if on_none == "key":
            if value is not None:  # a key given would not sort with those the sequence hands out
                raise _Unsupported
            continue
        if value is None:
            if on_none == "refuse":
                raise _Unsupported
            value = default if on_none == "scalar" else default(None) if on_none == "call" else None
            state_dict[prop_key] = value
            if value is None:
                continue
        elif isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
            raise _Unsupported  # SQL for the INSERT to run: the flush renders it and expires the attribute
        values[column_key] = value
    return values


@lru_cache(maxsize=None)
def _columns_of(mapper) -> tuple | None:
    """Per column of a class: (attribute, column key, what None means, the default); None when the class is the flush's.

    What None means: "key" (the sequence's), "scalar" or "call" (the column's default), "null", or "refuse" (only
    the flush can tell: a JSON null against an SQL NULL, a default the database computes or one that reads the
    execution context).
    """
    if mapper.version_id_col is not None:  # the flush counts versions
        return None
    columns = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.table is not mapper.local_table:
            return None
        default = column.default
        if column.primary_key:
            # Keys are matched to rows by sorting what the table's own sequence handed out: a key from a Sequence
            # default or not from a sequence at all would not sort as the rows were written.
            if column is not column.table.autoincrement_column or default is not None:
                return None
            columns.append((prop.key, column.key, "key", None))
        elif column.type.should_evaluate_none:
            columns.append((prop.key, column.key, "refuse", None))
        elif default is not None and default.is_scalar:
            columns.append((prop.key, column.key, "scalar", default.arg))
        elif default is not None and default.is_callable and not _takes_context(default.arg):
            columns.append((prop.key, column.key, "call", default.arg))  # wrapped by SQLAlchemy to take a context
        elif default is not None or column.server_default is not None:
            columns.append((prop.key, column.key, "refuse", None))
        else:
            columns.append((prop.key, column.key, "null", None))
    return tuple(columns)


def _takes_context(function) -> bool:
    """Whether a default function reads the execution context, which only a flush has: SQLAlchemy's wrapper around
    one without arguments takes a context too, but its signature is that of the function it wraps."""
    try:
        parameters = signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.default is p.empty and p.kind in (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD)
               for p in parameters)


def _shape(tables: list) -> tuple[tuple, dict]:
    """The statement's shape, its cache key: tables, columns and where each value comes from; and the values."""
    position = {id(row): (t, r) for t, (_, rows) in enumerate(tables) for r, row in enumerate(rows)}
    shape, params = [], {}
    for t, (table, rows) in enumerate(tables):
        columns = tuple(sorted({key for row in rows for key in (*row.values, *row.refs)}))
        row_shapes = []
        for r, row in enumerate(rows):
            sources = []
            for key in columns:
                if key in row.refs:
                    parent, parent_key = row.refs[key]
                    sources.append(("ref", position[id(parent)][0], parent_key))
                else:
                    name = f"t{t}r{r}_{key}"
                    params[name] = row.values.get(key)
                    sources.append(("param", name))
            row_shapes.append(tuple(sources))
        shape.append((table, columns, tuple(row_shapes)))
    return tuple(shape), params


@lru_cache(maxsize=64)
def _statement(shape: tuple):
    """One INSERT ... RETURNING per table as CTEs, then each table's new keys: built once per shape."""
    referred = {}  # table position → parent columns its children read
    for _, _, rows in shape:
        for sources in rows:
            for source in sources:
                if source[0] == "ref":
                    referred.setdefault(source[1], set()).add(source[2])
    ctes = []
    for t, (table, columns, rows) in enumerate(shape):
        key = next(iter(table.primary_key.columns))
        # INSERT ... SELECT rather than multi-row VALUES, which SQLAlchemy would compile again on every call.
        selects = []
        for sources in rows:
            selects.append(select(*[
                (select(ctes[source[1]].c[source[2]]).scalar_subquery() if source[0] == "ref"
                 else bindparam(source[1], type_=table.c[column].type)).label(column)
                for column, source in zip(columns, sources)]))
        returned = [key] + [table.c[name] for name in sorted(referred.get(t, ())) if name != key.key]
        source_rows = selects[0] if len(selects) == 1 else union_all(*selects)
        ctes.append(insert(table).from_select(list(columns), source_rows).returning(*returned).cte(f"new_{t}"))
    keys = [next(iter(table.primary_key.columns)).key for table, _, _ in shape]
    return select(*[select(func.array_agg(cte.c[key])).scalar_subquery() for cte, key in zip(ctes, keys)]).add_cte(*ctes)
