"""The FSC administrator's staff accounts: list and search, create, change role and workplace, deactivate, unlock,
reset the second factor, send a password link; the per-role second-factor policy. Every change is audited."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from fsc_admin.blueprint import bp
from fsc_admin.users_forms import ActionForm, StaffAccountForm, TwoFactorPolicyForm
from stomi_app import audit, paging
from stomi_app import transaction
from stomi_app.auth import links, twofactor
from stomi_app.auth.services import locked_until, unlock
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.forms import apply_errors, flash_saved
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import AuditEvent, Hospital, Municipality, Region, User
from stomi_app.text import clean_text
from stomi_app.userinput import whole_number
from stomi_app.labels import role_label
from stomi_app.users import change_staff_user, create_staff_user, search_staff, set_active

PAGE_SIZE = 50
HISTORY_LIMIT = 200
# The audit log's actions as the account's history names them.
HISTORY = {
    "user-create": _l("Account created"),
    "user-change": _l("Name, e-mail, role or workplace changed"),
    "user-deactivate": _l("Deactivated"),
    "user-activate": _l("Reactivated"),
    "user-unlock": _l("Lock-out lifted"),
    "2fa-reset": _l("Second factor reset"),
    "password-link-sent": _l("Password link sent"),
    "password-set": _l("Password chosen"),
    "2fa-enrolled": _l("Second factor set up"),
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "login-failed": _l("Login refused"),
    "login-2fa-failed": _l("Wrong code at login"),
    "login-locked": _l("Locked after failed attempts"),
}


def history_label(action: str) -> str:
    return str(HISTORY.get(action, action))


def _role_choices():
    return [SelectChoice("", _("Choose…"))] + [SelectChoice(role.value, role_label(role)) for role in twofactor.STAFF_ROLES]


def _fill_choices(form: StaffAccountForm, user: User | None = None) -> None:
    form.role.choices = _role_choices()
    form.municipality.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(m.code), m.name) for m in db.session.scalars(select(Municipality).order_by(Municipality.name))]
    # The active hospitals, and the one the account has even if it is no longer in use.
    offered = Hospital.active.is_(True)
    if user is not None and user.hospital_id is not None:
        offered = offered | (Hospital.id == user.hospital_id)
    hospitals = db.session.execute(select(Hospital, Region.name).join(Region, Hospital.region_id == Region.id)
                                   .where(offered).order_by(Region.name, Hospital.name)).all()
    form.hospital.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(h.id), _("%(hospital)s (%(region)s)", hospital=h.name, region=region)) for h, region in hospitals]


def _code(value) -> int | None:
    return whole_number(value)


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/brugere")
def users():
    query = clean_text(request.args.get("q") or "").strip()[:200]
    role = request.args.get("rolle") or ""
    role_filter = next((r for r in twofactor.STAFF_ROLES if r.value == role), None)
    statement = search_staff(query, role=role_filter)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page = paging.clamp(whole_number(request.args.get("page"), low=1), total, PAGE_SIZE)
    rows = list(db.session.scalars(statement.offset(page.offset).limit(PAGE_SIZE)))
    return render_template("fsc_admin/users.html", rows=rows, page=page, q=query, role=role_filter,
                           roles=_role_choices()[1:], page_numbers=paging.page_numbers(page.page, page.pages))


@bp.route("/brugere/ny", methods=["GET", "POST"])
def user_new():
    form = StaffAccountForm()
    _fill_choices(form)
    page_errors = {}
    if form.validate_on_submit():
        try:
            user = create_staff_user(email=form.email.data, name=form.name.data, role=form.role.data, password=None,
                                     municipality_code=_code(form.municipality.data),
                                     hospital_id=_code(form.hospital.data), actor=current_user)
            links.send_link(current_user, user, new_account=True)
        except DomainError as exc:
            page_errors = apply_errors(form, exc.errors)
        else:
            flash(_("The account for %(name)s is created. A link to choose a password was sent to %(email)s.",
                    name=user.name, email=user.email), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    status = 422 if (form.errors or page_errors) else 200
    return render_template("fsc_admin/user_form.html", form=form, user=None, page_errors=page_errors), status


@bp.route("/brugere/<int:user_id>")
def user_detail(user_id: int):
    user = _account(user_id)
    history = db.session.execute(
        select(AuditEvent, User).outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.subject_user_id == user.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(HISTORY_LIMIT)).all()
    return render_template("fsc_admin/user_detail.html", user=user, history=history, history_label=history_label,
                           locked_until=locked_until(user.email), required=twofactor.required_for(user.role),
                           recovery_left=twofactor.recovery_codes_left(user) if user.two_factor_enrolled else None)


@bp.route("/brugere/<int:user_id>/ret", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _account(user_id)
    form = StaffAccountForm()
    _fill_choices(form, user)
    if request.method == "GET":
        form.name.data, form.email.data, form.role.data = user.name, user.email, user.role.value
        form.municipality.data = str(user.municipality.code) if user.municipality else ""
        form.hospital.data = str(user.hospital_id) if user.hospital_id else ""
    page_errors = {}
    old_email = user.email
    if form.validate_on_submit():
        try:
            changed = change_staff_user(current_user, user, name=form.name.data, email=form.email.data,
                                        role=form.role.data, municipality_code=_code(form.municipality.data),
                                        hospital_id=_code(form.hospital.data))
        except DomainError as exc:
            page_errors = apply_errors(form, exc.errors)
        else:
            if user.email != old_email:
                links.notify_change(user, "email", to=old_email)
            flash_saved(changed, _("The account is changed."))
            return redirect(url_for(".user_detail", user_id=user.id))
    status = 422 if (form.errors or page_errors) else 200
    return render_template("fsc_admin/user_form.html", form=form, user=user, page_errors=page_errors), status


def _action(user_id: int, do, done: str):
    """One button's POST: the change, and back to the user's page with what happened (or why not)."""
    user = _account(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        do(user)
    except DomainError as exc:
        transaction.discard()
        for message in exc.errors.values():
            flash(message, "error")
    else:
        flash(done, "success")
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.route("/brugere/<int:user_id>/deaktiver", methods=["POST"])
def user_deactivate(user_id: int):
    return _action(user_id, lambda user: set_active(current_user, user, False),
                   _("The account is deactivated; its sessions have ended."))


@bp.route("/brugere/<int:user_id>/aktiver", methods=["POST"])
def user_activate(user_id: int):
    return _action(user_id, lambda user: set_active(current_user, user, True), _("The account is active again."))


def _unlock(user: User) -> None:
    unlock(user.email)
    audit.record(current_user, "user-unlock", "user administration", subject=user)


@bp.route("/brugere/<int:user_id>/laas-op", methods=["POST"])
def user_unlock(user_id: int):
    return _action(user_id, _unlock, _("The lock-out is lifted: the person can log in again."))


def _reset_second_factor(user: User) -> None:
    twofactor.reset(user)
    audit.record(current_user, "2fa-reset", "user administration", subject=user)


@bp.route("/brugere/<int:user_id>/nulstil-tofaktor", methods=["POST"])
def user_reset_2fa(user_id: int):
    answer = _action(user_id, _reset_second_factor,
                     _("The second factor is reset: the person sets up a new one at the next login if the role requires it."))
    links.notify_change(_account(user_id), "2fa-reset")  # best effort, never raises: the reset stands whatever the mail does
    return answer


@bp.route("/brugere/<int:user_id>/send-link", methods=["POST"])
def user_send_link(user_id: int):
    return _action(user_id, lambda user: links.send_link(current_user, user, new_account=False),
                   _("A link to choose a new password was sent."))


@bp.route("/tofaktor", methods=["GET", "POST"])
def two_factor_policy():
    current = twofactor.policy()

    class PolicyForm(TwoFactorPolicyForm):
        pass

    for role, required, _decision in current:
        setattr(PolicyForm, role.value, RadioField(
            role_label(role), choices=[SelectChoice("yes", _("Required")), SelectChoice("no", _("Not required"))],
            default="yes" if required else "no"))
    form = PolicyForm()
    if form.validate_on_submit():
        changed = 0
        for role, required, _decision in current:
            wanted = form[role.value].data == "yes"
            if wanted != required:
                changed += twofactor.set_required(current_user, role, wanted)
        flash_saved(changed, _("The second-factor policy is saved."))
        return redirect(url_for(".two_factor_policy"))
    status = 422 if form.errors else 200
    return render_template("fsc_admin/two_factor_policy.html", form=form, current=current), status

