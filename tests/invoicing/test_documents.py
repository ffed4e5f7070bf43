"""The stored documents: Peppol BIS 3 UBL (XSD and business rules, checked one by one), PDF text, CSV reconciliation."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from lxml import etree
from peppol import check_rules, validate_xsd
from pypdf import PdfReader
from sqlalchemy import select
from stdnum import ean

from invoicing.models import Invoice
from invoicing.run import credit_invoice, run_month
from invoicing.ubl import CUSTOMIZATION_ID, PROFILE_ID
from stomi_app.extensions import db
from tests.fixtures.invoicing import JUNE_2, MAY

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
DANISH_PAYMENT_MEANS = {"1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97"}  # DK-R-005


@pytest.fixture
def issued(month):
    run_month(MAY, today=JUNE_2)
    invoices = list(db.session.scalars(select(Invoice).order_by(Invoice.number)))
    note = credit_invoice(invoices[-1].number, reason="Forkert periode", today=JUNE_2)
    db.session.commit()
    return invoices + [note]


def _doc(invoice: Invoice, kind: str) -> bytes:
    return next(d.content for d in invoice.documents if d.kind == kind)


def _amounts(root, path: str) -> list[str]:
    return [e.text for e in root.findall(path, NS)]


def check_business_rules(xml: bytes, invoice: Invoice) -> None:
    """The rules we can check ourselves, each named after its Peppol / EN 16931 identifier."""
    root = etree.fromstring(xml)
    credit = root.tag.endswith("CreditNote")
    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    text = lambda path: root.findtext(path, namespaces=NS)  # noqa: E731
    dec = lambda value: Decimal(value)  # noqa: E731
    assert text("cbc:CustomizationID") == CUSTOMIZATION_ID  # PEPPOL-EN16931-R004
    assert text("cbc:ProfileID") == PROFILE_ID  # PEPPOL-EN16931-R001/R007
    assert text("cbc:ID") == str(invoice.number)  # BR-02
    assert text("cbc:DocumentCurrencyCode") == "DKK"  # BR-05
    assert text("cbc:BuyerReference") and text("cac:OrderReference/cbc:ID")  # PEPPOL-EN16931-R003
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert endpoint.get("schemeID") == "0088" and ean.is_valid(endpoint.text)  # PEPPOL-EN16931-R010, COMMON-R040
    assert root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS) is not None  # PEPPOL-EN16931-R020
    seller_cvr = root.find("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert seller_cvr.get("schemeID") == "0184" and re.fullmatch(r"\d{8}", seller_cvr.text)  # DK-R-002, DK-R-014
    assert text("cac:PaymentMeans/cbc:PaymentMeansCode") in DANISH_PAYMENT_MEANS  # DK-R-005
    assert text("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")  # DK-R-006 (code 42: account …
    assert text("cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")  # … and reg. no.)
    for e in root.iter():  # BR-DEC-*: every amount has exactly two decimals, currency DKK (BR-CL-03)
        if e.get("currencyID") is not None:
            assert e.get("currencyID") == "DKK" and re.fullmatch(r"-?\d+\.\d{2}", e.text), (e.tag, e.text)
        assert (e.text or "").strip() or len(e), f"empty element {e.tag}"  # PEPPOL-EN16931-R008
    lines = root.findall(line_tag, NS)
    assert len(lines) == len(invoice.lines) > 0  # BR-16
    line_sum = sum(dec(l.findtext("cbc:LineExtensionAmount", namespaces=NS)) for l in lines)
    for l in lines:  # PEPPOL-EN16931-R120: line net = quantity × price ÷ base quantity (rounded to 2 decimals)
        quantity = dec(l.findtext("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", namespaces=NS))
        price = dec(l.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        base = dec(l.findtext("cac:Price/cbc:BaseQuantity", default="1", namespaces=NS))
        net = dec(l.findtext("cbc:LineExtensionAmount", namespaces=NS))
        assert (quantity * price / base).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") == net
        assert price >= 0  # BR-27
    totals = "cac:LegalMonetaryTotal/"
    assert dec(text(totals + "cbc:LineExtensionAmount")) == line_sum  # BR-CO-10
    tax = dec(text("cac:TaxTotal/cbc:TaxAmount"))
    assert dec(text(totals + "cbc:TaxExclusiveAmount")) == line_sum  # BR-CO-13 (no allowances or charges)
    assert dec(text(totals + "cbc:TaxExclusiveAmount")) + tax == dec(text(totals + "cbc:TaxInclusiveAmount"))  # BR-CO-15
    assert dec(text(totals + "cbc:TaxInclusiveAmount")) == dec(text(totals + "cbc:PayableAmount"))  # BR-CO-16
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert sum(dec(s.findtext("cbc:TaxAmount", namespaces=NS)) for s in subtotals) == tax  # BR-CO-14
    for s in subtotals:  # BR-CO-17 and BR-S-08: VAT = taxable × rate per rate, and taxable = that rate's lines
        rate = dec(s.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS))
        taxable = dec(s.findtext("cbc:TaxableAmount", namespaces=NS))
        assert (taxable * rate / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") == dec(s.findtext("cbc:TaxAmount", namespaces=NS))
        assert taxable == sum(dec(l.findtext("cbc:LineExtensionAmount", namespaces=NS)) for l in lines
                              if dec(l.findtext("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", namespaces=NS)) == rate)
    assert dec(text(totals + "cbc:PayableAmount")) == Decimal(invoice.total_oere) / 100
    assert dec(text(totals + "cbc:PayableAmount")) >= 0  # DK-R-016 (a credit note is never negative)
    if credit:
        assert text("cbc:CreditNoteTypeCode") == "381"
        assert text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == str(invoice.credits_invoice.number)
    else:
        assert text("cbc:InvoiceTypeCode") == "380" and text("cbc:DueDate")


def test_ubl_passes_the_official_xsd_and_the_rules(issued):
    for invoice in issued:
        xml = _doc(invoice, "xml")
        ok, errors = validate_xsd(xml)
        assert ok, errors
        assert [str(f) for f in check_rules(xml)] == []
        check_business_rules(xml, invoice)
    assert etree.fromstring(_doc(issued[-1], "xml")).tag.endswith("}CreditNote")
    assert etree.fromstring(_doc(issued[0], "xml")).tag.endswith("}Invoice")


def test_pdf_shows_the_same_totals_as_the_xml(issued):
    for invoice in issued:
        pdf = _doc(invoice, "pdf")
        assert pdf.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) >= 1
        text = "\n".join(page.extract_text() for page in reader.pages)
        root = etree.fromstring(_doc(invoice, "xml"))
        payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS))
        danish = f"{payable:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        assert f"{danish} kr." in text
        assert invoice.buyer_gln in text and invoice.buyer_cvr in text and "41234563" in text
        assert str(invoice.number) in text


def test_csv_reconciles_with_the_invoice(issued):
    aarhus = next(i for i in issued if i.municipality.code == 751 and not i.is_credit_note)
    content = _doc(aarhus, "csv")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    amount = 18  # "Amount excl. VAT"
    assert len(header) == 20
    kinds = [r[0] for r in body]
    to_oere = lambda text: int(text.replace(",", ""))  # noqa: E731
    lines = [r for r in body if r[0] == kinds[0]]
    assert sum(to_oere(r[amount]) for r in lines) == aarhus.net_oere
    orders = [r for r in body if r[0] not in (kinds[0], kinds[-1])]
    assert len(orders) == 5  # four charged deliveries and the replacement
    fixed = sum(l.net_oere for l in aarhus.lines if l.kind in ("citizen_fee", "shared_cost"))
    assert sum(to_oere(r[amount]) for r in orders) + fixed == aarhus.net_oere
    citizens = [r for r in body if r[0] == kinds[-1]]
    assert len(citizens) == 2


def test_csv_neutralises_a_formula_in_a_name_and_keeps_negative_amounts_numbers(issued):
    """A citizen named like a formula reaches the bookkeeper's spreadsheet as text; a credit note's amounts stay numbers."""
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from invoicing.spec import OrderRow, render_csv

    row = OrderRow(order_id=7, citizen_name='=HYPERLINK("http://evil","x")', cpr_masked="010150-****",
                   delivered_at=datetime(2026, 5, 4, 10, tzinfo=timezone.utc), express=False, is_replacement=False,
                   products_oere=-45000, lines=1, plates=0, admin_fee_oere=0)
    schedule = SimpleNamespace(cutting_fee_oere=0, warehouse_fee_oere=0, delivery_fee_oere=0, express_delivery_fee_oere=0)
    content = render_csv(SimpleNamespace(number="F-1", lines=[]), schedule=schedule, orders=[row],
                         citizens=[("@SUM(A1)", "010150-****")], lines=[])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][5] == '\'=HYPERLINK("http://evil","x")' and rows[2][5] == "'@SUM(A1)"
    assert rows[1][11] == "-450,00" and rows[1][18] == "-450,00"
    credit = next(i for i in issued if i.is_credit_note)
    body = list(csv.reader(io.StringIO(_doc(credit, "csv").decode("utf-8-sig")), delimiter=";"))[1:]
    assert body and not any(cell.startswith("'") for r in body for cell in r)  # nothing in a real document is formula-like
