"""The FSC's fee schedule: periods of whole months that never overlap, with the documented default amounts.

Default amounts (2026 prices, excl. VAT), chosen from the planning documents and market practice:

| fee | default | why |
|---|---|---|
| hole-cutting, per cut plate | 2,50 kr. | the logistics provider's piece price for cutting to measure |
| delivery, per normal shipment | 59,00 kr. | a parcel to the home within 2 working days (carrier B2C price) |
| delivery, per express shipment | 149,00 kr. | next working day |
| warehouse, per picked line | 8,50 kr. | pick and pack of one order line |
| administration fee, per delivery | 5 % of the delivery's products | "FSC may add 5 % per delivery" |
| per citizen with a grant, per year | 1.385,00 kr. | Midtjylland's fee; 1/12 charged per month |

A period starts on the 1st of a month and ends on the last day of a month (or runs until further notice), so
every month falls in exactly one period or in none (a gap, which stops the invoice run for that month).
Adding a period until further notice after an open-ended one ends the open-ended one the day before; any
other overlap is refused. Fees of a month that has been invoiced cannot change: credit the invoices first.

A period can be changed or deleted until an invoice has used it; from then on only a new period (from a month not
yet invoiced) changes the fees, and the refusal names the invoice. Deleting the newest period until further notice
reopens the one it ended, undoing what adding it did.

**Bounds** (excl. VAT; FEE_MAXIMUM_OERE). Each fee is at most about a hundred times its default, rounded: room for
any real price change, while a slip of the keyboard (999.999.999.999.999,00 kr. was once accepted) is refused.

| fee | at most |
|---|---|
| hole-cutting, per cut plate | 250,00 kr. |
| delivery, per normal shipment | 10.000,00 kr. |
| delivery, per express shipment | 10.000,00 kr. |
| warehouse, per picked line | 1.000,00 kr. |
| administration fee | 100 % |
| per citizen with a grant, per year | 100.000,00 kr. |
| VAT | 0–100 % |
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from invoicing.models import FeeSchedule, Invoice, InvoiceKind
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import User
from stomi_app.money import format_money
from stomi_app.userinput import FIRST_YEAR


class InvoicingError(DomainError):
    """A rule of invoicing said no; `field` names the form field when there is one."""

    def __init__(self, message, field: str | None = None):
        super().__init__({field or "": message})
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FeeAmounts:
    cutting_fee_oere: int = 250
    delivery_fee_oere: int = 5_900
    express_delivery_fee_oere: int = 14_900
    warehouse_fee_oere: int = 850
    admin_fee_basis_points: int = 500
    citizen_fee_yearly_oere: int = 138_500
    vat_rate_pct: int = 25


DEFAULT_FEES = FeeAmounts()
# The largest amount of each fee in øre (the table in this module's docstring says why).
FEE_MAXIMUM_OERE = {
    "cutting_fee_oere": 250_00,
    "delivery_fee_oere": 10_000_00,
    "express_delivery_fee_oere": 10_000_00,
    "warehouse_fee_oere": 1_000_00,
    "citizen_fee_yearly_oere": 100_000_00,
}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def parse_month(text: str) -> date:
    """'2026-05' → date(2026, 5, 1); anything else is refused."""
    match = _MONTH.match((text or "").strip())
    # Fee periods are planned years ahead and the run says itself that a future month is not over, so only years
    # nothing was invoiced in and the calendar's last year are refused (month 9999-12 has no next month: a 500).
    if not match or not 1 <= int(match.group(2)) <= 12 or not FIRST_YEAR <= int(match.group(1)) < date.max.year:
        raise InvoicingError(_l("Write the month as YYYY-MM, e.g. 2026-05."), "month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(month_start: date) -> date:
    return month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])


def next_month(month_start: date) -> date:
    return month_end(month_start) + timedelta(days=1)


def schedules() -> list[FeeSchedule]:
    return list(db.session.scalars(select(FeeSchedule).order_by(FeeSchedule.valid_from.desc())))


def schedule_for_month(month_start: date) -> FeeSchedule | None:
    """The period that covers the whole month (periods are whole months, so it is the one covering the 1st)."""
    return db.session.scalar(
        select(FeeSchedule).where(FeeSchedule.valid_from <= month_start,
                                  or_(FeeSchedule.valid_to.is_(None), FeeSchedule.valid_to >= month_end(month_start)))
    )


def _overlapping(valid_from: date, valid_to: date | None) -> list[FeeSchedule]:
    query = select(FeeSchedule).where(or_(FeeSchedule.valid_to.is_(None), FeeSchedule.valid_to >= valid_from))
    if valid_to is not None:
        query = query.where(FeeSchedule.valid_from <= valid_to)
    return list(db.session.scalars(query.order_by(FeeSchedule.valid_from)))


def _check_period(valid_from: date, valid_to: date | None, amounts: FeeAmounts) -> None:
    """The rules every fee period keeps, new or changed: whole months, amounts within bounds, no invoiced month."""
    if valid_from.day != 1:
        raise InvoicingError(_l("A fee period starts on the 1st of a month."), "valid_from")
    if valid_to is not None and (valid_to != month_end(valid_to) or valid_to < valid_from):
        raise InvoicingError(_l("A fee period ends on the last day of a month, on or after its start."), "valid_to")
    for name, value in vars(amounts).items():
        if value < 0:
            raise InvoicingError(_l("Fees cannot be negative."), name)
        if name in FEE_MAXIMUM_OERE and value > FEE_MAXIMUM_OERE[name]:
            raise InvoicingError(_l("The amount can be at most %(max)s", max=format_money(FEE_MAXIMUM_OERE[name])), name)
    if amounts.admin_fee_basis_points > 10_000:
        raise InvoicingError(_l("The administration fee cannot exceed 100 percent."), "admin_fee_basis_points")
    if not 0 <= amounts.vat_rate_pct <= 100:
        raise InvoicingError(_l("The VAT rate must be between 0 and 100 percent."), "vat_rate_pct")
    last_invoiced = db.session.scalar(
        select(func.max(Invoice.period_end)).where(Invoice.kind == InvoiceKind.INVOICE, Invoice.current_key.is_not(None))
    )
    if last_invoiced is not None and valid_from <= last_invoiced:
        raise InvoicingError(_l("Months up to %(month)s have been invoiced: a new fee period must start after that.",
                                month=last_invoiced.strftime("%Y-%m")), "valid_from")


def _overlap_error(other: FeeSchedule) -> InvoicingError:
    until = other.valid_to.isoformat() if other.valid_to else _l("until further notice")
    return InvoicingError(_l("The period overlaps the fee period %(start)s – %(end)s.",
                             start=other.valid_from.isoformat(), end=until), "valid_from")


def add_schedule(*, valid_from: date, valid_to: date | None = None, amounts: FeeAmounts = DEFAULT_FEES,
                 by: User | None = None, note: str = "") -> FeeSchedule:
    """A new fee period; ends an open-ended earlier period the day before, refuses any other overlap."""
    _check_period(valid_from, valid_to, amounts)
    overlapping = _overlapping(valid_from, valid_to)
    if (len(overlapping) == 1 and overlapping[0].valid_to is None and overlapping[0].valid_from < valid_from
            and valid_to is None):
        # The usual price change: the period "until further notice" ends where the new one begins. A closed new
        # period would leave a gap after it, so that is an overlap like any other.
        overlapping[0].valid_to = valid_from - timedelta(days=1)
        overlapping = []
    if overlapping:
        raise _overlap_error(overlapping[0])
    schedule = FeeSchedule(valid_from=valid_from, valid_to=valid_to, created_by_id=getattr(by, "id", None),
                           note=(note or "").strip(), **vars(amounts))
    db.session.add(schedule)
    db.session.flush()
    return schedule


def schedule_by_start(valid_from: date) -> FeeSchedule | None:
    """The period that begins in the month of `valid_from` (periods never overlap: at most one)."""
    return db.session.scalar(select(FeeSchedule).where(FeeSchedule.valid_from == valid_from.replace(day=1)))


def used_by(schedule: FeeSchedule) -> Invoice | None:
    """The first invoice (or credit note) whose fees came from this period; None while none has used it."""
    return db.session.scalar(select(Invoice).where(Invoice.fee_schedule_id == schedule.id).order_by(Invoice.id).limit(1))


def _refuse_if_used(schedule: FeeSchedule) -> None:
    invoice = used_by(schedule)
    if invoice is not None:
        raise InvoicingError(_l("Invoice %(number)s has used the fee period %(period)s, so it can no longer be changed "
                                "or deleted. Add a new fee period from a month not yet invoiced instead.",
                                number=invoice.number, period=_period_label(schedule)))


def _period_label(schedule: FeeSchedule) -> str:
    until = schedule.valid_to.strftime("%Y-%m") if schedule.valid_to else _l("until further notice")
    return f"{schedule.valid_from:%Y-%m} – {until}"


def change_schedule(schedule: FeeSchedule, *, valid_from: date, valid_to: date | None, amounts: FeeAmounts,
                    note: str = "") -> FeeSchedule:
    """Correct a period no invoice has used: its months and amounts, by the rules a new period keeps; it may not
    come to overlap another period."""
    _refuse_if_used(schedule)
    _check_period(valid_from, valid_to, amounts)
    others = [s for s in _overlapping(valid_from, valid_to) if s.id != schedule.id]
    if others:
        raise _overlap_error(others[0])
    schedule.valid_from, schedule.valid_to, schedule.note = valid_from, valid_to, (note or "").strip()
    for name, value in vars(amounts).items():
        setattr(schedule, name, value)
    db.session.flush()
    return schedule


def delete_schedule(schedule: FeeSchedule) -> None:
    """Delete a period no invoice has used. The newest one until further notice reopens the period it ended (the one
    ending the day before it), as if it had never been added; any other leaves a gap the run will point out."""
    _refuse_if_used(schedule)
    if schedule.valid_to is None:
        ended = db.session.scalar(select(FeeSchedule).where(FeeSchedule.valid_to == schedule.valid_from - timedelta(days=1)))
        if ended is not None:
            ended.valid_to = None
    db.session.delete(schedule)
    db.session.flush()
