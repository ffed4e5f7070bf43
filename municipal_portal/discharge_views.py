"""The grant officer's side of the hospital-to-home handover: discharges waiting for a grant, and the grant made
from one with the recommended products (the same catalogue variants, so nothing is swapped on the way)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from municipal_portal.blueprint import bp
from municipal_portal.forms import LocalDateField, add_error, error_list
from care import approvals
from care import discharge
from stomi_app import transaction
from stomi_app.audit import record
from stomi_app.extensions import db
from stomi_app.forms import BaseForm, apply_errors_or_summary
from grants.services import MAX_QUANTITY, GrantAccessDenied, GrantError
from stomi_app.i18n import lazy_gettext as _l
from care.models import DischargeRecommendation, RecommendationStatus
from care.nursing import NursingError
from ordering.services import current_measure
from stomi_app.text import clean_text
from stomi_app.timeutil import local_today
from stomi_app.userinput import whole_number


class DischargeGrantForm(BaseForm):
    legal_basis = StringField(_l("Legal basis"), default="Serviceloven § 112",
                              validators=[InputRequired(message=_l("Enter the legal basis, e.g. Serviceloven § 112.")), Length(max=200)])
    valid_from = LocalDateField(_l("Valid from"), validators=[InputRequired(message=_l("Enter the first day of the grant."))],
                                description=_l("For example 2026-03-31"))
    valid_to = LocalDateField(_l("Valid to (optional)"), validators=[Optional()],
                              description=_l("Leave empty for a grant without an end date"))


class DeclineDischargeForm(BaseForm):
    note = TextAreaField(_l("Why the recommendation is not granted"), validators=[Length(max=2000)],
                         description=_l("The stoma nurse who recommended it reads it."))


def _quantities(recommendation, form_data) -> tuple[dict[int, int], dict[str, str]]:
    """The packs per line the officer grants (each input named qty-<line id>, the recommended number by default)."""
    quantities, errors = {}, {}
    for line in recommendation.lines:
        name = f"qty-{line.id}"
        raw = form_data.get(name, str(line.quantity))
        number = whole_number(raw, low=1, high=MAX_QUANTITY)
        if number is None:
            errors[name] = _("The quantity must be a whole number from 1 to %(max)s.", max=MAX_QUANTITY)
        else:
            quantities[line.id] = number
    return quantities, errors


def _recommendation_or_404(recommendation_id: int) -> DischargeRecommendation:
    """A discharge for the officer's own municipality; any other id does not exist as far as they can tell."""
    recommendation = db.session.scalar(select(DischargeRecommendation).where(
        DischargeRecommendation.id == recommendation_id,
        DischargeRecommendation.municipality_id == current_user.municipality_id))
    if recommendation is None:
        abort(404)
    return recommendation


@bp.route("/udskrivelser")
def discharges():
    waiting = discharge.open_discharge_recommendations(current_user.municipality_id)
    return render_template("municipal_portal/discharges.html", recommendations=waiting)


@bp.route("/udskrivelse/<int:recommendation_id>", methods=["GET", "POST"])
def discharge_grant(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    citizen = recommendation.citizen
    form = DischargeGrantForm()
    decline = DeclineDischargeForm(prefix="decline")
    quantities, line_errors = {}, {}
    if request.method == "GET":
        form.valid_from.data = local_today()
    elif request.form.get("action") == "decline":
        if (done := _decline(decline, recommendation)) is not None:
            return done
    else:
        valid = form.validate_on_submit()
        quantities, line_errors = _quantities(recommendation, request.form)  # checked too when the form is not valid
        if valid and not line_errors:
            done = _grant(form, recommendation, quantities)
            if done is not None:
                return done
    record(current_user, "read", "Discharge recommendation (grant officer)", citizen=citizen,
           detail=f"recommendation={recommendation.id}")
    transaction.keep()  # the officer read the discharge also when a refused grant or decline is shown again (422)
    errors = error_list(form) + error_list(decline) + list(line_errors.items())
    typed = {line.id: request.form.get(f"qty-{line.id}", line.quantity) for line in recommendation.lines}
    return render_template("municipal_portal/discharge.html", recommendation=recommendation, citizen=citizen, form=form,
                           decline=decline, line_errors=line_errors, typed=typed, errors=errors,
                           measure=current_measure(citizen.id), max_quantity=MAX_QUANTITY,
                           is_open=recommendation.status is RecommendationStatus.OPEN), (422 if errors else 200)


def _grant(form, recommendation, quantities):
    """The grant from the discharge; a redirect when made, else None with the service's message on the form."""
    citizen = recommendation.citizen
    try:
        grant = discharge.grant_from_discharge(
            current_user, recommendation, legal_basis=clean_text(form.legal_basis.data), valid_from=form.valid_from.data,
            valid_to=form.valid_to.data, quantities=quantities,
            reason=_("Granted after discharge from %(hospital)s", hospital=recommendation.hospital or "–"))
    except GrantAccessDenied:  # the citizen has moved away since the discharge: no longer this officer's
        abort(404)
    except GrantError as exc:
        transaction.discard()  # the page shown again keeps its audited read, never the refused grant
        if exc.field in ("legal_basis", "valid_from", "valid_to"):
            add_error(form[exc.field], str(exc))
        else:
            form.form_errors.append(str(exc))
        return None
    except NursingError as exc:  # handled already (a double click, or a colleague was first)
        transaction.discard()
        form.form_errors.extend(str(message) for message in exc.errors.values())
        return None
    record(current_user, "change", "Grant from a discharge (grant officer)", citizen=citizen,
           detail=f"grant={grant.id} recommendation={recommendation.id}")
    flash(_("The grant has been created with the recommended products."), "success")
    return redirect(url_for("municipal_portal.citizen", citizen_id=citizen.id))


def _decline(form, recommendation):
    """Decline the discharge recommendation with a note why (the nurse's handover then ends); a redirect, or None."""
    if not form.validate_on_submit():
        return None
    try:
        approvals.close_recommendation(current_user, recommendation, done=False, note=clean_text(form.note.data))
    except GrantAccessDenied:
        abort(404)
    except NursingError as exc:
        transaction.discard()  # the page shown again keeps its audited read, never the refused decline
        apply_errors_or_summary(form, exc.errors)
        return None
    flash(_("The discharge recommendation is declined. The stoma nurse can read why."), "success")
    return redirect(url_for("municipal_portal.discharges"))
