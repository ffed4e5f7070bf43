"""The invoice or credit note as a PDF (reportlab) a municipal bookkeeper would accept, in Danish."""
from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from babel.numbers import format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from invoicing.charges import percent_label, vat_breakdown
from invoicing.models import Invoice
from invoicing.money import kr
from invoicing.seller import Seller
from invoicing.ubl import payment_terms_text

LOCALE = "da_DK"


money = kr  # the invoice's one format for amounts (invoicing.money.kr)


@lru_cache(maxsize=4096)
def _quantity(value: int) -> str:
    return format_decimal(value, locale=LOCALE)


def _date(day) -> str:
    return day.strftime("%d.%m.%Y")


@lru_cache(maxsize=1)
def _title_style():
    return getSampleStyleSheet()["Title"]


@lru_cache(maxsize=8192)  # product names recur on every municipality's invoice
def _wrapped(text: str, width: float, size: float = 8.5, font: str = "Helvetica") -> str:
    """Plain text broken into lines for a table cell: a fraction of a Paragraph's cost, same look for plain text."""
    return "\n".join(simpleSplit(text, font, size, width))


def render_pdf(invoice: Invoice, s: Seller, *, buyer_city: str, buyer_postcode: str, note: str,
               credited: Invoice | None = None) -> bytes:
    # Plain strings in styled tables instead of Paragraphs: the national run renders ~100 invoices, and
    # Paragraph layout was most of each one's time (see README, Performance).
    buffer = io.BytesIO()
    title = _("Credit note") if invoice.is_credit_note else _("Invoice")
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=f"{title} {invoice.number}", author=s.name)

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"{s.name} · CVR {s.cvr} · {s.email}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("%(title)s %(number)s, page %(page)s",
                                                            title=title, number=invoice.number, page=document.page))
        canvas.restoreState()

    vat_no, phone, ean_label, terms = _("VAT no."), _("Phone"), _("EAN number"), _("Payment terms")
    seller_lines = [s.name, s.street, f"{s.postcode} {s.city}", f"CVR {s.cvr}", f"{vat_no} {s.vat_number}",
                    f"{phone} {s.phone} · {s.email}"]
    buyer_lines = [invoice.buyer_name, f"{buyer_postcode} {buyer_city}", f"{ean_label} {invoice.buyer_gln}",
                   f"CVR {invoice.buyer_cvr}"]
    height = max(len(seller_lines), len(buyer_lines))
    parties = [[seller_lines[i] if i < len(seller_lines) else "", buyer_lines[i] if i < len(buyer_lines) else ""]
               for i in range(height)]
    facts = [
        (_("Credit note number") if invoice.is_credit_note else _("Invoice number"), str(invoice.number)),
        (_("Invoice date"), _date(invoice.issue_date)),
        (_("Due date"), _date(invoice.due_date)),
        (_("Period"), f"{_date(invoice.period_start)} – {_date(invoice.period_end)}"),
        (_("Order reference"), invoice.order_reference),
        (_("Person reference"), invoice.buyer_reference),
    ]
    if credited is not None:
        facts.append((_("Credits invoice"), f"{credited.number} ({_date(credited.issue_date)})"))
    story = [
        Paragraph(escape(f"{title} {invoice.number}"), _title_style()),
        Table(parties, colWidths=[87 * mm, 87 * mm], style=[
            ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.5), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5, 10.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]),
        Spacer(1, 5 * mm),
        Table([list(fact) for fact in facts], colWidths=[40 * mm, 134 * mm], style=[
            ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.5), ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 8.5, 10.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1), ("TOPPADDING", (0, 0), (-1, -1), 1)]),
        Spacer(1, 3 * mm),
        Table([[_wrapped(note, 170 * mm)]], colWidths=[174 * mm], style=[("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.5)]),
        Spacer(1, 4 * mm),
    ]
    rows = [[_("No."), _("Article"), _("Description"), _("Quantity"), _("Unit price"), _("VAT"), _("Amount")]]
    for line in invoice.lines:
        price = money(line.unit_price_oere) + (f" / {line.base_quantity}" if line.base_quantity != 1 else "")
        description = _wrapped(line.description, 65 * mm, 8)
        rows.append([str(line.position), line.article_number or "", description,
                     _quantity(line.quantity), price, f"{line.vat_rate_pct} %", money(line.net_oere)])
    lines_table = Table(rows, colWidths=[9 * mm, 22 * mm, 67 * mm, 16 * mm, 26 * mm, 11 * mm, 23 * mm], repeatRows=1)
    lines_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8, 9.5), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8, 9.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black), ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
    ]))
    story += [lines_table, Spacer(1, 5 * mm)]
    vat_rows = [[_("VAT rate"), _("Taxable amount"), _("VAT")]]
    vat_rows += [[percent_label(rate * 100), money(taxable), money(vat)] for rate, taxable, vat in vat_breakdown(invoice.lines)]
    totals = [
        [_("Total excl. VAT"), money(invoice.net_oere)],
        [_("VAT"), money(invoice.vat_oere)],
        [_("Total incl. VAT") + " (DKK)", money(invoice.total_oere)],
    ]
    story.append(Table([[
        Table(vat_rows, colWidths=[22 * mm, 32 * mm, 28 * mm], style=[
            ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black)]),
        Table(totals, colWidths=[45 * mm, 32 * mm], style=[
            ("FONT", (0, 0), (-1, -1), "Helvetica", 9), ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]),
    ]], colWidths=[90 * mm, 84 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 6 * mm),
              Table([[f"{terms}:", _wrapped(payment_terms_text(invoice, s), 140 * mm)]], colWidths=[30 * mm, 144 * mm], style=[
                  ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5, 10.5), ("FONT", (0, 0), (0, 0), "Helvetica-Bold", 8.5, 10.5),
                  ("VALIGN", (0, 0), (-1, -1), "TOP")])]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
