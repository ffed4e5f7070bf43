"""Forms of the FSC administrator's staff accounts pages."""
from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
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
    region = SelectField(_l("Region (hospital)"), validate_choice=False,
                         description=_l("Hospital stoma nurses: the region whose hospital they work at."))
    workplace = StringField(_l("Workplace"), description=_l("E.g. the hospital's name. Optional."),
                            validators=[Optional(), Length(max=200)])


class ActionForm(BaseForm):
    """A button that changes one thing (deactivate, unlock, reset, send a link): the CSRF token only."""


class TwoFactorPolicyForm(BaseForm):
    """One yes/no per role, built by the view (fields named after the roles)."""
