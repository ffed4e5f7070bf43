"""Login and logout pages for staff (password, then a second factor where required) and citizens; password links."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext as _, ngettext
from flask_login import current_user, login_required, login_url

from stomi_app import audit, cpr
from stomi_app import transaction
from stomi_app.auth import links, saml, saml_views, sessions, twofactor
from stomi_app.auth.forms import ChoosePasswordForm, CitizenDemoLoginForm, EnrolForm, SecondFactorForm, StaffLoginForm
from stomi_app.auth.identity import DemoIdentityProvider
from stomi_app.auth.roles import start_page_url, start_page_url_for
from stomi_app.auth.passwords import PasswordRejected, check_password
from stomi_app.auth.services import LoginError, authenticate_staff, count_failure, locked_until
from stomi_app.auth.services import unlock as forget_failures
from stomi_app.extensions import db, limiter, login_manager
from stomi_app.models import User
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
    sessions.clear_session()
    flash(_("You were logged out after %(minutes)s minutes without activity. Log in again.",
            minutes=current_app.config["STAFF_IDLE_MINUTES"]), "info")
    return redirect(url_for("auth.login"))


def _next_or(default: str) -> str:
    return local_target(request.args.get("next"), default)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _lock_message(until) -> str:
    return _("Too many failed attempts. The account is locked until %(time)s. Try again later or contact the FSC secretariat.",
             time=format_datetime(until, "short"))


def _lockout_settings() -> dict:
    return {"max_failures": current_app.config["LOGIN_MAX_FAILURES"],
            "lockout_minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"]}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(start_page_url())
    form = StaffLoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate_staff(form.email.data, form.password.data, keep_failures=True, **_lockout_settings())
        except LoginError as exc:
            # Every refusal writes the same row (an unknown address's without an account and without the typed
            # address), so neither the work nor the time tells a stranger whether the address has an account.
            audit.record(None, "login-failed", "staff sign-in", subject=exc.user, detail=exc.code)
            transaction.keep()  # the failure counted towards the lock-out and its audit stay with the 422 answer
            if exc.code == "locked":
                error = _lock_message(exc.locked_until)
            elif exc.code == "inactive":
                error = _("This account has been deactivated. Contact the FSC secretariat.")
            else:
                error = _("The e-mail or password is wrong.")
        else:
            target = _next_or(start_page_url_for(user))
            if user.two_factor_enrolled or twofactor.required_for(user.role):
                # The password is right; the session is opened only once the second factor is too.
                session.pop(_PENDING, None)
                session[_PENDING] = {"user": user.id, "until": time.time() + 60 * current_app.config["TWO_FACTOR_STEP_MINUTES"],
                                     "next": target, "password": links.password_fingerprint(user)}
                return redirect(url_for("auth.second_factor" if user.two_factor_enrolled else "auth.enrol"))
            _complete_staff_login(user, "password")
            return redirect(target)
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/login.html", form=form, error=error), status


# The signed cookie's note of a staff user whose password was right and whose second factor is still to come.
_PENDING = "second_factor"


def _pending_user():
    """The user between password and second factor, or None when there is none or it is too late."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        session.pop(_PENDING, None)
        return None
    user = db.session.get(User, pending.get("user"))
    # A password changed since (a reset because it leaked) ends the half-done sign-in too.
    if user is None or not user.active or pending.get("password") != links.password_fingerprint(user):
        session.pop(_PENDING, None)
        return None
    return user


def _complete_staff_login(user, how: str) -> None:
    """Open the session of a staff user who passed every factor their sign-in asks for; forget their failures."""
    forget_failures(user.email)
    audit.record(user, "login", "staff sign-in", subject=user, detail=how)
    session.pop(_PENDING, None)
    sessions.log_in(user)


def _back_to_login(message: str, category: str = "error"):
    session.pop(_PENDING, None)
    flash(message, category)
    return redirect(url_for("auth.login"))


def _code_refused(user, form, field_message: str):
    """Count a wrong code toward the lock-out; locked, back to the login page with the lock message."""
    until = count_failure(user.email, **_lockout_settings())
    audit.record(user, "login-2fa-failed", "staff sign-in", subject=user)
    transaction.keep()  # the counted failure and its audit stay with the 422 answer
    if until is not None:
        audit.record(user, "login-locked", "staff sign-in", subject=user)
        return _back_to_login(_lock_message(until))
    form.code.errors.append(field_message)
    return None


@bp.route("/login/kode", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    user = _pending_user()
    if user is None:
        return _back_to_login(_("Log in with your e-mail and password first."), "info")
    if not user.two_factor_enrolled:
        return redirect(url_for("auth.enrol"))
    if twofactor.secret_of(user) is None:
        # Encrypted under an earlier STOMI_SECRET_KEY: only the administrator may let the person enrol anew, or the
        # password alone would let anyone register their own app.
        return _back_to_login(_("Your second factor cannot be checked. Ask the FSC secretariat to reset it."))
    form = SecondFactorForm()
    if form.validate_on_submit():
        until = locked_until(user.email)
        if until is not None:
            return _back_to_login(_lock_message(until))
        try:
            how = twofactor.verify(user, form.code.data)
        except twofactor.TwoFactorError:
            refused = _code_refused(user, form, _("The code is wrong or has been used. Wait for the next code in your app and try again."))
            if refused is not None:
                return refused
        else:
            target = session[_PENDING]["next"]
            _complete_staff_login(user, how)
            if how == "recovery":
                left = twofactor.recovery_codes_left(user)
                flash(ngettext("You used a recovery code. %(num)d is left: reset your authenticator app soon.",
                               "You used a recovery code. %(num)d are left: reset your authenticator app soon.", left),
                      "warning")
            return redirect(target)
    status = 422 if form.errors else 200
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/login/tofaktor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def enrol():
    user = _pending_user()
    if user is None:
        return _back_to_login(_("Log in with your e-mail and password first."), "info")
    if user.two_factor_enrolled:
        return redirect(url_for("auth.second_factor"))
    secret = twofactor.begin_enrolment(user)
    # Saved whatever this answer is: a 422 (a wrong or empty code) must not roll back the secret its QR code shows;
    # a refused code writes nothing else but its counted failure, which is kept anyway.
    transaction.keep()
    form = EnrolForm()
    if form.validate_on_submit():
        until = locked_until(user.email)
        if until is not None:
            return _back_to_login(_lock_message(until))
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data)
        except twofactor.TwoFactorError:
            refused = _code_refused(user, form, _("The code does not match. Check that the app shows the code for "
                                                  "this account and that the phone's clock is right, then try again."))
            if refused is not None:
                return refused
        else:
            target = session[_PENDING]["next"]
            audit.record(user, "2fa-enrolled", "staff sign-in", subject=user)
            _complete_staff_login(user, "enrolled")
            links.notify_change(user, "2fa-enrolled")
            # Shown in this answer only (never stored readable): the person saves them now.
            return render_template("auth/recovery_codes.html", codes=codes, target=target)
    uri = twofactor.provisioning_uri(user, secret)
    status = 422 if form.errors else 200
    return render_template("auth/enrol.html", form=form, qr=twofactor.qr_data_uri(uri),
                           secret=twofactor.grouped(secret), uri=uri), status


@bp.route("/adgangskode/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def choose_password(token: str):
    """The page a password link opens: choose a password (the link's token is checked on both GET and POST)."""
    try:
        user = links.user_for_token(token)
    except links.LinkError as exc:
        message = {
            "expired": _("This link has expired. Ask the FSC secretariat to send you a new one."),
            "inactive": _("This account has been deactivated. Contact the FSC secretariat."),
        }.get(exc.code, _("This link is not valid: it has been used already, or a newer one was sent. Ask the FSC "
                          "secretariat to send you a new one."))
        return render_template("auth/link_refused.html", message=message), 410 if exc.code == "expired" else 404
    if current_user.is_authenticated:
        sessions.clear_session()
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            check_password(form.password.data, email=user.email, name=user.name)
        except PasswordRejected as exc:
            form.password.errors.append(exc.message)
        else:
            user.set_password(form.password.data)
            sessions.end_all(user)  # a reset ends whatever a thief might have had open
            forget_failures(user.email)
            audit.record(user, "password-set", "staff sign-in", subject=user)
            links.notify_change(user, "password")
            flash(_("Your password is saved. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/choose_password.html", form=form, user=user), status


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
                sessions.log_in(citizen)
                return redirect(_next_or(url_for("citizen_portal.start")))
    status = 422 if form.errors else 200
    mitid_url = url_for("saml.login", next=local_target(request.args.get("next"), None)) if saml.enabled() else None
    return render_template("auth/citizen_login.html", form=form, demo=demo, mitid_url=mitid_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    signed_with_mitid = session.get(saml_views.SESSION_KEY)
    if current_user.is_authenticated:
        if not current_user.is_citizen:
            audit.record(current_user, "logout", "staff sign-in", subject=current_user)
        sessions.end(current_user)
    sessions.clear_session()
    # A MitID sign-in ends at NemLog-in too (SP-initiated single logout); its answer comes back to /saml/slo.
    idp_logout = saml_views.logout_redirect(signed_with_mitid)
    if idp_logout:
        return redirect(idp_logout)
    flash(_("You are logged out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_all():
    if not current_user.is_citizen:
        audit.record(current_user, "logout", "staff sign-in", subject=current_user, detail="everywhere")
    sessions.end_all(current_user)
    sessions.clear_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("core.index"))
