"""Serving a stored invoice document as a download, for the FSC administration and the municipal portal alike."""
from __future__ import annotations

from flask import Response, abort
from flask_login import current_user
from sqlalchemy import select

from invoicing.models import Invoice, InvoiceDocument
from stomi_app import audit
from stomi_app.extensions import db


def document_response(invoice: Invoice, kind: str) -> Response:
    """The document as an attachment; the caller has already checked that the user may see `invoice`."""
    document = db.session.scalar(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id,
                                                               InvoiceDocument.kind == kind))
    if document is None:
        abort(404)
    if kind == "csv":  # the specification names citizens: a staff read of citizens' data
        audit.record(current_user, "invoice_specification_download", "invoicing", detail=document.filename)
    return Response(document.content, mimetype=document.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}"'})
