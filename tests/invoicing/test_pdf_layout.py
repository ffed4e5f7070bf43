"""The invoice PDF's own pagination: every line and every word of it, the header row and "page N of M" on each page."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from invoicing.charges import vat_breakdown
from invoicing.models import Invoice, InvoiceKind, InvoiceLine
from invoicing.pdf import render_pdf
from invoicing.seller import seller

LONG = ("Stomipose med ekstra lang beskrivelse til test af ombrydning, filter, udluftning og hudvenlig klæber "
        "i flere varianter til brug dag og nat")


def _invoice(descriptions: list[str]) -> Invoice:
    lines = [InvoiceLine(position=n, kind="product", article_number=f"ART-{n:05d}", description=text, quantity=n,
                         unit_code="H87", unit_price_oere=10_000 + n, base_quantity=1, net_oere=n * (10_000 + n),
                         vat_rate_pct=25)
             for n, text in enumerate(descriptions, start=1)]
    net = sum(line.net_oere for line in lines)
    vat = sum(v for _rate, _taxable, v in vat_breakdown(lines))
    return Invoice(number=4711, kind=InvoiceKind.INVOICE, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31),
                   issue_date=date(2026, 6, 2), due_date=date(2026, 7, 2), buyer_name="Aarhus Kommune",
                   buyer_gln="5798007510008", buyer_cvr="27510000", buyer_reference="STOMI-751",
                   order_reference="STOMI-2026-05-751", net_oere=net, vat_oere=vat, total_oere=net + vat, lines=lines)


def _pages(invoice: Invoice) -> list[str]:
    """Each page's text, its words separated by single spaces (each cell is a string of its own in the PDF)."""
    with force_locale("da"):
        pdf = render_pdf(invoice, seller(), buyer_city="Aarhus C", buyer_postcode="8000", note="Maj 2026.")
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _words(text: str) -> list[str]:
    """The words of a text less numbers and amounts: a row's first line has its amounts right of the description."""
    return [w for w in text.split() if not re.fullmatch(r"[\d.,%]+|kr\.|ART-\d+", w)]


def _contains_in_order(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


@pytest.mark.usefixtures("ctx")
def test_a_long_invoice_has_every_line_the_header_on_each_page_and_page_numbers():
    invoice = _invoice([f"Produkt nummer {n}" if n % 7 else f"{LONG} ({n})" for n in range(1, 181)])
    pages = _pages(invoice)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert text.endswith(f"Faktura 4711, side {number} af {len(pages)}"), text[-80:]  # "side N af M"
        assert "Fælles Servicecenter for Stomihjælpemidler · CVR 41234563" in text
        assert "Nr. Varenr. Beskrivelse Antal Enhedspris Moms Beløb" in text or number == len(pages)
    text = " ".join(pages)
    words = _words(text)
    for line in invoice.lines:  # each line whole: its article, quantity, price, VAT, amount and every word in order
        assert _contains_in_order(words, _words(line.description)), line.description
    last = pages[-1]
    total = f"{invoice.total_oere // 100:,}".replace(",", ".") + f",{invoice.total_oere % 100:02d} kr."
    assert f"I alt inkl. moms (DKK) {total}" in last
    assert "Betalingsbetingelser: Netto 30 dage" in last
    rows = re.findall(r"(\d+) ART-(\d{5}) ", text)
    assert rows == [(str(n), f"{n:05d}") for n in range(1, 181)]  # every line once, in order, none repeated
    assert "7 ART-00007 Stomipose med ekstra lang beskrivelse til test af 7 100,07 kr. 25 % 700,49 kr. " \
           "ombrydning, filter, udluftning og hudvenlig klæber i flere varianter til brug dag og nat (7)" in text


@pytest.mark.usefixtures("ctx")
def test_a_wrapped_description_at_a_page_break_moves_whole_to_the_next_page():
    moved = 0
    for short_lines in range(20, 40):  # somewhere in here the long line meets the first page's end
        invoice = _invoice(["Pose"] * short_lines + [LONG * 2] + ["Pose"] * 3)
        assert len(invoice.lines[short_lines].description) > 200  # several lines in its cell
        pages = _pages(invoice)
        holding = [n for n, text in enumerate(pages) if _contains_in_order(_words(text), _words(LONG * 2))]
        assert len(holding) == 1, short_lines  # all of its words on one page, in order …
        assert f"{short_lines + 1} ART-{short_lines + 1:05d} Stomipose" in pages[holding[0]]  # … with its row
        if holding[0] == 1 and f"ART-{short_lines:05d}" in pages[0]:
            moved += 1  # the line before it ended page 1
    assert moved >= 1  # some of these put it at the foot of page 1


@pytest.mark.usefixtures("ctx")
def test_a_description_longer_than_a_page_continues_on_the_next_page_without_losing_a_word():
    description = " ".join(f"ord{n}" for n in range(1, 1201))  # ~100 wrapped lines: more than a page holds
    invoice = _invoice(["Pose", description, "Pose"])
    pages = _pages(invoice)
    assert len(pages) >= 2
    words = " ".join(pages).split()
    described = [w for w in words if w.startswith("ord")]
    assert described == [f"ord{n}" for n in range(1, 1201)]
    assert sum(text.count("ART-00002") for text in pages) == 1  # the line's other cells are printed once
    for number, text in enumerate(pages, start=1):
        assert text.endswith(f"side {number} af {len(pages)}")


@pytest.mark.usefixtures("ctx")
def test_page_one_sums_up_products_and_fees_apart():
    """Issue 24, staff expect: the bookkeeper sees on page 1 what is products and what is the FSC's fees."""
    invoice = _invoice([f"Produkt {n}" for n in range(1, 80)])
    fee = InvoiceLine(position=80, kind="citizen_fee", article_number=None, description="Gebyr pr. borger", quantity=10,
                      unit_code="EA", unit_price_oere=11_542, base_quantity=1, net_oere=115_420, vat_rate_pct=25)
    invoice.lines.append(fee)
    invoice.net_oere += fee.net_oere
    products = invoice.net_oere - fee.net_oere
    pages = _pages(invoice)
    assert len(pages) > 1
    kr = lambda oere: f"{oere // 100:,}".replace(",", ".") + f",{oere % 100:02d} kr."  # noqa: E731
    assert f"Sammendrag Produkter ekskl. moms {kr(products)} Gebyrer og ydelser ekskl. moms 1.154,20 kr." in pages[0]
    assert "Sammendrag" not in " ".join(pages[1:])
