"""Invoicing's tables: fee schedule, invoices with their lines and documents, the number counter, shared costs."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.geo import Municipality, Region
from ordering.models import Order
from stomi_app.models.users import User


def _enum(cls, length=12):
    return value_enum(cls, length)


# The invoice run selects a month's deliveries by this column; without an index a national month scans every order.
Index("ix_supply_order_delivered_at", Order.__table__.c.delivered_at)


class FeeSchedule(Base):
    """The FSC's fees for a period of whole months; periods never overlap, so a month has one schedule or none."""

    __tablename__ = "invoice_fee_schedule"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period_order"),
        CheckConstraint(
            "cutting_fee_oere >= 0 AND delivery_fee_oere >= 0 AND express_delivery_fee_oere >= 0 "
            "AND warehouse_fee_oere >= 0 AND citizen_fee_yearly_oere >= 0 "
            "AND admin_fee_basis_points >= 0 AND admin_fee_basis_points <= 10000",
            name="fees_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(index=True)  # always the 1st of a month
    valid_to: Mapped[date | None]  # the last day of a month, inclusive; None = until further notice
    cutting_fee_oere: Mapped[int]  # per cut plate
    delivery_fee_oere: Mapped[int]  # per normal shipment
    express_delivery_fee_oere: Mapped[int]  # per express shipment
    warehouse_fee_oere: Mapped[int]  # per picked line
    # Basis points (1/100 %), so 5 % is 500 and the percentage stays an integer.
    admin_fee_basis_points: Mapped[int]
    citizen_fee_yearly_oere: Mapped[int]  # per citizen with a grant; 1/12 charged per month
    vat_rate_pct: Mapped[int] = mapped_column(default=25)  # on the fees (products keep their own snapshot rate)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))

    created_by: Mapped[User | None] = relationship()


class InvoiceKind(str, enum.Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceCounter(Base):
    """The last number handed out; locked FOR UPDATE by the transaction that issues the next one, so no gaps."""

    __tablename__ = "invoice_counter"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(Base):
    """An issued invoice or credit note: never edited after issue, only credited."""

    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint("total_oere = net_oere + vat_oere", name="total_is_net_plus_vat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[InvoiceKind] = mapped_column(_enum(InvoiceKind), default=InvoiceKind.INVOICE)
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), index=True)
    period_start: Mapped[date] = mapped_column(index=True)
    period_end: Mapped[date]
    issue_date: Mapped[date]
    due_date: Mapped[date]
    # "municipality id:YYYY-MM" while this is the month's valid invoice; cleared when it is credited. Unique, so a
    # second run (even a concurrent one) can never issue a second invoice for the same municipality and month.
    current_key: Mapped[str | None] = mapped_column(String(30), unique=True)
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # The buyer as it was at issue: a later change of EAN number must not rewrite an issued invoice.
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_gln: Mapped[str] = mapped_column(String(13))
    buyer_cvr: Mapped[str] = mapped_column(String(8))
    buyer_reference: Mapped[str] = mapped_column(String(100))
    order_reference: Mapped[str] = mapped_column(String(100))
    # 64-bit: a large municipality's month passes 21,474,836.47 kr., the most a 32-bit øre column holds.
    net_oere: Mapped[int] = mapped_column(BigInteger)
    vat_oere: Mapped[int] = mapped_column(BigInteger)
    total_oere: Mapped[int] = mapped_column(BigInteger)
    fee_schedule_id: Mapped[int | None] = mapped_column(ForeignKey(FeeSchedule.id))
    deliveries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))

    municipality: Mapped[Municipality] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", order_by="InvoiceLine.position",
                                                      cascade="all, delete-orphan")
    documents: Mapped[list["InvoiceDocument"]] = relationship(back_populates="invoice", order_by="InvoiceDocument.kind",
                                                              cascade="all, delete-orphan")
    credits_invoice: Mapped["Invoice | None"] = relationship(remote_side=[id], foreign_keys=[credits_invoice_id])
    fee_schedule: Mapped[FeeSchedule | None] = relationship()

    @property
    def is_credit_note(self) -> bool:
        return self.kind is InvoiceKind.CREDIT_NOTE

    @property
    def number_label(self) -> str:
        return str(self.number)

    @property
    def kind_label(self) -> str:
        """The document's title, on the pages and in its PDF."""
        return _("Credit note") if self.is_credit_note else _("Invoice")

    @property
    def kind_detail(self) -> str:
        """The kind, naming the invoice a credit note credits (the municipality's list has no status column)."""
        if self.is_credit_note:
            return _("Credit note for %(number)s", number=self.credits_invoice.number)
        return _("Invoice")

    @property
    def state_label(self) -> str:
        """Where the document stands: a credit note credits an invoice; an invoice no longer the month's valid one
        (its `current_key` cleared) was credited; else it is sent or not yet."""
        if self.is_credit_note:
            return _("Credits %(number)s", number=self.credits_invoice.number)
        if not self.current_key:
            return _("Credited")
        return _("Sent") if self.sent_at else _("Not sent")

    @property
    def month_label(self) -> str:
        return self.period_start.strftime("%Y-%m")


class InvoiceLine(Base):
    """One line: net = quantity × unit price ÷ base quantity, rounded half up to the øre once, here."""

    __tablename__ = "invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_invoice_line_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey(Invoice.id), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # see invoicing.lines.LINE_KINDS
    article_number: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(3))  # UN/ECE Recommendation 20 (H87 piece, C62 one, …)
    unit_price_oere: Mapped[int] = mapped_column(BigInteger)  # a shared-cost line's price is the whole share
    # The yearly citizen fee is priced per 12 citizen-months, so 1/12 never needs a rounded unit price.
    base_quantity: Mapped[int] = mapped_column(default=1)
    net_oere: Mapped[int] = mapped_column(BigInteger)
    vat_rate_pct: Mapped[int]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceDocument(Base):
    """The PDF, UBL XML or CSV of an invoice, stored with it in the same transaction."""

    __tablename__ = "invoice_document"
    __table_args__ = (UniqueConstraint("invoice_id", "kind", name="uq_invoice_document_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey(Invoice.id), index=True)
    kind: Mapped[str] = mapped_column(String(4))  # pdf, xml, csv
    filename: Mapped[str] = mapped_column(String(100))
    media_type: Mapped[str] = mapped_column(String(60))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))

    invoice: Mapped[Invoice] = relationship(back_populates="documents")


class SharedCostAllocation(Base):
    """A shared cost split by an allocation key; the municipalities' shares go on that month's invoices."""

    __tablename__ = "shared_cost_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    amount_oere: Mapped[int] = mapped_column(BigInteger)  # a year's spend (86 million kr.) passes 32 bits in øre
    key: Mapped[str] = mapped_column(String(20))  # citizens | population
    region_share_pct: Mapped[int]
    region_id: Mapped[int | None] = mapped_column(ForeignKey(Region.id))  # None: every municipality in the solution
    month: Mapped[date | None]  # the invoice month the shares go on (1st of month); None = not invoiced
    vat_rate_pct: Mapped[int] = mapped_column(default=25)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))

    region: Mapped[Region | None] = relationship()
    shares: Mapped[list["SharedCostShare"]] = relationship(back_populates="allocation", order_by="SharedCostShare.id",
                                                           cascade="all, delete-orphan")


class SharedCostShare(Base):
    """One party's part of an allocation: a region, or a municipality."""

    __tablename__ = "shared_cost_share"
    __table_args__ = (CheckConstraint("(region_id IS NULL) <> (municipality_id IS NULL)", name="region_xor_municipality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey(SharedCostAllocation.id), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey(Region.id))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey(Municipality.id), index=True)
    weight: Mapped[int]  # citizens with a grant, or population; 0 for the region's share
    amount_oere: Mapped[int] = mapped_column(BigInteger)

    allocation: Mapped[SharedCostAllocation] = relationship(back_populates="shares")
    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
