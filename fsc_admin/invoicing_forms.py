"""Forms of the FSC administrator's invoicing pages: the run, credit notes, fee periods, shared-cost allocation."""
from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class RunForm(BaseForm):
    month = StringField(_l("Month"), validators=[DataRequired()], description=_l("As YYYY-MM, e.g. 2026-05. The month must be over."))


class CreditForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                           description=_l("Printed on the credit note, e.g. a delivery registered too late."))


class FeeForm(BaseForm):
    valid_from = StringField(_l("First month"), validators=[DataRequired()], description=_l("As YYYY-MM."))
    valid_to = StringField(_l("Last month"), validators=[Optional()], description=_l("As YYYY-MM; empty: until further notice."))
    cutting = StringField(_l("Hole-cutting per cut plate (kr.)"), validators=[DataRequired()])
    delivery = StringField(_l("Delivery per normal shipment (kr.)"), validators=[DataRequired()])
    express = StringField(_l("Delivery per express shipment (kr.)"), validators=[DataRequired()])
    warehouse = StringField(_l("Warehouse per picked line (kr.)"), validators=[DataRequired()])
    admin_pct = StringField(_l("Administration fee per delivery (%)"), validators=[DataRequired()])
    citizen_yearly = StringField(_l("Fee per citizen with a grant per year (kr.)"), validators=[DataRequired()],
                                 description=_l("1/12 is charged per month for each citizen with a grant in force."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class AllocationForm(BaseForm):
    amount = StringField(_l("Amount (kr.)"), validators=[DataRequired()], description=_l("The shared cost to split, e.g. 1350000,00."))
    key = SelectField(_l("Allocation key for the municipalities"), choices=[
        ("citizens", _l("Citizens with a grant")), ("population", _l("Population"))])
    region_pct = IntegerField(_l("Region's share (%)"), default=35, validators=[InputRequired(), NumberRange(0, 100)],
                              description=_l("The rest is split between the municipalities."))
    region = SelectField(_l("Region"), coerce=int, validators=[Optional()])
    month = StringField(_l("Invoice month"), validators=[Optional()],
                        description=_l("As YYYY-MM: the municipalities' shares go on that month's invoices."))
    description = StringField(_l("Description on the invoices"), validators=[Optional(), Length(max=200)])
