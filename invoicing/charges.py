"""What a month costs each municipality, aggregated in SQL, and the invoice lines made from it.

One source for each fact, decided here:

- **What was delivered** is an order with status DELIVERED whose `delivered_at` falls in the month in
  Europe/Copenhagen time; it is invoiced to the citizen's home municipality (`Citizen.municipality_id`).
- **Products** come from the order lines' snapshot (article number, name, unit price, VAT rate), summed per
  article number and unit price. Replacement orders (`Order.is_replacement`) appear as their own lines at 0 kr.
- **Cutting, warehouse and delivery fees** are counted from the same order lines. The warehouse instruction is
  made from those lines one to one when the order is accepted (`fulfilment.instructions.create_instruction`:
  same quantity, `plates_to_cut = quantity × pack size` exactly when the line has a cutting measure), so the
  fulfilment record and the order line are the same fact; the order lines are used because they exist for
  every delivered order, including those imported as history. A delivered order is one shipment.
- **Replacements carry no fees**: re-sending faulty goods is the logistics chain's cost, not the municipality's.
- **The administration fee** is the schedule's percentage of each delivery's products, rounded half up per
  delivery, then summed; it is one line with the number of deliveries in its text.
- **The citizen fee** is 1/12 of the yearly fee for each citizen (counted once) of the municipality with a
  grant in force on at least one day of the month; the line is priced per 12 citizen-months, so the 1/12 is
  rounded once, on the line.
- **Shared costs** are the municipality's shares of allocations made for the month (see invoicing.allocation).

A month with nothing to charge a municipality (no deliveries, no citizen with a grant, no shared cost) gives
that municipality no invoice; a month with only fees gives an invoice with only the fee lines.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.numbers import format_decimal
from flask_babel import force_locale, gettext as _
from sqlalchemy import BigInteger, and_, case, cast, func, literal_column, select

from catalogue.models import Variant
from invoicing.fees import month_end, next_month
from invoicing.models import FeeSchedule, SharedCostAllocation, SharedCostShare
from invoicing.money import div_half_up
from invoicing.spec import OrderRow
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from grants.models import Grant
from ordering.models import Order, OrderLine, OrderStatus
from stomi_app.money import document_kr
from stomi_app.timeutil import start_of_local_day_utc

LINE_KINDS = ("product", "replacement", "cutting", "warehouse", "delivery", "express", "admin", "citizen_fee",
              "shared_cost")
PIECE, ONE = "H87", "C62"  # UN/ECE Recommendation 20 unit codes: piece (packs, plates), one (services)


@dataclass
class LineDraft:
    kind: str
    description: str
    quantity: int
    unit_price_oere: int
    vat_rate_pct: int
    article_number: str | None = None
    unit_code: str = ONE
    base_quantity: int = 1

    @property
    def net_oere(self) -> int:
        """The line's one rounding: quantity × unit price ÷ base quantity, half up."""
        return div_half_up(self.quantity * self.unit_price_oere, self.base_quantity)


@dataclass
class MonthCharges:
    """Everything one municipality is charged for one month, before it becomes lines."""

    municipality_id: int
    products: list[tuple[str, str, int, int, int]] = field(default_factory=list)  # article, name, price, vat, qty
    replacements: list[tuple[str, str, int, int]] = field(default_factory=list)  # article, name, vat, qty
    deliveries: int = 0
    express_deliveries: int = 0
    replacement_deliveries: int = 0
    picked_lines: int = 0
    cut_plates: int = 0
    admin_fee_oere: int = 0
    citizens: int = 0
    shared: list[tuple[int, str, int, int]] = field(default_factory=list)  # share id, description, amount, vat
    orders: list[OrderRow] = field(default_factory=list)  # the deliveries behind the fees, for the CSV
    grant_citizens: list[tuple[str, str]] = field(default_factory=list)  # (name, masked CPR) of those in `citizens`

    @property
    def is_empty(self) -> bool:
        return not (self.products or self.replacements or self.deliveries or self.express_deliveries
                    or self.replacement_deliveries or self.citizens or self.shared)


def month_window_utc(month_start: date) -> tuple[datetime, datetime]:
    """[start, end) of the month in Copenhagen, as UTC instants (an order delivered 23:30 local on the 31st is in)."""
    return start_of_local_day_utc(month_start), start_of_local_day_utc(next_month(month_start))


def _delivered_in(month_start: date):
    start, end = month_window_utc(month_start)
    return and_(Order.status == OrderStatus.DELIVERED, Order.delivered_at >= start, Order.delivered_at < end)


def per_order_query(month_start: date, admin_fee_basis_points: int):
    """One row per delivered order: its products, picked lines, cut plates and administration fee (rounded half up)."""
    products = func.sum(cast(OrderLine.quantity, BigInteger) * OrderLine.unit_price_oere)
    plates = func.sum(case((OrderLine.cut_shape.is_not(None), OrderLine.quantity * Variant.pack_size), else_=0))
    # Integer half-up in SQL: (2·x·bp + 10 000) // 20 000 (SQLAlchemy renders // as integer division everywhere).
    bp = int(admin_fee_basis_points)
    admin_fee = (products * literal_column(str(2 * bp)) + literal_column("10000")) // literal_column("20000")
    return (
        select(Order.id.label("order_id"), Citizen.municipality_id.label("municipality_id"),
               Order.citizen_id.label("citizen_id"), Order.express.label("express"),
               Order.is_replacement.label("is_replacement"), Order.delivered_at.label("delivered_at"),
               products.label("products"), func.count(OrderLine.id).label("lines"), plates.label("plates"),
               admin_fee.label("admin_fee"))
        .select_from(Order)
        .join(Citizen, Citizen.id == Order.citizen_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(_delivered_in(month_start))
        .group_by(Order.id, Citizen.municipality_id, Order.citizen_id, Order.express, Order.is_replacement,
                  Order.delivered_at)
    )


def citizens_with_grant_query(month_start: date):
    """Citizens with a grant in force on at least one day of the month (Grant.in_force_during: the rule every screen
    uses; an ended grant counts through its last day)."""
    return (
        select(Citizen.municipality_id, Grant.citizen_id)
        .join(Citizen, Citizen.id == Grant.citizen_id)
        .where(Grant.in_force_during(month_start, month_end(month_start)))
        .distinct()
    )


def gather(month_start: date, schedule: FeeSchedule, municipality_ids: set[int] | None = None) -> dict[int, MonthCharges]:
    """The month's charges for every municipality (or those given), in a handful of queries, with the deliveries and
    citizens they are made of."""
    charges: dict[int, MonthCharges] = {}

    def of(municipality_id: int) -> MonthCharges:
        if municipality_id not in charges:
            charges[municipality_id] = MonthCharges(municipality_id)
        return charges[municipality_id]

    def scoped(query, column):
        return query.where(column.in_(municipality_ids)) if municipality_ids is not None else query

    product_rows = db.session.execute(scoped(
        select(Citizen.municipality_id, Order.is_replacement, OrderLine.article_number,
               func.min(OrderLine.product_name), OrderLine.unit_price_oere, OrderLine.vat_rate_pct,
               func.sum(OrderLine.quantity))
        .select_from(OrderLine).join(Order, Order.id == OrderLine.order_id).join(Citizen, Citizen.id == Order.citizen_id)
        .where(_delivered_in(month_start))
        .group_by(Citizen.municipality_id, Order.is_replacement, OrderLine.article_number, OrderLine.unit_price_oere,
                  OrderLine.vat_rate_pct)
        .order_by(Citizen.municipality_id, OrderLine.article_number, OrderLine.unit_price_oere),
        Citizen.municipality_id))
    replacements: dict[int, dict[tuple[str, int], list]] = defaultdict(dict)
    for municipality_id, is_replacement, article, name, price, vat, quantity in product_rows:
        if is_replacement:
            # Free whatever the snapshot says: several original prices become one zero-priced line.
            entry = replacements[municipality_id].setdefault((article, vat), [article, name, vat, 0])
            entry[3] += int(quantity)
        else:
            of(municipality_id).products.append((article, name, int(price), int(vat), int(quantity)))
    for municipality_id, entries in replacements.items():
        of(municipality_id).replacements = [tuple(e) for e in entries.values()]

    # One row per delivery, with its citizen: summed here into the delivery fees, and kept for the CSV's order rows
    # (a second GROUP BY over the same orders cost as much as this query).
    per_order = per_order_query(month_start, schedule.admin_fee_basis_points).subquery()
    order_rows = db.session.execute(scoped(
        select(per_order.c.municipality_id, per_order.c.order_id, Citizen.name, Citizen.cpr_masked,
               per_order.c.delivered_at, per_order.c.express, per_order.c.is_replacement, per_order.c.products,
               per_order.c.lines, per_order.c.plates, per_order.c.admin_fee)
        .join(Citizen, Citizen.id == per_order.c.citizen_id), per_order.c.municipality_id))
    for municipality_id, order_id, name, cpr_masked, delivered_at, express, is_replacement, products, lines, plates, \
            admin_fee in order_rows:
        c = of(municipality_id)
        row = OrderRow(order_id, name, cpr_masked, delivered_at, bool(express), bool(is_replacement), int(products or 0),
                       int(lines or 0), int(plates or 0), int(admin_fee or 0))
        c.orders.append(row)
        for name, count in row.charged.items():  # the rule of what a delivery is charged for is OrderRow's
            setattr(c, name, getattr(c, name) + count)

    grant_citizens = citizens_with_grant_query(month_start).subquery()
    for municipality_id, name, cpr_masked in db.session.execute(scoped(
            select(Citizen.municipality_id, Citizen.name, Citizen.cpr_masked)
            .where(Citizen.id.in_(select(grant_citizens.c.citizen_id))), Citizen.municipality_id)):
        c = of(municipality_id)
        c.grant_citizens.append((name, cpr_masked))
        c.citizens += 1

    for share_id, municipality_id, description, amount, vat in db.session.execute(scoped(
            select(SharedCostShare.id, SharedCostShare.municipality_id, SharedCostAllocation.description,
                   SharedCostShare.amount_oere, SharedCostAllocation.vat_rate_pct)
            .join(SharedCostAllocation, SharedCostAllocation.id == SharedCostShare.allocation_id)
            .where(SharedCostAllocation.month == month_start, SharedCostShare.municipality_id.is_not(None),
                   SharedCostShare.amount_oere > 0)
            .order_by(SharedCostShare.id), SharedCostShare.municipality_id)):
        of(municipality_id).shared.append((share_id, description, int(amount), int(vat)))
    return {k: v for k, v in charges.items() if not v.is_empty}


def percent_label(basis_points: int) -> str:
    return format_decimal(basis_points / 100, locale="da_DK") + " %"


def build_lines(c: MonthCharges, schedule: FeeSchedule) -> list[LineDraft]:
    """The invoice lines, in Danish, in a fixed order: products, replacements, fees, shared costs. Zero fees are left out."""
    vat = schedule.vat_rate_pct
    lines: list[LineDraft] = []
    with force_locale("da"):
        for article, name, price, rate, quantity in sorted(c.products, key=lambda p: (p[0], p[2])):
            lines.append(LineDraft("product", name, quantity, price, rate, article_number=article, unit_code=PIECE))
        for article, name, rate, quantity in sorted(c.replacements):
            lines.append(LineDraft("replacement", _("Replacement, free of charge: %(name)s", name=name), quantity, 0,
                                   rate, article_number=article, unit_code=PIECE))
        fees = [
            ("cutting", _("Hole-cutting, per cut plate"), c.cut_plates, schedule.cutting_fee_oere, PIECE),
            ("warehouse", _("Warehouse, per picked order line"), c.picked_lines, schedule.warehouse_fee_oere, ONE),
            ("delivery", _("Delivery, normal, per shipment"), c.deliveries, schedule.delivery_fee_oere, ONE),
            ("express", _("Delivery, express, per shipment"), c.express_deliveries, schedule.express_delivery_fee_oere, ONE),
        ]
        for kind, text, quantity, price, unit in fees:
            if quantity and price:
                lines.append(LineDraft(kind, text, quantity, price, vat, unit_code=unit))
        if c.admin_fee_oere:
            deliveries = c.deliveries + c.express_deliveries
            lines.append(LineDraft("admin", _("Administration fee, %(pct)s of the products per delivery (%(count)s deliveries)",
                                               pct=percent_label(schedule.admin_fee_basis_points), count=deliveries),
                                   1, c.admin_fee_oere, vat))
        if c.citizens and schedule.citizen_fee_yearly_oere:
            lines.append(LineDraft("citizen_fee", _("Fee per citizen with a grant, 1/12 of %(amount)s a year",
                                                    amount=document_kr(schedule.citizen_fee_yearly_oere)),
                                   c.citizens, schedule.citizen_fee_yearly_oere, vat, base_quantity=12))
        for _share_id, description, amount, rate in c.shared:
            lines.append(LineDraft("shared_cost", _("Shared cost: %(description)s", description=description), 1, amount, rate))
    return lines


def vat_breakdown(lines) -> list[tuple[int, int, int]]:
    """(rate, taxable amount, VAT) per rate, highest rate first; VAT on the rate's sum, rounded half up once."""
    taxable: dict[int, int] = defaultdict(int)
    for line in lines:
        taxable[line.vat_rate_pct] += line.net_oere
    return [(rate, amount, div_half_up(amount * rate, 100)) for rate, amount in sorted(taxable.items(), reverse=True)]
