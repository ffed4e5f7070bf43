"""Privacy rules: append-only audit with retention, the citizen's own data and consent, key rotation, idle timeout."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from stomi_app import audit, cpr
from stomi_app.cli import main
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Citizen, Role
from tests import factories


def test_audit_events_cannot_be_changed_or_deleted(world):
    event = audit.record(world[Role.NURSE], "read", "Rådgivning", citizen=world["citizen"])
    db.session.commit()
    event.purpose = "changed"
    with pytest.raises(audit.AuditImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(audit.AuditImmutable):
        db.session.flush()
    db.session.rollback()


def test_retention_cleanup_deletes_only_old_events(app, world):
    nurse, citizen = world[Role.NURSE], world["citizen"]
    db.session.add(AuditEvent(user_id=nurse.id, role="nurse", action="read", citizen_id=citizen.id, purpose="gammel",
                              at=utcnow() - timedelta(days=11)))
    audit.record(nurse, "read", "ny", citizen=citizen)
    db.session.commit()
    result = app.test_cli_runner().invoke(main, ["audit", "cleanup", "--days", "10"])
    assert result.exit_code == 0 and "Deleted 1" in result.output
    assert [e.purpose for e in db.session.scalars(select(AuditEvent))] == ["ny"]
    assert app.test_cli_runner().invoke(main, ["audit", "cleanup", "--days", "0"]).exit_code != 0


def test_citizen_sees_when_and_why_but_not_who(world, auth, client):
    audit.record(world[Role.CALLCENTER], "read", "Telefonisk bestilling", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "Andens opslag", citizen=world["citizen_odense"])
    db.session.commit()
    auth.citizen("150348-1234")
    html = client.get("/borger/mine-data").get_data(as_text=True)
    assert "Telefonisk bestilling" in html and "Andens opslag" not in html
    assert "agent@test.dk" not in html and "Test callcenter" not in html


def test_consent_withdraw_and_give(world, auth, client):
    auth.citizen("150348-1234")
    assert client.post("/borger/mine-data/samtykke", data={"consent": "give"}).status_code == 302
    citizen = db.session.get(Citizen, world["citizen"].id)
    db.session.refresh(citizen)
    assert citizen.has_consent and citizen.consent_text_version
    client.post("/borger/mine-data/samtykke", data={"consent": "withdraw"})
    db.session.refresh(citizen)
    assert not citizen.has_consent and citizen.consent_withdrawn_at is not None
    client.post("/borger/mine-data/samtykke", data={"consent": "nonsense"})
    db.session.refresh(citizen)
    assert not citizen.has_consent


def test_download_my_data(world, auth, client):
    audit.record(world[Role.NURSE], "read", "Rådgivning", citizen=world["citizen"])
    db.session.commit()
    auth.citizen("150348-1234")
    response = client.get("/borger/mine-data/download.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["cpr"] == "1503481234" and data["person"]["name"] == "Birthe Nielsen"
    assert data["lookups"][0]["purpose"] == "Rådgivning" and "user" not in json.dumps(data["lookups"])
    page = client.get("/borger/mine-data/oversigt").get_data(as_text=True)
    assert "150348-1234" in page


def test_cpr_key_rotation_keeps_every_number_readable_and_findable(app, world):
    before = {c.id: cpr.decrypt(c.cpr_encrypted) for c in db.session.scalars(select(Citizen))}
    old_key = app.config["CPR_ENCRYPTION_KEY"]
    result = app.test_cli_runner().invoke(main, ["cpr", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert app.config["CPR_ENCRYPTION_KEY"] != old_key
    db.session.expire_all()
    for citizen in db.session.scalars(select(Citizen)):
        assert cpr.decrypt(citizen.cpr_encrypted) == before[citizen.id]
        assert citizen.cpr_hash == cpr.lookup_hash(before[citizen.id])


def test_staff_idle_timeout(database_url, instance_dir, world):
    from tests.conftest import make_app

    strict = make_app(database_url, STAFF_IDLE_MINUTES=0)
    client = strict.test_client()
    client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD})
    with client.session_transaction() as sess:
        sess["seen"] = sess.get("seen", 0) - 120
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_session_cookie_flags(client, world, auth):
    response = auth.staff("admin@test.dk")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_fsc_admin_searches_the_audit_log_and_that_search_is_audited(world, auth, client):
    audit.record(world[Role.NURSE], "read", "Rådgivning", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "Andens opslag", citizen=world["citizen_odense"])
    db.session.commit()
    auth.staff("admin@test.dk")
    html = client.get("/admin/revision?cpr=150348-1234").get_data(as_text=True)
    assert "Rådgivning" in html and "Andens opslag" not in html and "nurse@test.dk" in html
    assert "1503481234" not in html
    searches = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "search"))
    assert searches == 1
    bad = client.get("/admin/revision?cpr=123&from=2026-13-01")
    assert bad.status_code == 422 and 'id="f-cpr-error"' in bad.get_data(as_text=True)
    assert 'id="f-from-error"' in bad.get_data(as_text=True)
    assert client.get("/admin/revision?email=nurse@test.dk&action=read").status_code == 200
