"""The citizen's privacy pages: consent, who looked at my data (when and why), download my data."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length, Optional

from citizen_portal.blueprint import bp
from stomi_app import labels
from citizens import consent
from privacy import services as privacy
from stomi_app.audit import lookups_of
from stomi_app.errors import DomainError
from stomi_app.forms import BaseForm, apply_errors
from stomi_app.i18n import lazy_gettext as _l
from citizens.consent_models import ConsentPurpose


@bp.route("/mine-data")
def my_data():
    return render_template("citizen_portal/my_data.html", citizen=current_user, lookups=lookups_of(current_user.id),
                           consents=consent.current(current_user.id), consent_history=consent.history(current_user.id),
                           purposes=consent.PURPOSES)


class ConsentForm(BaseForm):
    """A checkbox per purpose (consent.PURPOSES); consent.parse_purposes refuses a value that is none of them."""

    purposes = SelectMultipleField(_l("What I consent to"), choices=[(p.value, p.value) for p in ConsentPurpose],
                                   validate_choice=False)


@bp.route("/mine-data/samtykke", methods=["GET", "POST"], endpoint="consent")
def consent_page():
    form = ConsentForm()
    given = consent.current(current_user.id)
    if request.method == "GET":
        form.purposes.data = [p.value for p, row in given.items() if row]
    elif form.validate_on_submit():
        try:
            added, withdrawn = consent.set_consents(current_user, consent.parse_purposes(form.purposes.data or []))
        except DomainError as exc:
            apply_errors(form, exc.errors)
        else:
            if added or withdrawn:
                flash(_("Your choices are saved. Each purpose is recorded on its own."), "success")
            else:
                flash(_("Nothing was changed."), "success")
            return redirect(url_for(".my_data"))
    return render_template("citizen_portal/consent.html", form=form, purposes=consent.PURPOSES, given=given,
                           no_consent_needed=consent.NO_CONSENT_NEEDED,
                           chosen=set(form.purposes.data or [])), (422 if form.errors else 200)


@bp.route("/mine-data/download.json")
def my_data_json():
    body = json.dumps(privacy.export(current_user), ensure_ascii=False, indent=2, default=privacy.json_default)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="mine-stomidata.json"'})


@bp.route("/mine-data/oversigt")
def my_data_html():
    return render_template("citizen_portal/my_data_export.html", data=privacy.export(current_user),
                           advice_status=labels.ADVICE_STATUS, request_status=labels.REQUEST_STATUS)


class ContactDetailsForm(BaseForm):
    """The citizen's own phone, e-mail and permanent address (privacy.change_contact_details checks them)."""

    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    address = StringField(_l("Street and number"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)])
    city = StringField(_l("Town"), validators=[Length(max=100)])


@bp.route("/mine-data/kontakt", methods=["GET", "POST"])
def contact_details():
    form = ContactDetailsForm()
    if request.method == "GET":
        for name in privacy.CONTACT_FIELDS:
            getattr(form, name).data = getattr(current_user, name)
    elif form.validate_on_submit():
        try:
            changed = privacy.change_contact_details(current_user, **{k: getattr(form, k).data for k in privacy.CONTACT_FIELDS})
        except DomainError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Your contact details are saved. The callcenter can see that you changed them.") if changed
                  else _("Nothing was changed."), "success")
            return redirect(url_for(".my_data"))
    return render_template("citizen_portal/contact_details.html", form=form), (422 if form.errors else 200)
