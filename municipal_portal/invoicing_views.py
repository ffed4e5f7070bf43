"""The municipality's invoices and credit notes from the FSC, read-only and scoped to the officer's municipality."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from invoicing.models import Invoice
from invoicing.web import document_response
from municipal_portal.blueprint import bp
from stomi_app.extensions import db


def _own_invoices():
    return select(Invoice).where(Invoice.municipality_id == current_user.municipality_id)


@bp.route("/fakturaer")
def invoices():
    rows = list(db.session.scalars(_own_invoices().order_by(Invoice.period_start.desc(), Invoice.number.desc())))
    return render_template("municipal_portal/invoices.html", invoices=rows)


@bp.route("/fakturaer/<int:invoice_id>/<kind>")
def invoice_document(invoice_id: int, kind: str):
    invoice = db.session.scalar(_own_invoices().where(Invoice.id == invoice_id))
    if invoice is None:  # another municipality's invoice does not exist as far as this officer can tell
        abort(404)
    return document_response(invoice, kind)
