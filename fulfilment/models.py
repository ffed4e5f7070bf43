"""Fulfilment's tables: warehouse instructions and their lines, the outbox to the provider, received events."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Variant
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from citizens.cut import CutColumns, CutShape
from ordering.models import Order


def _enum(cls, length=12):
    return value_enum(cls, length)


class WarehouseInstruction(Base):
    """What the provider must pick, cut, pack and deliver for one accepted order, as it was at acceptance."""

    __tablename__ = "warehouse_instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    requested_delivery_date: Mapped[date] = mapped_column(index=True)
    # The contract's promise for this order (1 express, 2 normal); kept so a later SLA change
    # does not rewrite history.
    promised_working_days: Mapped[int]
    express: Mapped[bool] = mapped_column(default=False)
    delivery_name: Mapped[str] = mapped_column(String(200))
    delivery_address: Mapped[str] = mapped_column(String(200))
    delivery_postcode: Mapped[str] = mapped_column(String(4))
    delivery_city: Mapped[str] = mapped_column(String(100))
    temporary_address: Mapped[bool] = mapped_column(default=False)
    temporary_from: Mapped[date | None]
    temporary_to: Mapped[date | None]
    # Only with the citizen's consent: how the carrier may announce the delivery.
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    delivery_note: Mapped[str | None] = mapped_column(Text)
    # True when consent was withdrawn and only what delivery needs was kept.
    minimised: Mapped[bool] = mapped_column(default=False)
    packing_note: Mapped[str] = mapped_column(String(300))

    order: Mapped[Order] = relationship()
    lines: Mapped[list["InstructionLine"]] = relationship(
        back_populates="instruction", order_by="InstructionLine.id", cascade="all, delete-orphan"
    )
    outbox: Mapped["OutboxMessage"] = relationship(back_populates="instruction", uselist=False, cascade="all, delete-orphan")

    @property
    def order_number(self) -> str:
        return f"{self.order_id:07d}"


class InstructionLine(Base):
    __tablename__ = "warehouse_instruction_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey(WarehouseInstruction.id), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey(Variant.id), index=True)
    article_number: Mapped[str] = mapped_column(String(50))
    gtin: Mapped[str] = mapped_column(String(13))
    quantity: Mapped[int]  # packs
    pack_size: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20), default="box")
    cut_shape: Mapped[CutShape | None] = mapped_column(_enum(CutShape, 10))
    cut_diameter_mm: Mapped[int | None]
    cut_width_mm: Mapped[int | None]
    cut_height_mm: Mapped[int | None]
    # quantity × pack size for a cut-to-fit line: every plate in every pack is cut.
    plates_to_cut: Mapped[int | None]

    instruction: Mapped[WarehouseInstruction] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()

    cut = CutColumns("cut_")


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"  # the order was cancelled before it was sent


class OutboxMessage(Base):
    """An instruction waiting to reach the provider: pending until a 2xx answer has been recorded."""

    __tablename__ = "fulfilment_outbox"
    # The warehouse's start page lists the newest sent by sent_at: without its own index that read and sorted every
    # row ever sent on each load (issue 24, item 14).
    __table_args__ = (Index("ix_fulfilment_outbox_due", "status", "next_attempt_at"),
                      Index("ix_fulfilment_outbox_status_sent_at", "status", "sent_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey(WarehouseInstruction.id), unique=True)
    # Sent with every attempt: the provider keeps one order per key however often it arrives.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set by the dispatcher that holds the row for the lease; other dispatchers skip it.
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The id of the request that accepted the order, sent on as X-Request-ID with every attempt: the provider's logs,
    # the dispatcher's and the request's share it (a citizen quoting it reaches all three). None outside a request.
    request_id: Mapped[str | None] = mapped_column(String(128))

    instruction: Mapped[WarehouseInstruction] = relationship(back_populates="outbox")


class ReceivedEvent(Base):
    """A status event from the provider, kept by its id so a replay changes nothing."""

    __tablename__ = "fulfilment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    type: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))  # "applied" or "ignored" (a late event)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text)
