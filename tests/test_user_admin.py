"""The FSC administrator's staff accounts: create with a password link (never a password on screen), the link once and
until it expires, change role and workplace, deactivate (open sessions refused at once), unlock, reset the second
factor, and the history on the user's page."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from stomi_app.auth import links, twofactor
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, FailedLogins, Hospital, Region, Role, User
from tests import factories

NEW_PASSWORD = "blå cykel ved søen"


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD}).status_code == 302
    return client


def _user(email) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _hospital(name: str = "Aarhus Universitetshospital", *, active: bool = True) -> Hospital:
    hospital = Hospital(name=f"{name}{'' if active else ' (lukket)'}", active=active,
                        region=db.session.scalar(select(Region).where(Region.code == 1082)))
    db.session.add(hospital)
    db.session.commit()
    return hospital


def _mailed_link(caplog) -> str:
    """The password link of the last e-mail (without an SMTP host the mail adapter writes it to the log)."""
    urls = re.findall(r"https?://[^\s]+/adgangskode/[\w.-]+", caplog.text)
    assert urls, caplog.text
    return urls[-1].split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _create(admin, caplog, **data) -> str:
    form = {"name": "Karen Visitator", "email": "karen@horsens.dk", "role": "grant_officer", "municipality": "615",
            "hospital": ""}
    form.update(data)
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        answer = admin.post("/admin/brugere/ny", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return _mailed_link(caplog)


def test_the_administrator_creates_an_account_and_the_link_sets_the_password(admin, app, caplog):
    link = _create(admin, caplog)
    user = _user("karen@horsens.dk")
    assert user.role is Role.GRANT_OFFICER and user.municipality.name == "Horsens" and user.active
    # No password exists that anybody knows: the login refuses until the link is used.
    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200 and "karen@horsens.dk" in page.get_data(as_text=True)
    short = person.post(link, data={"password": "kort kode 1", "confirm": "kort kode 1"})  # 11 characters
    assert short.status_code == 422 and "mindst 12 tegn" in short.get_data(as_text=True)
    leaked = person.post(link, data={"password": "qwerty123456", "confirm": "qwerty123456"})
    assert leaked.status_code == 422 and "lækkede" in leaked.get_data(as_text=True)
    differ = person.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "forskellige" in differ.get_data(as_text=True)
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        ok = person.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"] == "/login"
    # The person is told by e-mail that the password changed (a change she did not make would be noticed).
    assert "Din adgangskode til stomiforsyningen er blevet ændret." in caplog.text
    assert person.post("/login", data={"email": "karen@horsens.dk", "password": NEW_PASSWORD}).headers["Location"] == "/kommune/"
    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 404 and "allerede brugt" in again.get_data(as_text=True)
    history = admin.get(f"/admin/brugere/{user.id}").get_data(as_text=True)
    person.post("/logout")
    history = admin.get(f"/admin/brugere/{user.id}").get_data(as_text=True)
    for what in ("Konto oprettet", "Link til adgangskode sendt", "Adgangskode valgt", "Logget ind", "Logget af"):
        assert what in history


def test_a_link_expires(admin, app, caplog):
    link = _create(admin, caplog)
    later = datetime.now(timezone.utc) + timedelta(hours=app.config["PASSWORD_LINK_HOURS"], minutes=1)
    with time_machine.travel(later, tick=False):
        expired = app.test_client().get(link)
        assert expired.status_code == 410 and "udløbet" in expired.get_data(as_text=True)
    almost = datetime.now(timezone.utc) + timedelta(hours=app.config["PASSWORD_LINK_HOURS"], minutes=-1)
    with time_machine.travel(almost, tick=False):
        assert app.test_client().get(link).status_code == 200


@pytest.mark.parametrize("token", ["x", "", "a" * 3000, "eyJ1IjoxfQ.tampered.sig", "../../etc/passwd", "%00"])
def test_a_tampered_link_is_refused_without_a_500(admin, app, token):
    answer = app.test_client().get(f"/adgangskode/{token}")
    assert answer.status_code in (404, 410)


def test_a_new_reset_link_after_a_password_change_and_a_deactivated_account(admin, app, caplog, world):
    nurse = world[Role.NURSE]
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        assert admin.post(f"/admin/brugere/{nurse.id}/send-link").status_code == 302
    link = _mailed_link(caplog)
    assert app.test_client().get(link).status_code == 200
    admin.post(f"/admin/brugere/{nurse.id}/deaktiver")
    assert app.test_client().get(link).status_code == 404


def test_create_refuses_bad_input_next_to_the_field_and_saves_nothing(admin):
    cases = [
        ({"email": "not-an-email"}, "email", "ugyldig"),
        ({"email": "admin@test.dk"}, "email", "findes allerede"),
        ({"municipality": ""}, "municipality", "én kommune"),
        ({"role": "nurse", "municipality": "", "hospital": ""}, "municipality", "én af de to"),
        ({"role": "nurse", "municipality": "751", "hospital": str(_hospital().id)}, "municipality", "én af de to"),
        ({"role": "nurse", "municipality": "", "hospital": "999999"}, "hospital", "på listen"),
        ({"role": "nurse", "municipality": "", "hospital": "9" * 40}, "municipality", "én af de to"),
        ({"role": "nurse", "municipality": "", "hospital": str(_hospital(active=False).id)}, "hospital", "på listen"),
        ({"role": "citizen"}, "role", None),
        ({"role": "superuser"}, "role", None),
        ({"municipality": "99999"}, "municipality", "Ukendt kommunekode"),
        ({"name": "   "}, "name", None),
    ]
    before = db.session.scalar(select(func.count(User.id)))
    for data, field, message in cases:
        form = {"name": "Karen", "email": "karen@horsens.dk", "role": "grant_officer", "municipality": "615",
                "hospital": ""}
        form.update(data)
        answer = admin.post("/admin/brugere/ny", data=form)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, (data, html[:500])
        assert f'id="{field}-error"' in html, data
        if message:
            assert message in html, data
    assert db.session.scalar(select(func.count(User.id))) == before


def test_a_mail_server_that_refuses_leaves_no_account(admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 9)  # discard: nothing listens
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2)
    answer = admin.post("/admin/brugere/ny", data={"name": "Karen", "email": "karen@horsens.dk", "role": "callcenter",
                                                   "municipality": "", "hospital": ""})
    assert answer.status_code == 422 and "kunne ikke sendes" in answer.get_data(as_text=True)
    assert _user("karen@horsens.dk") is None


def test_deactivation_refuses_the_open_session_at_once(admin, app, world):
    officer = app.test_client()
    assert officer.post("/login", data={"email": "officer.aarhus@test.dk", "password": factories.PASSWORD}).status_code == 302
    assert officer.get("/kommune/").status_code == 200
    user = _user("officer.aarhus@test.dk")
    done = admin.post(f"/admin/brugere/{user.id}/deaktiver", follow_redirects=True)
    assert "Kontoen er deaktiveret" in done.get_data(as_text=True)
    refused = officer.get("/kommune/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert "deaktiveret" in officer.post("/login", data={"email": "officer.aarhus@test.dk",
                                                          "password": factories.PASSWORD}).get_data(as_text=True)
    admin.post(f"/admin/brugere/{user.id}/aktiver")
    assert officer.post("/login", data={"email": "officer.aarhus@test.dk", "password": factories.PASSWORD}).status_code == 302


def test_the_administrator_cannot_deactivate_herself_or_change_her_own_role(admin, world):
    me = world[Role.FSC_ADMIN]
    page = admin.post(f"/admin/brugere/{me.id}/deaktiver", follow_redirects=True).get_data(as_text=True)
    assert "Du kan ikke deaktivere din egen konto" in page
    assert _user("admin@test.dk").active
    changed = admin.post(f"/admin/brugere/{me.id}/ret", data={"name": me.name, "email": me.email, "role": "nurse",
                                                             "municipality": "751", "hospital": ""})
    assert changed.status_code == 422 and "din egen rolle" in changed.get_data(as_text=True)


def test_a_change_of_workplace_changes_what_the_officer_sees_and_ends_her_sessions(admin, app, world):
    officer = app.test_client()
    officer.post("/login", data={"email": "officer.aarhus@test.dk", "password": factories.PASSWORD})
    aarhus_citizen = world["citizen"]
    assert officer.get(f"/kommune/borger/{aarhus_citizen.id}").status_code == 200
    user = _user("officer.aarhus@test.dk")
    answer = admin.post(f"/admin/brugere/{user.id}/ret", data={
        "name": user.name, "email": user.email, "role": "grant_officer", "municipality": "461", "hospital": ""})
    assert answer.status_code == 302
    assert officer.get("/kommune/").status_code == 302  # logged out by the change
    officer.post("/login", data={"email": "officer.aarhus@test.dk", "password": factories.PASSWORD})
    assert officer.get(f"/kommune/borger/{aarhus_citizen.id}").status_code == 404  # Odense now: Aarhus is foreign
    detail = admin.get(f"/admin/brugere/{user.id}").get_data(as_text=True)
    assert "Navn, e-mail, rolle eller arbejdssted ændret" in detail and "municipality=461 Odense" in detail


def test_unlock_lifts_a_lock_out(admin, app, world):
    person = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        person.post("/login", data={"email": "agent@test.dk", "password": "wrong password!"})
    assert person.post("/login", data={"email": "agent@test.dk", "password": factories.PASSWORD}).status_code == 422
    user = _user("agent@test.dk")
    page = admin.get(f"/admin/brugere/{user.id}").get_data(as_text=True)
    assert "Spærret indtil" in page and "Ophæv spærringen" in page
    admin.post(f"/admin/brugere/{user.id}/laas-op")
    assert db.session.scalar(select(func.count()).select_from(FailedLogins)) == 0
    assert person.post("/login", data={"email": "agent@test.dk", "password": factories.PASSWORD}).status_code == 302
    assert "Spærring ophævet" in admin.get(f"/admin/brugere/{user.id}").get_data(as_text=True)


def test_reset_second_factor_and_the_policy_page(admin, app, world, caplog):
    page = admin.get("/admin/tofaktor")
    assert page.status_code == 200
    form = {role.value: "no" for role in twofactor.STAFF_ROLES}
    form["nurse"] = "yes"
    assert admin.post("/admin/tofaktor", data=form).status_code == 302
    assert twofactor.required_for(Role.NURSE) and not twofactor.required_for(Role.CALLCENTER)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "2fa-policy")) == 1
    nurse = _user("nurse@test.dk")
    twofactor.begin_enrolment(nurse)
    nurse.totp_confirmed_at = datetime.now(timezone.utc)
    twofactor.new_recovery_codes(nurse)
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        assert admin.post(f"/admin/brugere/{nurse.id}/nulstil-tofaktor").status_code == 302
    assert "FSC-sekretariatet har nulstillet den anden faktor" in caplog.text
    nurse = _user("nurse@test.dk")
    assert not nurse.two_factor_enrolled and nurse.totp_secret_encrypted is None
    client = app.test_client()
    assert client.post("/login", data={"email": "nurse@test.dk", "password": factories.PASSWORD}).headers["Location"] == "/login/tofaktor"


def test_list_and_search(admin, world):
    everyone = admin.get("/admin/brugere").get_data(as_text=True)
    assert "officer.odense@test.dk" in everyone and "agent@test.dk" in everyone
    found = admin.get("/admin/brugere?q=ODENSE").get_data(as_text=True)
    assert "officer.odense@test.dk" in found and "agent@test.dk" not in found
    by_role = admin.get("/admin/brugere?rolle=callcenter").get_data(as_text=True)
    assert "agent@test.dk" in by_role and "officer.odense@test.dk" not in by_role
    for nasty in ("%", "_", "\\", "'; drop table user_account; --", "x" * 5000, "\x00"):
        assert admin.get("/admin/brugere", query_string={"q": nasty}).status_code == 200
    assert "0 konti fundet" in admin.get("/admin/brugere?q=%25").get_data(as_text=True)
    assert admin.get("/admin/brugere/999999").status_code == 404


def test_the_link_token_is_bound_to_the_password(ctx, world):
    nurse = world[Role.NURSE]
    token = links.make_token(nurse)
    assert links.user_for_token(token).id == nurse.id
    nurse.set_password("en helt ny adgangskode")
    with pytest.raises(links.LinkError) as refused:
        links.user_for_token(token)
    assert refused.value.code == "invalid"


def test_a_changed_e_mail_address_is_told_to_the_old_one(admin, world, caplog):
    agent = world[Role.CALLCENTER]
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        answer = admin.post(f"/admin/brugere/{agent.id}/ret", data={
            "name": agent.name, "email": "ny.agent@test.dk", "role": "callcenter", "municipality": "", "hospital": ""})
    assert answer.status_code == 302
    assert "to=agent@test.dk" in caplog.text and "ny.agent@test.dk" in caplog.text
    assert _user("ny.agent@test.dk") is not None
