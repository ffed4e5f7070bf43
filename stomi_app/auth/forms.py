"""Login forms."""
from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class StaffLoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address, e.g. name@kommune.dk.")),
    ])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class CitizenDemoLoginForm(BaseForm):
    cpr = StringField(
        _l("CPR number"),
        description=_l("10 digits, e.g. 010150-1234"),
        validators=[DataRequired(message=_l("Enter your CPR number.")), Length(max=20)],
    )
