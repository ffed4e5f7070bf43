"""The forms of the order steps that the citizen portal and the callcenter share (one flow, two audiences).

Quantities per product are read from the request (their number varies), by ordering.services.quantities_from.
"""
from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from stomi_app.forms import BaseForm
from stomi_app.i18n import lazy_gettext as _l
from catalogue.services import CUT_MAX_LIMIT_MM, CUT_MIN_LIMIT_MM, CatalogueQuery, categories, search
from flask_babel import get_locale
from stomi_app.userinput import whole_number


class DeliveryForm(BaseForm):
    address_choice = RadioField(_l("Where should we deliver?"), choices=[("home", _l("My home address")),
                                                                          ("temporary", _l("A temporary address"))],
                                default="home")
    name = StringField(_l("Name on the parcel (if not yours)"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    city = StringField(_l("Town"), validators=[Optional(), Length(max=100)])
    temporary_from = DateField(_l("First day at the address"), validators=[Optional()],
                               description=_l("For example 2026-12-24"))
    temporary_to = DateField(_l("Last day at the address"), validators=[Optional()])
    driver_note = StringField(_l("Note to the driver (optional)"), validators=[Optional(), Length(max=200)],
                              description=_l("Where to leave the parcel if nobody is home, e.g. at the back door. "
                                             "The carrier reads it: no health details here."))
    speed = RadioField(_l("Delivery"), choices=[("normal", _l("Normal delivery (2 working days)")),
                                                ("express", _l("Express delivery (next working day)"))], default="normal")

    def fill_from(self, draft) -> None:
        """The form as the draft has it: what was chosen before is shown again."""
        self.address_choice.data = "temporary" if draft.temporary_address else "home"
        self.speed.data = "express" if draft.express else "normal"
        self.driver_note.data = draft.driver_note
        if draft.temporary_address:
            self.name.data, self.address.data = draft.delivery_name, draft.delivery_address
            self.postcode.data, self.city.data = draft.delivery_postcode, draft.delivery_city
            self.temporary_from.data, self.temporary_to.data = draft.temporary_from, draft.temporary_to

    def delivery_arguments(self) -> dict:
        """The form as keyword arguments of ordering.services.set_delivery (its text fields already cleaned)."""
        return dict(express=self.speed.data == "express", temporary=self.address_choice.data == "temporary",
                    name=self.name.data, address=self.address.data, postcode=self.postcode.data, city=self.city.data,
                    temporary_from=self.temporary_from.data, temporary_to=self.temporary_to.data,
                    driver_note=self.driver_note.data or "")


class ProblemForm(BaseForm):
    kind = SelectField(_l("What is wrong?"), choices=[
        ("missing", _l("Something is missing")), ("wrong", _l("Wrong product")),
        ("damaged", _l("Damaged")), ("cutting", _l("The hole is cut wrong")),
    ])  # no DataRequired (a required select wants an empty placeholder first): validate_choice refuses the rest
    description = TextAreaField(_l("Describe the problem"), validators=[
        DataRequired(message=_l("Describe the problem, e.g. which product is missing.")), Length(max=2000)])


def _optional_id(value):
    return int(value) if str(value or "").strip().isdigit() else None


class ProductSearchForm(BaseForm):
    """Find a product to add to an order or to ask for instead of another (issue 19 item 9): by name or article
    number, category and size, so nobody has to look the article number up elsewhere. A GET form of its own (it
    changes nothing: no CSRF token); its fields sit inside the page's main form by the `form` attribute, and the
    main form's "pick" buttons choose a result without losing what was typed there."""

    class Meta:
        csrf = False

    q = StringField(_l("Product name or article number"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), coerce=_optional_id, validate_choice=False, validators=[Optional()])
    size = StringField(_l("Size in mm (optional)"), description=_l("Shows the sizes that can be cut to it or are made in it"),
                       validators=[Optional(), Length(max=5)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="find", **kwargs)


PICK_RESULTS = 8  # products shown per search: narrow the search for more


def product_search(args):
    """The search form filled from the query string, and its hits (catalogue.services.search), or None when nothing
    was asked for. A size that is no whole number of millimetres in range is marked on its field, not searched."""
    form = ProductSearchForm(args)
    locale = str(get_locale())
    form.category.choices = [("", _l("All categories"))] + [(c.id, c.name(locale)) for c in categories()]
    form.validate()
    size = None
    raw_size = (form.size.data or "").strip()
    if raw_size and not form.size.errors:
        size = whole_number(raw_size, low=CUT_MIN_LIMIT_MM, high=CUT_MAX_LIMIT_MM)
        if size is None:
            form.size.errors = [*form.size.errors, _l("Enter a size between %(min)s and %(max)s mm.", min=CUT_MIN_LIMIT_MM,
                                                      max=CUT_MAX_LIMIT_MM)]
    text = "" if form.q.errors else (form.q.data or "").strip()
    category = None if form.category.errors else form.category.data
    if not (text or category or size):
        return form, None
    return form, search(CatalogueQuery(text=text, category_id=category, cut_mm=size), per_page=PICK_RESULTS)
