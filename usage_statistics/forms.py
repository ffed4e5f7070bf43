"""The period selector: a GET form (bookmarkable, no CSRF) whose errors come from period.parse_period."""
from __future__ import annotations

from wtforms import RadioField, StringField
from wtforms.validators import Length, Optional

from stomi_app.forms import BaseForm, clean_text_filter
from stomi_app.i18n import lazy_gettext as _l
from usage_statistics.period import Period, PeriodError, parse_period

KIND_CHOICES = [("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year")), ("custom", _l("Your own period"))]


class PeriodForm(BaseForm):
    class Meta:
        csrf = False

    kind = RadioField(_l("Period"), choices=KIND_CHOICES, default="month", validate_choice=False)
    month = StringField(_l("Which month"), description=_l("For example 2026-03"), validators=[Optional(), Length(max=20)])
    quarter = StringField(_l("Which quarter"), description=_l("For example 2026-Q1"), validators=[Optional(), Length(max=20)])
    year = StringField(_l("Which year"), description=_l("For example 2026"), validators=[Optional(), Length(max=20)])
    from_ = StringField(_l("From"), description=_l("For example 2026-01-15"), validators=[Optional(), Length(max=20)])
    to = StringField(_l("To (inclusive)"), description=_l("For example 2026-03-31"), validators=[Optional(), Length(max=20)])

    def __init__(self, args):
        super().__init__(args)
        # "from" is a Python keyword: the field is from_ in code and "from" in the URL and the page.
        self.from_.name = self.from_.id = "from"
        self.from_.data = clean_text_filter(args.get("from", self.from_.data))  # read past the form's own filters

    def period(self, today=None) -> Period | None:
        """The chosen period, or None with the message put next to the field it concerns."""
        try:
            period = parse_period(self._args(), today)
        except PeriodError as exc:
            target = self.from_ if exc.field == "from" else self[exc.field]
            target.errors = list(target.errors) + [exc.message]
            return None
        self.show(period)
        return period

    def _args(self) -> dict:
        return {"kind": self.kind.raw_data[0] if self.kind.raw_data else "", "month": self.month.data,
                "quarter": self.quarter.data, "year": self.year.data, "from": self.from_.data, "to": self.to.data}

    def show(self, period: Period) -> None:
        """Fill the fields with the period shown, so the form says what the page shows."""
        self.kind.data = period.kind
        if period.kind == "month":
            self.month.data = period.key
        elif period.kind == "quarter":
            self.quarter.data = period.key
        elif period.kind == "year":
            self.year.data = period.key
        else:
            self.from_.data, self.to.data = period.start.isoformat(), period.last_day.isoformat()
