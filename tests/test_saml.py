"""Citizens sign in with NemLog-in: answers built by a real pysaml2 IdP (devtools/saml_idp.py), posted to the ACS."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from saml2 import BINDING_HTTP_REDIRECT
from sqlalchemy import func, select
from werkzeug.test import Client

from devtools.saml_idp import USERS, LocalIdentityProvider
from stomi_app.auth import saml
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, SamlAssertion, SamlRequest
from tests import factories
from tests.fixtures.app import make_app

pytestmark = pytest.mark.committing

BASE = "http://localhost"
ACS = f"{BASE}/saml/acs"
SP_ENTITY = f"{BASE}/saml/metadata"


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    return LocalIdentityProvider("http://idp.test", tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="session")
def saml_app(app, idp, tmp_path_factory):
    """The app with NemLog-in configured against the test IdP (its metadata as a file, as in production)."""
    metadata = tmp_path_factory.mktemp("idp-md") / "idp-metadata.xml"
    metadata.write_text(idp.metadata())
    saml_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SAML_IDP_METADATA=str(metadata), SAML_BASE_URL=BASE)
    with saml_app.test_request_context("/"):
        sp_metadata = saml.metadata()
    idp.add_sp_metadata(sp_metadata)
    # A second service provider with the same certificate: an assertion made for it has the wrong audience.
    idp.add_sp_metadata(sp_metadata.replace(f'entityID="{SP_ENTITY}"', 'entityID="https://other-sp.example.dk"'))
    return saml_app


@pytest.fixture
def people(saml_app, ctx):
    return factories.world()


@pytest.fixture
def browser(saml_app):
    return saml_app.test_client()


def start_login(browser, next_url=None) -> str:
    """Press "Log ind med MitID": returns the AuthnRequest's ID, checked as the IdP checks it (signature included)."""
    response = browser.get("/saml/login" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://idp.test/sso/redirect?")
    return location


def authn_request(idp, location):
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return idp.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState"),
                                          sigalg=query.get("SigAlg"), signature=query.get("Signature")).message


def answer(idp, request_id, user="birthe", **kwargs) -> str:
    kwargs.setdefault("destination", ACS)
    kwargs.setdefault("sp_entity_id", SP_ENTITY)
    return idp.response_xml(USERS[user], in_response_to=request_id, **kwargs)


def post(browser, xml_or_raw, *, raw=False):
    data = xml_or_raw if raw else LocalIdentityProvider.encode(xml_or_raw)
    return browser.post("/saml/acs", data={"SAMLResponse": data})


def refused_code(response) -> str | None:
    match = re.search(r'data-code="([a-z_]+)"', response.get_data(as_text=True))
    return match and match.group(1)


def audit_lines(saml_app):
    with saml_app.app_context():
        return [(e.action, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_registered_citizen_signs_in_and_lands_on_the_start_page(idp, saml_app, people, browser):
    location = start_login(browser)
    request = authn_request(idp, location)
    # OIOSAML 3: signed (the IdP checked it above), persistent NameID, at least Substantial asked for.
    assert request.requested_authn_context.comparison == "minimum"
    assert request.requested_authn_context.authn_context_class_ref[0].text.endswith("/loa/Substantial")
    assert request.assertion_consumer_service_url == ACS
    response = post(browser, answer(idp, request.id))
    assert response.status_code == 302 and response.headers["Location"] == "/borger/"
    page = browser.get("/borger/")
    assert page.status_code == 200 and "Birthe Nielsen" in page.get_data(as_text=True)
    assert ("saml sign-in", "assurance level Substantial") in audit_lines(saml_app)


def test_the_page_asked_for_is_where_the_citizen_lands(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser, "/borger/bestillinger"))
    assert post(browser, answer(idp, request.id)).headers["Location"] == "/borger/bestillinger"


def test_next_to_another_host_is_ignored(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser, "//evil.example/"))
    assert post(browser, answer(idp, request.id)).headers["Location"] == "/borger/"


def test_high_assurance_is_accepted(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    assert post(browser, answer(idp, request.id, "jens")).status_code == 302


def test_an_unencrypted_assertion_is_refused_as_oiosaml_3_demands(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, answer(idp, request.id, encrypt=False)), "invalid")
    assert "exactly one, encrypted" in audit_lines(saml_app)[-1][1]


def test_an_unencrypted_signed_assertion_is_accepted_when_encryption_is_not_required(idp, saml_app, people, browser):
    saml_app.config["SAML_REQUIRE_ENCRYPTION"] = False
    try:
        request = authn_request(idp, start_login(browser))
        assert post(browser, answer(idp, request.id, encrypt=False)).status_code == 302
    finally:
        saml_app.config["SAML_REQUIRE_ENCRYPTION"] = True


def test_a_plain_assertion_smuggled_beside_the_encrypted_one_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    encrypted = answer(idp, request.id)
    plain = answer(idp, request.id, "jens", encrypt=False)
    assertion = re.search(r"<(?:\w+:)?Assertion\b.*</(?:\w+:)?Assertion>", plain, re.S).group(0)
    smuggled = re.sub(r"(<(?:\w+:)?EncryptedAssertion\b)", lambda m: assertion + m.group(1), encrypted, count=1)
    assert smuggled != encrypted
    _refused(saml_app, browser, post(browser, smuggled), "invalid")


def _refused(saml_app, browser, response, code, status=400):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert refused_code(response) == code
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "70 20 30 40" in html
    assert browser.get("/borger/").status_code == 302  # not logged in
    actions = [a for a, _ in audit_lines(saml_app)]
    assert f"saml refused: {code}" in actions
    return html


def test_a_person_with_no_record_is_told_to_call(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    html = _refused(saml_app, browser, post(browser, answer(idp, request.id, "ukendt")), "not_registered", 403)
    assert "Du er ikke tilmeldt stomiforsyningen — ring til 70 20 30 40" in html


def test_too_low_assurance_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    html = _refused(saml_app, browser, post(browser, answer(idp, request.id, "lav")), "assurance", 403)
    assert "Substantial" in html


def test_a_missing_cpr_attribute_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, answer(idp, request.id, "uden-cpr")), "no_cpr")


@pytest.mark.parametrize("number", ["1234", "3213991234", "150348-1234 1503481234"])
def test_a_cpr_attribute_that_is_no_cpr_number_is_refused(idp, saml_app, people, browser, number):
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, answer(idp, request.id, cpr=number)), "no_cpr")


def test_a_tampered_assertion_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    xml = answer(idp, request.id, "ukendt", encrypt=False)
    assert "0101901111" in xml
    tampered = xml.replace("0101901111", "1503481234")  # the unknown person makes herself Birthe
    _refused(saml_app, browser, post(browser, tampered), "invalid")
    assert "signature" in audit_lines(saml_app)[-1][1].lower()


def test_an_unsigned_assertion_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, answer(idp, request.id, sign_assertion=False)), "invalid")


def test_an_assertion_signed_by_another_key_is_refused(idp, saml_app, people, browser, tmp_path):
    impostor = LocalIdentityProvider("http://idp.test", tmp_path)  # same entity ID, its own key
    with saml_app.test_request_context("/"):
        impostor.add_sp_metadata(saml.metadata())
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, impostor.response_xml(
        USERS["birthe"], in_response_to=request.id, destination=ACS, sp_entity_id=SP_ENTITY)), "invalid")


def test_an_expired_assertion_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    # Made 10 minutes ago with a 5-minute lifetime: past NotOnOrAfter, beyond the 60 s clock skew.
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(minutes=10)):
        xml = answer(idp, request.id)
    _refused(saml_app, browser, post(browser, xml), "invalid")


def test_an_assertion_from_the_future_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=10)):
        xml = answer(idp, request.id)
    _refused(saml_app, browser, post(browser, xml), "invalid")


def test_an_assertion_for_another_service_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    xml = answer(idp, request.id, sp_entity_id="https://other-sp.example.dk")
    _refused(saml_app, browser, post(browser, xml), "invalid")
    assert "audience" in audit_lines(saml_app)[-1][1].lower()


def test_an_answer_sent_to_another_address_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    _refused(saml_app, browser, post(browser, answer(idp, request.id, destination="https://evil.example/acs")), "invalid")


def test_an_answer_to_a_request_never_made_is_refused(idp, saml_app, people, browser):
    start_login(browser)
    _refused(saml_app, browser, post(browser, answer(idp, "_never-asked-for")), "unsolicited")


def test_an_answer_in_another_browser_is_refused(idp, saml_app, people, browser):
    """Login CSRF: an attacker's own assertion pushed into the victim's browser does not log the victim in."""
    request = authn_request(idp, start_login(browser))
    victim = saml_app.test_client()
    _refused(saml_app, victim, post(victim, answer(idp, request.id)), "unsolicited")


def test_a_replayed_assertion_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    xml = answer(idp, request.id)
    assert post(browser, xml).status_code == 302
    browser.post("/logout")
    _refused(saml_app, browser, post(browser, xml), "replay")
    with saml_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SamlAssertion)) == 1


def test_a_second_assertion_for_an_answered_request_is_refused(idp, saml_app, people, browser):
    request = authn_request(idp, start_login(browser))
    assert post(browser, answer(idp, request.id)).status_code == 302
    browser.post("/logout")
    _refused(saml_app, browser, post(browser, answer(idp, request.id)), "replay")


@pytest.mark.parametrize("garbage", [
    "", "not base64 at all!!", base64.b64encode(b"not xml").decode(), base64.b64encode(b"<a><b></a>").decode(),
    base64.b64encode(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>').decode(),
    base64.b64encode(b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>").decode(),
    "A" * 200_000,
])
def test_garbage_is_refused_with_a_clear_page(idp, saml_app, people, browser, garbage):
    start_login(browser)
    _refused(saml_app, browser, post(browser, garbage, raw=True), "invalid")


def test_a_get_or_a_post_without_a_response_is_refused(saml_app, people, browser):
    assert browser.get("/saml/acs").status_code == 405
    assert refused_code(browser.post("/saml/acs", data={})) == "invalid"


def test_requests_expire_and_are_cleaned_up(idp, saml_app, people, browser):
    location = start_login(browser)
    request = authn_request(idp, location)
    later = datetime.now(timezone.utc) + saml.REQUEST_LIFETIME + timedelta(minutes=1)
    with time_machine.travel(later):
        xml = answer(idp, request.id)
        _refused(saml_app, browser, post(browser, xml), "unsolicited")
        start_login(browser)  # the next sign-in deletes the expired request
    with saml_app.app_context():
        assert db.session.get(SamlRequest, request.id) is None


def test_sp_metadata_is_served_at_a_stable_url(saml_app, browser):
    response = browser.get("/saml/metadata")
    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    xml = response.get_data(as_text=True)
    assert f'entityID="{SP_ENTITY}"' in xml
    assert f'Location="{ACS}"' in xml and "HTTP-POST" in xml
    assert f'Location="{BASE}/saml/slo"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert 'use="signing"' in xml and 'use="encryption"' in xml


def test_the_login_page_offers_mitid_first_and_the_demo_login_second(saml_app, browser):
    html = browser.get("/login/borger").get_data(as_text=True)
    assert html.index("Log ind med MitID") < html.index("Demo-login")
    assert 'href="/saml/login"' in html


def test_without_nemlogin_the_saml_pages_do_not_exist(client):
    for url in ("/saml/login", "/saml/metadata", "/saml/slo"):
        assert client.get(url).status_code == 404
    assert "Log ind med MitID" not in client.get("/login/borger").get_data(as_text=True)


def test_an_unreachable_idp_gives_a_clear_page(app, ctx):
    broken = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SAML_IDP_METADATA="http://127.0.0.1:9/metadata",
                      SAML_BASE_URL=BASE)
    response = broken.test_client().get("/saml/login")
    assert response.status_code == 503 and refused_code(response) == "unavailable"


def _signed_in(idp, browser):
    request = authn_request(idp, start_login(browser))
    assert post(browser, answer(idp, request.id)).status_code == 302


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_logout_ends_the_session_here_and_at_nemlogin(idp, saml_app, people, browser):
    _signed_in(idp, browser)
    assert "form-action 'self' http://idp.test" in _csp(browser.get("/borger/"))
    response = browser.post("/logout")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://idp.test/slo/redirect?")
    assert browser.get("/borger/").status_code == 302  # the local session is over already
    # The IdP checks the LogoutRequest's signature and answers with a signed LogoutResponse.
    back = Client(idp.wsgi).get(location[len("http://idp.test"):])
    assert back.status_code == 302 and back.headers["Location"].startswith(f"{BASE}/saml/slo?SAMLResponse=")
    done = browser.get(back.headers["Location"][len(BASE):])
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Du er logget af stomiforsyningen og MitID." in browser.get("/").get_data(as_text=True)


def test_a_logout_response_nobody_asked_for_is_refused(idp, saml_app, people, browser):
    _signed_in(idp, browser)
    location = browser.post("/logout").headers["Location"]
    back = Client(idp.wsgi).get(location[len("http://idp.test"):]).headers["Location"]
    assert browser.get(back[len(BASE):]).headers["Location"] == "/"
    again = browser.get(back[len(BASE):])  # the same answer again
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert "MitID bekræftede ikke" in browser.get("/").get_data(as_text=True)
    forged = saml_app.test_client()
    forged.get(back.replace("Signature=", "Signature=AAAA")[len(BASE):])
    assert "MitID bekræftede ikke" in forged.get("/").get_data(as_text=True)
    actions = [a for a, _ in audit_lines(saml_app)]
    assert actions.count("saml refused: unsolicited") == 1 and actions.count("saml refused: invalid") == 1


def test_a_staff_logout_and_a_demo_login_never_go_to_nemlogin(saml_app, people, browser):
    browser.post("/login/borger", data={"cpr": "150348-1234"})
    response = browser.post("/logout")
    assert response.headers["Location"] == "/"


def test_the_idp_can_end_the_session(idp, saml_app, people, browser):
    _signed_in(idp, browser)
    location = idp.logout_request_url(USERS["birthe"], SP_ENTITY)
    response = browser.get(location[len(BASE):])
    assert response.status_code == 302 and response.headers["Location"].startswith("http://idp.test/slo/redirect?SAMLResponse=")
    assert browser.get("/borger/").status_code == 302


def test_an_unsigned_idp_logout_request_is_refused(idp, saml_app, people, browser):
    _signed_in(idp, browser)
    location = idp.logout_request_url(USERS["birthe"], SP_ENTITY)
    unsigned = re.sub(r"&Signature=[^&]*", "", location)
    assert refused_code(browser.get(unsigned[len(BASE):])) == "invalid"
    assert browser.get("/borger/").status_code == 200


def test_the_request_cookie_survives_the_idps_cross_site_post_in_production(saml_app, people):
    """Behind TLS the cookie is SameSite=None; Secure, or the browser would not send it with NemLog-in's POST."""
    saml_app.config["SESSION_COOKIE_SECURE"] = True
    try:
        cookie = saml_app.test_client().get("/saml/login").headers["Set-Cookie"]
    finally:
        saml_app.config["SESSION_COOKIE_SECURE"] = False
    assert cookie.startswith(f"{saml.REQUEST_COOKIE}=") and "Secure" in cookie and "SameSite=None" in cookie
    assert "HttpOnly" in cookie and "Path=/saml/" in cookie


def test_in_production_only_mitid_is_offered(saml_app, people, browser):
    saml_app.config["DEMO_LOGIN_ENABLED"] = False
    try:
        html = browser.get("/login/borger").get_data(as_text=True)
        assert "Log ind med MitID" in html and "Demo-login" not in html and 'name="cpr"' not in html
        assert browser.post("/login/borger", data={"cpr": "150348-1234"}).status_code == 404
    finally:
        saml_app.config["DEMO_LOGIN_ENABLED"] = True


def test_a_refusal_is_a_security_log_line_without_the_cpr_number(idp, saml_app, people, browser, caplog):
    request = authn_request(idp, start_login(browser))
    with caplog.at_level("WARNING", logger="stomi.security"):
        post(browser, answer(idp, request.id, "ukendt"))
    lines = [r.getMessage() for r in caplog.records if r.name == "stomi.security"]
    assert lines == ["NemLog-in message refused (not_registered): no active citizen with the asserted CPR number [from 127.0.0.1]"]
    assert "0101901111" not in " ".join(lines) + " ".join(d or "" for _, d in audit_lines(saml_app))


def test_an_idp_logout_for_someone_else_leaves_the_session_alone(idp, saml_app, people, browser):
    _signed_in(idp, browser)
    location = idp.logout_request_url(USERS["jens"], SP_ENTITY)
    response = browser.get(location[len(BASE):])
    assert response.headers["Location"].startswith("http://idp.test/slo/redirect?SAMLResponse=")
    assert browser.get("/borger/").status_code == 200
