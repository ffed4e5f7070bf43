"""Peppol BIS Billing 3.0 (UBL 2.1) XML for an invoice or a credit note, built from the stored invoice."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask_babel import gettext as _
from lxml import etree as ET  # libxml2 serialises in C: the ElementTree serialiser was most of the XML's time

from invoicing.charges import vat_breakdown
from invoicing.models import Invoice
from invoicing.seller import Seller
from stomi_app.money import ubl_amount

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
GLN_SCHEME, CVR_SCHEME = "0088", "0184"  # ISO 6523 ICD: GS1 GLN; Danish CVR (DIGSTORG)
PAYMENT_MEANS_BANK_ACCOUNT = "42"  # payment to a bank account: allowed for Danish suppliers (DK-R-005), reg. no. + account
CURRENCY = "DKK"


def _cbc(parent, name: str, text, **attrs) -> ET._Element:
    element = ET.SubElement(parent, f"{{{NS['cbc']}}}{name}", {k: str(v) for k, v in attrs.items()})
    element.text = str(text)
    return element


def _cac(parent, name: str) -> ET._Element:
    return ET.SubElement(parent, f"{{{NS['cac']}}}{name}")


def _money(parent, name: str, oere: int) -> ET._Element:
    return _cbc(parent, name, ubl_amount(oere), currencyID=CURRENCY)


def _tax_category(parent, name: str, rate: int) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", "S" if rate > 0 else "Z")  # standard rate, or zero rated
    _cbc(category, "Percent", rate)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _address(parent, street: str | None, city: str, postcode: str) -> None:
    address = _cac(parent, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    _cbc(address, "CityName", city)
    _cbc(address, "PostalZone", postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", "DK")


def _supplier(root, s: Seller) -> None:
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    _cbc(party, "EndpointID", f"DK{s.cvr}", schemeID=CVR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", s.name)
    _address(party, s.street, s.city, s.postcode)
    tax = _cac(party, "PartyTaxScheme")
    _cbc(tax, "CompanyID", s.vat_number)
    _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", s.name)
    _cbc(legal, "CompanyID", s.cvr, schemeID=CVR_SCHEME)
    contact = _cac(party, "Contact")
    _cbc(contact, "Telephone", s.phone)
    _cbc(contact, "ElectronicMail", s.email)


def _customer(root, invoice: Invoice, city: str, postcode: str) -> None:
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    _cbc(party, "EndpointID", invoice.buyer_gln, schemeID=GLN_SCHEME)
    _cbc(_cac(party, "PartyIdentification"), "ID", invoice.buyer_gln, schemeID=GLN_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", invoice.buyer_name)
    _address(party, None, city, postcode)
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", invoice.buyer_name)
    _cbc(legal, "CompanyID", invoice.buyer_cvr, schemeID=CVR_SCHEME)


def render_xml(invoice: Invoice, s: Seller, *, buyer_city: str, buyer_postcode: str, note: str,
               credited: Invoice | None = None, lines: Sequence | None = None) -> bytes:
    """The document as UTF-8 bytes; elements in the order the UBL 2.1 schema requires.

    `lines` are the invoice's lines when the caller has them at hand (the run), else `invoice.lines`.
    """
    lines = invoice.lines if lines is None else lines
    credit = invoice.is_credit_note
    root_name = "CreditNote" if credit else "Invoice"
    # The document's own namespace as the default one (<Invoice xmlns="…">), as in Peppol's examples.
    root = ET.Element(f"{{{NS[root_name]}}}{root_name}", nsmap={None: NS[root_name], "cac": NS["cac"], "cbc": NS["cbc"]})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if not credit:
        _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    _cbc(root, "Note", note)
    _cbc(root, "DocumentCurrencyCode", CURRENCY)
    _cbc(root, "BuyerReference", invoice.buyer_reference)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", invoice.period_start.isoformat())
    _cbc(period, "EndDate", invoice.period_end.isoformat())
    _cbc(_cac(root, "OrderReference"), "ID", invoice.order_reference)
    if credited is not None:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", credited.number)
        _cbc(reference, "IssueDate", credited.issue_date.isoformat())
    _supplier(root, s)
    _customer(root, invoice, buyer_city, buyer_postcode)
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", PAYMENT_MEANS_BANK_ACCOUNT)
    if credit:
        _cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
    _cbc(means, "PaymentID", invoice.number)
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", s.bank_account)
    _cbc(account, "Name", s.name)
    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", s.bank_reg)
    _cbc(_cac(root, "PaymentTerms"), "Note", payment_terms_text(invoice, s))

    breakdown = vat_breakdown(lines)
    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", sum(v for _r, _t, v in breakdown))
    for rate, taxable, vat in breakdown:
        subtotal = _cac(tax_total, "TaxSubtotal")
        _money(subtotal, "TaxableAmount", taxable)
        _money(subtotal, "TaxAmount", vat)
        _tax_category(subtotal, "TaxCategory", rate)
    totals = _cac(root, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", invoice.net_oere)
    _money(totals, "TaxExclusiveAmount", invoice.net_oere)
    _money(totals, "TaxInclusiveAmount", invoice.total_oere)
    _money(totals, "PayableAmount", invoice.total_oere)

    copy_line = _line_prototype(credit).__deepcopy__  # what copy.deepcopy calls, without its memo bookkeeping
    for line in lines:
        element = copy_line(None)
        (_line, number, quantity, net, item, name, identification, article, _category, category, percent, _scheme,
         _vat, price, price_amount, base_quantity) = element.iter()
        number.text = str(line.position)
        quantity.text = str(line.quantity)
        quantity.set("unitCode", line.unit_code)
        net.text = ubl_amount(line.net_oere)
        name.text = line.description[:200]
        if line.article_number:
            article.text = line.article_number
        else:
            item.remove(identification)
        category.text = "S" if line.vat_rate_pct > 0 else "Z"
        percent.text = str(line.vat_rate_pct)
        price_amount.text = ubl_amount(line.unit_price_oere)
        if line.base_quantity != 1:
            base_quantity.text = str(line.base_quantity)
            base_quantity.set("unitCode", line.unit_code)
        else:
            price.remove(base_quantity)
        root.append(element)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@lru_cache(maxsize=2)
def _line_prototype(credit: bool) -> ET._Element:
    """An invoice (or credit note) line with every element and the fixed texts, to be copied and filled in per line.

    lxml copies a subtree in C: one deepcopy and a few assignments cost a third of making the line's fifteen
    elements one SubElement call at a time, and a region's run writes thousands of lines. Element order as
    UBL 2.1 requires; the optional article number and base quantity are removed from the copy when not needed.
    """
    element = ET.Element(f"{{{NS['cac']}}}{'CreditNoteLine' if credit else 'InvoiceLine'}",
                         nsmap={"cac": NS["cac"], "cbc": NS["cbc"]})
    _cbc(element, "ID", "")
    _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", "")
    _cbc(element, "LineExtensionAmount", "", currencyID=CURRENCY)
    item = _cac(element, "Item")
    _cbc(item, "Name", "")
    _cbc(_cac(item, "SellersItemIdentification"), "ID", "")
    _tax_category(item, "ClassifiedTaxCategory", 0)
    price = _cac(element, "Price")
    _cbc(price, "PriceAmount", "", currencyID=CURRENCY)
    _cbc(price, "BaseQuantity", "")
    return element


def payment_terms_text(invoice: Invoice, s: Seller) -> str:
    """The payment terms in the language in force (documents are rendered under force_locale("da"))."""
    if invoice.is_credit_note:
        number = invoice.credits_invoice.number if invoice.credits_invoice else ""
        return _("Credit note for invoice %(number)s: the amount is set off or paid back.", number=number)
    return _("Net %(days)s days, at the latest %(due)s, to %(bank)s reg. no. %(reg)s account %(account)s; "
             "state invoice number %(number)s.", days=s.payment_days, due=invoice.due_date.strftime("%d.%m.%Y"),
             bank=s.bank_name, reg=s.bank_reg, account=s.bank_account, number=invoice.number)
