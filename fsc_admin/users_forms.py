"""Forms of the FSC administrator's staff accounts and organisation pages."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class StaffAccountForm(BaseForm):
    """The rules (which role needs which workplace, a unique e-mail) are the service's, stomi_app.users."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=200)])
    email = EmailField(_l("E-mail"), description=_l("The password link is sent here."),
                       validators=[DataRequired(message=_l("Enter the e-mail address.")), Length(max=254)])
    role = SelectField(_l("Role"), validators=[DataRequired(message=_l("Choose the staff role."))])
    municipality = SelectField(_l("Municipality"), validate_choice=False,
                               description=_l("Grant officers, municipal managers and municipal stoma nurses."))
    hospital = SelectField(_l("Hospital"), validate_choice=False,
                           description=_l("Hospital stoma nurses: the hospital they work at (its region decides which "
                                          "citizens they see)."))


class ActionForm(BaseForm):
    """A button that changes one thing (deactivate, unlock, reset, send a link): the CSRF token only."""


class TwoFactorPolicyForm(BaseForm):
    """One yes/no per role, built by the view (fields named after the roles)."""


class MunicipalityForm(BaseForm):
    """The checks (check digits, ranges) are the service's, organisation.services."""

    ean_gln = StringField(_l("EAN/GLN number"), description=_l("13 digits: the address invoices are sent to (NemHandel)."),
                          validators=[DataRequired(message=_l("Enter the EAN/GLN number.")), Length(max=40)])
    cvr = StringField(_l("CVR number"), description=_l("8 digits"),
                      validators=[DataRequired(message=_l("Enter the CVR number.")), Length(max=20)])
    invoice_reference = StringField(_l("Person reference on invoices"),
                                    description=_l("The reference the municipality's e-invoicing system routes invoices by "
                                                   "(UBL BuyerReference). Empty: STOMI- and the municipality code."),
                                    validators=[Optional(), Length(max=200)])
    invoice_contact_name = StringField(_l("Invoice contact at the municipality"), validators=[Optional(), Length(max=400)])
    invoice_contact_email = StringField(_l("The invoice contact's e-mail"), validators=[Optional(), Length(max=400)])
    active = BooleanField(_l("In the solution (its citizens order here, and it is invoiced)"))
    intro_months = IntegerField(_l("Months counted as new after the operation"), validators=[Optional()])
    intro_max_months_per_order = IntegerField(_l("A new citizen orders for at most this many months at once"),
                                              validators=[Optional()])
    max_months_per_order = IntegerField(_l("Every other citizen orders for at most this many months at once"),
                                        validators=[Optional()])
    min_days_between_orders = IntegerField(_l("Days at least between two orders"), validators=[Optional()])
    reminder_days_before = IntegerField(_l("Days before the supplies run out that the citizen is reminded"),
                                        description=_l("1 to 60 days; the reminder opens an order to confirm, never one placed by itself."),
                                        validators=[Optional()])


class HospitalForm(BaseForm):
    """Add a hospital to a region; the rules (a name, unique in the region) are the service's, organisation.services."""

    region = SelectField(_l("Region"), validate_choice=False)
    name = StringField(_l("The hospital's name"), validators=[DataRequired(message=_l("Enter the hospital's name."))])


class HospitalChangeForm(BaseForm):
    """Rename a hospital or take it out of use."""

    name = StringField(_l("The hospital's name"), validators=[DataRequired(message=_l("Enter the hospital's name."))])
    active = BooleanField(_l("In use (offered when a hospital stoma nurse's account is created or changed)"))
