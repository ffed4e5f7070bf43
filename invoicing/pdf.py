"""The invoice or credit note as a PDF (reportlab) a municipal bookkeeper would accept, in Danish.

The document is drawn straight on reportlab's canvas, with the page breaks worked out here, instead of through
platypus (SimpleDocTemplate, nested Tables): the monthly run renders every municipality's invoice, hundreds of
pages, and platypus' generic table layout (measuring, splitting and styling every cell again on every page) cost
more than the drawing itself (see README, Performance). The layout is the one the platypus version had: A4,
18 mm side margins, the blocks and the lines table 174 mm wide, 8 pt lines 9.5 pt apart, shaded every other line,
the header row repeated on each page and the seller, the invoice and "page N of M" in each page's footer.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import lru_cache

from babel.numbers import format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from invoicing.charges import percent_label, vat_breakdown
from invoicing.models import Invoice
from invoicing.seller import Seller
from invoicing.ubl import payment_terms_text
from stomi_app.money import document_kr

LOCALE = "da_DK"

money = document_kr  # the invoice's one format for amounts (stomi_app.money.document_kr)

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, WIDTH = 18 * mm, 174 * mm  # every block's left edge and width: 18 mm margins on both sides
TOP, BOTTOM = PAGE_HEIGHT - 16 * mm - 6, 18 * mm + 6  # where the page's content starts and must end
FOOTER_Y = 10 * mm
PAD = 6  # a cell's left and right padding: text starts 6 pt inside its column
FUZZ = 1e-6
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
SHADE = colors.HexColor("#f2f2f2")

# The lines table: No., article, description, quantity, unit price, VAT, amount; the last four right-aligned.
LINE_SIZE, LINE_LEADING, LINE_PADDING = 8, 9.5, 3  # font size, line distance, padding above and below a row's text
COLUMN_WIDTHS = tuple(w * mm for w in (9, 22, 67, 16, 26, 11, 23))
COLUMN_LEFTS = tuple(LEFT + sum(COLUMN_WIDTHS[:i]) for i in range(len(COLUMN_WIDTHS)))
TEXT_X = tuple(left + PAD for left in COLUMN_LEFTS)  # left-aligned text starts here …
TEXT_RIGHT = tuple(left + w - PAD for left, w in zip(COLUMN_LEFTS, COLUMN_WIDTHS))  # … right-aligned text ends here
RIGHT_ALIGNED = 3  # columns from this one on
DESCRIPTION = 2
DESCRIPTION_WRAP = 65 * mm
HEADER_HEIGHT = LINE_LEADING + 2 * LINE_PADDING

# The blocks around it: 8.5 pt text 10.5 pt apart.
SIZE, LEADING = 8.5, 10.5


@lru_cache(maxsize=4096)
def _quantity(value: int) -> str:
    return format_decimal(value, locale=LOCALE)


def _date(day) -> str:
    return day.strftime("%d.%m.%Y")


@lru_cache(maxsize=8192)  # product names recur on every municipality's invoice
def _wrapped(text: str, width: float, size: float = SIZE, font: str = REGULAR) -> tuple[str, ...]:
    """Plain text broken into lines at spaces, none wider than `width` (a word longer than that stays whole)."""
    return tuple(simpleSplit(text, font, size, width)) or ("",)


@lru_cache(maxsize=16384)  # prices, quantities and the VAT rate recur on every page
def _width(value: str, font: str, size: float) -> float:
    return stringWidth(value, font, size)


class _Sheet:
    """The canvas of one document and the page being drawn.

    A page's text goes into one text object (a cell is a move and a string in it, not a text object of its own as
    with canvas.drawString), drawn over the page's shaded rows and rules when the page is finished.
    """

    def __init__(self, canvas: Canvas, footer_left: str, footer_right: Callable[[int], str]):
        self.canvas, self.footer_left, self.footer_right = canvas, footer_left, footer_right
        self.page = 1
        self._start()

    def _start(self) -> None:
        self.text = self.canvas.beginText()
        self.font: tuple[str, float] | None = None
        self.shaded: list[tuple[float, float]] = []  # (bottom, height) of full-width shaded rows
        self.rules: list[tuple[float, float, float, float]] = []  # (x1, x2, y, line width)

    def set_font(self, font: str, size: float) -> None:
        if self.font != (font, size):
            self.text.setFont(font, size)
            self.font = (font, size)

    # Each string is placed by its own origin, so textLine (which only adds a line feed, T*) serves: textOut
    # would measure every string to advance a cursor nobody uses.
    def left(self, x: float, y: float, value: str) -> None:
        if value:
            self.text.setTextOrigin(x, y)
            self.text.textLine(value)

    def right(self, x: float, y: float, value: str) -> None:
        if value:
            self.text.setTextOrigin(x - _width(value, *self.font), y)
            self.text.textLine(value)

    def finish_page(self) -> None:
        canvas = self.canvas
        if self.shaded:
            canvas.setFillColor(SHADE)
            path = canvas.beginPath()
            for bottom, height in self.shaded:
                path.rect(LEFT, bottom, WIDTH, height)
            canvas.drawPath(path, stroke=0, fill=1)
            canvas.setFillColor(colors.black)
        for x1, x2, y, width in self.rules:
            canvas.setLineWidth(width)
            canvas.line(x1, y, x2, y)
        canvas.drawText(self.text)
        canvas.setFont(REGULAR, 7.5)
        canvas.drawString(LEFT, FOOTER_Y, self.footer_left)
        # "page N of M": M is known only when the last page is done, so each page draws a form filled in by close()
        # (a PDF XObject), in the room of three digits at the right edge.
        canvas.drawRightString(LEFT + WIDTH - PAGES_ROOM, FOOTER_Y, self.footer_right(self.page))
        canvas.doForm(PAGES_FORM)
        canvas.showPage()

    def new_page(self) -> float:
        self.finish_page()
        self.page += 1
        self._start()
        return TOP

    def close(self) -> None:
        """Finish the last page and write the number of pages into every page's footer."""
        self.finish_page()
        canvas = self.canvas
        canvas.beginForm(PAGES_FORM)
        canvas.setFont(REGULAR, 7.5)
        canvas.drawString(LEFT + WIDTH - PAGES_ROOM + _width(" ", REGULAR, 7.5), FOOTER_Y, str(self.page))
        canvas.endForm()
        canvas.save()


PAGES_FORM = "pages"
PAGES_ROOM = stringWidth(" 000", "Helvetica", 7.5)  # the footer's room for the number of pages


def _lines_header(sheet: _Sheet, y: float, labels: list[str]) -> float:
    sheet.set_font(BOLD, LINE_SIZE)
    baseline = y - LINE_PADDING - LINE_SIZE
    for column, label in enumerate(labels):
        if column >= RIGHT_ALIGNED:
            sheet.right(TEXT_RIGHT[column], baseline, label)
        else:
            sheet.left(TEXT_X[column], baseline, label)
    y -= HEADER_HEIGHT
    sheet.rules.append((LEFT, LEFT + WIDTH, y, 0.6))
    sheet.set_font(REGULAR, LINE_SIZE)
    return y


def _lines_table(sheet: _Sheet, y: float, labels: list[str], rows: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> float:
    """The lines, as many as fit on each page under the repeated header row; returns where the table ends.

    A line that does not fit under the last one on a page starts the next page; only a line taller than a whole
    page (a description of dozens of lines) is split, its description continuing on the next page.
    """
    first_height = len(rows[0][1]) * LINE_LEADING + 2 * LINE_PADDING if rows else 0
    if y - HEADER_HEIGHT - first_height < BOTTOM - FUZZ and y < TOP:
        y = sheet.new_page()  # not even the header and the first line fit: the table starts on the next page
    y = _lines_header(sheet, y, labels)
    on_page = 0
    right, left, x, x_right = sheet.right, sheet.left, TEXT_X, TEXT_RIGHT
    for index, (cells, description) in enumerate(rows):
        shaded, first, remaining = index % 2 == 1, True, description
        while remaining:
            room = int((y - BOTTOM - 2 * LINE_PADDING + FUZZ) // LINE_LEADING)  # description lines that fit
            if room < len(remaining) and (on_page or room < 1):
                y = _lines_header(sheet, sheet.new_page(), labels)
                on_page = 0
                continue
            part, remaining = remaining[:room], remaining[room:]
            height = len(part) * LINE_LEADING + 2 * LINE_PADDING
            if shaded:
                sheet.shaded.append((y - height, height))
            baseline = y - LINE_PADDING - LINE_SIZE
            if first:  # in reading order: the first line left to right, then the rest of the description
                left(x[0], baseline, cells[0])
                left(x[1], baseline, cells[1])
                left(x[DESCRIPTION], baseline, part[0])
                for column in range(RIGHT_ALIGNED, len(cells)):
                    right(x_right[column], baseline, cells[column])
                part = part[1:]
                baseline -= LINE_LEADING
                first = False
            for text in part:
                left(x[DESCRIPTION], baseline, text)
                baseline -= LINE_LEADING
            y -= height
            on_page += 1
    return y


def _closing_block(sheet: _Sheet, y: float, space: float, height: float) -> float:
    """Where a block of `height` that must stay on one page starts: `space` below y, or at the next page's top."""
    if y - space - height < BOTTOM - FUZZ:
        return sheet.new_page()
    return y - space


def _totals(sheet: _Sheet, y: float, vat_rows: list[list[str]], totals: list[list[str]]) -> float:
    """The VAT breakdown (left) and the totals (right) side by side, each a small table with 3 pt cell padding."""
    vat_height = 1.2 * SIZE + 2 * LINE_PADDING  # 8.5 pt rows at 1.2 × the size
    total_heights = [1.2 * 9 + 2 * LINE_PADDING] * (len(totals) - 1) + [1.2 * 10 + 2 * LINE_PADDING]
    y = _closing_block(sheet, y, 5 * mm, max(vat_height * len(vat_rows), sum(total_heights)) + 2 * LINE_PADDING)
    top = y - LINE_PADDING
    x0 = LEFT + PAD
    widths = (22 * mm, 32 * mm, 28 * mm)
    row_top = top
    for number, row in enumerate(vat_rows):
        sheet.set_font(BOLD if number == 0 else REGULAR, SIZE)
        baseline = row_top - LINE_PADDING - SIZE
        sheet.left(x0 + PAD, baseline, row[0])
        sheet.right(x0 + widths[0] + widths[1] - PAD, baseline, row[1])
        sheet.right(x0 + sum(widths) - PAD, baseline, row[2])
        row_top -= vat_height
        if number == 0:
            sheet.rules.append((x0, x0 + sum(widths), row_top, 0.6))
    vat_bottom = row_top
    x0 = LEFT + 90 * mm + PAD
    widths = (45 * mm, 32 * mm)
    row_top = top
    for number, ((label, value), height) in enumerate(zip(totals, total_heights)):
        last = number == len(totals) - 1
        size = 10 if last else 9
        if last:
            sheet.rules.append((x0, x0 + sum(widths), row_top, 0.8))
        sheet.set_font(BOLD if last else REGULAR, size)
        baseline = row_top - LINE_PADDING - size
        sheet.left(x0 + PAD, baseline, label)
        sheet.right(x0 + sum(widths) - PAD, baseline, value)
        row_top -= height
    return min(vat_bottom, row_top) - LINE_PADDING


def _payment_terms(sheet: _Sheet, y: float, label: str, text: str) -> float:
    label_width = max(30 * mm, stringWidth(label, BOLD, SIZE) + 2 * PAD + 2)
    lines = _wrapped(text, WIDTH - label_width - 2 * PAD)
    y = _closing_block(sheet, y, 6 * mm, len(lines) * LEADING + 2 * LINE_PADDING)
    baseline = y - LINE_PADDING - SIZE
    sheet.set_font(BOLD, SIZE)
    sheet.left(LEFT + PAD, baseline, label)
    sheet.set_font(REGULAR, SIZE)
    for line in lines:
        sheet.left(LEFT + label_width + PAD, baseline, line)
        baseline -= LEADING
    return y - len(lines) * LEADING - 2 * LINE_PADDING


def render_pdf(invoice: Invoice, s: Seller, *, buyer_city: str, buyer_postcode: str, note: str,
               credited: Invoice | None = None, lines: Sequence | None = None) -> bytes:
    """The document as PDF bytes; `lines` are the invoice's lines when the caller has them at hand (the run)."""
    lines = invoice.lines if lines is None else lines
    buffer = io.BytesIO()
    title = invoice.kind_label
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"{title} {invoice.number}")
    canvas.setAuthor(s.name)
    sheet = _Sheet(canvas, f"{s.name} · CVR {s.cvr} · {s.email}",
                   lambda page: _("%(title)s %(number)s, page %(page)s of", title=title, number=invoice.number, page=page))

    # Title, the two parties, the invoice's facts and the note.
    y = TOP
    sheet.set_font(BOLD, 18)
    heading = f"{title} {invoice.number}"
    sheet.left((PAGE_WIDTH - stringWidth(heading, BOLD, 18)) / 2, y - 18, heading)
    y -= 22 + 6
    vat_no, phone, ean_label, terms = _("VAT no."), _("Phone"), _("EAN number"), _("Payment terms")
    seller_lines = [s.name, s.street, f"{s.postcode} {s.city}", f"CVR {s.cvr}", f"{vat_no} {s.vat_number}",
                    f"{phone} {s.phone} · {s.email}"]
    buyer_lines = [invoice.buyer_name, f"{buyer_postcode} {buyer_city}", f"{ean_label} {invoice.buyer_gln}",
                   f"CVR {invoice.buyer_cvr}"]
    for x, party in ((LEFT + PAD, seller_lines), (LEFT + 87 * mm + PAD, buyer_lines)):
        for number, line in enumerate(party):  # the parties' names in bold
            sheet.set_font(BOLD if number == 0 else REGULAR, SIZE)
            sheet.left(x, y - SIZE - number * LEADING, line)
    y -= max(len(seller_lines), len(buyer_lines)) * LEADING + 5 * mm
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
    for label, value in facts:
        sheet.set_font(BOLD, SIZE)
        sheet.left(LEFT + PAD, y - 1 - SIZE, label)
        sheet.set_font(REGULAR, SIZE)
        sheet.left(LEFT + 40 * mm + PAD, y - 1 - SIZE, value)
        y -= LEADING + 2
    y -= 3 * mm
    note_lines = _wrapped(note, WIDTH - 2 * PAD)
    for number, line in enumerate(note_lines):
        sheet.left(LEFT + PAD, y - LINE_PADDING - SIZE - number * LEADING, line)
    y -= len(note_lines) * LEADING + 2 * LINE_PADDING + 4 * mm

    # The summary on page 1: a bookkeeper books products and the FSC's fees to different accounts.
    products = sum(line.net_oere for line in lines if line.kind in ("product", "replacement"))  # replacements are free products
    summary = [(_("Products excl. VAT"), money(products)), (_("Fees and services excl. VAT"), money(invoice.net_oere - products)),
               (_("VAT"), money(invoice.vat_oere)), (_("Total incl. VAT") + " (DKK)", money(invoice.total_oere))]
    sheet.set_font(BOLD, SIZE)
    sheet.left(LEFT + PAD, y - 1 - SIZE, _("Summary"))
    y -= LEADING + 2
    for label, value in summary:
        sheet.set_font(REGULAR, SIZE)
        sheet.left(LEFT + PAD, y - 1 - SIZE, label)
        sheet.right(LEFT + 90 * mm, y - 1 - SIZE, value)
        y -= LEADING + 2
    y -= 4 * mm

    labels = [_("No."), _("Article"), _("Description"), _("Quantity"), _("Unit price"), _("VAT"), _("Amount")]
    rows = []
    for line in lines:
        price = money(line.unit_price_oere) + (f" / {line.base_quantity}" if line.base_quantity != 1 else "")
        rows.append(((str(line.position), line.article_number or "", "", _quantity(line.quantity), price,
                      f"{line.vat_rate_pct} %", money(line.net_oere)),
                     _wrapped(line.description, DESCRIPTION_WRAP, LINE_SIZE)))
    y = _lines_table(sheet, y, labels, rows)

    vat_rows = [[_("VAT rate"), _("Taxable amount"), _("VAT")]]
    vat_rows += [[percent_label(rate * 100), money(taxable), money(vat)] for rate, taxable, vat in vat_breakdown(lines)]
    totals = [
        [_("Total excl. VAT"), money(invoice.net_oere)],
        [_("VAT"), money(invoice.vat_oere)],
        [_("Total incl. VAT") + " (DKK)", money(invoice.total_oere)],
    ]
    y = _totals(sheet, y, vat_rows, totals)
    _payment_terms(sheet, y, f"{terms}:", payment_terms_text(invoice, s))
    sheet.close()
    return buffer.getvalue()
