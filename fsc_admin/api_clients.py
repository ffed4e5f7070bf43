"""The FSC administrator's page of the municipalities' API clients: create one (its secret shown once), rotate the
secret, revoke; the rules and the audit are in stomi_app.oauth."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from fsc_admin.blueprint import bp
from stomi_app import transaction
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.forms import BaseForm, apply_errors
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import API_SCOPES, ApiClient, Municipality
from stomi_app.oauth import NAME_MAX, clients, create_client, revoke_client, rotate_secret
from stomi_app.userinput import record_id

SCOPE_LABELS = {
    "grants:write": _l("Create, change and end grants (grants:write)"),
    "consumption:read": _l("Read citizens' consumption (consumption:read)"),
    "orders:read": _l("Read orders and the orders awaiting a decision (orders:read)"),
    "invoices:read": _l("Read invoices (invoices:read)"),
}


class ApiClientForm(BaseForm):
    municipality_id = SelectField(_l("Municipality"), coerce=record_id, validate_choice=False)
    name = StringField(_l("Name of the client"), description=_l("For example the case system: KMD Nexus"),
                       validators=[Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters."))])
    scopes = SelectMultipleField(_l("Permissions"), choices=[(s, SCOPE_LABELS[s]) for s in API_SCOPES],
                                 validate_choice=False, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


def _municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name)))


def _form() -> ApiClientForm:
    form = ApiClientForm()
    form.municipality_id.choices = [("", _("Choose a municipality"))] + [(m.id, m.name) for m in _municipalities()]
    return form


def _page(form, shown=None, status=200):
    response = render_template("fsc_admin/api_clients.html", form=form, clients=clients(), shown=shown,
                               scope_labels=SCOPE_LABELS)
    # A page with a secret on it is never kept by the browser or a proxy.
    return response, status, {"Cache-Control": "no-store"}


def _client_or_404(client_id: int) -> ApiClient:
    client = db.session.get(ApiClient, client_id) if client_id <= 2**31 - 1 else None
    if client is None:
        abort(404)
    return client


@bp.route("/api-klienter", methods=["GET", "POST"])
def api_clients():
    form = _form()
    if request.method == "POST" and form.validate_on_submit():
        municipality = db.session.get(Municipality, form.municipality_id.data) if form.municipality_id.data else None
        try:
            client, secret = create_client(current_user, municipality, form.name.data, form.scopes.data or [])
        except DomainError as exc:
            apply_errors(form, exc.errors)
            return _page(form, status=422)
        flash(_("The client has been created. Copy the secret now: it is not shown again."), "success")
        return _page(_form(), shown={"client": client, "secret": secret})
    return _page(form, status=422 if request.method == "POST" else 200)


@bp.post("/api-klienter/<int:client_id>/ny-hemmelighed")
def api_client_rotate(client_id: int):
    client = _client_or_404(client_id)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        secret = rotate_secret(current_user, client)
    except DomainError as exc:
        transaction.discard()
        flash(str(next(iter(exc.errors.values()))), "error")
        return redirect(url_for(".api_clients"))
    flash(_("The client has a new secret; the old one and its tokens no longer work. Copy it now: it is not shown again."),
          "success")
    return _page(_form(), shown={"client": client, "secret": secret})


@bp.post("/api-klienter/<int:client_id>/tilbagekald")
def api_client_revoke(client_id: int):
    client = _client_or_404(client_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    try:
        revoke_client(current_user, client)
    except DomainError as exc:
        transaction.discard()
        flash(str(next(iter(exc.errors.values()))), "error")
    else:
        flash(_("The client has been revoked: it gets no new tokens, and its tokens no longer work."), "success")
    return redirect(url_for(".api_clients"))
