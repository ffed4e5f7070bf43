"""Forms of the nurse console (rows whose number varies, like order lines, are read from the request)."""
from __future__ import annotations

from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.labels import NOTE_KIND, STOMA_TYPE

DISCHARGE_ROWS = 6  # product lines on the discharge form; more are rare at discharge

TASK_KINDS = {
    "order": _l("Order awaiting approval"),
    "product_change": _l("Product change"),
    "advice": _l("Advice question"),
    "measure": _l("Cutting measure to confirm"),
    "supplier_review": _l("Supplier change"),
    "cutting_problem": _l("Cutting problem"),
    "discharge_proposal": _l("Changes proposed at a discharge"),
}


def stoma_choices():
    return [("", _l("Choose"))] + [(code, text) for code, text in STOMA_TYPE.items()]


class QueueFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField(_l("Type of task"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    hospital = SelectField(_l("Hospital (discharged from)"), validators=[Optional()])
    who = SelectField(_l("Who is working on it"), choices=[("", _l("Everybody's and nobody's")), ("mine", _l("Mine")),
                                                        ("unclaimed", _l("Nobody's yet"))], validators=[Optional()])


class SearchForm(BaseForm):
    """Posted, never in the URL: the text may be a CPR number, and URLs end up in logs and the browser's history."""

    q = StringField(_l("CPR number or name"), validators=[Optional(), Length(max=100)])


class OrderDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve this order once")),
        ("recommend", _l("Approve this order once and recommend a grant change to the grant officer")),
        ("reject", _l("Reject the order")),
    ], default="approve")
    reason = TextAreaField(_l("Reason (the citizen reads it)"), validators=[Optional(), Length(max=2000)],
                           description=_l("Required when you reject."))
    note = TextAreaField(_l("Note to the grant officer"), validators=[Optional(), Length(max=2000)],
                         description=_l("Only with a recommendation: the clinical reason for a larger or other grant."))


class ProductChangeDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve the change")), ("reject", _l("Reject the change"))],
                          default="approve")
    reason = TextAreaField(_l("Reason (the citizen reads it)"), validators=[Optional(), Length(max=2000)],
                           description=_l("Required when you reject."))
    quantity = StringField(_l("Packs per month to recommend"), validators=[Optional(), Length(max=5)],
                           description=_l("Leave empty to keep the quantity of the product it replaces."))


class AnswerForm(BaseForm):
    text = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=4000)])


class ReviewForm(BaseForm):
    successor = RadioField(_l("Successor for this citizen"), validators=[Optional()], choices=[])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Required if none of the suggested products is right."))


class ProblemForm(BaseForm):
    note = TextAreaField(_l("What did you do?"), validators=[Optional(), Length(max=4000)],
                         description=_l("E.g. new measure set, the citizen was advised to cut by hand until the next delivery."))


class StomaForm(BaseForm):
    stoma_type = SelectField(_l("Type of stoma"), validators=[Optional()], validate_choice=False)
    operation_date = DateField(_l("Date of operation"), validators=[Optional()], description=_l("For example 2026-11-02"))


class MeasureForm(BaseForm):
    shape = RadioField(_l("Shape of the hole"), choices=[("round", _l("Round")), ("oval", _l("Oval"))], default="round")
    diameter_mm = StringField(_l("Diameter in mm"), validators=[Optional(), Length(max=10)])
    width_mm = StringField(_l("Width in mm"), validators=[Optional(), Length(max=10)])
    height_mm = StringField(_l("Height in mm"), validators=[Optional(), Length(max=10)])
    remeasure_on = DateField(_l("Re-measure on"), validators=[Optional()],
                             description=_l("Leave empty for the default: 6 weeks after the measure while the stoma is new."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ConfirmMeasureForm(BaseForm):
    measure_id = HiddenField()
    remeasure_on = DateField(_l("Re-measure on"), validators=[Optional()],
                             description=_l("Leave empty for the default: 6 weeks after the measure while the stoma is new."))


class NoteForm(BaseForm):
    kind = SelectField(_l("About"), choices=list(NOTE_KIND.items()), default="skin")
    text = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


class DischargeForm(BaseForm):
    """Every rule is the service's (care.discharge), so all messages come at once; the form only reads values."""

    cpr = StringField(_l("CPR number"), validators=[Optional(), Length(max=20)], description=_l("10 digits, e.g. 010150-1234"))
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    city = StringField(_l("Town"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=20)])
    municipality_id = SelectField(_l("Home municipality"), validators=[Optional()], validate_choice=False,
                                  description=_l("Its grant officer receives the recommendation."))
    stoma_type = SelectField(_l("Type of stoma"), validators=[Optional()], validate_choice=False)
    operation_date = DateField(_l("Date of operation"), validators=[Optional()], description=_l("For example 2026-11-02"))
    shape = RadioField(_l("Shape of the hole"), choices=[("round", _l("Round")), ("oval", _l("Oval"))], default="round")
    diameter_mm = StringField(_l("Diameter in mm"), validators=[Optional(), Length(max=10)])
    width_mm = StringField(_l("Width in mm"), validators=[Optional(), Length(max=10)])
    height_mm = StringField(_l("Height in mm"), validators=[Optional(), Length(max=10)])
    note = TextAreaField(_l("Note to the grant officer (optional)"), validators=[Optional(), Length(max=2000)])
    confirm_identity = BooleanField(_l("Yes, this is the citizen being discharged"))


class ProposalDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[
        ("accept", _l("Accept the changes: the citizen's profile is updated")),
        ("decline", _l("Decline the changes: the profile stays as it is")),
    ], default="accept")
    note = TextAreaField(_l("Reason (required when declining)"), validators=[Optional(), Length(max=2000)])
