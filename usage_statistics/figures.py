"""The statistics' figures, each one SQL aggregate grouped by home municipality over one period.

What counts, decided once here (README "Statistics" says the same):

- An order belongs to the citizen's **home municipality** (`Citizen.municipality_id`), as on the invoice.
- **Orders, units and spend** count the orders *submitted* in the period (Europe/Copenhagen), in a status that
  uses up a grant (`grants.services.counts_against_grant`: pending, accepted, on its way, delivered; never a
  draft, a rejected or a cancelled order): the same definition as consumption control, so spend and
  utilisation agree. Units are packs; spend is the order lines' snapshot price excl. VAT, in øre.
- **Free replacements** (`Order.is_replacement`) are counted only as "replacement orders": no units, no spend,
  no utilisation, not in the express share (they are the logistics chain's cost, not the municipality's).
- **Express share** = express orders / orders, of the same orders.
- **Citizens with a grant** = citizens with a grant in force on at least one day of the period (the citizen
  fee's rule in invoicing.charges); **spend per citizen** = spend / those citizens.
- **Approvals** = orders submitted in the period that waited for approval (an AWAITING_APPROVAL event), by
  where they ended: approved (accepted and on), rejected, cancelled, still waiting; and product-change requests
  made in the period by status.
- **Delivery SLA** = orders delivered in the period (by `delivered_at`) with a warehouse instruction, measured
  by fulfilment.sla.delivery_of (on time = delivered on or before the instruction's requested date).
- **Utilisation** is consumption control's (grants.utilisation_by_line) on the period's last day, or today for
  a period still running: a citizen is *over* when a grant line is above 100 % of its quantity, *under 50 %*
  when every line is below half.

Every query filters on the period's UTC window, so only the period's rows are read whatever the history.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, and_, case, cast, distinct, exists, func, literal, select, text

from catalogue.models import Category, Product, Variant
from fulfilment.models import WarehouseInstruction
from fulfilment.sla import MonthSla, delivery_of
from stomi_app.extensions import db
from grants.services import utilisation_by_line
from stomi_app.models.citizen import Citizen
from grants.models import Grant
from stomi_app.models import Municipality
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from care.models import ProductChangeRequest, RequestStatus
from ordering.models import APPROVED_STATUSES as _APPROVED, COUNTING_STATUSES
from usage_statistics.period import Period
from stomi_app.sqltime import local_date, month_bucket
from stomi_app.timeutil import local_today, start_of_local_day_utc

S = OrderStatus
TOP_PRODUCTS = 10
# Orders that were approved end in one of these (accepted, then on through fulfilment): one definition, the flow's.
APPROVED_STATUSES = _APPROVED


@dataclass
class Totals:
    orders: int = 0
    units: int = 0
    spend_oere: int = 0
    express_orders: int = 0
    replacement_orders: int = 0

    @property
    def express_share(self) -> float | None:
        return self.express_orders / self.orders if self.orders else None


@dataclass
class CategoryRow:
    category_id: int
    code: str
    name_da: str
    name_en: str
    orders: int
    units: int
    spend_oere: int

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_da


@dataclass
class ProductRow:
    article_number: str
    product_name: str
    units: int
    spend_oere: int


@dataclass
class Approvals:
    requests: int = 0
    approved: int = 0
    rejected: int = 0
    cancelled: int = 0
    waiting: int = 0
    changes: int = 0
    changes_approved: int = 0
    changes_rejected: int = 0
    changes_open: int = 0


@dataclass
class Utilisation:
    citizens: int = 0
    over: int = 0
    between: int = 0
    under_half: int = 0


@dataclass
class CitizenUtilisation:
    citizen_id: int
    name: str
    cpr_masked: str
    lines: int
    granted: int
    used: int
    highest_pct: int  # the fullest grant line, in whole per cent (rounded down)
    used_oere: int
    over: bool
    under_half: bool


def _custom_plans() -> None:
    """Plan this transaction's aggregates for their own period and municipalities, every time.

    psycopg prepares a statement on its fifth run on a connection, and PostgreSQL may then switch to one generic plan
    for all parameters; for these aggregates over years of orders the generic plan reads far more (measured at 10×
    a region's history: 1.1–1.3 s a dashboard against 0.35–0.45 s planned for the month asked for). Planning takes
    milliseconds; the order path keeps its prepared plans.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _scoped(query, municipality_ids: list[int] | None):
    return query if municipality_ids is None else query.where(Citizen.municipality_id.in_(municipality_ids))


def _submitted_in(period: Period):
    start, end = period.window_utc
    return and_(Order.submitted_at >= start, Order.submitted_at < end, Order.status.in_(COUNTING_STATUSES))


def _line_spend():
    return cast(OrderLine.quantity, BigInteger) * OrderLine.unit_price_oere


def _order_lines(period: Period, municipality_ids: list[int] | None, *extra):
    """One row per counted order line of the period: the source every order figure aggregates."""
    query = (
        select(Citizen.municipality_id.label("municipality_id"), Order.id.label("order_id"),
               Order.is_replacement.label("is_replacement"), Order.express.label("express"),
               OrderLine.quantity.label("quantity"), _line_spend().label("spend"), *extra)
        .select_from(Order).join(Citizen, Citizen.id == Order.citizen_id).join(OrderLine, OrderLine.order_id == Order.id)
        .where(_submitted_in(period))
    )
    return _scoped(query, municipality_ids)


def _totals_columns(src):
    paid = src.c.is_replacement.is_(False)
    return (
        func.count(distinct(case((paid, src.c.order_id)))),
        func.coalesce(func.sum(case((paid, src.c.quantity), else_=literal(0))), 0),
        func.coalesce(func.sum(case((paid, src.c.spend), else_=literal(0))), 0),
        func.count(distinct(case((and_(paid, src.c.express.is_(True)), src.c.order_id)))),
        func.count(distinct(case((src.c.is_replacement.is_(True), src.c.order_id)))),
    )


def _totals(row) -> Totals:
    return Totals(*(int(v or 0) for v in row))


def order_totals(period: Period, municipality_ids: list[int] | None = None) -> dict[int, Totals]:
    src = _order_lines(period, municipality_ids).subquery("src")
    query = select(src.c.municipality_id, *_totals_columns(src)).group_by(src.c.municipality_id)
    return {row[0]: _totals(row[1:]) for row in db.session.execute(query)}


def monthly(period: Period, municipality_ids: list[int] | None = None) -> dict[int, list[Totals]]:
    """Totals per month of the period (a list as long as period.months()), per municipality."""
    _custom_plans()
    bounds = period.month_bounds()
    # The bucket is computed in a subquery and grouped outside: PostgreSQL would not match a GROUP BY expression
    # whose bound parameters are separate placeholders from the SELECT's.
    src = _order_lines(period, municipality_ids, month_bucket(Order.submitted_at, bounds).label("bucket")).subquery("src")
    query = select(src.c.municipality_id, src.c.bucket, *_totals_columns(src)).group_by(src.c.municipality_id, src.c.bucket)
    result: dict[int, list[Totals]] = defaultdict(lambda: [Totals() for _ in bounds])
    for municipality_id, index, *values in db.session.execute(query):
        if index is not None:
            result[municipality_id][int(index)] = _totals(values)
    return result


def by_category(period: Period, municipality_ids: list[int] | None = None) -> dict[int, list[CategoryRow]]:
    """Orders, packs and spend per product category (the catalogue's category of the ordered variant)."""
    query = _scoped(
        select(Citizen.municipality_id, Category.id, Category.code, Category.name_da, Category.name_en, Category.sort_order,
               func.count(distinct(Order.id)), func.sum(OrderLine.quantity), func.sum(_line_spend()))
        .select_from(Order).join(Citizen, Citizen.id == Order.citizen_id).join(OrderLine, OrderLine.order_id == Order.id)
        .join(Variant, Variant.id == OrderLine.variant_id).join(Product, Product.id == Variant.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(_submitted_in(period), Order.is_replacement.is_(False))
        .group_by(Citizen.municipality_id, Category.id, Category.code, Category.name_da, Category.name_en,
                  Category.sort_order),
        municipality_ids)
    result: dict[int, list[CategoryRow]] = defaultdict(list)
    rows = sorted(db.session.execute(query), key=lambda r: (r[0], r[5], r[2]))
    for municipality_id, cid, code, name_da, name_en, _sort, orders, units, spend in rows:
        result[municipality_id].append(CategoryRow(cid, code, name_da, name_en, int(orders), int(units or 0), int(spend or 0)))
    return result


def top_products(period: Period, municipality_ids: list[int] | None = None, limit: int = TOP_PRODUCTS) -> dict[int, list[ProductRow]]:
    """The products with the highest spend, by the order lines' article number (name as ordered)."""
    spend = func.sum(_line_spend())
    query = _scoped(
        select(Citizen.municipality_id, OrderLine.article_number, func.max(OrderLine.product_name),
               func.sum(OrderLine.quantity), spend)
        .select_from(Order).join(Citizen, Citizen.id == Order.citizen_id).join(OrderLine, OrderLine.order_id == Order.id)
        .where(_submitted_in(period), Order.is_replacement.is_(False))
        .group_by(Citizen.municipality_id, OrderLine.article_number),
        municipality_ids)
    if municipality_ids is not None and len(municipality_ids) == 1:
        query = query.order_by(spend.desc(), OrderLine.article_number).limit(limit)
    result: dict[int, list[ProductRow]] = defaultdict(list)
    for municipality_id, article, name, units, total in db.session.execute(query):
        result[municipality_id].append(ProductRow(article, name, int(units or 0), int(total or 0)))
    for rows in result.values():
        rows.sort(key=lambda r: (-r.spend_oere, r.article_number))
        del rows[limit:]
    return result


def citizens_with_grant(period: Period, municipality_ids: list[int] | None = None) -> dict[int, int]:
    query = _scoped(
        select(Citizen.municipality_id, func.count(distinct(Grant.citizen_id)))
        .join(Citizen, Citizen.id == Grant.citizen_id)
        .where(Grant.in_force_during(period.start, period.last_day))
        .group_by(Citizen.municipality_id),
        municipality_ids)
    return {municipality_id: int(count) for municipality_id, count in db.session.execute(query)}


def approvals(period: Period, municipality_ids: list[int] | None = None) -> dict[int, Approvals]:
    start, end = period.window_utc
    waited = exists().where(OrderEvent.order_id == Order.id, OrderEvent.to_status == S.AWAITING_APPROVAL)
    outcome = lambda statuses: func.sum(case((Order.status.in_(statuses), 1), else_=0))  # noqa: E731
    orders = _scoped(
        select(Citizen.municipality_id, func.count(Order.id), outcome(APPROVED_STATUSES), outcome((S.REJECTED,)),
               outcome((S.CANCELLED,)), outcome((S.AWAITING_APPROVAL,)))
        .select_from(Order).join(Citizen, Citizen.id == Order.citizen_id)
        .where(Order.submitted_at >= start, Order.submitted_at < end, waited)
        .group_by(Citizen.municipality_id),
        municipality_ids)
    result: dict[int, Approvals] = defaultdict(Approvals)
    for municipality_id, *values in db.session.execute(orders):
        a = result[municipality_id]
        a.requests, a.approved, a.rejected, a.cancelled, a.waiting = (int(v or 0) for v in values)
    status = lambda s: func.sum(case((ProductChangeRequest.status == s, 1), else_=0))  # noqa: E731
    changes = _scoped(
        select(Citizen.municipality_id, func.count(ProductChangeRequest.id), status(RequestStatus.APPROVED),
               status(RequestStatus.REJECTED), status(RequestStatus.OPEN))
        .select_from(ProductChangeRequest).join(Citizen, Citizen.id == ProductChangeRequest.citizen_id)
        .where(ProductChangeRequest.created_at >= start, ProductChangeRequest.created_at < end)
        .group_by(Citizen.municipality_id),
        municipality_ids)
    for municipality_id, *values in db.session.execute(changes):
        a = result[municipality_id]
        a.changes, a.changes_approved, a.changes_rejected, a.changes_open = (int(v or 0) for v in values)
    return dict(result)


def delivery_sla(period: Period, municipality_ids: list[int] | None = None) -> dict[int, MonthSla]:
    """Deliveries in the period against the contract's promise, grouped in SQL by local dates, then each distinct
    (accepted, delivered, requested) combination measured once by fulfilment.sla.delivery_of and counted into
    fulfilment's own MonthSla (its year and month are the period's first month; its counts cover the period)."""

    start, end = period.window_utc
    accepted_on, delivered_on = local_date(WarehouseInstruction.created_at), local_date(Order.delivered_at)
    query = _scoped(
        select(Citizen.municipality_id, accepted_on, delivered_on, WarehouseInstruction.requested_delivery_date,
               WarehouseInstruction.promised_working_days, WarehouseInstruction.express, func.count())
        .select_from(Order).join(Citizen, Citizen.id == Order.citizen_id)
        .join(WarehouseInstruction, WarehouseInstruction.order_id == Order.id)
        .where(Order.status == S.DELIVERED, Order.delivered_at >= start, Order.delivered_at < end)
        .group_by(Citizen.municipality_id, accepted_on, delivered_on, WarehouseInstruction.requested_delivery_date,
                  WarehouseInstruction.promised_working_days, WarehouseInstruction.express),
        municipality_ids)
    result: dict[int, MonthSla] = defaultdict(lambda: empty_sla(period))
    for municipality_id, accepted, delivered, requested, promised, express, count in db.session.execute(query):
        accepted, delivered = _as_date(accepted), _as_date(delivered)
        delivery = delivery_of(start_of_local_day_utc(accepted), start_of_local_day_utc(delivered), requested,
                               promised, bool(express))
        for _ in range(count):
            result[municipality_id].add(delivery)
    return dict(result)


def empty_sla(period: Period) -> MonthSla:
    return MonthSla(period.start.year, period.start.month)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def utilisation_day(period: Period, today: date | None = None) -> date:
    """The day utilisation is measured on: the period's last day, or today while the period runs."""
    today = today or local_today()
    return min(period.last_day, today)


def _per_citizen(on: date, municipality_ids: list[int] | None):
    lines = utilisation_by_line(on, municipality_ids).subquery("lines")
    return (
        select(lines.c.municipality_id, lines.c.citizen_id, func.count().label("lines"),
               func.sum(lines.c.granted).label("granted"), func.sum(lines.c.used).label("used"),
               func.max(lines.c.used * 100 // lines.c.granted).label("highest_pct"),
               func.sum(lines.c.used_oere).label("used_oere"),
               func.max(case((lines.c.used > lines.c.granted, 1), else_=0)).label("over"),
               func.min(case((lines.c.used * 2 < lines.c.granted, 1), else_=0)).label("under_half"))
        .group_by(lines.c.municipality_id, lines.c.citizen_id)
    )


def utilisation(on: date, municipality_ids: list[int] | None = None) -> dict[int, Utilisation]:
    citizens = _per_citizen(on, municipality_ids).subquery("citizens")
    query = (
        select(citizens.c.municipality_id, func.count(), func.sum(citizens.c.over), func.sum(citizens.c.under_half))
        .group_by(citizens.c.municipality_id)
    )
    result = {}
    for municipality_id, count, over, under in db.session.execute(query):
        count, over, under = int(count), int(over or 0), int(under or 0)
        result[municipality_id] = Utilisation(count, over, count - over - under, under)
    return result


def utilisation_per_citizen(on: date, municipality_id: int) -> list[CitizenUtilisation]:
    """One row per citizen of the municipality with a grant line in force on `on`, fullest first."""
    _custom_plans()
    citizens = _per_citizen(on, [municipality_id]).subquery("citizens")
    query = (
        select(citizens.c.citizen_id, Citizen.name, Citizen.cpr_masked, citizens.c.lines, citizens.c.granted,
               citizens.c.used, citizens.c.highest_pct, citizens.c.used_oere, citizens.c.over, citizens.c.under_half)
        .join(Citizen, Citizen.id == citizens.c.citizen_id)
        .order_by(citizens.c.highest_pct.desc(), Citizen.name, Citizen.id)
    )
    return [CitizenUtilisation(cid, name, masked, int(lines), int(granted), int(used), int(pct), int(oere or 0),
                               bool(over), bool(under))
            for cid, name, masked, lines, granted, used, pct, oere, over, under in db.session.execute(query)]


@dataclass
class MunicipalityFigures:
    """Everything one municipality's dashboard or report shows for one period."""

    municipality: Municipality
    period: Period
    citizens: int = 0
    totals: Totals = field(default_factory=Totals)
    months: list[Totals] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    approvals: Approvals = field(default_factory=Approvals)
    sla: MonthSla | None = None
    utilisation: Utilisation = field(default_factory=Utilisation)
    utilisation_on: date | None = None

    @property
    def spend_per_citizen_oere(self) -> int | None:
        return round(self.totals.spend_oere / self.citizens) if self.citizens else None

    @property
    def is_empty(self) -> bool:
        return not (self.totals.orders or self.totals.replacement_orders or self.sla.delivered or self.approvals.changes)


def figures_for(municipalities: list[Municipality], period: Period, *, detail: bool = True,
                today: date | None = None) -> dict[int, MunicipalityFigures]:
    """Each figure for many municipalities at once: one grouped query per figure, whatever their number."""
    _custom_plans()
    ids = [m.id for m in municipalities]
    scope = ids if len(ids) < 200 else None  # a national run reads everything anyway: no IN list of every id
    on = utilisation_day(period, today)
    result = {m.id: MunicipalityFigures(m, period, months=[Totals() for _ in period.months()], utilisation_on=on,
                                        sla=empty_sla(period))
              for m in municipalities}
    for mid, count in citizens_with_grant(period, scope).items():
        if mid in result:
            result[mid].citizens = count
    for mid, totals in order_totals(period, scope).items():
        if mid in result:
            result[mid].totals = totals
    for mid, sla in delivery_sla(period, scope).items():
        if mid in result:
            result[mid].sla = sla
    for mid, a in approvals(period, scope).items():
        if mid in result:
            result[mid].approvals = a
    for mid, u in utilisation(on, scope).items():
        if mid in result:
            result[mid].utilisation = u
    if detail:
        for mid, months in monthly(period, scope).items():
            if mid in result:
                result[mid].months = months
        for mid, rows in by_category(period, scope).items():
            if mid in result:
                result[mid].categories = rows
        for mid, rows in top_products(period, scope).items():
            if mid in result:
                result[mid].products = rows
    return result


@dataclass
class BenchmarkRow:
    municipality_id: int
    code: int
    name: str
    citizens: int
    spend_oere: int
    own: bool = False

    @property
    def spend_per_citizen_oere(self) -> int | None:
        return round(self.spend_oere / self.citizens) if self.citizens else None


# Fewer citizens than this and a municipality's spend per citizen could point at a person: it is not shown to others.
MIN_CITIZENS_SHOWN = 5


@dataclass
class Benchmark:
    region_name: str
    rows: list[BenchmarkRow]
    region_citizens: int
    region_spend_oere: int

    @property
    def region_average_oere(self) -> int | None:
        return round(self.region_spend_oere / self.region_citizens) if self.region_citizens else None


def benchmark(municipality: Municipality, period: Period) -> Benchmark:
    """Spend per citizen of every municipality in the region, from aggregates only (no citizen of another
    municipality is read); a small municipality's figure is withheld from the others."""
    _custom_plans()
    members = list(db.session.scalars(
        select(Municipality).where(Municipality.region_id == municipality.region_id, Municipality.active.is_(True))
        .order_by(Municipality.name)))
    ids = [m.id for m in members]
    citizens = citizens_with_grant(period, ids)
    spend = {mid: t.spend_oere for mid, t in order_totals(period, ids).items()}
    rows = [BenchmarkRow(m.id, m.code, m.name, citizens.get(m.id, 0), spend.get(m.id, 0), own=m.id == municipality.id)
            for m in members]
    return Benchmark(municipality.region.name, rows, sum(r.citizens for r in rows), sum(r.spend_oere for r in rows))
