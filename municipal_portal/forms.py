"""Forms of the municipal portal: citizen search, a grant with a fixed number of line rows, ending a grant."""
from __future__ import annotations

from wtforms import DateField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from catalogue.services import variant_by_article_number
from stomi_app.forms import BaseForm, BaseSubForm, error_summary_items
from grants.services import CASE_NOTE_MAX, MAX_QUANTITY, GrantLineInput, price_ceiling_too_high
from stomi_app.i18n import lazy_gettext as _l
from grants.models import GrantPeriod
from stomi_app.money import AmountError, parse_oere
from stomi_app.userinput import MAX_AMOUNT_OERE, record_id, whole_number

BLANK_LINE_ROWS = 5
PERIOD_CHOICES = [("month", _l("Per month")), ("quarter", _l("Per 3 months")), ("year", _l("Per year"))]


class LocalDateField(DateField):
    """A date field whose parse error is ours (translated), not WTForms' English default."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date like 2026-03-31.")) from None


class LocalIntegerField(IntegerField):
    """A whole-number field whose parse error is ours (translated)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a whole number, e.g. 2.")) from None


def add_error(field, message) -> None:
    # Before validation a field's errors are a tuple; make them a list we can add to.
    field.errors = list(field.errors) + [message]


def error_list(form) -> list[tuple[str | None, str]]:
    """Every error of the form, nested line rows included (the page's error summary lists the same)."""
    return error_summary_items(form)


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters."))


def _optional_id(value):
    # A forged or garbled choice is no choice (WTForms would add an English coercion message of its own).
    return record_id(value)


class SearchForm(BaseForm):
    """Posted, never in the URL: the text may be a CPR number, and URLs end up in logs and the browser's history."""

    q = StringField(_l("Name or CPR number"), description=_l("Part of the name, or the full CPR number (10 digits, with or without dash)"),
                    validators=[Optional(), _at_most(100)])


class GrantLineForm(BaseSubForm):
    """One row of the grant: a variant (by article number) or a category, how many and per what period."""

    article_number = StringField(_l("Article number"), validators=[Optional(), _at_most(40)])
    category_id = SelectField(_l("or a category"), coerce=_optional_id, validate_choice=False, validators=[Optional()])
    quantity = StringField(_l("Quantity (packs)"), validators=[Optional(), _at_most(10)])
    period = SelectField(_l("Period"), choices=PERIOD_CHOICES, default="month", validate_choice=False)
    price_ceiling = StringField(_l("Price ceiling per period (kr., optional)"), validators=[Optional(), _at_most(20)])

    def is_blank(self) -> bool:
        return not ((self.article_number.data or "").strip() or self.category_id.data or (self.quantity.data or "").strip()
                    or (self.price_ceiling.data or "").strip())

    def to_input(self, category_ids: set[int]) -> GrantLineInput | None:
        """The row as a grant line, or None with the problem put next to the field it concerns."""
        ok = True
        article = (self.article_number.data or "").strip()
        variant = None
        if article and self.category_id.data:
            add_error(self.article_number, _l("Choose either an article number or a category, not both."))
            ok = False
        elif article:
            variant = variant_by_article_number(article)
            if variant is None:
                add_error(self.article_number, _l("No product variant has the article number %(number)s.", number=article))
                ok = False
        elif self.category_id.data:
            if self.category_id.data not in category_ids:
                add_error(self.category_id, _l("Choose a category from the list."))
                ok = False
        else:
            add_error(self.article_number, _l("Enter an article number or choose a category."))
            ok = False
        if self.period.data not in {value for value, _label in PERIOD_CHOICES}:
            add_error(self.period, _l("Choose a period from the list."))
            ok = False
        raw = (self.quantity.data or "").strip()
        quantity = whole_number(raw, low=1, high=MAX_QUANTITY)
        if quantity is None:
            add_error(self.quantity, _l("The quantity must be a whole number from 1 to %(max)s.", max=MAX_QUANTITY))
            ok = False
        ceiling = None
        raw_ceiling = (self.price_ceiling.data or "").strip()
        if raw_ceiling:
            try:
                ceiling = parse_oere(raw_ceiling, minimum=1, maximum=MAX_AMOUNT_OERE)
            except AmountError as exc:
                add_error(self.price_ceiling, {"negative": _l("A price ceiling must be above 0 kr."),
                                               "too_small": _l("A price ceiling must be above 0 kr."),
                                               "too_large": price_ceiling_too_high()}.get(exc.reason, exc.message))
                ok = False
        if not ok:
            return None
        return GrantLineInput(quantity=quantity, period=GrantPeriod(self.period.data),
                              variant_id=variant.id if variant else None,
                              category_id=None if variant else self.category_id.data, price_ceiling_oere=ceiling)


class GrantForm(BaseForm):
    legal_basis = StringField(_l("Legal basis"), default="Serviceloven § 112",
                              validators=[InputRequired(message=_l("Enter the legal basis, e.g. Serviceloven § 112.")), _at_most(200)])
    valid_from = LocalDateField(_l("Valid from"), validators=[InputRequired(message=_l("Enter the first day of the grant."))],
                                description=_l("For example 2026-03-31"))
    valid_to = LocalDateField(_l("Valid to (optional)"), validators=[Optional()],
                              description=_l("Leave empty for a grant without an end date"))
    express_per_year = LocalIntegerField(_l("Express deliveries per year"), default=2,
                                    validators=[InputRequired(message=_l("Enter a whole number from 0 to 52.")),
                                                NumberRange(min=0, max=52, message=_l("Enter a whole number from 0 to 52."))])
    reason = TextAreaField(_l("Reason"), description=_l("Why the grant is made or changed; the citizen and colleagues will read it"),
                           validators=[InputRequired(message=_l("Write why (the citizen and colleagues will read it).")), _at_most(2000)])
    paying_municipality_id = SelectField(_l("Paying municipality"), coerce=_optional_id, validate_choice=False,
                                         description=_l("The municipality that pays, when it is not yours (the acting one)"))
    follow_up_on = LocalDateField(_l("Follow-up date (optional)"), validators=[Optional()],
                                  description=_l("When you mean to look at the case again"))
    lines = FieldList(FormField(GrantLineForm), min_entries=BLANK_LINE_ROWS, max_entries=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines_errors: list[str] = []  # problems with the lines as a whole (e.g. the same product twice)

    def summary_extra(self) -> list[tuple[str, str]]:
        """The problems with the lines as a whole, for the error summary: they are shown above the line rows."""
        return [("grant-lines", str(m)) for m in self.lines_errors]

    def set_category_choices(self, choices: list[tuple]) -> None:
        for row in self.lines:
            row.category_id.choices = choices

    def line_inputs(self, category_ids: set[int]) -> list[GrantLineInput] | None:
        """The filled-in rows as grant lines (blank rows are skipped), or None when a row has an error."""
        inputs, ok = [], True
        for row in self.lines:
            if row.is_blank():
                continue
            line = row.to_input(category_ids)
            if line is None:
                ok = False
            else:
                inputs.append(line)
        if ok and not inputs:
            add_error(self.lines[0].article_number, _l("A grant needs at least one line."))
            return None
        return inputs if ok else None


class WithdrawEndingForm(BaseForm):
    reason = TextAreaField(_l("Reason"), description=_l("Why the grant continues; the citizen and colleagues will read it"),
                           validators=[InputRequired(message=_l("Write why (the citizen and colleagues will read it).")), _at_most(2000)])


class EndGrantForm(BaseForm):
    end_date = LocalDateField(_l("Last day of the grant"), validators=[InputRequired(message=_l("Enter the last day of the grant."))],
                              description=_l("For example 2026-03-31"))
    reason = TextAreaField(_l("Reason"), description=_l("Why the grant ends; the citizen and colleagues will read it"),
                           validators=[InputRequired(message=_l("Write why (the citizen and colleagues will read it).")), _at_most(2000)])


class ReportMonthForm(BaseForm):
    """The month a grant officer has the municipality's statistics report made (again) for."""

    month = StringField(_l("Month"), validators=[InputRequired()],
                        description=_l("As YYYY-MM, e.g. 2026-05. The month must be over."))


class OrderDecisionForm(BaseForm):
    """The grant officer's decision on an order waiting on budget; the service requires the reason for a rejection."""
    reason = TextAreaField(_l("Reason"), description=_l("Required when you reject the order; the citizen will read it"),
                           validators=[_at_most(2000)])


class CaseNoteForm(BaseForm):
    """A short note on the citizen's case; the service checks the length too (and says so at the field)."""
    text = TextAreaField(_l("New case note"), description=_l("Only grant officers of your municipality read it; at most %(max)s characters",
                                                            max=CASE_NOTE_MAX))
