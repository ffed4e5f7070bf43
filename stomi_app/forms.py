"""The base of every form in the project: typed text is cleaned of control characters before anything reads it.

Every form inherits ``BaseForm`` (a Flask-WTF form, with CSRF) or, for a row inside a ``FieldList``/``FormField``,
``BaseSubForm`` (a plain WTForms form: the enclosing form carries the CSRF token). Their Meta adds
``stomi_app.text.clean_text`` as the first filter of every text field (``StringField`` and its subclasses:
``TextAreaField``, ``HiddenField``, ``SearchField``, ``EmailField``, ``PasswordField``, ...), so no form can forget it.

The choice: control characters are *stripped*, not refused with a message. A NUL byte is never meant (PostgreSQL
refuses it in text, which was a 500), nor is any other control or invisible format character; they arrive from a
paste or a hostile client, and a message about a character the person cannot see would not help them fix it. Line
breaks, tabs and every kind of space are kept (see ``clean_text``). Length validators then judge the cleaned text.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from stomi_app.money import MAX_AMOUNT_OERE, AmountError, parse_basis_points, parse_oere
from stomi_app.text import clean_text


def clean_text_filter(value):
    """clean_text for a field's data; what is not text (None, an object's value) is left as it is."""
    return clean_text(value) if isinstance(value, str) else value


class CleanTextMeta:
    """Form Meta mixin: binds clean_text_filter, first, to every text field of the form."""

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, StringField):
            filters = list(unbound_field.kwargs.get("filters") or ())
            if clean_text_filter not in filters:
                options = {**options, "filters": [clean_text_filter, *filters]}
        return super().bind_field(form, unbound_field, options)


class BaseForm(FlaskForm):
    """A Flask-WTF form whose text fields are cleaned of control characters (see the module's docstring)."""

    class Meta(CleanTextMeta):
        pass


class BaseSubForm(Form):
    """A nested form (a row of a FieldList) whose text fields are cleaned like BaseForm's."""

    class Meta(CleanTextMeta):
        pass


class AmountField(StringField):
    """Kroner typed in the person's notation, read by stomi_app.money.parse_oere; after validation ``field.oere``
    holds the øre (None when the field was left empty: DataRequired or Optional decide whether it may be).

    ``minimum``/``maximum`` bound the øre; ``messages`` replaces the module's message for a reason ("negative",
    "too_large", ...) where the field has its own wording.
    """

    parse = staticmethod(parse_oere)

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = MAX_AMOUNT_OERE,
                 messages: dict | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.messages = minimum, maximum, messages or {}
        self.oere = None

    def post_validate(self, form, validation_stopped):
        self.oere = None
        if validation_stopped or not (self.data or "").strip():
            return
        try:
            self.oere = self.parse(self.data, minimum=self.minimum, maximum=self.maximum)
        except AmountError as exc:
            raise ValidationError(self.messages.get(exc.reason, exc.message)) from None


class PercentField(AmountField):
    """A percentage with at most two decimals (stomi_app.money.parse_basis_points); ``field.oere`` holds basis points."""

    parse = staticmethod(parse_basis_points)

    def __init__(self, label=None, validators=None, *, maximum: int = 100_00, **kwargs):
        super().__init__(label, validators, maximum=maximum, **kwargs)
