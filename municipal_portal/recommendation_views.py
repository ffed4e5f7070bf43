"""The grant officer's worklist of stoma nurses' recommendations (orders beyond the grant, product and supplier changes):
read them, change the grant on the citizen's page, then mark each one done or dismiss it with a note why."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from municipal_portal.blueprint import bp
from municipal_portal import services
from municipal_portal.forms import error_list
from care import approvals
from stomi_app.audit import record
from stomi_app.forms import BaseForm, apply_errors_or_summary
from grants.services import GrantAccessDenied
from stomi_app import transaction
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.labels import RECOMMENDATION_KIND, RECOMMENDATION_STATUS
from care.models import RecommendationStatus
from care.nursing import NursingError
from stomi_app.text import clean_text
from stomi_app.timeutil import local_today

NOTE_MAX = 2000


class HandleRecommendationForm(BaseForm):
    """One note and two answers; the service decides whether the note is needed (it is when dismissing)."""

    note = TextAreaField(_l("Note"), description=_l("Required when you dismiss the recommendation: write why it is not followed."),
                         validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters."))])
    done = SubmitField(_l("Done (grant changed)"))
    dismiss = SubmitField(_l("Dismiss"))


def _labels() -> dict:
    return {"kind_labels": RECOMMENDATION_KIND, "status_labels": RECOMMENDATION_STATUS, "locale": str(get_locale())}


@bp.route("/anbefalinger")
def recommendations():
    waiting = approvals.pending_recommendations(current_user.municipality_id)
    # Each row shows the nurse's note, which may hold health details: a read of that citizen's data.
    for recommendation in waiting:
        record(current_user, "read", "Nurses' recommendations (grant officer)", citizen=recommendation.citizen,
               detail=f"recommendation={recommendation.id}")
    return render_template("municipal_portal/recommendations.html", recommendations=waiting, **_labels())


def _recommendation_or_404(recommendation_id: int, *, lock: bool = False):
    recommendation = services.recommendation_of(current_user.municipality_id, recommendation_id, lock=lock)
    if recommendation is None:
        abort(404)
    return recommendation


def _close(form: HandleRecommendationForm, recommendation):
    """Answer the recommendation; a redirect when it is recorded, else None with the message put on the form."""
    done = bool(form.done.data)
    if not done and not form.dismiss.data:  # a POST that pressed neither button
        form.form_errors.append(_("Choose “Done (grant changed)” or “Dismiss”."))
        return None
    try:
        approvals.close_recommendation(
            current_user, recommendation, done=done,
            note=clean_text(form.note.data),
            grant=services.grant_in_force(recommendation.citizen_id, local_today()) if done else None)
    except GrantAccessDenied:  # cannot happen through the scoped look-up; answered as if the id did not exist
        abort(404)
    except NursingError as exc:  # a missing note, or already handled (a double click, or a colleague was first)
        transaction.discard()  # the page shown again keeps its audited read, never the refused answer
        apply_errors_or_summary(form, exc.errors)
        return None
    flash(_("The recommendation is marked as done.") if done else _("The recommendation is dismissed."), "success")
    return redirect(url_for("municipal_portal.recommendations"))


@bp.route("/anbefaling/<int:recommendation_id>", methods=["GET", "POST"])
def recommendation(recommendation_id: int):
    form = HandleRecommendationForm()
    posted = form.is_submitted()
    recommendation = _recommendation_or_404(recommendation_id, lock=posted)
    if posted and form.validate() and (done := _close(form, recommendation)):
        return done
    citizen = recommendation.citizen
    record(current_user, "read", "Nurse's recommendation (grant officer)", citizen=citizen,
           detail=f"recommendation={recommendation.id}")
    transaction.keep()  # the officer read the recommendation also when a refused answer is shown again (422)
    errors = error_list(form)
    unmet = approvals.recommendation_unmet(recommendation) if recommendation.status is RecommendationStatus.OPEN else []
    return render_template("municipal_portal/recommendation.html", recommendation=recommendation, citizen=citizen, form=form,
                           errors=errors, unmet=unmet, **_labels()), (422 if errors else 200)
