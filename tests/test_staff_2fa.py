"""Staff's second factor: enrolment on first login, the code after the password, the TOTP window, a code used once,
recovery codes once, the lock-out after wrong codes, and the per-role policy with its default."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from stomi_app.auth import twofactor
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, LoginSession, Role, User
from tests import factories


def _user(email) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _require(role: Role, admin_email="admin@test.dk"):
    twofactor.set_required(_user(admin_email), role, True)
    db.session.commit()


def _password(client, email):
    return client.post("/login", data={"email": email, "password": factories.PASSWORD})


def _enrol(client, email) -> tuple[str, list[str]]:
    """Log in with the password, read the secret off the enrolment page, confirm with a code; the recovery codes."""
    assert _password(client, email).headers["Location"] == "/login/tofaktor"
    page = client.get("/login/tofaktor").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/login/tofaktor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<code>([A-Z0-9-]{19})</code>", done.get_data(as_text=True))
    return secret, codes


def test_a_role_without_the_requirement_logs_in_with_the_password(world, client):
    assert not twofactor.required_for(Role.NURSE)  # tests run as development: no default roles
    assert _password(client, "nurse@test.dk").headers["Location"] == "/sygeplejerske/"


def test_the_production_default_requires_health_data_roles(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_DEFAULT_ROLES", ("nurse", "grant_officer", "callcenter", "fsc_admin"))
    assert twofactor.required_for(Role.NURSE) and twofactor.required_for(Role.CALLCENTER)
    assert not twofactor.required_for(Role.WAREHOUSE)
    # The administrator's decision wins over the default, both ways.
    twofactor.set_required(world[Role.FSC_ADMIN], Role.NURSE, False)
    twofactor.set_required(world[Role.FSC_ADMIN], Role.WAREHOUSE, True)
    assert not twofactor.required_for(Role.NURSE) and twofactor.required_for(Role.WAREHOUSE)


def test_first_login_enrols_then_every_login_asks_for_the_code(world, app, client):
    _require(Role.NURSE)
    secret, codes = _enrol(client, "nurse@test.dk")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/sygeplejerske/").status_code == 200  # logged in by the enrolment
    client.post("/logout")
    # The recovery codes are not stored readable.
    stored = db.session.scalars(select(twofactor.RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored)

    second = app.test_client()
    assert _password(second, "nurse@test.dk").headers["Location"] == "/login/kode"
    assert second.get("/sygeplejerske/").status_code == 302  # the password alone opens nothing
    assert db.session.scalar(select(db.func.count(LoginSession.id))) == 0
    # The code from the enrolment's step was used: wait for a later one (one step ahead, in the window).
    later = pyotp.TOTP(secret).at(time.time() + 30)
    ok = second.post("/login/kode", data={"code": later})
    assert ok.status_code == 302 and ok.headers["Location"] == "/sygeplejerske/"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_user_id == world[Role.NURSE].id)))
    assert {"2fa-enrolled", "login"} <= actions


def test_enrolled_staff_are_asked_even_when_the_role_does_not_require_it(world, client):
    _require(Role.CALLCENTER)
    _enrol(client, "agent@test.dk")
    client.post("/logout")
    twofactor.set_required(_user("admin@test.dk"), Role.CALLCENTER, False)
    db.session.commit()
    assert _password(client, "agent@test.dk").headers["Location"] == "/login/kode"


def test_the_totp_window_is_one_step_either_side_and_a_code_works_once(world, client):
    _require(Role.NURSE)
    secret, _codes = _enrol(client, "nurse@test.dk")
    client.post("/logout")
    totp = pyotp.TOTP(secret)
    now = time.time()
    base = (int(now) // 30 + 10) * 30 + 5  # a moment well after the enrolment's step, 5 s into a step
    with time_machine.travel(datetime.fromtimestamp(base, timezone.utc), tick=False):
        _password(client, "nurse@test.dk")
        for offset in (-60, 60):  # two steps away: refused
            refused = client.post("/login/kode", data={"code": totp.at(base + offset)})
            assert refused.status_code == 422 and "Koden er forkert" in refused.get_data(as_text=True)
        assert client.post("/login/kode", data={"code": totp.at(base - 30)}).status_code == 302  # one step before
        client.post("/logout")
        _password(client, "nurse@test.dk")
        # The same code again, and an older one: refused (used, or older than the one used).
        assert client.post("/login/kode", data={"code": totp.at(base - 30)}).status_code == 422
        assert client.post("/login/kode", data={"code": totp.at(base - 30) + " "}).status_code == 422
        assert client.post("/login/kode", data={"code": totp.at(base + 30)}).status_code == 302  # one step after


def test_a_recovery_code_works_once(world, app, client):
    _require(Role.NURSE)
    _secret, codes = _enrol(client, "nurse@test.dk")
    client.post("/logout")
    _password(client, "nurse@test.dk")
    # Typed in lower case without the dashes: the same code.
    used = client.post("/login/kode", data={"code": codes[0].lower().replace("-", "")}, follow_redirects=True)
    assert "Der er 9 tilbage" in used.get_data(as_text=True)
    client.post("/logout")
    _password(client, "nurse@test.dk")
    assert client.post("/login/kode", data={"code": codes[0]}).status_code == 422
    assert client.post("/login/kode", data={"code": codes[1]}).status_code == 302


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "٠١٢٣٤٥", "' OR 1=1 --", "x" * 5000, "\x00123456"])
def test_nasty_codes_are_refused_at_the_field(world, client, code):
    _require(Role.NURSE)
    _enrol(client, "nurse@test.dk")
    client.post("/logout")
    _password(client, "nurse@test.dk")
    answer = client.post("/login/kode", data={"code": code})
    assert answer.status_code == 422
    assert 'id="code-error"' in answer.get_data(as_text=True)


def test_wrong_codes_lock_the_account_like_wrong_passwords(world, app, client):
    _require(Role.NURSE)
    _enrol(client, "nurse@test.dk")
    client.post("/logout")
    _password(client, "nurse@test.dk")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert client.post("/login/kode", data={"code": "000000"}).status_code == 422
    # A right password between wrong codes does not reset the count.
    _password(client, "nurse@test.dk")
    locked = client.post("/login/kode", data={"code": "000000"})
    assert locked.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "For mange mislykkede forsøg" in page
    # Locked: even the right password is refused now.
    refused = _password(client, "nurse@test.dk")
    assert refused.status_code == 422 and "låst" in refused.get_data(as_text=True)
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_user_id == world[Role.NURSE].id)))
    assert actions.count("login-2fa-failed") == app.config["LOGIN_MAX_FAILURES"] and "login-locked" in actions


def test_the_code_pages_need_the_password_first_and_expire(world, app, client):
    assert client.get("/login/kode").headers["Location"] == "/login"
    assert client.post("/login/tofaktor", data={"code": "123456"}).headers["Location"] == "/login"
    _require(Role.NURSE)
    _password(client, "nurse@test.dk")
    later = time.time() + 60 * app.config["TWO_FACTOR_STEP_MINUTES"] + 5
    with time_machine.travel(datetime.fromtimestamp(later, timezone.utc), tick=False):
        assert client.get("/login/tofaktor").headers["Location"] == "/login"


def test_a_deactivated_user_between_password_and_code_gets_nowhere(world, client):
    _require(Role.NURSE)
    _password(client, "nurse@test.dk")
    user = _user("nurse@test.dk")
    user.active = False
    db.session.commit()
    assert client.get("/login/tofaktor").headers["Location"] == "/login"


def test_reset_makes_the_person_enrol_again(world, client):
    _require(Role.NURSE)
    first, _codes = _enrol(client, "nurse@test.dk")
    client.post("/logout")
    twofactor.reset(_user("nurse@test.dk"))
    db.session.commit()
    assert db.session.scalar(select(db.func.count(twofactor.RecoveryCode.id))) == 0
    second, _codes = _enrol(client, "nurse@test.dk")
    assert second != first


def test_the_enrolment_page_shows_a_qr_code_as_a_data_uri(world, client):
    _require(Role.NURSE)
    _password(client, "nurse@test.dk")
    page = client.get("/login/tofaktor")
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    # The same secret on a reload (the person may be scanning it).
    assert re.search(r'totp-secret">([^<]+)<', html).group(1) == re.search(
        r'totp-secret">([^<]+)<', client.get("/login/tofaktor").get_data(as_text=True)).group(1)


def test_a_secret_from_an_earlier_secret_key_sends_the_person_to_the_secretariat(world, app, client, monkeypatch):
    _require(Role.NURSE)
    _enrol(client, "nurse@test.dk")
    client.post("/logout")
    monkeypatch.setitem(app.config, "SECRET_KEY", "another secret key")
    assert _password(client, "nurse@test.dk").headers["Location"] == "/login/kode"
    answer = client.get("/login/kode")
    assert answer.headers["Location"] == "/login"
    assert "FSC-sekretariatet" in client.get("/login").get_data(as_text=True)
    # Not silently re-enrolled: the enrolment page sends the person back to the code.
    assert _user("nurse@test.dk").two_factor_enrolled


def test_refused_logins_are_audited_alike_for_known_and_unknown_addresses(world, client):
    client.post("/login", data={"email": "nurse@test.dk", "password": "wrong password here"})
    client.post("/login", data={"email": "nobody@test.dk", "password": "wrong password here"})
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login-failed").order_by(AuditEvent.id)).all()
    assert [(r.subject_user_id, r.detail) for r in rows] == [(world[Role.NURSE].id, "bad_credentials"), (None, "bad_credentials")]
    assert all("nobody" not in (r.detail or "") + r.purpose for r in rows)


def test_a_password_changed_between_the_steps_ends_the_half_done_sign_in(world, client):
    _require(Role.NURSE)
    _password(client, "nurse@test.dk")
    _user("nurse@test.dk").set_password("en helt ny adgangskode")
    db.session.commit()
    assert client.get("/login/tofaktor").headers["Location"] == "/login"
