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

import flask_babel
from flask import flash
from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from stomi_app.i18n import lazy_gettext as _l

from stomi_app.money import MAX_AMOUNT_OERE, AmountError, parse_basis_points, parse_oere
from stomi_app.text import clean_text


def clean_text_filter(value):
    """clean_text for a field's data; what is not text (None, an object's value) is left as it is."""
    return clean_text(value) if isinstance(value, str) else value


# WTForms' own messages (validators, field types, Flask-WTF's CSRF check). WTForms ships no Danish catalogue, so a
# Danish page said "Not a valid date value."; our catalogue carries them (listed here so extraction keeps them) and
# every form asks Flask-Babel for them, in the person's language (`BabelTranslations`).
WTFORMS_MESSAGES = (
    _l("This field is required."), _l("Not a valid date value."), _l("Not a valid datetime value."),
    _l("Not a valid time value."), _l("Not a valid integer value."), _l("Not a valid decimal value."),
    _l("Not a valid float value."), _l("Not a valid choice."), _l("Invalid Choice: could not coerce."),
    _l("Invalid email address."), _l("Invalid input."), _l("Invalid value, must be one of: %(values)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."), _l("Field must be equal to %(other_name)s."),
    _l("'%(value)s' is not a valid choice for this field."), _l("'%(value)s' are not valid choices for this field."),
    _l("The CSRF token is missing."), _l("The CSRF token is invalid."), _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."), _l("The CSRF session token is missing."),
)


def _plural_wtforms_messages(n: int) -> list[str]:
    """Never called: WTForms asks for these with ngettext, so they are marked here for extraction with their plurals."""
    return [flask_babel.ngettext("Field must be at least %(min)d character long.",
                                 "Field must be at least %(min)d characters long.", n),
            flask_babel.ngettext("Field cannot be longer than %(max)d character.",
                                 "Field cannot be longer than %(max)d characters.", n),
            flask_babel.ngettext("Field must be exactly %(max)d character long.",
                                 "Field must be exactly %(max)d characters long.", n)]


def apply_errors(form, errors: dict) -> dict:
    """Put a service's messages (field name → message) next to their fields; return those that belong to no field.

    The one way every view maps a domain error onto its form. A field that already shows its own message (e.g. an
    unreadable date) keeps just that one: it says the same thing first.
    """
    rest = {}
    for name, message in errors.items():
        if name in form:
            if not form[name].errors:
                form[name].errors = [*form[name].errors, message]
        else:
            rest[name] = message
    return rest


def apply_errors_or_flash(form, errors: dict) -> None:
    """apply_errors, with what belongs to no field flashed above the page."""
    for message in apply_errors(form, errors).values():
        flash(str(message), "error")


def apply_errors_or_summary(form, errors: dict) -> None:
    """apply_errors, with what belongs to no field kept as the form's own errors (the error summary lists them)."""
    form.form_errors.extend(str(message) for message in apply_errors(form, errors).values())


def flash_saved(changed, message) -> None:
    """After a form was saved: `message` when it changed something, else that nothing was changed (as information,
    not as success: a person who saved an unchanged form should not think something happened)."""
    flash(message if changed else flask_babel.gettext("Nothing was changed."), "success" if changed else "info")


def _field_items(f) -> list[tuple[str | None, str]]:
    """(anchor, message) for one field; a row of a FieldList lists its own fields' errors."""
    if f.type == "FieldList":
        return [item for row in f for item in _field_items(row)]
    if f.type == "FormField":
        return [item for sub in f.form for item in _field_items(sub)]
    if f.type in {"CSRFTokenField", "HiddenField"}:
        return [(None, str(m)) for m in f.errors]  # nothing on the page to move to
    # A group of radio buttons has no element with the field's id: its first button does.
    anchor = f"{f.id}-0" if f.type == "RadioField" else f.id
    return [(anchor, str(m)) for m in f.errors]


def error_summary_items(forms, extra=None) -> list[tuple[str | None, str]]:
    """Every error of a page's form(s), in the order of the fields, for the error summary at the top of the page
    (macros.html ``error_summary``): (id of the field to move to, or None, message).

    ``forms`` is a form, a list of forms (a page with several; None entries are skipped) or None. Problems that
    belong to no single field come from the form's ``form_errors``, from a ``summary_extra()`` method the form may
    have (e.g. the grant form's problems with its lines as a whole), and from ``extra``: a dict of a service's
    messages by the name of the input they concern (the input's id), (anchor or None, message) pairs, or plain messages.
    """
    if forms is None or isinstance(forms, Form):
        forms = [forms]
    items = []
    for form in forms:
        if form is None:
            continue
        for f in form:
            items += _field_items(f)
        items += [(None, str(m)) for m in getattr(form, "form_errors", [])]
        if hasattr(form, "summary_extra"):
            items += form.summary_extra()
    if isinstance(extra, dict):
        extra = list(extra.items())
    for entry in extra or []:
        items.append(tuple(entry) if isinstance(entry, (tuple, list)) else (None, str(entry)))
    return items


class BabelTranslations:
    """WTForms' translations object (Meta.get_translations), answered from the project's catalogue by Flask-Babel."""

    # The catalogue itself, not flask_babel.gettext/ngettext: those fill in placeholders, and WTForms fills in its own.
    def gettext(self, string):
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return flask_babel.get_translations().ungettext(singular, plural, n)


class CleanTextMeta:
    """Form Meta mixin: binds clean_text_filter, first, to every text field of the form, and translates WTForms' own
    messages through the project's catalogue."""

    def get_translations(self, form):
        return BabelTranslations()

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A page with several forms would repeat id="csrf_token" (a duplicate id): the hidden token needs no id.
        token = self._fields.get("csrf_token")  # absent when CSRF is switched off
        if token is not None:
            token.id = False


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
