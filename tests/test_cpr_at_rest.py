"""No plain CPR number at rest: not in the database file after a demo run, not in the logs of a working day."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from stomi_app import cpr
from stomi_app.cli import main
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from tests import factories
from tests.fixtures.app import make_app
from tests.dbutil import throwaway_database


def _all_cprs() -> set[str]:
    return {cpr.decrypt(c.cpr_encrypted) for c in db.session.scalars(select(Citizen))}


@pytest.mark.committing
def test_demo_database_file_holds_no_plain_cpr(tmp_path, instance_dir, app, monkeypatch):
    monkeypatch.delenv("STOMI_TEST_DATABASE_URL", raising=False)  # this test is about the SQLite file itself
    with throwaway_database(tmp_path, "cprscan") as url:
        demo = make_app(url)
        with demo.app_context():
            from flask_migrate import upgrade

            upgrade()
            result = demo.test_cli_runner().invoke(main, ["demo-data", "--scale", "small", "--seed", "3"])
            assert result.exit_code == 0, result.output
            numbers = _all_cprs()
            db.session.remove()
            db.engine.dispose()
    raw = (tmp_path / "cprscan.sqlite").read_bytes()
    assert len(numbers) > 50
    leaked = [n for n in numbers if n.encode() in raw or f"{n[:6]}-{n[6:]}".encode() in raw]
    assert not leaked, f"plain CPR numbers in the database file: {len(leaked)}"


def test_logs_of_logins_and_searches_hold_no_plain_cpr(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.post("/login/borger", data={"cpr": "150348-1234"})
    client.get("/borger/")
    agent = app.test_client()
    agent.post("/login", data={"email": factories.STAFF[factories.Role.CALLCENTER][0], "password": factories.PASSWORD})
    for query in ("1503481234", "150348-1234"):
        found = agent.post("/callcenter/", data={"q": query})
        assert found.status_code == 302  # one hit by CPR opens the citizen straight away
    assert "Birthe Nielsen" in agent.get(found.headers["Location"]).get_data(as_text=True)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "1503481234" not in text and "150348-1234" not in text
    from stomi_app.models import AuditEvent

    details = " ".join(f"{e.purpose} {e.detail}" for e in db.session.scalars(select(AuditEvent)))
    assert "1503481234" not in details and "150348-1234" not in details
