"""A month's invoices at once: mark the chosen ones sent, and all their documents in one ZIP."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from invoicing.fees import InvoicingError
from invoicing.models import Invoice, InvoiceDocument
from invoicing.run import mark_sent
from stomi_app import audit
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l

# The stored documents a ZIP may hold, uncompressed: a national month is 98 invoices of about 0.1-0.5 MB each, so
# this is twenty times that; beyond it the archive is refused rather than built in the web process's memory.
MAX_ZIP_CONTENT_BYTES = 200 * 1024 * 1024
ZIP_KINDS = ("pdf", "xml", "csv")


@dataclass
class BulkSent:
    marked: list[Invoice] = field(default_factory=list)
    already_sent: list[Invoice] = field(default_factory=list)


def month_invoices(month: date, ids: list[int] | None = None) -> list[Invoice]:
    """The month's invoices and credit notes by number; with `ids` only those of them (a foreign id is left out)."""
    query = select(Invoice).where(Invoice.period_start == month).order_by(Invoice.number)
    if ids is not None:
        query = query.where(Invoice.id.in_(ids))
    return list(db.session.scalars(query.options(selectinload(Invoice.municipality))))


def _chosen(month: date, ids: list[int] | None, all_of_month: bool) -> list[Invoice]:
    invoices = month_invoices(month, None if all_of_month else list(ids or []))
    if not invoices:
        raise InvoicingError(_l("Choose at least one invoice, or all of the month."), "invoices")
    return invoices


def mark_month_sent(month: date, ids: list[int] | None, *, all_of_month: bool = False, by=None) -> BulkSent:
    """Mark the chosen invoices of `month` sent, each through the single `mark_sent`; those sent before are skipped
    and listed, so the page can say so. Each one marked is audited."""
    result = BulkSent()
    for invoice in _chosen(month, ids, all_of_month):
        if invoice.sent_at is not None:
            result.already_sent.append(invoice)
            continue
        mark_sent(invoice, by=by)  # the one rule, audited there
        result.marked.append(invoice)
    return result


def month_zip(month: date, ids: list[int] | None, *, all_of_month: bool = False, by=None) -> tuple[str, bytes]:
    """(file name, bytes) of one ZIP with each chosen invoice's PDF, Peppol XML and CSV specification, under the
    stored file names (which start with the invoice number). The CSVs name citizens: the download is audited."""
    invoices = _chosen(month, ids, all_of_month)
    invoice_ids = [i.id for i in invoices]
    size = db.session.scalar(select(func.coalesce(func.sum(func.length(InvoiceDocument.content)), 0))
                             .where(InvoiceDocument.invoice_id.in_(invoice_ids)))
    if size > MAX_ZIP_CONTENT_BYTES:
        raise InvoicingError(_l("The documents are too large for one ZIP file: choose fewer invoices."), "invoices")
    buffer = io.BytesIO()
    documents = db.session.scalars(select(InvoiceDocument).where(InvoiceDocument.invoice_id.in_(invoice_ids),
                                                                 InvoiceDocument.kind.in_(ZIP_KINDS)))
    by_invoice = {}
    for document in documents:
        by_invoice.setdefault(document.invoice_id, []).append(document)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            for document in sorted(by_invoice.get(invoice.id, []), key=lambda d: ZIP_KINDS.index(d.kind)):
                archive.writestr(document.filename, document.content)
    label = month.strftime("%Y-%m")
    audit.record(by, "invoice_documents_zip_download", "invoicing",
                 detail=f"{label}: {', '.join(str(i.number) for i in invoices)}"[:2000])
    return f"fakturaer-{label}.zip", buffer.getvalue()
