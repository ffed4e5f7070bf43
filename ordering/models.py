"""Orders, their lines (with a snapshot of product and price) and the status timeline."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Variant
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen
from citizens.cut import CutColumns, CutShape
from grants.models import GrantLine
from stomi_app.models.users import User
from stomi_app.statemachine import machine


def _enum(cls, length=24):
    return value_enum(cls, length)


class OrderStatus(str, enum.Enum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    SENT_TO_WAREHOUSE = "sent_to_warehouse"
    PICKED = "picked"
    CUT = "cut"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"


S = OrderStatus
ORDER_FLOW = machine("order", {
    S.DRAFT: (S.AWAITING_APPROVAL, S.ACCEPTED, S.CANCELLED),
    S.AWAITING_APPROVAL: (S.ACCEPTED, S.REJECTED, S.CANCELLED),
    S.ACCEPTED: (S.SENT_TO_WAREHOUSE, S.CANCELLED),
    S.SENT_TO_WAREHOUSE: (S.PICKED,),
    S.PICKED: (S.CUT, S.PACKED),
    S.CUT: (S.PACKED,),
    S.PACKED: (S.SHIPPED,),
    S.SHIPPED: (S.DELIVERED, S.DELIVERY_FAILED),
    S.DELIVERY_FAILED: (S.SHIPPED,),
})



def _in_declared_order(statuses) -> tuple[OrderStatus, ...]:
    return tuple(s for s in OrderStatus if s in statuses)


# The status groups, derived from ORDER_FLOW (a new status or move changes them with it), in declaration order.
# Approved: accepted and everything fulfilment moves it on to (not a cancel).
APPROVED_STATUSES = _in_declared_order(ORDER_FLOW.reachable(S.ACCEPTED, avoiding={S.CANCELLED}))
# Counted against the grant: sent and neither rejected nor cancelled (waiting ones too, so nobody orders twice).
COUNTING_STATUSES = _in_declared_order(ORDER_FLOW.reachable(S.AWAITING_APPROVAL, avoiding={S.REJECTED, S.CANCELLED}))
# Still under way: counted and not finished.
OPEN_STATUSES = tuple(s for s in COUNTING_STATUSES if not ORDER_FLOW.is_final(s))
# Where a cancel is a move the flow allows (whether an accepted order can still be stopped is asked of fulfilment).
CITIZEN_CANCELLABLE = _in_declared_order({s for s in OrderStatus if ORDER_FLOW.can_move(s, S.CANCELLED)})


class OrderChannel(str, enum.Enum):
    WEB = "web"
    PHONE = "phone"


# An order that has left for the warehouse and is not yet delivered (the warehouse's late list reads them).
ON_ITS_WAY_STATUSES = (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.CUT, OrderStatus.PACKED,
                       OrderStatus.SHIPPED, OrderStatus.DELIVERY_FAILED)
ON_ITS_WAY = "status IN (" + ", ".join(f"'{status.value}'" for status in ON_ITS_WAY_STATUSES) + ")"

class Order(Base):
    __tablename__ = "supply_order"
    # "Already replaced?" is asked of a delivered order on every problem page; few orders are replacements.
    # Only partial indexes on status: a plain one lets a planner without statistics (SQLite) choose it over the
    # citizen or time index and walk the whole history. The approval queues ask for the few orders that wait.
    __table_args__ = (Index("ix_supply_order_replaces_order_id", "replaces_order_id",
                            postgresql_where=text("replaces_order_id IS NOT NULL"),
                            sqlite_where=text("replaces_order_id IS NOT NULL")),
                      Index("ix_supply_order_awaiting_approval", "submitted_at",
                            postgresql_where=text("status = 'awaiting_approval'"),
                            sqlite_where=text("status = 'awaiting_approval'")),
                      # The orders on their way (fulfilment.sla.UNDELIVERED): a few hundred rows whatever the history,
                      # which drive the warehouse's list of late instructions.
                      Index("ix_supply_order_on_its_way", "id", postgresql_where=text(ON_ITS_WAY),
                            sqlite_where=text(ON_ITS_WAY)))

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.DRAFT)
    channel: Mapped[OrderChannel] = mapped_column(_enum(OrderChannel, 10), default=OrderChannel.WEB)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))  # a callcenter agent ordering by phone
    # Pressing "Send" twice or replaying the POST must give one order: the form carries this key.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    express: Mapped[bool] = mapped_column(default=False)
    is_replacement: Mapped[bool] = mapped_column(default=False)
    replaces_order_id: Mapped[int | None] = mapped_column(ForeignKey("supply_order.id"))
    delivery_name: Mapped[str] = mapped_column(String(200), default="")
    delivery_address: Mapped[str] = mapped_column(String(200), default="")
    delivery_postcode: Mapped[str] = mapped_column(String(4), default="")
    delivery_city: Mapped[str] = mapped_column(String(100), default="")
    temporary_address: Mapped[bool] = mapped_column(default=False)
    temporary_from: Mapped[date | None]
    temporary_to: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    # Where to leave the parcel: for the carrier (sent with the instruction), never mixed with `note`, which is for
    # the nurse or grant officer and may hold health details.
    driver_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tracking_reference: Mapped[str | None] = mapped_column(String(100))
    carrier: Mapped[str | None] = mapped_column(String(100))

    citizen: Mapped[Citizen] = relationship()
    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_id])
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan")
    events: Mapped[list["OrderEvent"]] = relationship(back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        """The order number people read out on the phone."""
        return f"{self.id:07d}"

    @property
    def total_oere(self) -> int:
        return sum(line.total_oere for line in self.lines)

    @property
    def needs_approval(self) -> bool:
        return any(line.routing != "within_grant" for line in self.lines)

    @property
    def awaiting_approval(self) -> bool:
        """Waiting for a stoma nurse's or the municipality's decision."""
        return self.status is OrderStatus.AWAITING_APPROVAL

    @property
    def is_delivered(self) -> bool:
        return self.status is OrderStatus.DELIVERED


class OrderLine(Base):
    __tablename__ = "order_line"
    __table_args__ = (UniqueConstraint("order_id", "variant_id", name="one_line_per_variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey(Variant.id), index=True)
    grant_line_id: Mapped[int | None] = mapped_column(ForeignKey(GrantLine.id))
    quantity: Mapped[int]
    # Snapshot at order time: invoices and statistics never read live catalogue data.
    article_number: Mapped[str] = mapped_column(String(50))
    product_name: Mapped[str] = mapped_column(String(300))
    unit_price_oere: Mapped[int]
    vat_rate_pct: Mapped[int]
    cut_shape: Mapped[CutShape | None] = mapped_column(_enum(CutShape, 10))
    cut_diameter_mm: Mapped[int | None]
    cut_width_mm: Mapped[int | None]
    cut_height_mm: Mapped[int | None]
    # Why the line needs approval, or "within_grant" (see ordering.services.ROUTING_REASONS).
    routing: Mapped[str] = mapped_column(String(30), default="within_grant")

    order: Mapped[Order] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()
    grant_line: Mapped[GrantLine | None] = relationship()

    @property
    def total_oere(self) -> int:
        return self.quantity * self.unit_price_oere

    cut = CutColumns("cut_")  # the citizen's measure when ordered; None for a line not cut to fit


class RoutingReason(str, enum.Enum):
    """Why a line, or a whole order, is routed as it is: the value stored on the line, and on the event
    that sent the order to approval (OrderEventReason)."""

    WITHIN_GRANT = "within_grant"
    NOT_GRANTED = "not_granted"
    GRANT_EXPIRED = "grant_expired"
    OVER_GRANT = "over_grant"
    OVER_PRICE_CEILING = "over_price_ceiling"
    OVER_ORDER_LIMIT = "over_order_limit"
    EXPRESS_BEYOND_GRANT = "express_beyond_grant"  # the whole order
    TOO_SOON = "too_soon"  # the whole order


class OrderEvent(Base):
    """One step on the order's timeline: a status move with who, when and why."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    by_citizen: Mapped[bool] = mapped_column(default=False)
    # Why, in words or a code ("cancelled", "grant_changed"); the routing reasons of a move to approval are rows of
    # their own (routing_reasons), so the queues find them by an indexed equality.
    reason: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="events")
    reason_rows: Mapped[list["OrderEventReason"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="OrderEventReason.reason")
    routing_reasons: AssociationProxy[list[RoutingReason]] = association_proxy(
        "reason_rows", "reason", creator=lambda reason: OrderEventReason(reason=reason))


class OrderEventReason(Base):
    """One reason an order was sent to approval, on the event that sent it there (an order may have several)."""

    __tablename__ = "order_event_reason"

    event_id: Mapped[int] = mapped_column(ForeignKey(OrderEvent.id, ondelete="CASCADE"), primary_key=True)
    reason: Mapped[RoutingReason] = mapped_column(_enum(RoutingReason, 30), primary_key=True)


class DeliveryProblemKind(str, enum.Enum):
    MISSING = "missing"
    WRONG = "wrong"
    DAMAGED = "damaged"
    CUTTING = "cutting"


class ProblemStatus(str, enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"  # handled without a replacement (callcenter) or, for wrong cutting, by a nurse
    REPLACED = "replaced"  # a replacement was sent (a cutting problem stays open for the nurse's follow-up)


PROBLEM_FLOW = machine("delivery problem", {ProblemStatus.OPEN: (ProblemStatus.RESOLVED, ProblemStatus.REPLACED)})


class DeliveryProblem(Base):
    """A citizen's report about a delivered order: a case for the callcenter."""

    __tablename__ = "delivery_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    kind: Mapped[DeliveryProblemKind] = mapped_column(_enum(DeliveryProblemKind, 10))
    description: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    status: Mapped[ProblemStatus] = mapped_column(value_enum(ProblemStatus, 20), default=ProblemStatus.OPEN)

    order: Mapped[Order] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status is ProblemStatus.OPEN
