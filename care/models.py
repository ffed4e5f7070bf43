"""The stoma nurses' records: advice threads, product-change requests, grant recommendations, claims, notes."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Variant
from stomi_app.statemachine import machine
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen, StomaType
from citizens.cut import CutColumns, CutShape
from stomi_app.models.geo import Municipality
from grants.models import Grant, GrantPeriod
from ordering.models import Order
from stomi_app.models.users import User


def _enum(cls, length=20):
    return value_enum(cls, length)


class TaskKind(str, enum.Enum):
    """The kinds of work that reach a nurse's queue; the value also names the claim."""

    ORDER = "order"
    PRODUCT_CHANGE = "product_change"
    ADVICE = "advice"
    MEASURE = "measure"
    SUPPLIER_REVIEW = "supplier_review"
    CUTTING_PROBLEM = "cutting_problem"
    DISCHARGE_PROPOSAL = "discharge_proposal"


class TaskClaim(Base):
    """Who is working on a task: one row per task, so two nurses never decide the same one unknowingly."""

    __tablename__ = "task_claim"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="one_claim_per_task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind, 20))
    ref_id: Mapped[int]
    nurse_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    nurse: Mapped[User] = relationship()


class AdviceStatus(str, enum.Enum):
    OPEN = "open"  # waiting for a nurse
    ANSWERED = "answered"  # waiting for the citizen (not in the queue)
    CLOSED = "closed"


# The citizen writing again opens an answered conversation; a closed one stays closed (she asks a new question).
ADVICE_FLOW = machine("advice", {
    AdviceStatus.OPEN: (AdviceStatus.ANSWERED, AdviceStatus.CLOSED),
    AdviceStatus.ANSWERED: (AdviceStatus.OPEN, AdviceStatus.CLOSED),
})


class AdviceQuestion(Base):
    """A citizen's question to a stoma nurse: a thread of messages, asked in the portal or via the callcenter."""

    __tablename__ = "advice_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    status: Mapped[AdviceStatus] = mapped_column(_enum(AdviceStatus), default=AdviceStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The queue is ordered by how long the citizen has waited for a reply, not by when the thread began.
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    transferred_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    summary: Mapped[str | None] = mapped_column(Text)  # the callcenter agent's note for the nurse, not shown to the citizen
    # Set when a nurse answers, cleared when the citizen opens the thread: "you have a new answer".
    citizen_unread: Mapped[bool] = mapped_column(default=False, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))

    citizen: Mapped[Citizen] = relationship()
    transferred_by: Mapped[User | None] = relationship(foreign_keys=[transferred_by_id])
    messages: Mapped[list["AdviceMessage"]] = relationship(back_populates="question", order_by="AdviceMessage.id",
                                                          cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        """Still a conversation (waiting for a nurse or for the citizen), not closed."""
        return not ADVICE_FLOW.is_final(self.status)


class AdviceMessage(Base):
    __tablename__ = "advice_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey(AdviceQuestion.id), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    from_nurse: Mapped[bool] = mapped_column(default=False)
    # The nurse who answered, or the agent who wrote the citizen's words down; empty when the citizen wrote.
    author_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    text: Mapped[str] = mapped_column(Text)

    question: Mapped[AdviceQuestion] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class RequestStatus(str, enum.Enum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


PRODUCT_CHANGE_FLOW = machine("product change", {RequestStatus.OPEN: (RequestStatus.APPROVED, RequestStatus.REJECTED)})


class ProductChangeRequest(Base):
    """The citizen (or the callcenter for them) asks for another product, with a reason; a nurse decides."""

    __tablename__ = "product_change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    current_variant_id: Mapped[int | None] = mapped_column(ForeignKey(Variant.id))
    wanted_variant_id: Mapped[int] = mapped_column(ForeignKey(Variant.id))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.OPEN, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # "at_once" when a category grant already covers the product, "recommended" when the grant officer must act.
    effect: Mapped[str | None] = mapped_column(String(20))

    citizen: Mapped[Citizen] = relationship()
    current_variant: Mapped[Variant | None] = relationship(foreign_keys=[current_variant_id])
    wanted_variant: Mapped[Variant] = relationship(foreign_keys=[wanted_variant_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        """Not yet decided."""
        return not PRODUCT_CHANGE_FLOW.is_final(self.status)


class RecommendationStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"  # the grant officer made or changed the grant
    DISMISSED = "dismissed"  # the grant officer decided otherwise


RECOMMENDATION_FLOW = machine("recommendation", {
    RecommendationStatus.OPEN: (RecommendationStatus.DONE, RecommendationStatus.DISMISSED)})


class RecommendationKind(str, enum.Enum):
    ORDER = "order"
    PRODUCT_CHANGE = "product_change"
    SUPPLIER_CHANGE = "supplier_change"
    DISCHARGE = "discharge"


class GrantRecommendation(Base):
    """A nurse's clinical recommendation to the grant officer of the citizen's municipality; never a grant itself."""

    __tablename__ = "grant_recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RecommendationKind] = mapped_column(_enum(RecommendationKind), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    # The home municipality when recommended: its grant officer is the one to decide.
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), index=True)
    status: Mapped[RecommendationStatus] = mapped_column(_enum(RecommendationStatus), default=RecommendationStatus.OPEN,
                                                         index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey(User.id))
    hospital: Mapped[str | None] = mapped_column(String(200))  # the discharging hospital (nurse's workplace)
    order_id: Mapped[int | None] = mapped_column(ForeignKey(Order.id))
    product_change_id: Mapped[int | None] = mapped_column(ForeignKey(ProductChangeRequest.id))
    supplier_review_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_change_review.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    handled_note: Mapped[str | None] = mapped_column(Text)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey(Grant.id))

    @property
    def is_open(self) -> bool:
        """Not yet acted on by the grant officer."""
        return not RECOMMENDATION_FLOW.is_final(self.status)


    citizen: Mapped[Citizen] = relationship()
    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
    order: Mapped[Order | None] = relationship()
    lines: Mapped[list["RecommendationLine"]] = relationship(back_populates="recommendation", order_by="RecommendationLine.id",
                                                             cascade="all, delete-orphan")

    # Only the discharge is a class of its own; the other kinds differ by which source column is set.
    __mapper_args__ = {
        "polymorphic_on": case((kind == RecommendationKind.DISCHARGE, "discharge"), else_="other"),
        "polymorphic_identity": "other",
    }


class DischargeRecommendation(GrantRecommendation):
    """A hospital nurse's recommendation at discharge: the products to grant a newly operated citizen."""

    __mapper_args__ = {"polymorphic_identity": "discharge"}

    def __init__(self, **kwargs):
        # A SQL-expression discriminator is not filled in by SQLAlchemy: set the column here.
        kwargs.setdefault("kind", RecommendationKind.DISCHARGE)
        super().__init__(**kwargs)


class ProposalStatus(str, enum.Enum):
    OPEN = "open"  # waiting for a nurse of the citizen's own care
    ACCEPTED = "accepted"
    DECLINED = "declined"


DISCHARGE_PROPOSAL_FLOW = machine("discharge proposal", {
    ProposalStatus.OPEN: (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED)})


class DischargeProposal(Base):
    """Clinical facts a discharge gives for a citizen already registered: proposed, never written over the profile.

    A nurse of the citizen's own care accepts (the profile then changes) or declines them. Only the facts that
    differed from the profile when proposed are set; None means "no change proposed".
    """

    __tablename__ = "discharge_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey(GrantRecommendation.id), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey(User.id))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stoma_type: Mapped[StomaType | None] = mapped_column(_enum(StomaType))
    operation_date: Mapped[date | None]
    shape: Mapped[CutShape | None] = mapped_column(_enum(CutShape, 10))
    diameter_mm: Mapped[int | None]
    width_mm: Mapped[int | None]
    height_mm: Mapped[int | None]
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.OPEN, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    decision_note: Mapped[str | None] = mapped_column(Text)

    recommendation: Mapped[DischargeRecommendation] = relationship()
    citizen: Mapped[Citizen] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    cut = CutColumns()  # the proposed cutting measure, or None when the discharge proposes none

    @property
    def measure(self) -> dict | None:
        """The proposed cutting measure as keyword arguments for a new version, or None."""
        return None if self.cut is None else dict(zip(("shape", "diameter_mm", "width_mm", "height_mm"), self.cut.columns()))


class RecommendationLine(Base):
    """One recommended product: a variant and packs per period, optionally replacing a granted variant; or, without a
    variant, a granted variant to stop (a change to a one-piece system needs no baseplate)."""

    __tablename__ = "grant_recommendation_line"
    __table_args__ = (CheckConstraint("variant_id IS NOT NULL OR replaces_variant_id IS NOT NULL", name="a_product_or_a_stop"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey(GrantRecommendation.id), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey(Variant.id))
    quantity: Mapped[int]
    period: Mapped[GrantPeriod] = mapped_column(_enum(GrantPeriod), default=GrantPeriod.MONTH)
    replaces_variant_id: Mapped[int | None] = mapped_column(ForeignKey(Variant.id))

    recommendation: Mapped[GrantRecommendation] = relationship(back_populates="lines")
    variant: Mapped[Variant | None] = relationship(foreign_keys=[variant_id])
    replaces_variant: Mapped[Variant | None] = relationship(foreign_keys=[replaces_variant_id])

    @property
    def stops(self) -> bool:
        return self.variant_id is None


class NoteKind(str, enum.Enum):
    SKIN = "skin"
    LEAK = "leak"
    CUTTING = "cutting"
    OTHER = "other"


class ClinicalNote(Base):
    """A nurse's note on the citizen's stoma (skin, leaks, cutting); append-only like a journal."""

    __tablename__ = "clinical_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    kind: Mapped[NoteKind] = mapped_column(_enum(NoteKind, 10))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey(User.id))

    author: Mapped[User] = relationship()
