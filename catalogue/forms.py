"""Forms of the catalogue: search and filters, products, variants, prices, import, supplier change."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from catalogue.services import CUT_MAX_LIMIT_MM, CUT_MIN_LIMIT_MM
from stomi_app.forms import AmountField, BaseForm
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.money import Example

UNITS = [SelectChoice("box", _l("Box")), SelectChoice("piece", _l("Piece")), SelectChoice("pack", _l("Pack"))]
SYSTEM_CHOICES = [SelectChoice("", _l("Neither (accessory)")), SelectChoice("one_piece", _l("One-piece")),
                  SelectChoice("two_piece", _l("Two-piece"))]


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class SearchForm(BaseForm):
    """GET form: bookmarkable, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), description=_l("Product name, article number, GTIN or HMI number"),
                    validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), coerce=_optional_int, validate_choice=False, validators=[Optional()])
    system = SelectField(_l("System"), choices=[SelectChoice("", _l("All")), SelectChoice("one_piece", _l("One-piece")),
                                                SelectChoice("two_piece", _l("Two-piece"))],
                         validators=[Optional()])
    surface = SelectField(_l("Flat or convex"), choices=[SelectChoice("", _l("All")), SelectChoice("flat", _l("Flat")),
                                                         SelectChoice("convex", _l("Convex"))],
                          validators=[Optional()])
    cut_mm = IntegerField(_l("Stoma size in mm"), description=_l("Shows variants that can be cut to this size or are pre-cut to it"),
                          validators=[Optional(), NumberRange(min=CUT_MIN_LIMIT_MM, max=CUT_MAX_LIMIT_MM,
                                                              message=_l("Enter a size between %(min)s and %(max)s mm."))])
    order = SelectField(_l("Sort by"), choices=[SelectChoice("name", _l("Product name (A–Z)")),
                                                SelectChoice("category", _l("Category"))],
                        validators=[Optional()])

    def validate_category(self, field):
        if field.data is not None and field.data not in {_optional_int(c.value) for c in field.choices}:
            raise ValidationError(_l("Choose a category from the list."))


class ProductForm(BaseForm):
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[InputRequired(message=_l("Choose a category."))])
    manufacturer = StringField(_l("Manufacturer"), validators=[DataRequired(message=_l("Enter the manufacturer.")), Length(max=100)])
    name = StringField(_l("Product name"), validators=[DataRequired(message=_l("Enter the product name.")), Length(max=200)])
    system = SelectField(_l("System"), choices=SYSTEM_CHOICES, validators=[Optional()])
    hmi_number = StringField(_l("HMI number"), description=_l("The number in Hjælpemiddelbasen, if the product is registered there"),
                             validators=[Optional(), Length(max=20),
                                         Regexp(r"^\d+$", message=_l("The HMI number consists of digits only."))])
    description_da = TextAreaField(_l("Description in Danish"), validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=4000)])


class VariantForm(BaseForm):
    article_number = StringField(_l("Article number"), description=_l("The supplier's article number"),
                                 validators=[DataRequired(message=_l("Enter the supplier's article number.")), Length(max=40)])
    gtin = StringField(_l("GTIN (EAN-13)"), description=_l("13 digits, as under the barcode"),
                       validators=[DataRequired(message=_l("Enter the GTIN.")), Length(max=20)])
    pack_size = IntegerField(_l("Pack size"), description=_l("Pieces in one unit of issue, e.g. 30 bags in a box"),
                             validators=[InputRequired(message=_l("Enter the pack size as a whole number.")),
                                         NumberRange(min=1, max=10_000, message=_l("The pack size must be a whole number greater than 0."))])
    # No DataRequired: a fixed list with a default needs no required attribute (vnu wants a placeholder then);
    # validate_choice refuses anything not on the list.
    unit = SelectField(_l("Unit of issue"), choices=UNITS)
    precut_mm = IntegerField(_l("Pre-cut size in mm"), description=_l("Leave empty for cut-to-fit or not cuttable"),
                             validators=[Optional()])
    cut_min_mm = IntegerField(_l("Cutting range, smallest size in mm"), validators=[Optional()])
    cut_max_mm = IntegerField(_l("Cutting range, largest size in mm"), validators=[Optional()])
    coupling_mm = IntegerField(_l("Coupling size in mm"), description=_l("Only for two-piece systems"), validators=[Optional()])
    convex = BooleanField(_l("Convex"))


class PriceForm(BaseForm):
    valid_from = DateField(_l("Valid from"), validators=[InputRequired(message=_l("Enter the first day of the price period."))])
    valid_to = DateField(_l("Valid to (inclusive)"), description=_l("Leave empty if the price has no end date"), validators=[Optional()])
    contract_reference = StringField(_l("Contract reference"),
                                     validators=[DataRequired(message=_l("Enter the supplier contract reference.")), Length(max=60)])
    price = AmountField(_l("Price per unit of issue excl. VAT, in kroner"), description=_l("e.g. %(example)s", example=Example(41_250)),
                        validators=[DataRequired(message=_l("Enter the price excluding VAT.")), Length(max=20)],
                        messages={"negative": _l("The price cannot be negative.")})
    vat_rate_pct = IntegerField(_l("VAT rate in %"), default=25,
                                validators=[InputRequired(message=_l("Enter the VAT rate.")), NumberRange(min=0, max=100)])
    close_open_price = BooleanField(_l("End the current open-ended price the day before"))


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token."""


class ImportForm(BaseForm):
    file = FileField(_l("Price list (CSV file)"), description=_l("UTF-8 or Windows-1252, separated by ; or ,, at most 5 MB"),
                     validators=[FileRequired(message=_l("Choose a CSV file."))])
    close_open_prices = BooleanField(_l("End open-ended prices the day before the new period starts"))


class SuccessorForm(BaseForm):
    old_article_number = StringField(_l("Ending variant (article number)"),
                                     validators=[DataRequired(message=_l("Enter the article number of the ending variant.")), Length(max=40)])
    new_article_numbers = StringField(_l("Equivalent variants (article numbers)"),
                                      description=_l("One or more article numbers from the new contract, separated by commas"),
                                      validators=[DataRequired(message=_l("Enter at least one article number.")), Length(max=400)])


class ProductAreaForm(BaseForm):
    """A new product area (the rules are the service's, catalogue.services.create_product_area)."""

    code = StringField(_l("Code"), description=_l("E.g. urology: letters a–z, digits, _ and -"),
                       validators=[DataRequired(message=_l("Enter a code.")), Length(max=100)])
    name_da = StringField(_l("Name in Danish"), validators=[DataRequired(message=_l("Enter the Danish name.")), Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(message=_l("Enter the English name.")), Length(max=100)])


class CategoryForm(BaseForm):
    """A new category of an area; a price list names it by its code."""

    product_area_id = SelectField(_l("Product area"), coerce=_optional_int, validate_choice=False)
    code = StringField(_l("Code"), description=_l("The price list's category_code, e.g. urology_catheters"),
                       validators=[DataRequired(message=_l("Enter a code.")), Length(max=100)])
    name_da = StringField(_l("Name in Danish"), validators=[DataRequired(message=_l("Enter the Danish name.")), Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(message=_l("Enter the English name.")), Length(max=100)])
    sort_order = IntegerField(_l("Place in the list"), description=_l("Optional: smaller numbers come first"),
                              validators=[Optional(), NumberRange(min=0, max=100000)])
