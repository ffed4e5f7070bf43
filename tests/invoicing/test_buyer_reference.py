"""The person reference a municipality's e-invoicing system routes by: set by the FSC administrator, copied onto the
invoice at issue (UBL BuyerReference and the PDF), and a later change never rewrites an issued invoice."""
from __future__ import annotations

from sqlalchemy import select

from invoicing.models import Invoice
from invoicing.run import run_month
from stomi_app.extensions import db
from stomi_app.models import Municipality
from organisation.services import change_municipality
from ordering.services import rules_for
from tests import factories
from tests.fixtures.invoicing import JUNE_2, MAY


def _set_reference(world, code: int, reference: str | None) -> None:
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    rules = rules_for(municipality.id)
    change_municipality(world[factories.Role.FSC_ADMIN], municipality, ean_gln=municipality.ean_gln, cvr=municipality.cvr,
                        active=True, invoice_reference=reference,
                        rules={name: getattr(rules, name) for name in ("intro_months", "intro_max_months_per_order",
                                                                       "max_months_per_order", "min_days_between_orders")})
    db.session.commit()


def test_the_reference_is_copied_onto_the_invoice(world, month):
    _set_reference(world, 751, "  Sundhed og Omsorg   4711 ")
    run_month(MAY, today=JUNE_2)
    invoices = {i.municipality.code: i for i in db.session.scalars(select(Invoice))}
    assert invoices[751].buyer_reference == "Sundhed og Omsorg 4711"
    assert invoices[461].buyer_reference == "STOMI-461"  # none set: the default
    xml = next(d.content for d in invoices[751].documents if d.kind == "xml").decode()
    assert "<cbc:BuyerReference>Sundhed og Omsorg 4711</cbc:BuyerReference>" in xml
    # A later change never rewrites the issued invoice.
    _set_reference(world, 751, None)
    db.session.expire_all()
    assert db.session.get(Invoice, invoices[751].id).buyer_reference == "Sundhed og Omsorg 4711"
