"""NemLog-in (MitID) pages: start a sign-in, the assertion consumer service, single logout, the SP's metadata."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from stomi_app import audit
from stomi_app import transaction
from stomi_app.auth import saml, sessions
from stomi_app.auth.saml import REQUEST_COOKIE, REQUEST_LIFETIME, SamlError
from stomi_app.extensions import csrf, limiter
from stomi_app.redirects import local_target
from stomi_app.headers import CONTENT_SECURITY_POLICY

bp = Blueprint("saml", __name__, url_prefix="/saml", template_folder="../templates")
log = logging.getLogger("stomi.security")
# What SLO needs of the sign-in (NameID, its format, the session index), kept in the signed session cookie.
SESSION_KEY = "saml"
# The ID of the LogoutRequest sent, to match the IdP's answer.
LOGOUT_KEY = "saml_logout"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _require_enabled() -> None:
    if not saml.enabled():
        abort(404)


def _cookie_options() -> dict:
    """The request cookie must come back on the IdP's cross-site POST: SameSite=None, which browsers accept only
    with Secure (production); over plain HTTP in development, where IdP and app share a site, Lax does."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    return {"httponly": True, "secure": secure, "samesite": "None" if secure else "Lax",
            "max_age": int(REQUEST_LIFETIME.total_seconds()), "path": "/saml/"}


def _record_refusal(exc: SamlError) -> None:
    """An audit event and a security log line for a refused NemLog-in message (the reason, never a CPR number)."""
    if exc.code in ("invalid", "unsolicited", "unavailable"):
        transaction.discard()  # nothing of this answer is kept; a refused but genuine assertion stays used up
    log.warning("NemLog-in message refused (%s): %s [from %s]", exc.code, exc.detail, request.remote_addr)
    audit.record(None, action=f"saml refused: {exc.code}", purpose="security: NemLog-in sign-in refused",
                 detail=exc.detail)
    transaction.keep()  # the refusal's audit (and a genuine assertion's replay record) stay with the 4xx answer


def refused(exc: SamlError, status: int | None = None):
    """The clear page for a refused sign-in or logout message, audited and logged; never a 500."""
    _record_refusal(exc)
    status = status or {"unavailable": 503, "not_registered": 403, "assurance": 403}.get(exc.code, 400)
    return render_template("auth/saml_refused.html", code=exc.code, minimum=saml.minimum_level()), status


@bp.route("/login")
@limiter.limit(_login_limit)  # each press stores a request row: no flooding the table
def login():
    _require_enabled()
    next_url = local_target(request.args.get("next"), url_for("citizen_portal.start"))
    try:
        location, browser_value = saml.begin_login(next_url, request.cookies.get(REQUEST_COOKIE))
    except SamlError as exc:
        return refused(exc)
    response = redirect(location)
    response.set_cookie(REQUEST_COOKIE, browser_value, **_cookie_options())
    return response


@bp.route("/acs", methods=["POST"])
@csrf.exempt  # the IdP posts here; InResponseTo, the request cookie and the signature stand in for a CSRF token
@limiter.limit(_login_limit)
def acs():
    _require_enabled()

    try:
        signed_in = saml.complete_login(request.form.get("SAMLResponse"), request.cookies.get(REQUEST_COOKIE))
    except SamlError as exc:
        return refused(exc)
    citizen = signed_in.citizen
    audit.record(citizen, action="saml sign-in", purpose="citizen: signed in with MitID", citizen=citizen,
                 detail=f"assurance level {signed_in.level}")
    sessions.log_in(citizen)  # committed by the request, with the replay record and the answered request
    session[SESSION_KEY] = {"name_id": signed_in.name_id, "format": signed_in.name_id_format,
                            "session_index": signed_in.session_index}
    return redirect(local_target(signed_in.next_url, url_for("citizen_portal.start")))


def logout_redirect(signed: dict | None) -> str | None:
    """After the local logout of a citizen who signed in with MitID (`signed`: what the session kept of the
    sign-in): the IdP's URL for the SP-initiated single logout, the LogoutRequest's ID kept to match the answer;
    or None (not a MitID session, or NemLog-in down: the local session is over either way)."""
    if not signed or not saml.enabled():
        return None
    try:
        location, request_id = saml.begin_logout(signed["name_id"], signed.get("format"), signed.get("session_index"))
    except SamlError as exc:
        log.warning("NemLog-in logout not started (%s): %s", exc.code, exc.detail)
        return None
    session[LOGOUT_KEY] = request_id
    return location


@bp.route("/slo")
def slo():
    _require_enabled()
    params = {key: request.args.get(key) for key in ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")}
    if params["SAMLResponse"]:
        expected = session.pop(LOGOUT_KEY, None)
        try:
            saml.complete_logout(params, expected)
        except SamlError as exc:
            # The session here ended before the citizen was sent to NemLog-in; only its end there is unconfirmed.
            _record_refusal(exc)
            flash(_("You are logged out of the stoma supply service, but MitID did not confirm that you are logged "
                    "out there too. Close the browser to be sure."), "warning")
            return redirect(url_for("core.index"))
        flash(_("You are logged out of the stoma supply service and of MitID."), "success")
        return redirect(url_for("core.index"))
    if params["SAMLRequest"]:
        try:
            location, name_id = saml.answer_idp_logout(params)
        except SamlError as exc:
            return refused(exc)
        signed = session.get(SESSION_KEY)
        if signed and signed.get("name_id") == name_id:

            if current_user.is_authenticated:
                sessions.end(current_user)
            sessions.clear_session()
        return redirect(location)
    return refused(SamlError("invalid", "neither SAMLRequest nor SAMLResponse"))


@bp.route("/metadata")
def metadata():
    _require_enabled()
    try:
        xml = saml.metadata()
    except SamlError as exc:
        return refused(exc)
    return Response(xml, mimetype="application/samlmetadata+xml")


@bp.after_app_request
def _allow_idp_in_form_action(response):
    """The logout button is a form; its redirect chain ends at the IdP, and Chromium applies form-action to every
    step of it: for a citizen signed in with MitID, the IdP's origin is allowed too."""
    if session.get(SESSION_KEY) and response.mimetype == "text/html" and saml.enabled():
        try:
            origins = " ".join(saml.idp_origins())
        except SamlError:
            return response
        policy = response.headers.get("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["Content-Security-Policy"] = policy.replace("form-action 'self'", f"form-action 'self' {origins}")
    return response
