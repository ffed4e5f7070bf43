"""The monthly invoice run, credit notes and the gap-free number series: each invoice is one transaction.

For each municipality the run (1) checks that the month has no valid invoice yet, (2) builds the lines from the
SQL aggregates of invoicing.charges, (3) takes the next number from the counter row, locked FOR UPDATE, (4) renders
and stores the PDF, UBL XML and CSV, and (5) commits. Anything that fails before the commit rolls the whole
municipality back, number included, so the series has no gaps and nothing is half-saved. Running a month again
finds every valid invoice in place and changes nothing; a correction is a credit note (which frees the month for
that municipality) followed by a new run.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

from flask_babel import force_locale, gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from stdnum import ean

from invoicing.charges import MonthCharges, build_lines, gather, vat_breakdown
from invoicing.fees import InvoicingError, month_end, next_month, schedule_for_month
from invoicing.models import FeeSchedule, Invoice, InvoiceCounter, InvoiceDocument, InvoiceKind, InvoiceLine
from invoicing.pdf import render_pdf
from invoicing.seller import seller
from invoicing.spec import OrderRow, render_csv
from invoicing.ubl import render_xml
from stomi_app import audit
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Municipality, User
from stomi_app.timeutil import local_today
from stomi_app.reference import municipality_facts

COUNTER = "invoice"
MEDIA_TYPES = {"pdf": "application/pdf", "xml": "application/xml", "csv": "text/csv; charset=utf-8"}


@dataclass
class MunicipalityResult:
    code: int
    name: str
    status: str  # issued | already | error
    number: int | None = None
    lines: int = 0
    net_oere: int = 0
    vat_oere: int = 0
    total_oere: int = 0
    message: str = ""


@dataclass
class RunResult:
    month: date
    results: list[MunicipalityResult] = field(default_factory=list)

    @property
    def issued(self) -> list[MunicipalityResult]:
        return [r for r in self.results if r.status == "issued"]

    @property
    def errors(self) -> list[MunicipalityResult]:
        return [r for r in self.results if r.status == "error"]


def current_key(municipality_id: int, month_start: date) -> str:
    return f"{municipality_id}:{month_start:%Y-%m}"


def next_number() -> int:
    """The next invoice/credit-note number; the counter row stays locked until this transaction ends.

    One UPDATE … RETURNING both locks the row and takes the number (one round trip per invoice); the row is
    created on first use, and a concurrent creator makes us lock theirs.
    """
    bump = (update(InvoiceCounter).where(InvoiceCounter.name == COUNTER)
            .values(last_number=InvoiceCounter.last_number + 1).returning(InvoiceCounter.last_number))
    number = db.session.scalar(bump, execution_options={"synchronize_session": False})
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(InvoiceCounter(name=COUNTER, last_number=0))
        except IntegrityError:
            pass  # another transaction made it first: lock theirs
        number = db.session.scalar(bump, execution_options={"synchronize_session": False})
    return number


def valid_gln(value: str | None) -> bool:
    return bool(value) and len(value) == 13 and ean.is_valid(value)


@lru_cache(maxsize=1)
def _municipality_places() -> dict[int, tuple[str, str]]:
    return {f.code: (f.city, f.postcode) for f in municipality_facts()}


def buyer_place(municipality: Municipality) -> tuple[str, str]:
    """(city, postcode) of the municipality's town hall town, from the shipped reference data."""
    return _municipality_places().get(municipality.code, (municipality.name, ""))


def check_month(month_start: date, today: date | None = None) -> None:
    today = today or local_today()
    if next_month(month_start) > today:
        raise InvoicingError(_l("%(month)s is not over yet: a month is invoiced from the 1st of the next month.",
                                month=month_start.strftime("%Y-%m")), "month")


def _note(invoice: Invoice) -> str:
    if invoice.is_credit_note:
        return _("Credit note for invoice %(number)s. Reason: %(reason)s",
                 number=invoice.credits_invoice.number, reason=invoice.reason)
    return _("Stoma supplies delivered to citizens of %(name)s and the service centre's fees, %(month)s.",
             name=invoice.buyer_name, month=invoice.month_label)


def filename(invoice: Invoice, kind: str) -> str:
    stem = "kreditnota" if invoice.is_credit_note else "faktura"
    return f"{stem}-{invoice.number}-{invoice.municipality.code}-{invoice.month_label}.{kind}"


def attach_documents(invoice: Invoice, *, schedule: FeeSchedule | None, orders: list[OrderRow],
                     citizens: list[tuple[str, str]], lines: Sequence | None = None) -> None:
    """Render the PDF, XML and CSV (always in Danish) and store them with the (flushed) invoice.

    They are inserted with one Core statement, not as ORM objects flushed with RETURNING; `invoice.documents`
    loads them when read.
    """
    s = seller()
    city, postcode = buyer_place(invoice.municipality)
    lines = invoice.lines if lines is None else lines
    with force_locale("da"):
        note = _note(invoice)
        contents = {
            "pdf": render_pdf(invoice, s, buyer_city=city, buyer_postcode=postcode, note=note,
                              credited=invoice.credits_invoice, lines=lines),
            "xml": render_xml(invoice, s, buyer_city=city, buyer_postcode=postcode, note=note,
                              credited=invoice.credits_invoice, lines=lines),
            "csv": render_csv(invoice, schedule=schedule, orders=orders, citizens=citizens, lines=lines),
        }
    db.session.execute(insert(InvoiceDocument.__table__), [
        {"invoice_id": invoice.id, "kind": kind, "filename": filename(invoice, kind), "media_type": MEDIA_TYPES[kind],
         "content": content, "sha256": hashlib.sha256(content).hexdigest()} for kind, content in contents.items()])
    db.session.expire(invoice, ["documents"])


def issue_invoice(municipality: Municipality, month_start: date, charges: MonthCharges, schedule: FeeSchedule, *,
                  by: User | None = None, today: date | None = None) -> tuple[Invoice, int]:
    """One municipality's invoice for the month, numbered and with its lines and documents, and its number of
    lines; the caller commits."""
    if not valid_gln(municipality.ean_gln):
        raise InvoicingError(_l("%(name)s has no valid EAN number (GLN): add it before the municipality can be invoiced.",
                                name=municipality.name))
    today = today or local_today()
    drafts = build_lines(charges, schedule)
    if not drafts:
        raise InvoicingError(_l("Nothing to invoice."))
    invoice = Invoice(
        kind=InvoiceKind.INVOICE, municipality=municipality, period_start=month_start, period_end=month_end(month_start),
        issue_date=today, due_date=today + timedelta(days=seller().payment_days),
        current_key=current_key(municipality.id, month_start),
        buyer_name=f"{municipality.name} Kommune", buyer_gln=municipality.ean_gln, buyer_cvr=municipality.cvr,
        buyer_reference=municipality.invoice_reference or f"STOMI-{municipality.code}",
        order_reference=f"STOMI-{month_start:%Y-%m}-{municipality.code}",
        fee_schedule_id=schedule.id, deliveries=charges.deliveries + charges.express_deliveries,
        created_by_id=getattr(by, "id", None), net_oere=0, vat_oere=0, total_oere=0,
    )
    lines = [LineRow(position, d.kind, d.article_number, d.description, d.quantity, d.unit_code, d.unit_price_oere,
                     d.base_quantity, d.net_oere, d.vat_rate_pct) for position, d in enumerate(drafts, start=1)]
    _set_totals(invoice, lines)
    # The number is taken first (the counter row stays locked until commit); a concurrent run for the same month
    # then fails on the unique current_key at the flush, and its rollback gives the number back.
    invoice.number = next_number()
    db.session.add(invoice)
    db.session.flush()
    _store_lines(invoice, lines)
    attach_documents(invoice, schedule=schedule, orders=charges.orders, citizens=charges.grant_citizens, lines=lines)
    return invoice, len(lines)


def _set_totals(invoice: Invoice, lines: Sequence) -> None:
    invoice.net_oere = sum(line.net_oere for line in lines)
    invoice.vat_oere = sum(vat for _rate, _taxable, vat in vat_breakdown(lines))
    invoice.total_oere = invoice.net_oere + invoice.vat_oere


class LineRow(NamedTuple):
    """An invoice line as the run stores and renders it: the columns of invoice_line after its invoice_id."""

    position: int
    kind: str
    article_number: str | None
    description: str
    quantity: int
    unit_code: str
    unit_price_oere: int
    base_quantity: int
    net_oere: int
    vat_rate_pct: int


LINE_COLUMNS = LineRow._fields


def _store_lines(invoice: Invoice, lines: list[LineRow]) -> None:
    """Insert the lines in bulk: COPY on PostgreSQL, one executemany elsewhere; `invoice.lines` loads them when read.

    A national invoice has hundreds of lines; flushed one ORM object at a time they were a quarter of the run, and
    even a bulk INSERT sends and plans each row: COPY streams them in one go, inside the invoice's transaction.
    """
    connection = db.session.connection()
    table = InvoiceLine.__table__
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(c) for c in ("invoice_id", *LINE_COLUMNS))
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
                for line in lines:
                    copy.write_row((invoice.id, *line))
    else:
        db.session.execute(insert(table), [{"invoice_id": invoice.id, **line._asdict()} for line in lines])
    db.session.expire(invoice, ["lines"])


def preflight(month_start: date, today: date | None = None) -> FeeSchedule:
    """What a run needs before it starts (the month is over, a fee period covers it): its fee schedule, or a refusal
    naming the month field. A page asks before it queues a run, the run asks again when it starts."""
    check_month(month_start, today)
    schedule = schedule_for_month(month_start)
    if schedule is None:
        raise InvoicingError(_l("No fee period covers %(month)s: add one under fees before the run.",
                                month=month_start.strftime("%Y-%m")), "month")
    return schedule


def run_month(month_start: date, *, by: User | None = None, today: date | None = None,
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Invoice every municipality with something to pay for the month; each municipality commits on its own."""
    schedule = preflight(month_start, today)
    result = RunResult(month_start)
    keys = set(db.session.scalars(select(Invoice.current_key).where(Invoice.period_start == month_start,
                                                                     Invoice.current_key.is_not(None))))
    charges = gather(month_start, schedule)
    municipalities = {m.id: m for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(charges)))}
    ordered = sorted(charges, key=lambda m_id: municipalities[m_id].code)
    pending = {m_id for m_id in ordered if current_key(m_id, month_start) not in keys}
    schedule_id = schedule.id
    for done, m_id in enumerate(ordered, start=1):
        municipality = db.session.get(Municipality, m_id)
        outcome = MunicipalityResult(municipality.code, municipality.name, "already")
        if m_id in pending:
            try:
                invoice, line_count = issue_invoice(
                    municipality, month_start, charges[m_id], db.session.get(FeeSchedule, schedule_id), by=by,
                    today=today)
                outcome = MunicipalityResult(municipality.code, municipality.name, "issued", invoice.number,
                                             line_count, invoice.net_oere, invoice.vat_oere, invoice.total_oere)
                db.session.commit()
            except InvoicingError as exc:
                db.session.rollback()
                outcome.status, outcome.message = "error", str(exc)
            except IntegrityError:
                db.session.rollback()  # a concurrent run issued it first
                outcome.message = str(_l("Issued by another run at the same time."))
            except Exception:
                db.session.rollback()  # nothing of this municipality is saved; invoices already committed stand
                raise
        if outcome.status == "already" and not outcome.number:
            existing = db.session.scalar(select(Invoice).where(Invoice.current_key == current_key(m_id, month_start)))
            if existing is not None:
                outcome.number, outcome.lines = existing.number, len(existing.lines)
                outcome.net_oere, outcome.vat_oere, outcome.total_oere = existing.net_oere, existing.vat_oere, existing.total_oere
        result.results.append(outcome)
        if progress:
            progress(done, len(ordered))
    return result


def credit_invoice(number: int, *, reason: str, by: User | None = None, today: date | None = None) -> Invoice:
    """A credit note for the whole invoice; the month is then free for a corrected invoice. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise InvoicingError(_l("Write why the invoice is credited."), "reason")
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number).with_for_update())
    if invoice is None:
        raise InvoicingError(_l("There is no invoice number %(number)s.", number=number))
    if invoice.is_credit_note:
        raise InvoicingError(_l("%(number)s is a credit note; only invoices can be credited.", number=number))
    if credit_note_for(invoice) is not None:
        raise InvoicingError(_l("Invoice %(number)s has already been credited.", number=number))
    today = today or local_today()
    number_taken = next_number()
    note = Invoice(
        number=number_taken, kind=InvoiceKind.CREDIT_NOTE, municipality=invoice.municipality, period_start=invoice.period_start,
        period_end=invoice.period_end, issue_date=today, due_date=today + timedelta(days=seller().payment_days),
        current_key=None, credits_invoice=invoice, reason=reason, buyer_name=invoice.buyer_name,
        buyer_gln=invoice.buyer_gln, buyer_cvr=invoice.buyer_cvr, buyer_reference=invoice.buyer_reference,
        order_reference=invoice.order_reference, fee_schedule_id=invoice.fee_schedule_id, deliveries=invoice.deliveries,
        net_oere=invoice.net_oere, vat_oere=invoice.vat_oere, total_oere=invoice.total_oere,
        created_by_id=getattr(by, "id", None),
    )
    for line in invoice.lines:
        note.lines.append(InvoiceLine(position=line.position, kind=line.kind, article_number=line.article_number,
                                      description=line.description, quantity=line.quantity, unit_code=line.unit_code,
                                      unit_price_oere=line.unit_price_oere, base_quantity=line.base_quantity,
                                      net_oere=line.net_oere, vat_rate_pct=line.vat_rate_pct))
    invoice.current_key = None
    db.session.add(note)
    db.session.flush()
    attach_documents(note, schedule=None, orders=[], citizens=[])
    return note


def credit_note_for(invoice: Invoice) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.credits_invoice_id == invoice.id))


def invoiced_months(municipality_id: int) -> dict[date, int]:
    """The municipality's months with a valid (not credited) invoice: first day of the month → invoice number.

    Their figures stand as issued: a change that would make a new run count them differently (a grant moved into
    or out of such a month changes its citizen fee) waits for the FSC's credit note, which frees the month."""
    return dict(db.session.execute(
        select(Invoice.period_start, Invoice.number)
        .where(Invoice.municipality_id == municipality_id, Invoice.kind == InvoiceKind.INVOICE,
               Invoice.current_key.is_not(None))).all())


def mark_sent(invoice: Invoice, *, by: User | None = None) -> Invoice:
    """Mark the invoice sent to the municipality, once (audited); an invoice sent before is left as it was."""
    if invoice.sent_at is None:
        invoice.sent_at, invoice.sent_by_id = utcnow(), getattr(by, "id", None)
        audit.record(by, "invoice_mark_sent", "invoicing", detail=f"{invoice.number} ({invoice.month_label})")
        db.session.flush()
    return invoice


def write_documents(invoice: Invoice, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for document in invoice.documents:
        path = out_dir / document.filename
        path.write_bytes(document.content)
        paths.append(path)
    return paths


@dataclass
class MonthTotal:
    month: date
    invoices: int
    credit_notes: int
    net_oere: int
    vat_oere: int
    total_oere: int
    unsent: int


def month_totals(limit: int = 24) -> list[MonthTotal]:
    """Per month, newest first: invoices less credit notes, in one GROUP BY."""
    rows = db.session.execute(
        select(Invoice.period_start, Invoice.kind, func.count(), func.sum(Invoice.net_oere), func.sum(Invoice.vat_oere),
               func.sum(Invoice.total_oere), func.count(Invoice.id).filter(Invoice.sent_at.is_(None)))
        .group_by(Invoice.period_start, Invoice.kind)
    ).all()
    months: dict[date, MonthTotal] = {}
    for month, kind, count, net, vat, total, unsent in rows:
        t = months.setdefault(month, MonthTotal(month, 0, 0, 0, 0, 0, 0))
        factor = -1 if kind is InvoiceKind.CREDIT_NOTE else 1
        if factor < 0:
            t.credit_notes += count
        else:
            t.invoices += count
        t.net_oere += factor * int(net or 0)
        t.vat_oere += factor * int(vat or 0)
        t.total_oere += factor * int(total or 0)
        t.unsent += int(unsent or 0)
    return sorted(months.values(), key=lambda t: t.month, reverse=True)[:limit]
