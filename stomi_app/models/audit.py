"""The audit log: every staff read or change of a citizen's data (who, what, when, why)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stomi_app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))  # read, search, change, export, delete, login
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    # The staff account a sign-in or administration event is about (shown as that user's history).
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
