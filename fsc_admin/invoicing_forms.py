"""Forms of the FSC administrator's invoicing pages: the run, credit notes, fee periods, shared-cost allocation."""
from __future__ import annotations

from wtforms import (
    BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from invoicing.allocation import MAX_SHARED_COST_OERE
from invoicing.fees import FEE_MAXIMUM_OERE
from stomi_app.forms import AmountField, BaseForm, PercentField
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.money import Example


class RunForm(BaseForm):
    month = StringField(_l("Month"), validators=[DataRequired()], description=_l("As YYYY-MM, e.g. 2026-05. The month must be over."))


class CreditForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                           description=_l("Printed on the credit note, e.g. a delivery registered too late."))


class FeeForm(BaseForm):
    valid_from = StringField(_l("First month"), validators=[DataRequired()], description=_l("As YYYY-MM."))
    valid_to = StringField(_l("Last month"), validators=[Optional()], description=_l("As YYYY-MM; empty: until further notice."))
    # Bounded per fee (invoicing.fees.FEE_MAXIMUM_OERE), not by the platform's general ceiling of ten million.
    cutting = AmountField(_l("Hole-cutting per cut plate (kr.)"), validators=[DataRequired()],
                          maximum=FEE_MAXIMUM_OERE["cutting_fee_oere"])
    delivery = AmountField(_l("Delivery per normal shipment (kr.)"), validators=[DataRequired()],
                           maximum=FEE_MAXIMUM_OERE["delivery_fee_oere"])
    express = AmountField(_l("Delivery per express shipment (kr.)"), validators=[DataRequired()],
                          maximum=FEE_MAXIMUM_OERE["express_delivery_fee_oere"])
    warehouse = AmountField(_l("Warehouse per picked line (kr.)"), validators=[DataRequired()],
                            maximum=FEE_MAXIMUM_OERE["warehouse_fee_oere"])
    admin_pct = PercentField(_l("Administration fee per delivery (%)"), validators=[DataRequired()],
                             messages={"too_large": _l("The administration fee cannot exceed 100 percent.")})
    citizen_yearly = AmountField(_l("Fee per citizen with a grant per year (kr.)"), validators=[DataRequired()],
                                 maximum=FEE_MAXIMUM_OERE["citizen_fee_yearly_oere"],
                                 description=_l("1/12 is charged per month for each citizen with a grant in force."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class AllocationForm(BaseForm):
    amount = AmountField(_l("Amount (kr.)"), validators=[DataRequired()], maximum=MAX_SHARED_COST_OERE,
                         description=_l("The shared cost to split, e.g. %(example)s.", example=Example(135_000_000)))
    key = SelectField(_l("Allocation key for the municipalities"), choices=[
        ("citizens", _l("Citizens with a grant")), ("population", _l("Population"))])
    region_pct = IntegerField(_l("Region's share (%)"), default=35, validators=[InputRequired(), NumberRange(0, 100)],
                              description=_l("The rest is split between the municipalities."))
    region = SelectField(_l("Region"), coerce=int, validators=[Optional()])
    month = StringField(_l("Invoice month"), validators=[Optional()],
                        description=_l("As YYYY-MM: the municipalities' shares go on that month's invoices."))
    description = StringField(_l("Description on the invoices"), validators=[Optional(), Length(max=200)])


class IdsField(SelectMultipleField):
    """Ticked checkboxes' ids; what is not a whole number (a hostile post) is left out rather than a message the
    person cannot act on. Which ids count is the service's business (only the month's invoices)."""

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if str(v).isdigit() and len(str(v)) < 12]


class BulkForm(BaseForm):
    """The month's invoice list as a form: the ticked invoices (or all of the month) marked sent or zipped at once.
    The pressed button (name "action": "sent" or "zip") says which."""
    month = HiddenField()
    invoices = IdsField(_l("Invoices"), coerce=int, validate_choice=False)
    all_of_month = BooleanField(_l("All of the month"))
