"""The citizen's cutting measure: the hole to cut in cut-to-fit baseplates, versioned."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from citizens.cut import CutColumns, CutShape
from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen
from stomi_app.models.users import User


class CuttingMeasure(Base):
    """One version of a citizen's measure; the newest is the current one. Whole millimetres only."""

    __tablename__ = "cutting_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id), index=True)
    shape: Mapped[CutShape] = mapped_column(value_enum(CutShape, 10))
    diameter_mm: Mapped[int | None]
    width_mm: Mapped[int | None]
    height_mm: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by_citizen: Mapped[bool] = mapped_column(default=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remeasure_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))

    citizen: Mapped[Citizen] = relationship()

    cut = CutColumns()
