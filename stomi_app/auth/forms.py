"""Login forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class StaffLoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address, e.g. name@kommune.dk.")),
    ])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class CitizenDemoLoginForm(FlaskForm):
    cpr = StringField(
        _l("CPR number"),
        description=_l("10 digits, e.g. 010150-1234"),
        validators=[DataRequired(message=_l("Enter your CPR number.")), Length(max=20)],
    )
