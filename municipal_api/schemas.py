"""The municipal API's request and response models (pydantic): the one source of its validation and its document."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from stomi_app.apischema import ApiModel, JsonDate, Text
from grants.services import MAX_QUANTITY
from stomi_app.userinput import MAX_AMOUNT_OERE

Period = Literal["month", "quarter", "year"]


class GrantLineIn(ApiModel):
    """One line: a product variant by article number, or a whole category by its code; how many packs per period."""

    article_number: Text(50) | None = Field(default=None, description="The catalogue's article number, e.g. `BBM-00034`.")
    category_code: Text(60) | None = Field(default=None, description="A catalogue category's code; instead of an "
                                                                      "article number.")
    quantity: int = Field(ge=1, le=MAX_QUANTITY, description="Packs per period.")
    period: Period
    price_ceiling_oere: int | None = Field(default=None, ge=1, le=MAX_AMOUNT_OERE,
                                           description="At most this much per period, in øre (1 kr. = 100 øre).")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.article_number is None) == (self.category_code is None):
            raise ValueError("give either article_number or category_code")
        return self


class GrantTerms(ApiModel):
    legal_basis: Text(200) = Field(examples=["Serviceloven § 112"])
    valid_from: JsonDate = Field(description="The first day; at most 3 months back, never before the operation.")
    valid_to: JsonDate | None = Field(default=None, description="The last day (included); none for an open grant.")
    express_per_year: int = Field(default=2, ge=0, le=52)
    reason: Text(2000) = Field(description="Why: the citizen and the grant officers read it in the grant history.")
    decided_by: Text(200) = Field(description="Who decided, as the case system names the case worker; kept in the "
                                              "grant's history beside the system that sent it.")
    lines: list[GrantLineIn] = Field(min_length=1, max_length=30)


class GrantCreate(GrantTerms):
    """A new grant for a citizen of the client's municipality, found by CPR number (never echoed back)."""

    cpr: Text(11) = Field(description="10 digits, with or without a dash. Another municipality's citizen is 404.",
                          examples=["150348-1234"])


class GrantChangeIn(GrantTerms):
    """A new version of the grant: the lines given replace the lines in force; the history keeps who and why."""


class GrantEnd(ApiModel):
    end_date: JsonDate = Field(description="The grant's last day; it stays in force through that day.")
    reason: Text(2000)
    decided_by: Text(200)


class CitizenRef(ApiModel):
    cpr: Text(11) = Field(description="10 digits, with or without a dash.", examples=["150348-1234"])


class GrantLineOut(BaseModel):
    id: int
    article_number: str | None
    category_code: str | None
    quantity: int
    period: Period
    price_ceiling_oere: int | None


class GrantOut(BaseModel):
    id: int
    citizen_id: int = Field(description="The platform's id of the citizen: the orders feed names citizens by it.")
    version: int
    status: Literal["active", "ended"]
    legal_basis: str
    valid_from: date
    valid_to: date | None
    express_per_year: int
    lines: list[GrantLineOut]


class LineUseOut(BaseModel):
    grant_id: int
    line_id: int
    article_number: str | None
    category_code: str | None
    period: Period
    period_first: date
    period_last: date
    granted_quantity: int
    used_quantity: int
    remaining_quantity: int
    price_ceiling_oere: int | None
    used_oere: int
    remaining_oere: int | None


class ConsumptionOut(BaseModel):
    citizen_id: int
    on: date = Field(description="Today in Copenhagen: the periods containing it.")
    lines: list[LineUseOut]


class OrderLineOut(BaseModel):
    article_number: str
    quantity: int
    unit_price_oere: int
    routing: str = Field(description="`within_grant`, or why the line needs a decision (beyond the grant, not granted).")


class OrderOut(BaseModel):
    order_number: str
    citizen_id: int
    status: str
    submitted_at: datetime | None
    delivered_at: datetime | None
    total_oere: int
    lines: list[OrderLineOut]


class OrderChange(BaseModel):
    order_number: str
    citizen_id: int
    from_status: str | None
    to_status: str
    at: datetime


class OrderChangesOut(BaseModel):
    changes: list[OrderChange]
    next_cursor: str = Field(description="Pass it as `cursor` next time: the changes after these, in the same order.")


class AwaitingOut(BaseModel):
    orders: list[OrderOut] = Field(description="Orders beyond the grant (or for a product not granted) waiting for a "
                                               "decision, oldest first.")


class InvoiceOut(BaseModel):
    id: int
    number: int
    kind: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    net_oere: int
    vat_oere: int
    total_oere: int
    documents: dict[str, str] = Field(description="Format → path of the document (`pdf`, `xml` Peppol BIS 3, `csv`).")


class InvoicesOut(BaseModel):
    invoices: list[InvoiceOut]


class TokenRequest(BaseModel):
    """The token endpoint's form (`application/x-www-form-urlencoded`), as RFC 6749 §4.4.2 defines it."""

    grant_type: Literal["client_credentials"]
    scope: str | None = Field(default=None, description="Space-separated; none for every scope the client has.")
    client_id: str | None = Field(default=None, description="Only without HTTP Basic authentication.")
    client_secret: str | None = Field(default=None, description="Only without HTTP Basic authentication.")


class Token(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    """The token endpoint answers errors as RFC 6749 §5.2 says (what OAuth client libraries read), not as problems."""

    error: str
    error_description: str | None = None


class StatisticsReportOut(BaseModel):
    id: int
    month: str = Field(description="`YYYY-MM`, the month reported on.")
    created_at: datetime
    documents: dict[str, str] = Field(description="Format → path of the document (`pdf` with charts, `csv`).")


class StatisticsReportsOut(BaseModel):
    reports: list[StatisticsReportOut]
