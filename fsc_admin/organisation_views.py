"""The FSC administrator's organisation data: a municipality's EAN/GLN, CVR, membership and ordering rules; the
regions' hospitals."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from fsc_admin.blueprint import bp
from fsc_admin.users_forms import HospitalChangeForm, HospitalForm, MunicipalityForm
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.forms import apply_errors, flash_saved
from stomi_app.models import Hospital, Municipality, Region
from ordering.services import rules_for
from organisation.services import RULE_RANGES, add_hospital, change_hospital, change_municipality
from stomi_app.userinput import record_id, whole_number


@bp.route("/kommuner/<int:code>", methods=["GET", "POST"])
def municipality_edit(code: int):
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        abort(404)
    form = MunicipalityForm()
    if request.method == "GET":
        rules = rules_for(municipality.id)
        form.ean_gln.data, form.cvr.data, form.active.data = municipality.ean_gln, municipality.cvr, municipality.active
        form.invoice_reference.data = municipality.invoice_reference or ""
        form.reminder_days_before.data = municipality.reminder_days_before
        form.invoice_contact_name.data = municipality.invoice_contact_name or ""
        form.invoice_contact_email.data = municipality.invoice_contact_email or ""
        for name in RULE_RANGES:
            form[name].data = getattr(rules, name)
    if form.validate_on_submit():
        try:
            changed = change_municipality(current_user, municipality, ean_gln=form.ean_gln.data, cvr=form.cvr.data,
                                          invoice_reference=form.invoice_reference.data, active=form.active.data,
                                          rules={name: form[name].data for name in RULE_RANGES},
                                          reminder_days_before=form.reminder_days_before.data,
                                          invoice_contact_name=form.invoice_contact_name.data,
                                          invoice_contact_email=form.invoice_contact_email.data)
        except DomainError as exc:
            apply_errors(form, exc.errors)
        else:
            flash_saved(changed, _("%(name)s is saved.", name=municipality.name))
            return redirect(url_for(".start"))
    status = 422 if form.errors else 200
    return render_template("fsc_admin/municipality_form.html", form=form, municipality=municipality), status


@bp.route("/hospitaler", methods=["GET", "POST"])
def hospitals():
    """The hospitals of each region, and a form to add one."""
    regions = list(db.session.scalars(select(Region).order_by(Region.name)))
    form = HospitalForm()
    form.region.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(str(r.code), r.name) for r in regions]
    if form.validate_on_submit():
        try:
            hospital = add_hospital(current_user, region_code=whole_number(form.region.data), name=form.name.data)
        except DomainError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("%(name)s is added.", name=hospital.name), "success")
            return redirect(url_for(".hospitals"))
    status = 422 if form.errors else 200
    return render_template("fsc_admin/hospitals.html", form=form, regions=regions), status


@bp.route("/hospitaler/<int:hospital_id>", methods=["GET", "POST"])
def hospital_edit(hospital_id: int):
    hospital = db.session.get(Hospital, hospital_id) if record_id(str(hospital_id)) else None
    if hospital is None:
        abort(404)
    form = HospitalChangeForm()
    if request.method == "GET":
        form.name.data, form.active.data = hospital.name, hospital.active
    if form.validate_on_submit():
        try:
            changed = change_hospital(current_user, hospital, name=form.name.data, active=form.active.data)
        except DomainError as exc:
            apply_errors(form, exc.errors)
        else:
            flash_saved(changed, _("%(name)s is saved.", name=hospital.name))
            return redirect(url_for(".hospitals"))
    status = 422 if form.errors else 200
    return render_template("fsc_admin/hospital_form.html", form=form, hospital=hospital), status
