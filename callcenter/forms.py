"""Forms of the callcenter (quantities per product are read from the request: their number varies)."""
from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ordering.forms import DeliveryForm, ProblemForm  # noqa: F401  (the same forms as the web)
from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l

REASONS = [
    ("order", _l("Order")), ("delivery_question", _l("Delivery question")), ("product_question", _l("Product question")),
    ("complaint", _l("Complaint")), ("other", _l("Other")),
]
OUTCOMES = [
    ("answered", _l("Answered")), ("order_placed", _l("Order placed")), ("problem_registered", _l("Problem registered")),
    ("transferred_to_nurse", _l("Transferred to a stoma nurse")), ("call_back", _l("We call back")),
    ("referred_to_municipality", _l("Referred to the municipality")),
]

ADVICE_STATUS = {"open": _l("Waiting for a stoma nurse"), "answered": _l("Answered by a stoma nurse"), "closed": _l("Closed")}


class SearchForm(BaseForm):
    q = StringField(_l("Find the citizen"), validators=[Length(max=200)],
                    description=_l("CPR number, birth date and name (e.g. 150348 Birthe), name, phone or order number"))


class ContactForm(BaseForm):
    # Choices are checked by the service, which gives the agent a clear message for each field.
    reason = SelectField(_l("Why did the citizen call?"), choices=REASONS, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    outcome = SelectField(_l("Outcome"), choices=OUTCOMES, validate_choice=False)


class AgentDeliveryForm(DeliveryForm):
    """The citizen portal's delivery step, worded for the agent who fills it in for the citizen."""

    address_choice = RadioField(_l("Where should we deliver?"), choices=[("home", _l("The citizen's home address")),
                                                                          ("temporary", _l("A temporary address"))],
                                default="home")
    name = StringField(_l("Name on the parcel (if not the citizen's)"), validators=[Optional(), Length(max=200)])


class AdviceForm(BaseForm):
    question = TextAreaField(_l("The citizen's question"), validators=[Length(max=4000)],
                             description=_l("In the citizen's own words. The citizen sees it in their conversation with the nurse."))
    summary = TextAreaField(_l("Your summary for the nurse"), validators=[Length(max=2000)],
                            description=_l("What the nurse needs to know first. Only staff see it."))


class CloseForm(BaseForm):
    note = TextAreaField(_l("What was done"), validators=[Length(max=2000)],
                         description=_l("A short note for the call log, e.g. \"Called the citizen; the pack was found.\""))


class AgentProductChangeForm(BaseForm):
    """The citizen portal's product-change request, worded for the agent who fills it in for the caller."""

    current = SelectField(_l("The product the citizen has now"), validate_choice=False)
    wanted = StringField(_l("Article number of the product the citizen would like"), validators=[Length(max=40)],
                         description=_l("Find it in the shared catalogue."))
    reason = TextAreaField(_l("Why would the citizen like another product?"), validators=[Length(max=2000)],
                           description=_l("In the citizen's words, e.g. leaks or sore skin. A stoma nurse decides."))
