"""NemLog-in for citizens: a SAML 2.0 service provider on pysaml2, following the OIOSAML Web SSO profile 3.0.x."""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import secrets
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask import current_app, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import StatusError, UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import STATUS_SUCCESS
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from stomi_app import cpr
from stomi_app.auth.identity import NemLogInIdentityProvider
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from stomi_app.models import SamlAssertion, SamlRequest

log = logging.getLogger("stomi.security")

# OIOSAML 3.0.x attribute names (the Danish "OIO Basic Privilege Profile" vocabulary).
LOA_ATTRIBUTE = "https://data.gov.dk/concept/core/nsis/loa"
CPR_ATTRIBUTE = "https://data.gov.dk/model/core/eid/cprNumber"
SPEC_VERSION_ATTRIBUTE = "https://data.gov.dk/model/core/specVersion"
LOA_CONTEXT = "https://data.gov.dk/concept/core/nsis/loa/"
SAML_ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
# NSIS assurance levels, lowest first.
LEVELS = ("Low", "Substantial", "High")
# The browser that started a sign-in carries a random value in this cookie; its request row holds the value's hash,
# so an answer is accepted only in the browser that asked for it (no login CSRF with someone else's assertion).
REQUEST_COOKIE = "stomi_saml_request"
REQUEST_LIFETIME = timedelta(minutes=15)
# A SAMLResponse is a few kilobytes; anything near this is not one.
MAX_MESSAGE = 100_000
_build_lock = threading.Lock()


class SamlError(Exception):
    """A sign-in or logout message refused; `code` says which page the citizen gets, `detail` goes to the log."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail[:500]


@dataclass
class SignIn:
    """A verified NemLog-in assertion: the CPR number's citizen, and what SLO needs later."""

    citizen: Citizen
    next_url: str
    name_id: str
    name_id_format: str | None
    session_index: str | None
    level: str


def enabled() -> bool:
    return bool(current_app.config.get("SAML_IDP_METADATA"))


def _base_url() -> str:
    return (current_app.config.get("SAML_BASE_URL") or request.host_url).rstrip("/")


def sp_urls() -> dict[str, str]:
    base = _base_url()
    return {
        "entity_id": current_app.config.get("SAML_SP_ENTITY_ID") or f"{base}/saml/metadata",
        "acs": f"{base}/saml/acs",
        "slo": f"{base}/saml/slo",
    }


def _development_keypair(instance_path: str) -> tuple[str, str]:
    """A self-signed key pair generated into instance/ on first use: development only (production demands the
    OCES certificate registered with NemLog-in; stomi_app.configcheck refuses to start without it)."""
    key_path, cert_path = Path(instance_path) / "saml_sp_key.pem", Path(instance_path) / "saml_sp_cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        key_path.write_bytes(b"")
        key_path.chmod(0o600)
        key, cert = self_signed_pair("Stomiforsyning SP (development)")
        key_path.write_bytes(key)
        cert_path.write_bytes(cert)
    return str(key_path), str(cert_path)


def self_signed_pair(common_name: str, days: int = 365) -> tuple[bytes, bytes]:
    """An RSA-3072 key and a self-signed certificate, PEM: for development and the test IdP, never production."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _metadata_source(value: str) -> dict:
    if urlsplit(value).scheme in ("http", "https"):
        return {"remote": [{"url": value}]}
    return {"local": [value]}


def sp_config() -> SPConfig:
    config = current_app.config
    key_file, cert_file = config.get("SAML_SP_KEY_FILE"), config.get("SAML_SP_CERT_FILE")
    if not (key_file and cert_file):
        key_file, cert_file = _development_keypair(current_app.instance_path)
    urls = sp_urls()
    settings = {
        "entityid": urls["entity_id"],
        "xmlsec_binary": config.get("SAML_XMLSEC_BINARY") or shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "metadata": _metadata_source(config["SAML_IDP_METADATA"]),
        "key_file": key_file,
        "cert_file": cert_file,
        # OIOSAML 3 encrypts assertions to the SP's certificate; the signing pair unless a separate one is given.
        "encryption_keypairs": [{"key_file": config.get("SAML_SP_ENCRYPTION_KEY_FILE") or key_file,
                                 "cert_file": config.get("SAML_SP_ENCRYPTION_CERT_FILE") or cert_file}],
        "accepted_time_diff": int(config.get("SAML_CLOCK_SKEW_SECONDS", 60)),
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {"sp": {
            "name": "Stomiforsyning",
            "endpoints": {
                "assertion_consumer_service": [(urls["acs"], BINDING_HTTP_POST)],
                "single_logout_service": [(urls["slo"], BINDING_HTTP_REDIRECT)],
            },
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "requested_authn_context": {"authn_context_class_ref": [LOA_CONTEXT + minimum_level()],
                                        "comparison": "minimum"},
        }},
        "contact_person": [{"contact_type": "technical",
                            "email_address": [config.get("SAML_CONTACT_EMAIL") or "drift@stomi.example.dk"]}],
        "delete_tmpfiles": True,
    }
    sp = SPConfig()
    sp.load(settings)
    return sp


def client() -> Saml2Client:
    """The app's service provider, built once (loading the IdP's metadata); a failure is raised, never cached."""
    cached = current_app.extensions.get("stomi_saml")
    if cached is not None:
        return cached
    with _build_lock:
        cached = current_app.extensions.get("stomi_saml")
        if cached is None:
            try:
                cached = Saml2Client(config=sp_config())
                idp_entity_id(cached)
            except SamlError:
                raise
            except Exception as exc:  # pysaml2 raises many kinds while loading metadata and keys
                raise SamlError("unavailable", f"{type(exc).__name__}: {exc}") from exc
            current_app.extensions["stomi_saml"] = cached
    return cached


def idp_entity_id(saml_client: Saml2Client) -> str:
    wanted = current_app.config.get("SAML_IDP_ENTITY_ID")
    known = list(saml_client.metadata.identity_providers())
    if wanted:
        if wanted not in known:
            raise SamlError("unavailable", f"IdP {wanted} is not in the IdP metadata")
        return wanted
    if len(known) != 1:
        raise SamlError("unavailable", f"the IdP metadata names {len(known)} IdPs: set STOMI_SAML_IDP_ENTITY_ID")
    return known[0]


def idp_origins() -> list[str]:
    """The IdP's scheme://host[:port] for every endpoint a browser is sent to (the CSP's form-action must allow the
    logout's redirect chain to reach it)."""
    saml_client = client()
    idp = idp_entity_id(saml_client)
    origins = set()
    for service in (saml_client.metadata.single_sign_on_service(idp, BINDING_HTTP_REDIRECT),
                    saml_client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")):
        for endpoint in service or []:
            parts = urlsplit(endpoint["location"])
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def minimum_level() -> str:
    level = current_app.config.get("SAML_MIN_LOA", "Substantial")
    return level if level in LEVELS else "Substantial"


def _browser_hash(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()


def begin_login(next_url: str, browser_value: str | None) -> tuple[str, str]:
    """A signed AuthnRequest for the HTTP-Redirect binding: returns the IdP URL to send the browser to and the
    value for REQUEST_COOKIE (the browser's own, or a new one). The caller commits."""
    saml_client = client()
    browser_value = browser_value or secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(delete(SamlRequest).where(SamlRequest.expires_at < now))
    try:
        request_id, info = saml_client.prepare_for_authenticate(
            entityid=idp_entity_id(saml_client), binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256, nameid_format=NAMEID_FORMAT_PERSISTENT)
    except SamlError:
        raise
    except Exception as exc:  # signing failed: a key that does not load, xmlsec1 missing
        raise SamlError("unavailable", f"{type(exc).__name__}: {exc}") from exc
    db.session.add(SamlRequest(id=request_id, browser_hash=_browser_hash(browser_value), next_url=next_url,
                               expires_at=now + REQUEST_LIFETIME))
    location = dict(info["headers"])["Location"]
    return location, browser_value


def _attributes(assertion) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values.setdefault(attribute.name, []).extend(
                (v.text or "").strip() for v in attribute.attribute_value or [])
    return values


def _expiry(assertion) -> datetime:
    """When the assertion stops being valid: the ID must be remembered at least that long."""
    moments = []
    if assertion.conditions is not None and assertion.conditions.not_on_or_after:
        moments.append(assertion.conditions.not_on_or_after)
    for confirmation in (assertion.subject.subject_confirmation if assertion.subject else None) or []:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            moments.append(data.not_on_or_after)
    parsed = []
    for moment in moments:
        try:
            parsed.append(datetime.fromisoformat(moment.strip()).astimezone(timezone.utc))
        except ValueError:
            continue
    skew = timedelta(seconds=int(current_app.config.get("SAML_CLOCK_SKEW_SECONDS", 60)))
    return max(parsed or [utcnow() + timedelta(hours=1)]) + skew


def _require_one_encrypted_assertion(saml_response: str) -> None:
    """OIOSAML 3: the IdP encrypts the assertion to the SP (the CPR number never crosses the browser readable);
    exactly one EncryptedAssertion and no plain Assertion beside it, so no second, unchecked assertion rides along."""
    try:
        root = fromstring(base64.b64decode(saml_response, validate=False))
    except (binascii.Error, ValueError, ParseError, DefusedXmlException) as exc:
        raise SamlError("invalid", f"{type(exc).__name__}: {exc}") from exc
    plain = root.findall(f"{{{SAML_ASSERTION_NS}}}Assertion")
    encrypted = root.findall(f"{{{SAML_ASSERTION_NS}}}EncryptedAssertion")
    if plain or len(encrypted) != 1:
        raise SamlError("invalid", f"{len(plain)} plain and {len(encrypted)} encrypted assertions; OIOSAML 3 needs "
                                   "exactly one, encrypted")


def complete_login(saml_response: str | None, browser_value: str | None) -> SignIn:
    """Check a SAMLResponse posted to the ACS and return who signed in; raise SamlError for anything refused.

    pysaml2 checks the XML signature against the IdP's certificate from its metadata, decrypts the assertion,
    checks Audience, the SubjectConfirmation's Recipient and NotOnOrAfter, the Conditions' NotBefore and
    NotOnOrAfter, and InResponseTo against this browser's open requests; the rest of the profile is checked here.
    The caller commits (the replay record and the request marked answered go with the login)."""
    if not saml_response or len(saml_response) > MAX_MESSAGE:
        raise SamlError("invalid", "no SAMLResponse, or one too long")
    saml_client = client()
    now = utcnow()
    # Locked: two answers to one request at the same moment are taken one after the other (the second is a replay).
    open_requests = db.session.scalars(select(SamlRequest).where(
        SamlRequest.browser_hash == _browser_hash(browser_value), SamlRequest.expires_at >= now)
        .with_for_update()).all() if browser_value else []
    outstanding = {r.id: r.next_url for r in open_requests}
    try:
        answer = saml_client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except UnsolicitedResponse as exc:
        raise SamlError("unsolicited", f"InResponseTo names no open request of this browser: {exc}") from exc
    except StatusError as exc:
        raise SamlError("idp_status", f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # bad base64, not XML, bad signature, expired, wrong audience: pysaml2 raises them all
        raise SamlError("invalid", f"{type(exc).__name__}: {exc}") from exc
    if answer is None or answer.assertion is None:
        raise SamlError("invalid", "no valid assertion")
    if current_app.config.get("SAML_REQUIRE_ENCRYPTION", True):
        _require_one_encrypted_assertion(saml_response)
    urls = sp_urls()
    # pysaml2 lets a response without Destination through; OIOSAML 3 requires it on every response.
    if (answer.response.destination or "") != urls["acs"]:
        raise SamlError("invalid", f"Destination {answer.response.destination!r} is not {urls['acs']}")
    assertion = answer.assertion
    asked = next((r for r in open_requests if r.id == answer.in_response_to), None)
    if asked is None:  # pysaml2 refuses this already; the ID must be ours before anything is recorded
        raise SamlError("unsolicited", f"InResponseTo {answer.in_response_to!r} names no open request")
    if not assertion.id or len(assertion.id) > SamlAssertion.id.type.length:
        raise SamlError("invalid", "assertion ID missing or too long to remember")
    if asked.answered_at is not None:
        raise SamlError("replay", f"request {asked.id} was answered already")
    try:
        with db.session.begin_nested():
            db.session.add(SamlAssertion(id=assertion.id, expires_at=_expiry(assertion)))
    except IntegrityError as exc:
        raise SamlError("replay", f"assertion {assertion.id} was used already") from exc
    asked.answered_at = now
    db.session.execute(delete(SamlAssertion).where(SamlAssertion.expires_at < now))

    attributes = _attributes(assertion)
    level = (attributes.get(LOA_ATTRIBUTE) or [""])[0]
    if level not in LEVELS or LEVELS.index(level) < LEVELS.index(minimum_level()):
        raise SamlError("assurance", f"assurance level {level!r}, at least {minimum_level()} needed")
    numbers = attributes.get(CPR_ATTRIBUTE) or []
    if len(numbers) != 1:
        raise SamlError("no_cpr", f"{len(numbers)} CPR attribute values")
    try:
        digits = cpr.normalise(numbers[0])
    except cpr.InvalidCPR as exc:
        raise SamlError("no_cpr", "the CPR attribute is not a valid CPR number") from exc
    subject = assertion.subject.name_id if assertion.subject is not None else None
    session_index = next((s.session_index for s in assertion.authn_statement or [] if s.session_index), None)
    citizen = NemLogInIdentityProvider().resolve(digits)
    if citizen is None or not citizen.is_active:
        raise SamlError("not_registered", "no active citizen with the asserted CPR number")
    return SignIn(citizen=citizen, next_url=asked.next_url,
                  name_id=(subject.text or "") if subject is not None else "",
                  name_id_format=subject.format if subject is not None else None,
                  session_index=session_index, level=level)


def begin_logout(name_id: str, name_id_format: str | None, session_index: str | None) -> tuple[str, str]:
    """A signed LogoutRequest for the HTTP-Redirect binding: the IdP URL and the request's ID (to match its
    answer)."""
    saml_client = client()
    idp = idp_entity_id(saml_client)
    services = saml_client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    if not services:
        raise SamlError("unavailable", "the IdP metadata has no HTTP-Redirect SingleLogoutService")
    destination = services[0]["location"]
    try:
        request_id, logout = saml_client.create_logout_request(
            destination, idp, name_id=NameID(text=name_id, format=name_id_format),
            session_indexes=[session_index] if session_index else None, sign=False)
        info = saml_client.apply_binding(BINDING_HTTP_REDIRECT, str(logout), destination, relay_state="",
                                         sign=True, sigalg=SIG_RSA_SHA256)
    except Exception as exc:
        raise SamlError("unavailable", f"{type(exc).__name__}: {exc}") from exc
    return dict(info["headers"])["Location"], request_id


def _check_redirect_signature(saml_client: Saml2Client, params: dict[str, str], kind: str) -> None:
    """The HTTP-Redirect binding signs the query string, not the XML: check it against the IdP's signing
    certificates."""
    if not params.get("Signature") or not params.get("SigAlg"):
        raise SamlError("invalid", f"unsigned {kind}")
    message = {key: params[key] for key in (kind, "RelayState", "SigAlg", "Signature") if params.get(key) is not None}
    certs = saml_client.metadata.certs(idp_entity_id(saml_client), "idpsso", "signing")
    try:
        verified = any(verify_redirect_signature(message, saml_client.sec.sec_backend, cert) for _, cert in certs)
    except Exception as exc:
        raise SamlError("invalid", f"{type(exc).__name__}: {exc}") from exc
    if not verified:
        raise SamlError("invalid", f"{kind} signature does not verify")


def complete_logout(params: dict[str, str], expected_id: str | None) -> None:
    """Check the IdP's LogoutResponse to our LogoutRequest; raise SamlError when it is not a signed success."""
    saml_client = client()
    _check_redirect_signature(saml_client, params, "SAMLResponse")
    try:
        answer = saml_client.parse_logout_request_response(params["SAMLResponse"], BINDING_HTTP_REDIRECT)
    except Exception as exc:
        raise SamlError("invalid", f"{type(exc).__name__}: {exc}") from exc
    if answer is None:
        raise SamlError("invalid", "no LogoutResponse")
    if not expected_id or answer.in_response_to != expected_id:
        raise SamlError("unsolicited", f"LogoutResponse to {answer.in_response_to!r}, expected {expected_id!r}")
    if answer.response.status.status_code.value != STATUS_SUCCESS:
        raise SamlError("idp_status", f"logout status {answer.response.status.status_code.value}")


def answer_idp_logout(params: dict[str, str]) -> tuple[str, str | None]:
    """An IdP-initiated LogoutRequest (the citizen logged out at NemLog-in, or of another service): check it and
    return the URL of our signed LogoutResponse and the NameID it is about; the caller ends the local session
    when the NameID is its own."""
    saml_client = client()
    _check_redirect_signature(saml_client, params, "SAMLRequest")
    try:
        logout = saml_client.parse_logout_request(params["SAMLRequest"], BINDING_HTTP_REDIRECT)
    except Exception as exc:
        raise SamlError("invalid", f"{type(exc).__name__}: {exc}") from exc
    if logout is None:
        raise SamlError("invalid", "no LogoutRequest")
    services = saml_client.metadata.single_logout_service(idp_entity_id(saml_client), BINDING_HTTP_REDIRECT, "idpsso")
    if not services:
        raise SamlError("unavailable", "the IdP metadata has no HTTP-Redirect SingleLogoutService")
    destination = services[0].get("response_location") or services[0]["location"]
    try:
        response = saml_client.create_logout_response(logout.message, [BINDING_HTTP_REDIRECT], sign=False)
        info = saml_client.apply_binding(BINDING_HTTP_REDIRECT, str(response), destination,
                                         relay_state=params.get("RelayState") or "", response=True, sign=True,
                                         sigalg=SIG_RSA_SHA256)
    except Exception as exc:
        raise SamlError("unavailable", f"{type(exc).__name__}: {exc}") from exc
    name_id = getattr(logout.message, "name_id", None)
    return dict(info["headers"])["Location"], (name_id.text if name_id is not None else None)


def metadata() -> str:
    """The SP's metadata (entity ID, ACS, SLO, signing and encryption certificates), for NemLog-in's onboarding."""
    try:
        return create_metadata_string(None, config=client().config, valid=24 * 365).decode()
    except SamlError:
        raise
    except Exception as exc:
        raise SamlError("unavailable", f"{type(exc).__name__}: {exc}") from exc
