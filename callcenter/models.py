"""The callcenter's own tables: the call log (one short record per contact) and claims on its work queues."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen
from stomi_app.models.users import User


def _enum(cls):
    return value_enum(cls, 30)


class ContactReason(str, enum.Enum):
    ORDER = "order"
    DELIVERY_QUESTION = "delivery_question"
    PRODUCT_QUESTION = "product_question"
    COMPLAINT = "complaint"
    OTHER = "other"


class ContactOutcome(str, enum.Enum):
    ANSWERED = "answered"
    ORDER_PLACED = "order_placed"
    PROBLEM_REGISTERED = "problem_registered"
    TRANSFERRED_TO_NURSE = "transferred_to_nurse"
    CALL_BACK = "call_back"
    REFERRED_TO_MUNICIPALITY = "referred_to_municipality"


class Contact(Base):
    """One call (or other contact) with a citizen: why they called, what was said, how it ended."""

    __tablename__ = "callcenter_contact"
    # The overview lists a citizen's newest contacts first.
    __table_args__ = (Index("ix_callcenter_contact_citizen_at", "citizen_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id))
    agent_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[ContactReason] = mapped_column(_enum(ContactReason))
    note: Mapped[str] = mapped_column(Text)
    outcome: Mapped[ContactOutcome] = mapped_column(_enum(ContactOutcome))

    citizen: Mapped[Citizen] = relationship()
    agent: Mapped[User] = relationship()


class QueueKind(str, enum.Enum):
    """The callcenter's work queues an agent claims and closes; the value also names the claim."""

    DELIVERY_PROBLEM = "delivery_problem"
    CALL_BACK = "call_back"


class QueueClaim(Base):
    """Who works on a queue item, and how it was closed: one row per item, so two agents never call the same citizen
    about the same case unknowingly (the nurses' TaskClaim, for the callcenter). The row stays when the case is closed."""

    __tablename__ = "callcenter_queue_claim"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="one_claim_per_queue_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[QueueKind] = mapped_column(_enum(QueueKind))
    ref_id: Mapped[int]
    agent_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    agent: Mapped[User] = relationship()
