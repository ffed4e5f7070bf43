"""Delivery SLA: working days from acceptance to delivery against the contract's promise, per month."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from fulfilment.models import WarehouseInstruction
from stomi_app.workdays import working_days_between
from stomi_app.extensions import db
from ordering.models import ON_ITS_WAY_STATUSES
from ordering.models import Order, OrderStatus
from stomi_app.sqltime import local_date as sql_local_date
from stomi_app.timeutil import add_months, local_date, local_today, start_of_local_day_utc
from stomi_app.workdays import add_working_days


@dataclass
class Delivery:
    accepted_on: date
    delivered_on: date
    working_days: int
    promised_working_days: int
    on_time: bool
    express: bool


def delivery_of(accepted_at: datetime, delivered_at: datetime, requested: date, promised: int, express: bool) -> Delivery:
    """One delivery measured. The promise is the instruction's requested date: the contract's working days
    from acceptance, or later when the citizen asked for a temporary address from a later day."""
    accepted_on, delivered_on = local_date(accepted_at), local_date(delivered_at)
    return Delivery(accepted_on, delivered_on, working_days_between(accepted_on, delivered_on), promised,
                    delivered_on <= requested, express)


@dataclass
class MonthSla:
    year: int
    month: int
    delivered: int = 0
    on_time: int = 0
    express_delivered: int = 0
    express_on_time: int = 0
    working_days_sum: int = 0

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def on_time_pct(self) -> float | None:
        """Share delivered on time, in per cent with one decimal; None for a month without deliveries."""
        return round(100 * self.on_time / self.delivered, 1) if self.delivered else None

    @property
    def express_on_time_pct(self) -> float | None:
        return round(100 * self.express_on_time / self.express_delivered, 1) if self.express_delivered else None

    @property
    def average_working_days(self) -> float | None:
        return round(self.working_days_sum / self.delivered, 2) if self.delivered else None

    def add(self, delivery: Delivery, count: int = 1) -> None:
        """Count `count` deliveries alike (same days, same promise) as `delivery`."""
        self.delivered += count
        self.on_time += delivery.on_time * count
        self.working_days_sum += delivery.working_days * count
        if delivery.express:
            self.express_delivered += count
            self.express_on_time += delivery.on_time * count


def sla_by_month(first_month: date, months: int) -> list[MonthSla]:
    """Orders delivered in each of `months` months from `first_month`, by the Copenhagen date of delivery."""
    start = date(first_month.year, first_month.month, 1)
    result = [MonthSla(m.year, m.month) for m in (add_months(start, i) for i in range(months))]
    index = {(m.year, m.month): m for m in result}
    # Grouped in SQL by the local days and the promise: a year's deliveries (86,700 at region scale) are a few
    # thousand kinds, each measured once in Python, instead of every delivery read and measured (issue 24, item 14).
    delivered_on, accepted_on = sql_local_date(Order.delivered_at), sql_local_date(WarehouseInstruction.created_at)
    kinds = (delivered_on, accepted_on, WarehouseInstruction.requested_delivery_date,
             WarehouseInstruction.promised_working_days, WarehouseInstruction.express)
    rows = db.session.execute(
        select(*kinds, func.count())
        .join(WarehouseInstruction, WarehouseInstruction.order_id == Order.id)
        .where(Order.status == OrderStatus.DELIVERED,
               Order.delivered_at >= start_of_local_day_utc(start),
               Order.delivered_at < start_of_local_day_utc(add_months(start, months)))
        .group_by(*kinds)
    )
    for delivered, accepted, requested, promised, express, count in rows:
        delivered, accepted = _as_date(delivered), _as_date(accepted)
        delivery = Delivery(accepted, delivered, working_days_between(accepted, delivered), promised,
                            delivered <= requested, express)
        index[(delivered.year, delivered.month)].add(delivery, count)
    return result


def _as_date(value) -> date:
    # SQLite's local-date function answers ISO text; PostgreSQL a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


def monthly_on_time(year: int, month: int) -> MonthSla:
    """The month's deliveries and how many were on time (`.on_time_pct`)."""
    return sla_by_month(date(year, month, 1), 1)[0]


def recent_months(count: int = 12, today: date | None = None) -> list[MonthSla]:
    """The last `count` months, this month included, newest first."""
    today = today or local_today()
    first = add_months(date(today.year, today.month, 1), -(count - 1))
    return list(reversed(sla_by_month(first, count)))


# What the warehouse still has to do for an order, by its status: not yet shipped, or shipped and not yet delivered.
NOT_SHIPPED = (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.CUT, OrderStatus.PACKED)
UNDELIVERED = ON_ITS_WAY_STATUSES  # read through the partial index ix_supply_order_on_its_way


@dataclass
class Overdue:
    late: list  # [(instruction, order)]: the promised day has passed and the order is not delivered
    due_unshipped: list  # promised for today or the next working day, and not yet shipped
    late_count: int
    due_count: int


def overdue(today: date | None = None, limit: int = 50) -> Overdue:
    """The instructions the warehouse must look at now (issue 24, staff expect): late ones, oldest promise first, and
    those due by the next working day that have not left the warehouse. Read through the requested-date index."""
    today = today or local_today()
    soon = add_working_days(today, 1)
    base = select(WarehouseInstruction, Order).join(Order, Order.id == WarehouseInstruction.order_id)
    late = base.where(WarehouseInstruction.requested_delivery_date < today, Order.status.in_(UNDELIVERED))
    due = base.where(WarehouseInstruction.requested_delivery_date.between(today, soon), Order.status.in_(NOT_SHIPPED))

    def rows(statement):
        return [tuple(r) for r in db.session.execute(
            statement.order_by(WarehouseInstruction.requested_delivery_date, WarehouseInstruction.id).limit(limit))]

    def count(statement):
        return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    return Overdue(rows(late), rows(due), count(late), count(due))
