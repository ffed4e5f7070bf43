"""The forms of the order steps that the citizen portal and the callcenter share (one flow, two audiences).

Quantities per product are read from the request (their number varies), by stomi_app.ordering.quantities_from.
"""
from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class DeliveryForm(BaseForm):
    address_choice = RadioField(_l("Where should we deliver?"), choices=[("home", _l("My home address")),
                                                                          ("temporary", _l("A temporary address"))],
                                default="home")
    name = StringField(_l("Name on the parcel (if not yours)"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    city = StringField(_l("Town"), validators=[Optional(), Length(max=100)])
    temporary_from = DateField(_l("First day at the address"), validators=[Optional()],
                               description=_l("For example 2026-12-24"))
    temporary_to = DateField(_l("Last day at the address"), validators=[Optional()])
    speed = RadioField(_l("Delivery"), choices=[("normal", _l("Normal delivery (2 working days)")),
                                                ("express", _l("Express delivery (next working day)"))], default="normal")


class ProblemForm(BaseForm):
    kind = SelectField(_l("What is wrong?"), choices=[
        ("missing", _l("Something is missing")), ("wrong", _l("Wrong product")),
        ("damaged", _l("Damaged")), ("cutting", _l("The hole is cut wrong")),
    ])  # no DataRequired (a required select wants an empty placeholder first): validate_choice refuses the rest
    description = TextAreaField(_l("Describe the problem"), validators=[
        DataRequired(message=_l("Describe the problem, e.g. which product is missing.")), Length(max=2000)])
