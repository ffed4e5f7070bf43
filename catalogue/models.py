"""The shared catalogue's tables: product areas, categories, products, variants, contract prices, supplier changes."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.statemachine import machine
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum


class ProductArea(Base):
    """Stoma first; urology/continence and diabetes later. An area is data, never code."""

    __tablename__ = "product_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_da: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    categories: Mapped[list["Category"]] = relationship(back_populates="product_area", order_by="Category.sort_order")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_da


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_area_id: Mapped[int] = mapped_column(ForeignKey("product_area.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_da: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)

    product_area: Mapped[ProductArea] = relationship(back_populates="categories")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_da


class ProductSystem(str, enum.Enum):
    ONE_PIECE = "one_piece"
    TWO_PIECE = "two_piece"


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    manufacturer: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description_da: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Hjælpemiddelbasen's number, where the product is registered there.
    hmi_number: Mapped[str | None] = mapped_column(String(20), index=True)
    # "one_piece" / "two_piece"; None for accessories where the distinction means nothing.
    system: Mapped[str | None] = mapped_column(String(10), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    variants: Mapped[list["Variant"]] = relationship(back_populates="product", order_by="Variant.article_number")

    def description(self, locale: str) -> str:
        return (self.description_en if locale == "en" else self.description_da) or self.description_da


class Variant(Base):
    """The orderable unit: one article number, one GTIN, one pack size, one size or cutting range."""

    __tablename__ = "variant"
    __table_args__ = (
        CheckConstraint("pack_size > 0", name="pack_size_positive"),
        CheckConstraint(
            "(cut_min_mm IS NULL AND cut_max_mm IS NULL) OR (cut_min_mm IS NOT NULL AND cut_max_mm IS NOT NULL "
            "AND cut_min_mm < cut_max_mm)",
            name="cut_range",
        ),
        # The cut-size filter asks "min <= x <= max" over every variant.
        Index("ix_variant_cut_range", "cut_min_mm", "cut_max_mm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    article_number: Mapped[str] = mapped_column(String(40), unique=True)
    gtin: Mapped[str] = mapped_column(String(13), unique=True)
    pack_size: Mapped[int] = mapped_column()
    unit: Mapped[str] = mapped_column(String(20), default="box")
    precut_mm: Mapped[int | None] = mapped_column()
    cut_min_mm: Mapped[int | None] = mapped_column()
    cut_max_mm: Mapped[int | None] = mapped_column()
    convex: Mapped[bool] = mapped_column(default=False, index=True)
    # The flange size that joins baseplate and bag in a two-piece system.
    coupling_mm: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True, index=True)
    discontinued_at: Mapped[date | None] = mapped_column(Date)

    product: Mapped[Product] = relationship(back_populates="variants")
    prices: Mapped[list["ContractPrice"]] = relationship(
        back_populates="variant", order_by="ContractPrice.valid_from", cascade="all, delete-orphan"
    )

    @property
    def is_cut_to_fit(self) -> bool:
        return self.cut_min_mm is not None and self.cut_max_mm is not None

    @property
    def size_label(self) -> str:
        """Language-neutral size text: a cutting range, a pre-cut size, or a coupling size."""
        if self.is_cut_to_fit:
            return f"{self.cut_min_mm}–{self.cut_max_mm} mm"
        if self.precut_mm is not None:
            return f"Ø {self.precut_mm} mm"
        if self.coupling_mm is not None:
            return f"{self.coupling_mm} mm"
        return ""

    @property
    def display_name(self) -> str:
        # Language-neutral on purpose: order lines copy it, and a copy must read the same in da and en.
        size = self.size_label
        name = f"{self.product.name}, {size}" if size else self.product.name
        return f"{name} ({self.article_number})"


class ContractPrice(Base):
    """The contract price of a variant for a period; the price in force on a date is what orders copy."""

    __tablename__ = "contract_price"
    __table_args__ = (
        CheckConstraint("price_oere >= 0", name="price_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period_order"),
        Index("ix_contract_price_variant_period", "variant_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    # Inclusive last day; None means open-ended.
    valid_to: Mapped[date | None] = mapped_column(Date)
    contract_reference: Mapped[str] = mapped_column(String(60))
    price_oere: Mapped[int] = mapped_column()  # excl. VAT
    vat_rate_pct: Mapped[int] = mapped_column(default=25)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    variant: Mapped[Variant] = relationship(back_populates="prices")

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def price_incl_vat_oere(self) -> int:
        # Half-up rounding to whole øre, in integers so no float ever touches money.
        return (self.price_oere * (100 + self.vat_rate_pct) + 50) // 100


class VariantSuccessor(Base):
    """At a supplier change: an ending variant and one of its equivalents in the new contract."""

    __tablename__ = "variant_successor"
    __table_args__ = (UniqueConstraint("old_variant_id", "new_variant_id", name="uq_variant_successor_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    old_variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    new_variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    mapped_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    mapped_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    old_variant: Mapped[Variant] = relationship(foreign_keys=[old_variant_id])
    new_variant: Mapped[Variant] = relationship(foreign_keys=[new_variant_id])


class ReviewStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


SUPPLIER_REVIEW_FLOW = machine("supplier review", {ReviewStatus.OPEN: (ReviewStatus.DONE,)})


# The equivalents suggested to the nurse, copied at the time of the mapping.
supplier_change_review_suggestion = Table(
    "supplier_change_review_suggestion",
    Base.metadata,
    Column("review_id", ForeignKey("supplier_change_review.id", ondelete="CASCADE"), primary_key=True),
    Column("variant_id", ForeignKey("variant.id"), primary_key=True),
)


class SupplierChangeReview(Base):
    """A nurse's task: a citizen is granted a variant that is ending; choose (with the citizen) its successor."""

    __tablename__ = "supplier_change_review"
    __table_args__ = (Index("ix_supplier_change_review_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    old_variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(
        value_enum(ReviewStatus, 10),
        default=ReviewStatus.OPEN,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    old_variant: Mapped[Variant] = relationship(foreign_keys=[old_variant_id])
    suggested_variants: Mapped[list[Variant]] = relationship(secondary=supplier_change_review_suggestion)

    @property
    def is_open(self) -> bool:
        """Not yet reviewed by a nurse."""
        return not SUPPLIER_REVIEW_FLOW.is_final(self.status)
