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


class SecondFactorForm(BaseForm):
    code = StringField(
        _l("Code"),
        description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        validators=[DataRequired(message=_l("Enter the code from your authenticator app.")), Length(max=40)],
    )


class EnrolForm(BaseForm):
    code = StringField(
        _l("Code from the app"),
        description=_l("6 digits"),
        validators=[DataRequired(message=_l("Enter the 6-digit code your app shows.")), Length(max=20)],
    )


class ChoosePasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A few words you will remember make a good password; "
                       "no special characters are required."),
        validators=[DataRequired(message=_l("Choose a password."))],
    )
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(message=_l("Type the password again."))])

    def validate_confirm(self, field):
        from wtforms.validators import ValidationError

        if self.password.data and field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))
