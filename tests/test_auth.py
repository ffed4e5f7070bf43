"""Login, lock-out, roles and logout as a person at the keyboard notices them."""
from __future__ import annotations

import pytest

from stomi_app.models import Role
from tests import factories
from tests.fixtures.app import csrf_token_from, make_app

START = {
    Role.FSC_ADMIN: "/admin/",
    Role.NURSE: "/sygeplejerske/",
    Role.GRANT_OFFICER: "/kommune/",
    Role.CALLCENTER: "/callcenter/",
    Role.WAREHOUSE: "/lager/",
}


@pytest.mark.parametrize("role", list(START))
def test_each_staff_role_lands_on_its_start_page(world, auth, client, role):
    email = factories.STAFF[role][0]
    response = auth.staff(email)
    assert response.status_code == 302
    assert response.headers["Location"] == START[role]
    page = client.get(START[role])
    assert page.status_code == 200
    assert "Test " in page.get_data(as_text=True)


@pytest.mark.parametrize("role", list(START))
def test_other_audiences_refuse_the_role_with_403(world, auth, client, role):
    auth.staff(factories.STAFF[role][0])
    for other, url in START.items():
        if other is not role:
            assert client.get(url).status_code == 403, (role, url)
    assert client.get("/borger/").status_code == 403


def test_anonymous_is_sent_to_the_right_login(client, world):
    staff = client.get("/kommune/")
    assert staff.status_code == 302 and staff.headers["Location"].startswith("/login?next=")
    citizen = client.get("/borger/")
    assert citizen.status_code == 302 and citizen.headers["Location"].startswith("/login/borger?next=")


def test_wrong_password_and_unknown_user_get_the_same_message(world, auth):
    wrong = auth.staff("admin@test.dk", "not the password")
    unknown = auth.staff("nobody@test.dk", "whatever it is")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "e-mail or password is wrong" in response.get_data(as_text=True).lower() or \
            "e-mail eller adgangskode er forkert" in response.get_data(as_text=True).lower()


def test_empty_login_form_shows_messages_next_to_the_fields(world, client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="password-error"' in html


def test_account_locks_after_repeated_failures_and_right_password_is_then_refused(world, auth, client):
    for _ in range(4):
        assert auth.staff("agent@test.dk", "wrong password").status_code == 422
    locked = auth.staff("agent@test.dk", "wrong password")
    assert "locked" in locked.get_data(as_text=True).lower() or "låst" in locked.get_data(as_text=True).lower()
    still_locked = auth.staff("agent@test.dk")
    assert still_locked.status_code == 422
    assert client.get("/callcenter/").status_code == 302


def test_four_failures_do_not_lock(world, auth):
    for _ in range(4):
        auth.staff("agent@test.dk", "wrong password")
    assert auth.staff("agent@test.dk").status_code == 302


def test_open_redirect_is_refused(world, client):
    response = client.post("/login?next=//evil.example/x", data={"email": "admin@test.dk", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/admin/"


def test_citizen_demo_login_and_bad_cpr(world, auth, client):
    malformed = auth.citizen("12345")
    assert malformed.status_code == 422
    assert 'id="cpr-error"' in malformed.get_data(as_text=True)
    impossible_date = auth.citizen("3102501234")
    assert impossible_date.status_code == 422
    unknown = auth.citizen("0101011234")
    assert unknown.status_code == 422
    ok = auth.citizen("150348-1234")
    assert ok.headers["Location"] == "/borger/"
    page = client.get("/borger/").get_data(as_text=True)
    assert "Birthe Nielsen" in page and "150348-****" in page and "1503481234" not in page


@pytest.mark.committing
def test_demo_login_can_be_switched_off(database_url, instance_dir, app):
    closed = make_app(database_url, DEMO_LOGIN_ENABLED=False)
    assert closed.test_client().get("/login/borger").status_code == 404


def test_logout_ends_the_session(world, auth, client):
    auth.staff("admin@test.dk")
    assert client.get("/admin/").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_logout_everywhere_ends_other_sessions(world, app):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD})
        assert c.get("/admin/").status_code == 200
    first.post("/logout/everywhere")
    assert second.get("/admin/").status_code == 302


@pytest.mark.committing
def test_post_without_csrf_token_is_refused_and_changes_nothing(database_url, instance_dir, world):
    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    response = client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    ok = client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


@pytest.mark.committing
def test_login_is_rate_limited(database_url, instance_dir, world):
    from stomi_app.extensions import limiter

    limited = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        codes = [client.post("/login", data={"email": "x@test.dk", "password": "y"}).status_code for _ in range(4)]
        assert codes[:3] == [422, 422, 422]
        assert codes[3] == 429
    finally:
        # The limiter is one object for every app in this process: switch it off again for the other tests.
        limiter.enabled = False
        limiter.reset()
