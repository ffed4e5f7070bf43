"""The grant officer's side of the hospital-to-home handover: discharges waiting for a grant, and the grant made
from one with the recommended products (the same catalogue variants, so nothing is swapped on the way)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from municipal_portal import bp
from municipal_portal.forms import LocalDateField, add_error, error_list
from stomi_app import discharge
from stomi_app.audit import record
from stomi_app.extensions import db
from stomi_app.forms import BaseForm
from stomi_app.grants import GrantAccessDenied, GrantError
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import DischargeRecommendation, RecommendationStatus
from stomi_app.nursing import NursingError
from stomi_app.ordering import current_measure
from stomi_app.text import clean_text
from stomi_app.timeutil import local_today


class DischargeGrantForm(BaseForm):
    legal_basis = StringField(_l("Legal basis"), default="Serviceloven § 112",
                              validators=[InputRequired(message=_l("Enter the legal basis, e.g. Serviceloven § 112.")), Length(max=200)])
    valid_from = LocalDateField(_l("Valid from"), validators=[InputRequired(message=_l("Enter the first day of the grant."))],
                                description=_l("For example 2026-03-31"))


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
    if request.method == "GET":
        form.valid_from.data = local_today()
    elif form.validate_on_submit():
        try:
            grant = discharge.grant_from_discharge(
                current_user, recommendation, legal_basis=clean_text(form.legal_basis.data), valid_from=form.valid_from.data,
                reason=_("Granted after discharge from %(hospital)s", hospital=recommendation.hospital or "–"))
        except GrantAccessDenied:  # the citizen has moved away since the discharge: no longer this officer's
            db.session.rollback()
            abort(404)
        except GrantError as exc:
            db.session.rollback()
            if exc.field in ("legal_basis", "valid_from"):
                add_error(form[exc.field], str(exc))
            else:
                form.form_errors.append(str(exc))
        except NursingError as exc:  # handled already (a double click, or a colleague was first)
            db.session.rollback()
            form.form_errors.extend(str(message) for message in exc.errors.values())
        else:
            record(current_user, "change", "Grant from a discharge (grant officer)", citizen=citizen,
                   detail=f"grant={grant.id} recommendation={recommendation.id}")
            db.session.commit()
            flash(_("The grant has been created with the recommended products."), "success")
            return redirect(url_for("municipal_portal.citizen", citizen_id=citizen.id))
    record(current_user, "read", "Discharge recommendation (grant officer)", citizen=citizen,
           detail=f"recommendation={recommendation.id}")
    db.session.commit()
    errors = error_list(form)
    return render_template("municipal_portal/discharge.html", recommendation=recommendation, citizen=citizen, form=form,
                           errors=errors, measure=current_measure(citizen.id),
                           is_open=recommendation.status is RecommendationStatus.OPEN), (422 if errors else 200)
