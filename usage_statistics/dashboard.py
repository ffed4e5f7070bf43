"""A municipality's dashboard and the FSC overview: figures for a period and last year's, as tables and charts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, get_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from stomi_app.extensions import db
from stomi_app.models import Municipality, Region
from stomi_app.money import whole_kroner
from usage_statistics.charts import Bar, BarChart, LineChart, Series
from usage_statistics.figures import MIN_CITIZENS_SHOWN, Benchmark, MunicipalityFigures, Totals, benchmark, figures_for
from usage_statistics.period import Period
from usage_statistics.tables import Money, Share, StatTable, change
from stomi_app.timeutil import local_today


def _locale() -> str:
    return str(get_locale() or "da")


def month_label(month: date) -> str:
    return format_date(month, "MMM y")


@dataclass
class Dashboard:
    municipality: Municipality
    figures: MunicipalityFigures
    previous: MunicipalityFigures
    bench: Benchmark
    tables: list[StatTable] = field(default_factory=list)
    charts: dict = field(default_factory=dict)

    @property
    def period(self) -> Period:
        return self.figures.period

    @property
    def is_empty(self) -> bool:
        return self.figures.is_empty

    def table(self, key: str) -> StatTable:
        return next(t for t in self.tables if t.key == key)


def municipality_dashboard(municipality: Municipality, period: Period, today: date | None = None) -> Dashboard:
    figures = figures_for([municipality], period, today=today)[municipality.id]
    previous = figures_for([municipality], period.previous_year(), today=today)[municipality.id]
    bench = benchmark(municipality, period)
    dash = Dashboard(municipality, figures, previous, bench)
    dash.tables = build_tables(figures, previous, bench)
    dash.charts = build_charts(figures, previous, today)
    return dash


def _share(part: int, whole: int) -> Share | None:
    return Share(part / whole) if whole else None


def _opt_share(value: float | None) -> Share | None:
    return None if value is None else Share(value)


def _pct(value: float | None) -> Share | None:
    """fulfilment.sla's percentages (one decimal) as shares."""
    return None if value is None else Share(value / 100)


def _opt_money(value: int | None) -> Money | None:
    return None if value is None else Money(value)


def summary_table(f: MunicipalityFigures, p: MunicipalityFigures) -> StatTable:
    def row(label, current, previous):
        return [label, current, previous, change(current, previous)]

    return StatTable("summary", _("Key figures"), [_("Figure"), f.period.label(), p.period.label(), _("Change")], [
        row(_("Citizens with a grant"), f.citizens, p.citizens),
        row(_("Orders"), f.totals.orders, p.totals.orders),
        row(_("Packs"), f.totals.units, p.totals.units),
        row(_("Spend excl. VAT"), Money(f.totals.spend_oere), Money(p.totals.spend_oere)),
        row(_("Spend per citizen with a grant"), _opt_money(f.spend_per_citizen_oere), _opt_money(p.spend_per_citizen_oere)),
        [_("Express share"), _opt_share(f.totals.express_share), _opt_share(p.totals.express_share), None],
        [_("Delivered on time"), _pct(f.sla.on_time_pct), _pct(p.sla.on_time_pct), None],
        row(_("Replacement orders (free)"), f.totals.replacement_orders, p.totals.replacement_orders),
    ], note=_("Orders count in the month they were sent, unless rejected or cancelled. Spend is the contract "
              "price at ordering, excl. VAT. Free replacements are not spend."))


def months_table(f: MunicipalityFigures, p: MunicipalityFigures) -> StatTable:
    return months_table_of(f.period.months(), f.months, p.months)


def months_table_of(months: list[date], now_totals: list, before_totals: list) -> StatTable:
    """One row per month given, a month without orders as zeros (its Totals() default)."""
    rows = []
    for month, now, before in zip(months, now_totals, before_totals):
        rows.append([month_label(month), now.orders, now.units, Money(now.spend_oere), now.express_orders,
                     now.replacement_orders, Money(before.spend_oere)])
    return StatTable("months", _("Orders, packs and spend per month"),
                     [_("Month"), _("Orders"), _("Packs"), _("Spend"), _("Express orders"), _("Replacement orders"),
                      _("Spend the same month last year")], rows)


def categories_table(f: MunicipalityFigures) -> StatTable:
    locale = _locale()
    total = sum(c.spend_oere for c in f.categories)
    rows = [[c.name(locale), c.orders, c.units, Money(c.spend_oere), _share(c.spend_oere, total)] for c in f.categories]
    footer = [[_("Total"), None, sum(c.units for c in f.categories), Money(total), Share(1) if total else None]] if rows else []
    return StatTable("categories", _("Spend per product category"),
                     [_("Category"), _("Orders"), _("Packs"), _("Spend"), _("Share of spend")], rows, footer=footer,
                     note=_("An order with products from several categories counts once in each."))


def benchmark_table(bench: Benchmark) -> StatTable:
    rows = []
    for r in bench.rows:
        shown = r.own or r.citizens >= MIN_CITIZENS_SHOWN
        name = _("%(name)s (your municipality)", name=r.name) if r.own else r.name
        rows.append([name, r.citizens if shown else None, _opt_money(r.spend_per_citizen_oere) if shown else None])
    footer = [[_("Average, %(region)s", region=bench.region_name), bench.region_citizens,
               _opt_money(bench.region_average_oere)]]
    return StatTable("benchmark", _("Spend per citizen compared with the region"),
                     [_("Municipality"), _("Citizens with a grant"), _("Spend per citizen")], rows, footer=footer,
                     note=_("Only totals are compared. A municipality with fewer than %(n)s citizens with a grant is "
                            "shown as –.", n=MIN_CITIZENS_SHOWN))


def utilisation_table(f: MunicipalityFigures) -> StatTable:
    u = f.utilisation
    rows = [[_("Over %(share)s of the grant", share="100 %"), u.over, _share(u.over, u.citizens)],
            [_("%(low)s to %(high)s of the grant", low="50 %", high="100 %"), u.between, _share(u.between, u.citizens)],
            [_("Under %(share)s of the grant", share="50 %"), u.under_half, _share(u.under_half, u.citizens)]]
    on = format_date(f.utilisation_on, "d. MMMM y") if f.utilisation_on else ""
    return StatTable("utilisation", _("Grant utilisation on %(day)s", day=on),
                     [_("Utilisation"), _("Citizens"), _("Share")], rows,
                     footer=[[_("Citizens with a grant line in force"), u.citizens, Share(1) if u.citizens else None]],
                     note=_("Each grant line is measured in its own period (month, quarter or year). Over: at least "
                            "one line above 100 %. Under 50 %: every line below half."))


def approvals_table(f: MunicipalityFigures, p: MunicipalityFigures) -> StatTable:
    a, b = f.approvals, p.approvals
    return StatTable("approvals", _("Requests and their outcome"),
                     [_("Request"), _("Total"), _("Approved"), _("Rejected"), _("Cancelled"), _("Still open"),
                      _("Total last year")], [
                         [_("Orders beyond the grant"), a.requests, a.approved, a.rejected, a.cancelled, a.waiting, b.requests],
                         [_("Product changes"), a.changes, a.changes_approved, a.changes_rejected, None, a.changes_open, b.changes],
                     ])


def delivery_table(f: MunicipalityFigures, p: MunicipalityFigures) -> StatTable:
    def row(label, s):
        return [label, s.delivered, s.on_time, _pct(s.on_time_pct), s.express_delivered,
                _pct(s.express_on_time_pct), s.average_working_days]

    return StatTable("delivery", _("Deliveries against the logistics contract"),
                     [_("Period"), _("Delivered"), _("On time"), _("On-time share"), _("Express delivered"),
                      _("Express on time"), _("Average working days")],
                     [row(f.period.label(), f.sla), row(p.period.label(), p.sla)],
                     note=_("On time: delivered on or before the delivery date promised when the order was accepted."))


def products_table(f: MunicipalityFigures) -> StatTable:
    rows = [[p.article_number, p.product_name, p.units, Money(p.spend_oere)] for p in f.products]
    return StatTable("products", _("Top products by spend"),
                     [_("Article number"), _("Product"), _("Packs"), _("Spend")], rows)


def build_tables(f: MunicipalityFigures, p: MunicipalityFigures, bench: Benchmark | None) -> list[StatTable]:
    tables = [summary_table(f, p), months_table(f, p), categories_table(f)]
    if bench is not None:
        tables.append(benchmark_table(bench))
    tables += [utilisation_table(f), approvals_table(f, p), delivery_table(f, p), products_table(f)]
    return tables


def _short(label: str, width: int = 28) -> str:
    # The bar's label column is narrow; the table beneath has the full name.
    return label if len(label) <= width else label[:width - 1].rstrip() + "…"


def build_charts(f: MunicipalityFigures, p: MunicipalityFigures, today: date | None = None) -> dict:
    today = today or local_today()
    labels = [month_label(m) for m in f.period.months()]
    # A running period's months still to come have no figures yet: no point, rather than a drop to zero.
    begun = [m <= today for m in f.period.months()]

    def current(values):
        return [v if b else None for v, b in zip(values, begun)]

    empty = _("No orders in this period.") if not f.totals.orders else None
    spend = LineChart(
        "chart-spend", _("Spend per month"),
        _("Spend per month excl. VAT, %(period)s (solid line) and the same months a year earlier (dashed line). "
          "The numbers are in the table below the chart.", period=f.period.label()),
        labels, [Series(f.period.label(), current([m.spend_oere for m in f.months])),
                 Series(p.period.label(), [m.spend_oere for m in p.months], "previous")],
        format_value=whole_kroner, empty_text=empty).layout()
    orders = LineChart(
        "chart-orders", _("Orders per month"),
        _("Orders per month, %(period)s (solid line) and the same months a year earlier (dashed line). "
          "The numbers are in the table below the chart.", period=f.period.label()),
        labels, [Series(f.period.label(), current([m.orders for m in f.months])),
                 Series(p.period.label(), [m.orders for m in p.months], "previous")],
        format_value=lambda v: f"{v:,.0f}".replace(",", "."), empty_text=empty).layout()
    locale = _locale()
    bars = BarChart(
        "chart-categories", _("Spend per product category"),
        _("Spend excl. VAT per product category, %(period)s, largest first. The numbers are in the table below the "
          "chart.", period=f.period.label()),
        [Bar(_short(c.name(locale)), c.spend_oere, whole_kroner(c.spend_oere))
         for c in sorted(f.categories, key=lambda c: -c.spend_oere)],
        empty_text=empty).layout()
    return {"spend": spend, "orders": orders, "categories": bars}


# --- the FSC overview: every municipality side by side ----------------------------------------------------------


@dataclass
class Overview:
    period: Period
    table: StatTable
    totals: StatTable
    figures: dict[int, MunicipalityFigures]


def _sum_figures(figures: list[MunicipalityFigures]) -> dict:
    t = Totals(*(sum(getattr(f.totals, k) for f in figures) for k in
                 ("orders", "units", "spend_oere", "express_orders", "replacement_orders")))
    delivered = sum(f.sla.delivered for f in figures)
    on_time = sum(f.sla.on_time for f in figures)
    return {"citizens": sum(f.citizens for f in figures), "totals": t, "delivered": delivered, "on_time": on_time,
            "over": sum(f.utilisation.over for f in figures), "under": sum(f.utilisation.under_half for f in figures),
            "requests": sum(f.approvals.requests for f in figures), "rejected": sum(f.approvals.rejected for f in figures)}


def _overview_row(label_cells: list, s: dict) -> list:
    t = s["totals"]
    return label_cells + [s["citizens"], t.orders, t.units, Money(t.spend_oere),
                          Money(round(t.spend_oere / s["citizens"])) if s["citizens"] else None,
                          _opt_share(t.express_share), _share(s["on_time"], s["delivered"]), s["over"], s["under"],
                          s["requests"], s["rejected"]]


def fsc_overview(period: Period, today: date | None = None) -> Overview:
    municipalities = list(db.session.scalars(
        select(Municipality).join(Region).where(Municipality.active.is_(True))
        .options(joinedload(Municipality.region)).order_by(Region.name, Municipality.name)))
    figures = figures_for(municipalities, period, detail=False, today=today)
    numbers = [_("Citizens with a grant"), _("Orders"), _("Packs"), _("Spend"), _("Spend per citizen"),
               _("Express share"), _("Delivered on time"), _("Over the grant"), _("Under 50 %"),
               _("Orders beyond the grant"), _("Rejected")]
    rows = [_overview_row([m.code, m.name, m.region.name], _sum_figures([figures[m.id]])) for m in municipalities]
    table = StatTable("municipalities", _("Municipalities side by side"),
                      [_("Code"), _("Municipality"), _("Region")] + numbers, rows)
    regions: dict[str, list[MunicipalityFigures]] = {}
    for m in municipalities:
        regions.setdefault(m.region.name, []).append(figures[m.id])
    total_rows = [_overview_row([name], _sum_figures(group)) for name, group in regions.items()]
    total_rows.append(_overview_row([_("National total")], _sum_figures(list(figures.values()))))
    totals = StatTable("totals", _("Regional and national totals"), [_("Area")] + numbers, total_rows)
    return Overview(period, table, totals, figures)
