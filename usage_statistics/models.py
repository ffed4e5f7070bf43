"""Stored monthly statistics reports (PDF and CSV per municipality) and the indexes the statistics read by."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow
from stomi_app.models.geo import Municipality
from ordering.models import Order


class StatisticsReport(Base):
    """One municipality's report for one month; a new run for the month replaces the documents in place."""

    __tablename__ = "statistics_report"
    __table_args__ = (UniqueConstraint("municipality_id", "month", name="uq_statistics_report_municipality_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey(Municipality.id), index=True)
    month: Mapped[date]  # the first day of the month reported on
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    csv: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))

    municipality: Mapped[Municipality] = relationship()

    def filename(self, kind: str) -> str:
        return f"statistik-{self.municipality.code}-{self.month:%Y-%m}.{kind}"


# The dashboards read one municipality's orders in one period: (citizen, time) lets the database walk only those
# rows, so the cost follows the period and the municipality, not the whole history. The all-municipality scans
# (FSC overview, report run) use submitted_at's own index and invoicing's ix_supply_order_delivered_at.
Index("ix_supply_order_citizen_submitted", Order.citizen_id, Order.submitted_at)
Index("ix_supply_order_citizen_delivered", Order.citizen_id, Order.delivered_at)
