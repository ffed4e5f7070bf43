"""Login and logout pages for staff and citizens."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user, login_required, login_url, login_user, logout_user

from stomi_app import cpr
from stomi_app.auth import saml, saml_views, sessions
from stomi_app.auth.forms import CitizenDemoLoginForm, StaffLoginForm
from stomi_app.auth.identity import DemoIdentityProvider
from stomi_app.auth.roles import START_PAGES
from stomi_app.auth.services import LoginError, authenticate_staff
from stomi_app.extensions import db, limiter, login_manager
from stomi_app.redirects import local_target

bp = Blueprint("auth", __name__, template_folder="../templates")

login_manager.login_view = "auth.login"
login_manager.login_message = None
# Citizens are sent to their own login, staff to the e-mail login.
login_manager.blueprint_login_views = {"citizen_portal": "auth.citizen_login"}


@login_manager.unauthorized_handler
def _to_login():
    """The audience's login page, with `next` the page's path only: a query string may hold a CPR number, and
    `next` ends up in a URL, the browser's history and the server log."""
    view = login_manager.blueprint_login_views.get(request.blueprint) or login_manager.login_view
    return redirect(login_url(view, next_url=request.path))


@login_manager.user_loader
def _load_user(token: str):
    return sessions.resume(token)


@bp.before_app_request
def _staff_idle_timeout():
    """Say so when the idle time-out has just ended this staff session (sessions.resume deleted it)."""
    if current_user.is_authenticated or not sessions.staff_timed_out():
        return None
    _clear_session()
    flash(_("You were logged out after %(minutes)s minutes without activity. Log in again.",
            minutes=current_app.config["STAFF_IDLE_MINUTES"]), "info")
    return redirect(url_for("auth.login"))


def _clear_session() -> None:
    """Forget everything in the cookie but the chosen language."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


def _log_in(principal) -> None:
    sessions.start(principal)
    db.session.commit()
    session.permanent = True
    login_user(principal)
    session["lang"] = session.get("lang") or principal.language


def _next_or(default: str) -> str:
    return local_target(request.args.get("next"), default)


def start_page_url() -> str:
    return url_for(START_PAGES[current_user.role])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(start_page_url())
    form = StaffLoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate_staff(
                form.email.data,
                form.password.data,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
            )
        except LoginError as exc:
            if exc.code == "locked":
                error = _(
                    "Too many failed attempts. The account is locked until %(time)s. Try again later or contact the FSC secretariat.",
                    time=format_datetime(exc.locked_until, "short"),
                )
            elif exc.code == "inactive":
                error = _("This account has been deactivated. Contact the FSC secretariat.")
            else:
                error = _("The e-mail or password is wrong.")
        else:
            _log_in(user)
            return redirect(_next_or(start_page_url()))
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/login/borger", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def citizen_login():
    """MitID through NemLog-in (when configured) as the primary way in; the demo CPR login beside it in
    development."""
    demo = current_app.config["DEMO_LOGIN_ENABLED"]
    if not (demo or saml.enabled()):
        abort(404)
    if current_user.is_authenticated:
        return redirect(start_page_url())
    form = CitizenDemoLoginForm()
    if request.method == "POST" and not demo:
        abort(404)
    if form.validate_on_submit():
        try:
            citizen = DemoIdentityProvider().resolve(form.cpr.data)
        except cpr.InvalidCPR:
            form.cpr.errors.append(_("A CPR number is 10 digits and starts with a valid birth date (DDMMYY)."))
        else:
            if citizen is None:
                form.cpr.errors.append(_("No citizen with this CPR number is registered in the solution."))
            else:
                _log_in(citizen)
                return redirect(_next_or(url_for("citizen_portal.start")))
    status = 422 if form.errors else 200
    mitid_url = url_for("saml.login", next=local_target(request.args.get("next"), None)) if saml.enabled() else None
    return render_template("auth/citizen_login.html", form=form, demo=demo, mitid_url=mitid_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    signed_with_mitid = session.get(saml_views.SESSION_KEY)
    if current_user.is_authenticated:
        sessions.end(current_user)
        db.session.commit()
    _clear_session()
    # A MitID sign-in ends at NemLog-in too (SP-initiated single logout); its answer comes back to /saml/slo.
    idp_logout = saml_views.logout_redirect(signed_with_mitid)
    if idp_logout:
        return redirect(idp_logout)
    flash(_("You are logged out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_all():
    sessions.end_all(current_user)
    db.session.commit()
    _clear_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("core.index"))
