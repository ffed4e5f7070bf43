"""Forms of the citizen portal only; the order steps' forms are shared with the callcenter (ordering.forms)."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class MeasureForm(BaseForm):
    shape = RadioField(_l("Shape of the hole"), choices=[("round", _l("Round")), ("oval", _l("Oval"))], default="round")
    diameter_mm = StringField(_l("Diameter in mm"), validators=[Optional(), Length(max=10)])
    width_mm = StringField(_l("Width in mm"), validators=[Optional(), Length(max=10)])
    height_mm = StringField(_l("Height in mm"), validators=[Optional(), Length(max=10)])


class NoticePreferencesForm(BaseForm):
    """The "Notices" page: channels as checkboxes, the address and number they go to, and the language."""

    email_on = BooleanField(_l("E-mail"))
    sms_on = BooleanField(_l("SMS"))
    digital_post_on = BooleanField(_l("Digital Post"))
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("Mobile number"), validators=[Optional(), Length(max=30)],
                         description=_l("8 digits, e.g. 20 30 40 50."))
    language = RadioField(_l("Language of the messages"), choices=[("da", "Dansk"), ("en", "English")], default="da")
