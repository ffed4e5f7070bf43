"""Regions and municipalities: who grants, who pays, who gets invoiced."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))

    municipalities: Mapped[list["Municipality"]] = relationship(back_populates="region", order_by="Municipality.name")
    hospitals: Mapped[list["Hospital"]] = relationship(back_populates="region", order_by="Hospital.name")


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # The municipality's electronic invoicing address (EAN/GLN, 13 digits) and CVR number.
    ean_gln: Mapped[str] = mapped_column(String(13))
    cvr: Mapped[str] = mapped_column(String(8))
    # The person reference the municipality's e-invoicing system routes an invoice by (UBL BuyerReference; "STOMI-<code>"
    # when none is set), copied onto each invoice at issue.
    invoice_reference: Mapped[str | None] = mapped_column(String(100))
    # Who at the municipality the secretariat writes to about its invoices (questions, a credit note).
    invoice_contact_name: Mapped[str | None] = mapped_column(String(200))
    invoice_contact_email: Mapped[str | None] = mapped_column(String(254))
    population: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # How many days before a citizen's supplies are expected to run out the reminder is sent (notices.reminders).
    reminder_days_before: Mapped[int] = mapped_column(default=10, server_default="10")

    region: Mapped[Region] = relationship(back_populates="municipalities")

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"


class Hospital(Base):
    """A hospital of a region where stoma nurses work (organisation.services keeps them; stomi_app.users binds a
    hospital nurse to one, and her region, which scopes the citizens she sees, follows from it)."""

    __tablename__ = "hospital"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_hospital_region_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # An inactive hospital is no longer offered for new accounts; its nurses keep it until they are moved.
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region] = relationship(back_populates="hospitals")

    def __repr__(self) -> str:
        return f"<Hospital {self.id} {self.name}>"
