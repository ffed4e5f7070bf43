"""The notices' tables: a notice per event for the citizen's inbox, one delivery row per channel, the preferences."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow
from stomi_app.models.citizen import Citizen
from ordering.models import Order


def _enum(cls, length=12):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Notice(Base):
    """What the platform told a citizen, written in the transaction of its cause; shown in the portal's inbox.

    The text is rendered from `kind` and `params` when shown (in the reader's language), so the callcenter sees what
    the citizen was told. `key` names the event: one notice per event, however often its cause is replayed.
    """

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_citizen_created", "citizen_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int | None] = mapped_column(ForeignKey(Order.id), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    citizen: Mapped[Citizen] = relationship()
    deliveries: Mapped[list["NoticeDelivery"]] = relationship(back_populates="notice", order_by="NoticeDelivery.id",
                                                              cascade="all, delete-orphan")


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; the notice is still in the inbox
    SKIPPED = "skipped"  # not sent: no address when its turn came, or no provider behind the channel (last_error says)


class NoticeDelivery(Base):
    """The outbox: one notice to one channel, pending until the channel has taken it; retried with backoff."""

    __tablename__ = "notice_delivery"
    __table_args__ = (UniqueConstraint("notice_id", "channel", name="uq_notice_delivery_notice_channel"),
                      Index("ix_notice_delivery_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey(Notice.id))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set by the sender holding the row for its lease; another sender skips it.
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    recipient: Mapped[str | None] = mapped_column(String(254))  # the address it went to, once sent
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notice: Mapped[Notice] = relationship(back_populates="deliveries")


class NoticePreferences(Base):
    """Which channels a citizen wants notices on. The e-mail address, mobile number and language are the citizen's own
    (citizen.email, citizen.phone, citizen.language: one place each); without a row the defaults in
    notices.preferences apply."""

    __tablename__ = "notice_preferences"

    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)
    digital_post: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
