"""A local SAML identity provider standing in for NemLog-in in tests and the demo (pysaml2's IdP side). TEST ONLY.

It signs with a key generated at start-up (never a real one), knows the demo citizens as test users, shows a login
form, answers a signed AuthnRequest (HTTP-Redirect) with a signed, encrypted assertion carrying the OIOSAML 3
attributes (CPR number, NSIS assurance level) over HTTP-POST, and answers a LogoutRequest. The service provider's
metadata is fetched from its URL on the first request (the app may start after the IdP).

    python -m devtools.saml_idp --port 5060 --sp-metadata http://127.0.0.1:5000/saml/metadata

The app then needs STOMI_SAML_IDP_METADATA=http://127.0.0.1:5060/metadata.
"""
from __future__ import annotations

import argparse
import base64
import html
import logging
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from stomi_app.auth.saml import CPR_ATTRIBUTE, LOA_ATTRIBUTE, LOA_CONTEXT, SPEC_VERSION_ATTRIBUTE, self_signed_pair

log = logging.getLogger("stomi.test_idp")


@dataclass(frozen=True)
class IdpUser:
    username: str
    name: str
    cpr: str | None  # None: the assertion carries no CPR attribute
    level: str = "Substantial"


# The demo citizens (devtools.demo.DEMO_CITIZENS), one person the service does not know, and two broken sign-ins.
TEST_USERS = [
    IdpUser("birthe", "Birthe Nielsen", "1503481234"),
    IdpUser("jens", "Jens Mikkelsen", "0207562345", "High"),
    IdpUser("aase", "Aase Christensen", "1112403456"),
    IdpUser("ukendt", "Ulla Ukendt (ikke tilmeldt)", "0101901111"),
    IdpUser("lav", "Birthe Nielsen, kun sikringsniveau Lav", "1503481234", "Low"),
    IdpUser("uden-cpr", "Uden CPR-nummer", None),
]
USERS = {u.username: u for u in TEST_USERS}


def _page(title: str, body: str, script: bool = False) -> str:
    """A small accessible page (the e2e journey scans the IdP's pages with axe-core too)."""
    tail = '<script src="/static/autosubmit.js"></script>' if script else ""
    return (f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="stylesheet" href="/static/idp.css"></head><body><header><p class="brand">'
            'Test-MitID (lokal test-IdP, ikke NemLog-in)</p></header>'
            f'<main><h1>{html.escape(title)}</h1>{body}</main>{tail}</body></html>')


STYLE = ("body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
         ".brand{font-weight:bold;color:#0050a0}fieldset{border:1px solid #767676;padding:1rem}"
         "label{display:block;margin:.5rem 0}button{background:#0050a0;color:#fff;border:0;padding:.75rem 1.5rem;"
         "font-size:1rem;margin-top:1rem;cursor:pointer}")
AUTOSUBMIT = "document.forms[0].submit();"


class LocalIdentityProvider:
    """The IdP: its pysaml2 Server, keys in `key_dir`, and the pending AuthnRequests of the login form."""

    def __init__(self, base_url: str, key_dir: Path, sp_metadata: str | None = None, *,
                 entity_id: str | None = None, keypair: tuple[bytes, bytes] | None = None):
        self.base_url = base_url.rstrip("/")
        self.entity_id = entity_id or f"{self.base_url}/metadata"
        self.sp_metadata_source = sp_metadata
        self._sp_loaded = False
        self._lock = threading.Lock()
        key_dir.mkdir(parents=True, exist_ok=True)
        key, cert = keypair or self_signed_pair("Stomi test IdP (TEST ONLY)")
        self.key_file, self.cert_file = key_dir / "test_idp_key.pem", key_dir / "test_idp_cert.pem"
        self.key_file.write_bytes(key)
        self.cert_file.write_bytes(cert)
        self.key_pem, self.cert_pem = key, cert
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id,
            "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "metadata": {},
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {"idp": {
                "name": "Stomi test IdP",
                "endpoints": {
                    "single_sign_on_service": [(f"{self.base_url}/sso/redirect", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{self.base_url}/slo/redirect", BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
            }},
            "delete_tmpfiles": True,
        })
        self.server = Server(config=config)
        self.pending: dict[str, dict] = {}

    # --- metadata ---------------------------------------------------------------------------------------------
    def metadata(self) -> str:
        return create_metadata_string(None, config=self.server.config, valid=24).decode()

    def add_sp_metadata(self, xml: str) -> None:
        self.server.metadata.load("inline", xml)

    def _ensure_sp(self) -> None:
        with self._lock:
            if self._sp_loaded or not self.sp_metadata_source:
                return
            source = self.sp_metadata_source
            if source.startswith(("http://", "https://")):
                xml = requests.get(source, timeout=10).text
            else:
                xml = Path(source).read_text()
            self.add_sp_metadata(xml)
            self._sp_loaded = True

    # --- building answers (also used directly by the tests) ----------------------------------------------------
    def attributes(self, user: IdpUser, *, level: str | None = None, cpr: str | None = "user") -> dict:
        identity = {SPEC_VERSION_ATTRIBUTE: ["OIO-SAML-3.0"], LOA_ATTRIBUTE: [level or user.level]}
        number = user.cpr if cpr == "user" else cpr
        if number is not None:
            identity[CPR_ATTRIBUTE] = [number]
        return identity

    def name_id(self, user: IdpUser) -> NameID:
        return NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"https://test-idp.stomi.invalid/{user.username}")

    def response_xml(self, user: IdpUser, *, in_response_to: str, destination: str, sp_entity_id: str,
                     level: str | None = None, cpr: str | None = "user", encrypt: bool = True,
                     sign_assertion: bool = True) -> str:
        """A SAML Response to `in_response_to`, as NemLog-in would send it (signed assertion, encrypted to the SP's
        certificate from its metadata)."""
        self._ensure_sp()
        response = self.server.create_authn_response(
            self.attributes(user, level=level, cpr=cpr), in_response_to, destination, sp_entity_id,
            name_id=self.name_id(user),
            authn={"class_ref": LOA_CONTEXT + (level or user.level), "authn_auth": self.entity_id},
            sign_assertion=sign_assertion, sign_response=False, encrypt_assertion=encrypt,
            encrypt_assertion_self_contained=True, session_not_on_or_after=None,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
        )
        return str(response)

    @staticmethod
    def encode(xml: str) -> str:
        return base64.b64encode(xml.encode()).decode()

    # --- the HTTP side ------------------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._route(request)
        except Exception as exc:  # a test IdP: say what went wrong, in the page and the log
            log.exception("test IdP failed")
            response = Response(_page("Fejl i test-IdP", f"<p>{html.escape(type(exc).__name__)}: "
                                      f"{html.escape(str(exc))}</p>"), status=400, mimetype="text/html")
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path = request.path
        if path == "/metadata":
            return Response(self.metadata(), mimetype="application/samlmetadata+xml")
        if path == "/static/idp.css":
            return Response(STYLE, mimetype="text/css")
        if path == "/static/autosubmit.js":
            return Response(AUTOSUBMIT, mimetype="application/javascript")
        if path == "/healthz":
            return Response("ok")
        if path == "/sso/redirect":
            return self._login_form(request)
        if path == "/sso/login" and request.method == "POST":
            return self._answer(request)
        if path == "/slo/redirect":
            return self._logout(request)
        return Response(_page("Siden findes ikke", "<p>Ukendt adresse.</p>"), status=404, mimetype="text/html")

    def _login_form(self, request: Request) -> Response:
        self._ensure_sp()
        args = request.args
        authn = self.server.parse_authn_request(args.get("SAMLRequest", ""), BINDING_HTTP_REDIRECT,
                                                relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                                signature=args.get("Signature"))
        message = authn.message
        key = secrets.token_urlsafe(16)
        self.pending[key] = {"id": message.id, "sp": message.issuer.text, "relay_state": args.get("RelayState") or "",
                             "acs": message.assertion_consumer_service_url
                             or self.server.config.metadata.assertion_consumer_service(message.issuer.text,
                                                                                       BINDING_HTTP_POST)[0]["location"]}
        options = "".join(
            f'<label><input type="radio" name="user" value="{u.username}"{" checked" if i == 0 else ""}> '
            f'{html.escape(u.name)}</label>' for i, u in enumerate(TEST_USERS))
        body = (f'<p>Vælg en testbruger. Tjenesten <strong>{html.escape(message.issuer.text)}</strong> har bedt om '
                'at få dig logget ind.</p><form method="post" action="/sso/login">'
                f'<input type="hidden" name="key" value="{key}"><fieldset><legend>Testbruger</legend>{options}'
                '</fieldset><button type="submit">Log ind</button></form>')
        return Response(_page("Log ind med test-MitID", body), mimetype="text/html")

    def _answer(self, request: Request) -> Response:
        pending = self.pending.pop(request.form.get("key", ""), None)
        user = USERS.get(request.form.get("user", ""))
        if pending is None or user is None:
            return Response(_page("Login udløbet", "<p>Start login igen fra tjenesten.</p>"), status=400,
                            mimetype="text/html")
        xml = self.response_xml(user, in_response_to=pending["id"], destination=pending["acs"],
                                sp_entity_id=pending["sp"])
        body = (f'<form method="post" action="{html.escape(pending["acs"])}">'
                f'<input type="hidden" name="SAMLResponse" value="{self.encode(xml)}">'
                f'<input type="hidden" name="RelayState" value="{html.escape(pending["relay_state"])}">'
                '<p>Du sendes tilbage til tjenesten.</p><button type="submit">Fortsæt</button></form>')
        return Response(_page("Du er logget ind", body, script=True), mimetype="text/html")

    def _logout(self, request: Request) -> Response:
        self._ensure_sp()
        args = request.args
        logout = self.server.parse_logout_request(args.get("SAMLRequest", ""), BINDING_HTTP_REDIRECT,
                                                  relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                                  signature=args.get("Signature"))
        response = self.server.create_logout_response(logout.message, [BINDING_HTTP_REDIRECT], sign=False)
        destination = self.server.config.metadata.single_logout_service(
            logout.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(response), destination,
                                         relay_state=args.get("RelayState") or "", response=True, sign=True,
                                         sigalg=SIG_RSA_SHA256)
        return Response(status=302, headers={"Location": dict(info["headers"])["Location"]})

    def logout_request_url(self, user: IdpUser, sp_entity_id: str) -> str:
        """An IdP-initiated, signed LogoutRequest for `user` (the citizen logged out at NemLog-in)."""
        self._ensure_sp()
        destination = self.server.config.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_REDIRECT,
                                                                         "spsso")[0]["location"]
        _, logout = self.server.create_logout_request(destination, sp_entity_id, name_id=self.name_id(user), sign=False)
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(logout), destination, relay_state="",
                                         sign=True, sigalg=SIG_RSA_SHA256)
        return dict(info["headers"])["Location"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5060)
    parser.add_argument("--base-url", help="the IdP's own address (default http://HOST:PORT)")
    parser.add_argument("--sp-metadata", default="http://127.0.0.1:5000/saml/metadata",
                        help="URL or file of the service provider's metadata")
    parser.add_argument("--key-dir", help="where the generated test key goes (default: a temporary folder)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s test-idp %(levelname)s %(message)s")
    base_url = args.base_url or f"http://{args.host}:{args.port}"
    key_dir = Path(args.key_dir) if args.key_dir else Path(tempfile.mkdtemp(prefix="stomi-test-idp-"))
    idp = LocalIdentityProvider(base_url, key_dir, args.sp_metadata)
    log.info("test IdP (TEST ONLY) on %s, metadata at %s/metadata", base_url, base_url)
    run_simple(args.host, args.port, idp.wsgi, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
