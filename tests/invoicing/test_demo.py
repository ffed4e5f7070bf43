"""The demo data's invoices: the default fee period, last month invoiced, every e-invoice valid against the UBL 2.1 XSD."""
from __future__ import annotations

from peppol import check_rules, validate_xsd
from sqlalchemy import func, select

from invoicing.models import FeeSchedule, Invoice, InvoiceDocument
from devtools.demo import generate
from stomi_app.extensions import db


def test_every_demo_invoice_passes_the_xsd(ctx):
    generate(scale="small", seed=7, reset=True, echo=lambda *_: None)
    assert db.session.scalar(select(func.count(FeeSchedule.id))) == 1
    invoices = db.session.scalar(select(func.count(Invoice.id)))
    assert invoices >= 30  # the small demo has deliveries or grants in nearly every municipality
    checked = 0
    for content in db.session.scalars(select(InvoiceDocument.content).where(InvoiceDocument.kind == "xml")):
        ok, errors = validate_xsd(content)
        assert ok, errors
        assert [str(f) for f in check_rules(content)] == []
        checked += 1
    assert checked == invoices
