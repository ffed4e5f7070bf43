"""`stomi db upgrade` on a live database: from every revision in the history, with data in it, to head, and every
downgrade back, one step at a time (on PostgreSQL in CI, like production); one head only."""
from __future__ import annotations

from datetime import date, datetime, timezone

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
import pytest
from sqlalchemy import func, inspect, select, text

from stomi_app.extensions import MIGRATIONS_DIR, db
from tests.fixtures.app import make_app
from tests.dbutil import throwaway_database

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
# Rows written at the revision that made their tables, in the columns that revision had; they must come through every
# later upgrade, and every downgrade back to that revision, unchanged.
CORE_ROWS = {
    "region": [{"id": 1, "code": 1082, "name": "Region Midtjylland"}],
    "municipality": [{"id": 1, "code": 751, "name": "Aarhus", "region_id": 1, "ean_gln": "5798005770001",
                      "cvr": "55133018", "population": 367095, "active": True}],
    "citizen": [{"id": 1, "cpr_encrypted": b"\x00ciphertext", "cpr_hash": "a" * 64, "cpr_masked": "150348-****",
                 "name": "Birthe Nielsen", "address": "Testvej 1", "postcode": "8000", "city": "Aarhus C",
                 "municipality_id": 1, "stoma_type": "colostomy", "language": "da", "session_version": 1,
                 "created_at": NOW}],
    "user_account": [{"id": 1, "email": "bevilling.aarhus@test.dk", "name": "Grete Officer", "role": "grant_officer",
                      "password_hash": "pbkdf2:sha256:1000$x$y", "municipality_id": 1, "language": "da", "active": True,
                      "failed_logins": 0, "session_version": 1, "created_at": NOW}],
    "audit_event": [{"id": 1, "at": NOW, "user_id": 1, "role": "grant_officer", "action": "read", "citizen_id": 1,
                     "purpose": "case handling"}],
}
ORDER_REVISION = "d785c28dc5a4"  # grants, orders, cutting measures
ORDER_ROWS = {
    "grant_decision": [{"id": 1, "citizen_id": 1, "municipality_id": 1, "legal_basis": "Serviceloven § 112",
                        "valid_from": date(2026, 1, 1), "status": "active", "express_per_year": 2, "version": 1,
                        "created_at": NOW}],
    "supply_order": [{"id": 1, "citizen_id": 1, "status": "accepted", "channel": "web", "idempotency_key": "k" * 32,
                      "express": False, "is_replacement": False, "delivery_name": "Birthe Nielsen",
                      "delivery_address": "Testvej 1", "delivery_postcode": "8000", "delivery_city": "Aarhus C",
                      "temporary_address": False, "created_at": NOW, "submitted_at": NOW}],
}

# An order sent to approval for two reasons, then approved: the reasons were stored comma-joined on the event until
# REASONS_REVISION made them rows of their own (and its downgrade joins them again); a decision's words never move.
REASONS_REVISION = "5e0a7c3d9b21"
SENT_EVENT = {"id": 1, "order_id": 1, "from_status": "draft", "to_status": "awaiting_approval", "at": NOW, "by_id": None,
              "by_citizen": True, "reason": "not_granted,too_soon"}
DECIDED_EVENT = {"id": 2, "order_id": 1, "from_status": "awaiting_approval", "to_status": "accepted", "at": NOW,
                 "by_id": 1, "by_citizen": False, "reason": "Godkendt én gang."}


def _script() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config)


def _history() -> list[str]:
    """Every revision from the first to head, in the order they apply."""
    return [revision.revision for revision in reversed(list(_script().walk_revisions("base", "heads")))]


def _current() -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _insert(rows: dict) -> None:
    """Plain SQL in the columns of the revision at hand (the models describe head, not this revision)."""
    with db.engine.begin() as conn:
        for table, values in rows.items():
            columns = list(values[0])
            conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"),
                         values)


def _normalised(value, like):
    """What the driver gave back, as the type written (SQLite hands dates back as text and keeps no time zone)."""
    if isinstance(like, datetime):
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    if isinstance(like, date):
        return date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(like, bytes):
        return bytes(value)
    return value


def _assert_sent_reasons(history: list[str], revision: str) -> None:
    """The sent event's reasons where `revision` keeps them: comma-joined text before REASONS_REVISION, rows from it on."""
    with db.engine.connect() as conn:
        joined = conn.execute(text("SELECT reason FROM order_event WHERE id = 1")).scalar_one()
        if history.index(revision) < history.index(REASONS_REVISION):
            assert joined == "not_granted,too_soon", f"the sent event's reasons at {revision}: {joined!r}"
            return
        rows = conn.execute(text("SELECT reason FROM order_event_reason WHERE event_id = 1 ORDER BY reason")).scalars().all()
        assert (joined, rows) == (None, ["not_granted", "too_soon"]), f"the sent event's reasons at {revision}"


def _assert_kept(rows: dict, step: str) -> None:
    """Each row still there, each of its columns that this revision has unchanged (a column a later revision drops,
    such as session_version, comes back on the downgrade with its default, which the rows use)."""
    with db.engine.connect() as conn:
        for table, values in rows.items():
            present = {column["name"] for column in inspect(conn).get_columns(table)}
            for row in values:
                columns = [column for column in row if column in present]
                stored = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} WHERE id = :id"),
                                      {"id": row["id"]}).mappings().one_or_none()
                assert stored is not None, f"{table} {row['id']} lost at {step}"
                for column in columns:
                    value = row[column]
                    got = _normalised(stored[column], value)
                    assert got == value, f"{table}.{column} changed at {step}: {got!r}"


def test_there_is_exactly_one_head():
    heads = _script().get_heads()
    assert len(heads) == 1, f"more than one migration head (merge them): {heads}"


@pytest.mark.committing
def test_every_revision_upgrades_to_head_with_data_and_downgrades_back(tmp_path, instance_dir, app):
    history = _history()
    assert len(history) >= 2 and history[-1] == _script().get_current_head()
    order_revision = ORDER_REVISION
    with throwaway_database(tmp_path, "walk") as url:
        fresh = make_app(url)
        with fresh.app_context():
            kept: dict = {}
            for revision in history:  # upgrade one revision at a time, the data from earlier ones in the tables
                upgrade(revision=revision)
                assert _current() == {revision}
                if revision == history[0]:
                    _insert(CORE_ROWS)
                    kept.update(CORE_ROWS)
                if revision == order_revision:
                    _insert(ORDER_ROWS)
                    kept.update(ORDER_ROWS)
                    _insert({"order_event": [SENT_EVENT, DECIDED_EVENT]})
                    kept["order_event"] = [DECIDED_EVENT]
                _assert_kept(kept, f"upgrade to {revision}")
                if history.index(revision) >= history.index(order_revision):
                    _assert_sent_reasons(history, revision)
            assert set(ORDER_ROWS) <= set(kept), "no revision made the orders' tables"

            # At head the ORM reads what the first revisions wrote (columns added later have their defaults).
            from stomi_app.models import Citizen, User
            from ordering.models import Order, OrderEvent, RoutingReason

            citizen = db.session.get(Citizen, 1)
            assert citizen.name == "Birthe Nielsen" and citizen.municipality.name == "Aarhus"
            assert db.session.get(Order, 1).citizen_id == 1 and db.session.get(User, 1).email == "bevilling.aarhus@test.dk"
            assert db.session.get(OrderEvent, 1).routing_reasons == [RoutingReason.NOT_GRANTED, RoutingReason.TOO_SOON]
            db.session.remove()

            for index in range(len(history) - 1, 0, -1):  # and back, one downgrade at a time, to the first revision
                downgrade(revision=history[index - 1])
                assert _current() == {history[index - 1]}
                still = {table: rows for table, rows in kept.items()
                         if table in CORE_ROWS or history.index(order_revision) <= index - 1}
                _assert_kept(still, f"downgrade to {history[index - 1]}")
                if index - 1 >= history.index(order_revision):
                    _assert_sent_reasons(history, history[index - 1])
            with db.engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(text("citizen"))).scalar_one() == 1
            downgrade(revision="base")
            assert _current() == set()
            db.engine.dispose()
