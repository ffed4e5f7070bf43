"""A backup restores: pg_dump of a database with data, pg_restore into a new one, the same rows and migration head, and
the CPR numbers readable again only with the same keys (a backup without its keys is unreadable)."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from stomi_app import cpr
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen

pytestmark = [pytest.mark.committing,
              pytest.mark.skipif(not (os.environ.get("STOMI_TEST_DATABASE_URL") and shutil.which("pg_dump")),
                                 reason="pg_dump and pg_restore against PostgreSQL")]


def _libpq(url) -> list[str]:
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def test_a_dump_restores_into_a_new_database_with_every_row(app, world, tmp_path):
    source = make_url(str(db.engine.url))
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables}
    head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert counts["citizen"] >= 2
    dump = tmp_path / "stomi.dump"
    subprocess.run(["pg_dump", *_libpq(source), "-Fc", "-f", str(dump), source.database], check=True, timeout=120)
    target_name = f"stomi_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{target_name}"'))
    target = source.set(database=target_name)
    try:
        subprocess.run(["pg_restore", *_libpq(source), "-d", target_name, "--no-owner", str(dump)], check=True, timeout=120)
        restored = create_engine(target)
        with restored.connect() as conn:
            for table in db.metadata.sorted_tables:
                assert conn.scalar(select(func.count()).select_from(table)) == counts[table.name], table.name
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
            blob = conn.scalar(select(Citizen.cpr_encrypted).where(Citizen.name == "Birthe Nielsen"))
        restored.dispose()
        assert cpr.decrypt(blob) == "1503481234"  # with the instance's keys: the same keys must be restored too
        with pytest.raises(InvalidTag):
            cpr.decrypt(blob, key=bytes(32))  # with any other key the restored numbers cannot be read
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)'))
        admin.dispose()
