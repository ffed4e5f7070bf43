"""The day's pick list and cutting list as a PDF (reportlab), for a provider that works from paper."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_date, gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import Variant
from fulfilment.models import InstructionLine, OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.extensions import db
from stomi_app.timeutil import start_of_local_day_utc


@dataclass
class PickRow:
    article_number: str
    gtin: str
    name: str
    pack_size: int
    packs: int = 0
    orders: int = 0

    @property
    def pieces(self) -> int:
        return self.packs * self.pack_size


@dataclass
class CutRow:
    article_number: str
    name: str
    measure: str
    plates: int = 0
    packs: int = 0
    orders: int = 0


@dataclass
class Picklist:
    day: date
    instructions: list[WarehouseInstruction] = field(default_factory=list)
    picks: list[PickRow] = field(default_factory=list)
    cuts: list[CutRow] = field(default_factory=list)

    @property
    def total_packs(self) -> int:
        return sum(row.packs for row in self.picks)

    @property
    def total_plates(self) -> int:
        return sum(row.plates for row in self.cuts)


def picklist_for(day: date) -> Picklist:
    """Instructions made on `day` (Copenhagen time), except those cancelled before sending, summed per variant and measure."""
    instructions = list(db.session.scalars(
        select(WarehouseInstruction)
        .join(OutboxMessage, OutboxMessage.instruction_id == WarehouseInstruction.id)
        .where(WarehouseInstruction.created_at >= start_of_local_day_utc(day),
               WarehouseInstruction.created_at < start_of_local_day_utc(day + timedelta(days=1)),
               OutboxMessage.status != OutboxStatus.CANCELLED)
        .options(selectinload(WarehouseInstruction.lines).selectinload(InstructionLine.variant).selectinload(Variant.product))
        .order_by(WarehouseInstruction.id)
    ))
    picks: dict[str, PickRow] = {}
    cuts: dict[tuple, CutRow] = {}
    orders_per_pick: dict[str, set[int]] = defaultdict(set)
    orders_per_cut: dict[tuple, set[int]] = defaultdict(set)
    for instruction in instructions:
        for line in instruction.lines:
            # The size tells two variants of one product apart on the shelf (a cutting range, a pre-cut or coupling size).
            size = line.variant.size_label
            name = f"{line.variant.product.name}, {size}" if size else line.variant.product.name
            pick = picks.setdefault(line.article_number, PickRow(line.article_number, line.gtin, name, line.pack_size))
            pick.packs += line.quantity
            orders_per_pick[line.article_number].add(instruction.id)
            if line.plates_to_cut:
                key = (line.article_number, *line.cut.sort_key)
                cut = cuts.setdefault(key, CutRow(line.article_number, name, line.cut.label))
                cut.plates += line.plates_to_cut
                cut.packs += line.quantity
                orders_per_cut[key].add(instruction.id)
    for article, row in picks.items():
        row.orders = len(orders_per_pick[article])
    for key, row in cuts.items():
        row.orders = len(orders_per_cut[key])
    return Picklist(day, instructions, [picks[k] for k in sorted(picks)], [cuts[k] for k in sorted(cuts)])


_HEADER = ParagraphStyle("header", fontName="Helvetica-Bold", fontSize=8, leading=9.5)
_HEADER_RIGHT = ParagraphStyle("header-right", parent=_HEADER, alignment=TA_RIGHT)


def _table(rows: list[list], widths: list[float], numeric_from: int | None = None) -> Table:
    # Header cells as paragraphs, so long Danish words wrap instead of running into the next column.
    rows[0] = [Paragraph(escape(str(text)), _HEADER_RIGHT if numeric_from is not None and i >= numeric_from else _HEADER)
               for i, text in enumerate(rows[0])]
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f2f2f2")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def render_pdf(picklist: Picklist, *, compress: bool = True) -> bytes:
    """The PDF, with "page N of M" on every page; `compress=False` keeps the text streams readable (tests read the
    totals from them). Built twice: the first build counts the pages (a day's list is a few pages, so that is cheap)."""
    counted = _render(picklist, compress=compress, pages=None)
    return _render(picklist, compress=compress, pages=counted[1])[0]


def _render(picklist: Picklist, *, compress: bool, pages: int | None) -> tuple[bytes, int]:
    buffer = BytesIO()
    day_text = format_date(picklist.day, "long")
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("Pick list %(date)s", date=picklist.day.isoformat()),
                            author="Stoma supplies – FSC", pageCompression=1 if compress else 0, invariant=1)
    styles = getSampleStyleSheet()
    story = [
        Paragraph(_("Pick list and cutting list, %(date)s", date=day_text), styles["Title"]),
        Paragraph(_("%(count)s instructions. Discreet packaging: no product names or logos on the outside.",
                    count=len(picklist.instructions)), styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(_("Pick list"), styles["Heading2"]),
    ]
    rows = [[_("Article no."), _("GTIN"), _("Product"), _("Pieces per pack"), _("Orders"), _("Packs"), _("Pieces")]]
    rows += [[r.article_number, r.gtin, Paragraph(escape(r.name), styles["BodyText"]), r.pack_size, r.orders, r.packs, r.pieces]
             for r in picklist.picks]
    rows.append([_("Total"), "", "", "", len(picklist.instructions), picklist.total_packs,
                 sum(r.pieces for r in picklist.picks)])
    story.append(_table(rows, [22 * mm, 26 * mm, 48 * mm, 20 * mm, 22 * mm, 20 * mm, 22 * mm], 3))
    story += [Spacer(1, 6 * mm), Paragraph(_("Cutting list"), styles["Heading2"])]
    if picklist.cuts:
        rows = [[_("Article no."), _("Product"), _("Measure"), _("Orders"), _("Packs"), _("Plates to cut")]]
        rows += [[r.article_number, Paragraph(escape(r.name), styles["BodyText"]), r.measure, r.orders, r.packs, r.plates]
                 for r in picklist.cuts]
        rows.append([_("Total"), "", "", "", sum(r.packs for r in picklist.cuts),
                     picklist.total_plates])
        story.append(_table(rows, [22 * mm, 58 * mm, 30 * mm, 22 * mm, 20 * mm, 28 * mm], 3))
    else:
        story.append(Paragraph(_("Nothing to cut."), styles["Normal"]))
    story += [Spacer(1, 6 * mm), Paragraph(_("Orders"), styles["Heading2"])]
    rows = [[_("Order"), _("Deliver by"), _("Postcode"), _("Lines")]]
    for instruction in picklist.instructions:
        lines = "<br/>".join(
            f"{escape(line.article_number)} × {line.quantity}"
            + (f" – {line.cut}: {line.plates_to_cut}" if line.plates_to_cut else "")
            for line in instruction.lines)
        deliver_by = format_date(instruction.requested_delivery_date, "short")
        if instruction.express:
            deliver_by += " " + _("(express)")
        rows.append([instruction.order_number, deliver_by, f"{instruction.delivery_postcode} {instruction.delivery_city}",
                     Paragraph(lines, styles["BodyText"])])
    rows.append([_("Total"), "", "", len(picklist.instructions)])
    story.append(_table(rows, [22 * mm, 30 * mm, 48 * mm, 80 * mm]))

    def footer(canvas, document):
        canvas.setFont("Helvetica", 8)
        text = _("Pick list %(date)s", date=picklist.day.isoformat()) + " · " + (
            _("Page %(page)s of %(pages)s", page=document.page, pages=pages) if pages else _("Page %(page)s", page=document.page))
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, text)

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), doc.page


def render_packing_slip(instruction: WarehouseInstruction, *, compress: bool = True) -> bytes:
    """One order's packing slip, put in the parcel: who it is for, what it holds (size, packs, the cut), no prices.
    Only what the instruction holds, so only what the provider already has (issue 24, staff expect)."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_("Packing slip, order %(number)s", number=instruction.order_number),
                            author="Stoma supplies – FSC", pageCompression=1 if compress else 0, invariant=1)
    styles = getSampleStyleSheet()
    deliver_by = format_date(instruction.requested_delivery_date, "long")
    story = [
        Paragraph(_("Packing slip, order %(number)s", number=instruction.order_number), styles["Title"]),
        Paragraph("<br/>".join(escape(x) for x in (instruction.delivery_name, instruction.delivery_address,
                                                     f"{instruction.delivery_postcode} {instruction.delivery_city}")),
                  styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Deliver by %(day)s", day=deliver_by) + (" " + _("(express)") if instruction.express else "")),
                  styles["Normal"]),
    ]
    if instruction.delivery_note:
        story.append(Paragraph(escape(_("Note to the driver") + ": " + instruction.delivery_note), styles["Normal"]))
    story += [Spacer(1, 6 * mm)]
    rows = [[_("Article no."), _("Product"), _("Packs"), _("Pieces per pack"), _("Cut to")]]
    for line in instruction.lines:
        size = line.variant.size_label
        name = f"{line.variant.product.name}, {size}" if size else line.variant.product.name
        rows.append([line.article_number, Paragraph(escape(name), styles["BodyText"]), line.quantity, line.pack_size,
                     line.cut or "–"])
    rows.append([_("Total"), "", sum(line.quantity for line in instruction.lines), "", ""])
    story += [_table(rows, [24 * mm, 76 * mm, 18 * mm, 28 * mm, 28 * mm], 2), Spacer(1, 6 * mm),
              Paragraph(escape(instruction.packing_note), styles["Normal"])]
    doc.build(story)
    return buffer.getvalue()
