"""Forms of the citizen portal only; the order steps' forms are shared with the callcenter (stomi_app.ordering_forms)."""
from __future__ import annotations

from wtforms import RadioField, StringField
from wtforms.validators import Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l


class MeasureForm(BaseForm):
    shape = RadioField(_l("Shape of the hole"), choices=[("round", _l("Round")), ("oval", _l("Oval"))], default="round")
    diameter_mm = StringField(_l("Diameter in mm"), validators=[Optional(), Length(max=10)])
    width_mm = StringField(_l("Width in mm"), validators=[Optional(), Length(max=10)])
    height_mm = StringField(_l("Height in mm"), validators=[Optional(), Length(max=10)])
