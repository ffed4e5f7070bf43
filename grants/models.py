"""Grants (bevillinger): the municipality's decision on what a citizen may receive, per period."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Category, Variant
from stomi_app.statemachine import machine
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen
from stomi_app.models.geo import Municipality
from stomi_app.models.users import User


def _enum(cls):
    return value_enum(cls, 20)


class GrantStatus(str, enum.Enum):
    """Whether an ending has been decided (`end_grant`). It does not say whether the grant is in force: an ended grant
    is in force until its last day (`valid_to`), and the ending can be withdrawn until then (Grant.in_force_on)."""

    ACTIVE = "active"
    ENDED = "ended"


# An ending is withdrawn (back to active) while it has not taken effect; Grant.ending_withdrawable says when.
GRANT_FLOW = machine("grant", {GrantStatus.ACTIVE: (GrantStatus.ENDED,), GrantStatus.ENDED: (GrantStatus.ACTIVE,)})


class GrantPeriod(str, enum.Enum):
    """Calendar periods (Europe/Copenhagen): a month, a quarter (3 months) or a year."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.value]


class Grant(Base):
    __tablename__ = "grant_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    # The granting municipality: always the citizen's home municipality when the grant is made.
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), index=True)
    legal_basis: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    # Nexus' paying municipality (betalingskommune) when another than the acting one above pays; None: the acting one.
    paying_municipality_id: Mapped[int | None] = mapped_column(ForeignKey(Municipality.id))
    follow_up_on: Mapped[date | None]  # when the grant officer means to look at the case again
    status: Mapped[GrantStatus] = mapped_column(_enum(GrantStatus), default=GrantStatus.ACTIVE)
    express_per_year: Mapped[int] = mapped_column(default=2)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    end_reason: Mapped[str | None] = mapped_column(Text)

    citizen: Mapped[Citizen] = relationship()
    municipality: Mapped[Municipality] = relationship(foreign_keys=[municipality_id])
    paying_municipality: Mapped[Municipality | None] = relationship(foreign_keys=[paying_municipality_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    all_lines: Mapped[list["GrantLine"]] = relationship(back_populates="grant", order_by="GrantLine.id")
    # The lines in force (not replaced by a later version of the grant).
    lines: Mapped[list["GrantLine"]] = relationship(
        primaryjoin="and_(Grant.id == GrantLine.grant_id, GrantLine.replaced_at.is_(None))",
        viewonly=True, order_by="GrantLine.id",
    )
    changes: Mapped[list["GrantChange"]] = relationship(back_populates="grant", order_by="GrantChange.version")

    # The one definition of "in force", for every rule (ordering, consumption, statistics, invoicing, allocation):
    # from the first day (valid_from) through the last day (valid_to, inclusive; None: until further notice), whatever
    # the status, so an ending decided for a later day stops nothing before that day. The Python rule and its SQL
    # twin stand side by side; a test keeps them equal at the boundaries.
    @hybrid_method
    def in_force_during(self, first: date, last: date) -> bool:
        """In force on at least one day of [first, last] (both inclusive)."""
        return self.valid_from <= last and (self.valid_to is None or first <= self.valid_to)

    @in_force_during.expression
    @classmethod
    def in_force_during(cls, first, last):
        return and_(cls.valid_from <= last, or_(cls.valid_to.is_(None), cls.valid_to >= first))

    @hybrid_method
    def in_force_on(self, on: date) -> bool:
        """In force on the day `on` (in SQL too: `Grant.in_force_on(day)` is a WHERE clause)."""
        return self.in_force_during(on, on)

    def is_in_force(self, on: date) -> bool:
        return self.in_force_on(on)

    def ending_withdrawable(self, today: date) -> bool:
        """An ending can be withdrawn until it takes effect: while today is on or before the grant's last day."""
        return self.status is GrantStatus.ENDED and self.valid_to is not None and today <= self.valid_to

    @property
    def is_active(self) -> bool:
        """Not ended (an ending decided for a later day still leaves it active until then)."""
        return self.status is GrantStatus.ACTIVE


class GrantLine(Base):
    """One granted item: a specific variant or any variant of a category, a quantity per period."""

    __tablename__ = "grant_line"
    __table_args__ = (
        CheckConstraint("(variant_id IS NULL) <> (category_id IS NULL)", name="variant_xor_category"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey(Grant.id), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey(Variant.id), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey(Category.id), index=True)
    quantity: Mapped[int]  # packs (the variant's unit of issue) per period
    period: Mapped[GrantPeriod] = mapped_column(_enum(GrantPeriod))
    price_ceiling_oere: Mapped[int | None]
    # Lines are never deleted: a change marks the old ones replaced, so history and orders keep them.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship(back_populates="all_lines")
    variant: Mapped[Variant | None] = relationship()
    category: Mapped[Category | None] = relationship()


class GrantChange(Base):
    """The history of a grant: every version with who, when, why and what it said."""

    __tablename__ = "grant_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey(Grant.id), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # created, changed, ended, end_withdrawn
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    reason: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict] = mapped_column(JSON)

    grant: Mapped[Grant] = relationship(back_populates="changes")
    by: Mapped[User | None] = relationship()


class OrderRules(Base):
    """A municipality's ordering rules; a municipality without a row uses the defaults from practice."""

    __tablename__ = "order_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), unique=True)
    intro_months: Mapped[int] = mapped_column(default=6)
    intro_max_months_per_order: Mapped[int] = mapped_column(default=1)
    max_months_per_order: Mapped[int] = mapped_column(default=3)
    min_days_between_orders: Mapped[int] = mapped_column(default=14)


class CaseNote(Base):
    """A grant officer's short note on a citizen's case, kept with the municipality that wrote it: only that
    municipality's grant officers read it (a citizen who moves does not take the old municipality's notes along)."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey(User.id))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()
