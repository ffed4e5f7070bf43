"""Live login sessions: logout, log out everywhere, deactivation and the idle time-out end a session at once,
also for someone holding a copy of its cookie; another session of the same person lives on."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import LoginSession, User
from tests import factories

# The idle time-out deletes and the touch updates the login session on a connection of their own (stomi_app.auth.sessions).
pytestmark = pytest.mark.committing


def _logged_in(app, login):
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def _staff(client, email="admin@test.dk"):
    return client.post("/login", data={"email": email, "password": factories.PASSWORD})


def _citizen(client, cpr="150348-1234"):
    return client.post("/login/borger", data={"cpr": cpr})


def _copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    return thief


def _age_sessions(by: timedelta) -> None:
    """Move every session's last activity `by` into the past."""
    for live in db.session.scalars(select(LoginSession).execution_options(populate_existing=True)):
        live.last_seen_at -= by
    db.session.commit()


def test_a_copied_staff_cookie_is_refused_after_logout(world, app):
    browser = _logged_in(app, _staff)
    thief = _copy_of(app, browser)
    assert thief.get("/admin/").status_code == 200
    browser.post("/logout")
    refused = thief.get("/admin/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login?next=")
    assert browser.get("/admin/").status_code == 302


def test_a_copied_citizen_cookie_is_refused_after_logout(world, app):
    browser = _logged_in(app, _citizen)
    thief = _copy_of(app, browser)
    assert thief.get("/borger/").status_code == 200
    browser.post("/logout")
    refused = thief.get("/borger/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login/borger?next=")


def test_another_session_of_the_same_person_stays_alive_after_a_logout(world, app):
    for login, page in ((_staff, "/admin/"), (_citizen, "/borger/")):
        first, second = _logged_in(app, login), _logged_in(app, login)
        first.post("/logout")
        assert first.get(page).status_code == 302
        assert second.get(page).status_code == 200, page


def test_logout_everywhere_ends_copies_of_every_session(world, app):
    first, second = _logged_in(app, _staff), _logged_in(app, _staff)
    copy = _copy_of(app, second)
    first.post("/logout/everywhere")
    assert second.get("/admin/").status_code == 302
    assert copy.get("/admin/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_deactivating_an_account_ends_its_sessions_at_once(world, app):
    browser = _logged_in(app, _staff)
    copy = _copy_of(app, browser)
    db.session.execute(update(User).where(User.email == "admin@test.dk").values(active=False))
    db.session.commit()
    assert browser.get("/admin/").status_code == 302
    assert copy.get("/admin/").status_code == 302


def test_staff_idle_timeout_ends_the_session_and_its_copies(world, app):
    browser = _logged_in(app, _staff)
    copy = _copy_of(app, browser)
    _age_sessions(timedelta(minutes=app.config["STAFF_IDLE_MINUTES"], seconds=1))
    response = browser.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert copy.get("/admin/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_the_idle_time_out_tells_the_person_why(world, app):
    browser = _logged_in(app, _staff)
    _age_sessions(timedelta(minutes=app.config["STAFF_IDLE_MINUTES"], seconds=1))
    page = browser.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "30 minutter uden aktivitet" in page or "30 minutes without activity" in page


def test_activity_keeps_a_staff_session_alive(world, app):
    browser = _logged_in(app, _staff)
    idle = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
    _age_sessions(idle - timedelta(minutes=2))
    assert browser.get("/admin/").status_code == 200  # touches last seen
    db.session.expire_all()
    seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)
    _age_sessions(timedelta(minutes=2) + timedelta(seconds=1))
    assert browser.get("/admin/").status_code == 200


def test_a_citizen_session_ends_after_the_session_lifetime_without_activity(world, app):
    browser = _logged_in(app, _citizen)
    _age_sessions(timedelta(minutes=app.config["STAFF_IDLE_MINUTES"], seconds=1))
    assert browser.get("/borger/").status_code == 200  # citizens are not held to the staff limit
    _age_sessions(app.config["PERMANENT_SESSION_LIFETIME"])
    response = browser.get("/borger/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/borger")


def test_the_cookie_carries_a_token_and_the_table_only_its_hash(world, app):
    browser = _logged_in(app, _staff)
    with browser.session_transaction() as sess:
        token = sess["_user_id"]
    stored = db.session.scalar(select(LoginSession.id))
    assert token and stored and token != stored and len(stored) == 64
