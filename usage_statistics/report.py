"""The monthly statistics report: one PDF (reportlab, with charts) and one CSV per municipality, stored in the database.

Reports are kept in the `statistics_report` table (one row per municipality and month, PDF and CSV side by side),
not as files under the instance folder: every app server sees them, a database backup keeps them, and the portal
lists and serves them with the same municipality scoping as everything else. Running a month again replaces that
month's documents in place. The figures for all municipalities are computed together (one grouped query per
figure), then each municipality's documents are rendered and committed on their own, so memory stays at one
report and a failure leaves the others stored.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Municipality, Region
from usage_statistics.models import StatisticsReport
from stomi_app.money import whole_kroner
from usage_statistics.charts import COLOURS, nice_ceiling
from usage_statistics.dashboard import build_tables, month_label, months_table_of
from usage_statistics.export import to_csv
from usage_statistics.figures import Benchmark, BenchmarkRow, MunicipalityFigures, Totals, figures_for, monthly
from usage_statistics.period import Period, month_period
from usage_statistics.tables import StatTable, format_cell, is_numeric
from stomi_app.timeutil import add_months, local_today

LOCALE = "da"  # the stored reports are official documents for Danish municipalities
TREND_MONTHS = 12
PAGE_WIDTH = A4[0] - 36 * mm


class ReportError(ValueError):
    pass


@dataclass
class ReportInput:
    figures: MunicipalityFigures
    previous: MunicipalityFigures
    bench: Benchmark
    trend: list[Totals]  # the 12 months up to and including the report's month
    trend_previous: list[Totals]
    trend_months: list[date]


def check_month(month_start: date, today: date | None = None) -> None:
    """A report is made for a month that is over: the 1st of the next month at the earliest."""
    today = today or local_today()
    if add_months(month_start, 1) > today:
        raise ReportError(_("%(month)s is not over yet: a month is reported on from the 1st of the next month.",
                            month=month_start.strftime("%Y-%m")))


# --- charts ---------------------------------------------------------------------------------------------------


def _hex(colour: str):
    return colors.HexColor(colour)


def line_drawing(labels: list[str], current: list[int], previous: list[int], title: str) -> Drawing:
    width, height = PAGE_WIDTH, 70 * mm
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=10))
    chart = HorizontalLineChart()
    # Room below the plot for the slanted month labels, and below those for the legend.
    chart.x, chart.y, chart.width, chart.height = 62, 56, width - 76, height - 76
    chart.data = [tuple(current), tuple(previous)]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    top = nice_ceiling(max(current + previous, default=0))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, top / 4
    chart.valueAxis.labelTextFormat = whole_kroner
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = _hex(COLOURS["current"]), 2
    chart.lines[1].strokeColor, chart.lines[1].strokeWidth = _hex(COLOURS["previous"]), 1.2
    chart.lines[1].strokeDashArray = (4, 3)
    drawing.add(chart)
    # The legend: which line is which.
    y = 4
    drawing.add(Line(62, y + 3, 82, y + 3, strokeColor=_hex(COLOURS["current"]), strokeWidth=2))
    drawing.add(String(86, y, _("This year"), fontName="Helvetica", fontSize=7))
    drawing.add(Line(160, y + 3, 180, y + 3, strokeColor=_hex(COLOURS["previous"]), strokeWidth=1.2, strokeDashArray=(4, 3)))
    drawing.add(String(184, y, _("A year earlier"), fontName="Helvetica", fontSize=7))
    return drawing


def bar_drawing(names: list[str], values: list[int], title: str, empty_text: str) -> Drawing:
    rows = max(len(values), 1)
    width, height = PAGE_WIDTH, rows * 16 + 36
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=10))
    if not values:
        drawing.add(String(0, 8, empty_text, fontName="Helvetica", fontSize=9))
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 6, width - 220, height - 26
    # reportlab draws the first category at the bottom: reversed, the largest is on top.
    chart.data = [tuple(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed(names))
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, nice_ceiling(max(values))
    chart.valueAxis.visible = False
    chart.bars[0].fillColor = _hex(COLOURS["current"])
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = whole_kroner
    chart.barLabels.fontSize = 7
    chart.barLabels.fontName = "Helvetica"
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


# --- the documents --------------------------------------------------------------------------------------------


# reportlab's Table pads each cell 6 pt left and right unless told otherwise.
CELL_PADDING = 12
HEAD_FONT, BODY_FONT, BODY_SIZE = "Helvetica-Bold", "Helvetica", 7.5


def _column_widths(headers: list[str], size: float, numbers: list[list[str]] | None = None,
                   total: float = PAGE_WIDTH) -> list[float] | None:
    """Widths that give every header word room on a line of its own (headers then wrap only at spaces) and every
    number of a numeric column room on one line (`numbers`: each column's cell texts, empty for a text column),
    sharing what is left as before (the first, naming column 30 %, the rest alike); None when that does not fit at
    this header font size."""
    n = len(headers)
    numbers = numbers or [[] for _ in headers]
    first = 0.3 if n > 2 else 0.5
    preferred = [total * first] + [total * (1 - first) / (n - 1)] * (n - 1)
    least = [max([stringWidth(w, HEAD_FONT, size) for w in h.split()]
                 + [stringWidth(v, BODY_FONT, BODY_SIZE) for v in values] + [0]) + CELL_PADDING + 1
             for h, values in zip(headers, numbers)]
    if sum(least) > total:
        return None
    # Start from the preferred widths; a column too narrow for its longest word takes the room from the others'
    # slack, in proportion to it.
    widths = [max(p, m) for p, m in zip(preferred, least)]
    excess = sum(widths) - total
    if excess > 0:
        slack = [w - m for w, m in zip(widths, least)]
        total_slack = sum(slack)
        widths = [w - excess * s / total_slack for w, s in zip(widths, slack)]
    return widths


def _pdf_table(table: StatTable, styles) -> list:
    numeric = [any(is_numeric(r[i]) for r in table.rows + table.footer if i < len(r)) for i in range(len(table.headers))]
    numbers = [[format_cell(r[i]) for r in table.rows + table.footer if i < len(r)] if numeric[i] and i else []
               for i in range(len(table.headers))]
    size = BODY_SIZE
    widths = _column_widths(table.headers, size, numbers)
    while widths is None and size > 5:  # many long headers: a smaller header font rather than a split word
        size -= 0.5
        widths = _column_widths(table.headers, size, numbers)
    widths = widths or [PAGE_WIDTH / len(table.headers)] * len(table.headers)
    cell = styles["BodyText"].clone("cell", fontSize=BODY_SIZE, leading=9, fontName=BODY_FONT)
    # splitLongWords off: a header word is never broken across lines ("Ekspresbest-illinger"); the widths above
    # leave room for each word.
    head = styles["BodyText"].clone("head", fontSize=size, leading=size * 1.2, fontName=HEAD_FONT, splitLongWords=0)
    right = cell.clone("right", alignment=2)
    head_right = head.clone("head_right", alignment=2)
    data = [[Paragraph(escape(h), head_right if numeric[i] and i else head) for i, h in enumerate(table.headers)]]
    for row in table.rows + table.footer:
        data.append([Paragraph(escape(format_cell(v)), right if numeric[i] and i else cell) for i, v in enumerate(row)])
    if len(data) == 1:
        data.append([Paragraph(escape(_("Nothing in this period.")), cell)] + [""] * (len(table.headers) - 1))
    style = [("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if table.footer:
        style.append(("LINEABOVE", (0, len(data) - len(table.footer)), (-1, len(data) - len(table.footer)), 0.4, colors.black))
    parts = [Paragraph(escape(table.title), styles["Heading3"]), Table(data, colWidths=widths, style=TableStyle(style),
                                                                      repeatRows=1)]
    if table.note:
        parts.append(Paragraph(escape(table.note), styles["BodyText"].clone("note", fontSize=7, leading=8.5)))
    return [KeepTogether(parts), Spacer(1, 4 * mm)]


def render_pdf(data: ReportInput, tables: list[StatTable]) -> bytes:
    f = data.figures
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    title = _("Statistics for %(name)s Municipality, %(month)s", name=f.municipality.name, month=f.period.label())
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title, author=_("The shared service centre (FSC)"))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(18 * mm, 9 * mm, title)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, _("Page %(page)s", page=document.page))
        canvas.restoreState()

    labels = [month_label(m) for m in data.trend_months]
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(_("From the shared service centre (FSC). Figures for %(month)s compared with the same month "
                           "last year; the charts show the last 12 months.", month=f.period.label())), styles["BodyText"]),
        Spacer(1, 3 * mm),
    ]
    story += _pdf_table(tables[0], styles)
    story.append(line_drawing(labels, [t.spend_oere for t in data.trend], [t.spend_oere for t in data.trend_previous],
                              _("Spend per month, the last 12 months")))
    story.append(Spacer(1, 3 * mm))
    cats = sorted(f.categories, key=lambda c: -c.spend_oere)
    story.append(bar_drawing([c.name(LOCALE)[:30] for c in cats], [c.spend_oere for c in cats],
                             _("Spend per product category, %(month)s", month=f.period.label()),
                             _("No orders in this period.")))
    story.append(Spacer(1, 4 * mm))
    for table in tables[1:]:
        story += _pdf_table(table, styles)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _benchmarks(municipalities: list[Municipality], figures: dict[int, MunicipalityFigures]) -> dict[int, Benchmark]:
    """Each region's benchmark from figures already computed: no query per municipality."""
    by_region: dict[int, list[Municipality]] = {}
    for m in municipalities:
        by_region.setdefault(m.region_id, []).append(m)
    result = {}
    for members in by_region.values():
        members.sort(key=lambda m: m.name)
        for m in members:
            rows = [BenchmarkRow(o.id, o.code, o.name, figures[o.id].citizens, figures[o.id].totals.spend_oere,
                                 own=o.id == m.id) for o in members]
            result[m.id] = Benchmark(m.region.name, rows, sum(r.citizens for r in rows), sum(r.spend_oere for r in rows))
    return result


def chosen_count(codes: list[int] | None) -> int:
    query = select(Municipality.code).where(Municipality.active.is_(True))
    return len([c for c in db.session.scalars(query) if codes is None or c in codes])


def report_inputs(month_start: date, codes: list[int] | None = None) -> Iterable[ReportInput]:
    """The figures of every chosen municipality, computed together; benchmarks always see the whole region."""
    everyone = list(db.session.scalars(
        select(Municipality).join(Region).where(Municipality.active.is_(True))
        .options(joinedload(Municipality.region)).order_by(Municipality.name)))
    chosen = [m for m in everyone if codes is None or m.code in codes]
    if codes is not None:
        unknown = sorted(set(codes) - {m.code for m in chosen})
        if unknown:
            raise ReportError(_("Unknown municipality code: %(codes)s", codes=", ".join(map(str, unknown))))
    period = month_period(month_start)
    figures = figures_for(chosen, period)
    previous = figures_for(chosen, period.previous_year())
    regions = {m.region_id for m in chosen}
    peers = [m for m in everyone if m.region_id in regions]
    peer_figures = figures if len(peers) == len(chosen) else figures_for(peers, period, detail=False)
    benches = _benchmarks(peers, peer_figures)
    first = add_months(period.start, -(TREND_MONTHS - 1))
    trend_period = Period("custom", first, period.end, "trend")
    ids = [m.id for m in chosen] if len(chosen) < 200 else None
    trend = monthly(trend_period, ids)
    trend_previous = monthly(trend_period.previous_year(), ids)
    empty = [Totals() for _ in trend_period.months()]
    for m in chosen:
        yield ReportInput(figures[m.id], previous[m.id], benches[m.id], trend.get(m.id, empty),
                          trend_previous.get(m.id, empty), trend_period.months())


def report_tables(data: ReportInput) -> list[StatTable]:
    """The dashboard's tables for the month, but the table per month shows all 12 months up to and including the
    report's month (those of the charts), a month without orders as zeros, not the report's one month alone."""
    tables = build_tables(data.figures, data.previous, data.bench)
    twelve = months_table_of(data.trend_months, data.trend, data.trend_previous)
    twelve.title = _("Orders, packs and spend per month, the last 12 months")
    return [twelve if t.key == "months" else t for t in tables]


def store(data: ReportInput) -> StatisticsReport:
    tables = report_tables(data)
    pdf = render_pdf(data, tables)
    csv = to_csv(tables)
    m, month = data.figures.municipality, data.figures.period.start
    report = db.session.scalar(select(StatisticsReport).where(StatisticsReport.municipality_id == m.id,
                                                              StatisticsReport.month == month))
    if report is None:
        report = StatisticsReport(municipality_id=m.id, month=month)
        db.session.add(report)
    report.pdf, report.csv, report.pdf_sha256, report.created_at = pdf, csv, hashlib.sha256(pdf).hexdigest(), utcnow()
    report.municipality = m
    db.session.flush()
    return report


def run_month(month_start: date, codes: list[int] | None = None, *, out_dir: Path | None = None,
              today: date | None = None, each: Callable[[StatisticsReport], None] | None = None) -> list[StatisticsReport]:
    """Make and store the month's report for each chosen municipality (all active ones by default)."""
    check_month(month_start, today)
    made = []
    with force_locale(LOCALE):
        for data in report_inputs(month_start, codes):
            report = store(data)
            db.session.commit()
            if out_dir is not None:
                out_dir.mkdir(parents=True, exist_ok=True)
                (out_dir / report.filename("pdf")).write_bytes(report.pdf)
                (out_dir / report.filename("csv")).write_bytes(report.csv)
            made.append(report)
            if each is not None:
                each(report)
            # Drop the documents from the session: a national run then holds one report in memory, not 98.
            db.session.expire(report, ["pdf", "csv"])
    return made


def reports_of(municipality_id: int) -> list[StatisticsReport]:
    return list(db.session.scalars(
        select(StatisticsReport).where(StatisticsReport.municipality_id == municipality_id)
        .options(defer(StatisticsReport.pdf), defer(StatisticsReport.csv))  # a list needs no documents
        .order_by(StatisticsReport.month.desc())))


def report_of(municipality_id: int, report_id: int) -> StatisticsReport | None:
    return db.session.scalar(select(StatisticsReport).where(StatisticsReport.id == report_id,
                                                            StatisticsReport.municipality_id == municipality_id))


def month_reports(month_start: date) -> list[StatisticsReport]:
    """Every municipality's stored report for the month (the FSC's list), without the documents."""
    return list(db.session.scalars(
        select(StatisticsReport).join(Municipality, StatisticsReport.municipality_id == Municipality.id)
        .where(StatisticsReport.month == month_start)
        .options(defer(StatisticsReport.pdf), defer(StatisticsReport.csv), joinedload(StatisticsReport.municipality))
        .order_by(Municipality.code)))
