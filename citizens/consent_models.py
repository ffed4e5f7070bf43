"""The citizen's consent, one record per purpose and period: giving opens a record, withdrawing closes it."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.citizen import Citizen


class ConsentPurpose(str, enum.Enum):
    """What the citizen may consent to; their words (what it means, what a withdrawal changes) are in
    citizens/consent.py PURPOSES, declared once."""

    COURIER = "courier"                    # phone number and delivery details to the logistics provider's driver
    DISCHARGE = "discharge"                # hospital stoma nurse ↔ home municipality's nurse share clinical details
    CALLCENTER_NOTES = "callcenter_notes"  # the FSC callcenter may read the stoma nurses' clinical notes
    # No purpose for usage statistics to the municipality: what it gets about a citizen (consumption per grant line,
    # the invoice) is its follow-up on its own grant decision, which needs no consent; nothing goes beyond it.


class CitizenConsent(Base):
    """One period of consent to one purpose. Never deleted or reopened: a withdrawal sets `withdrawn_at`, giving
    consent again adds a new row, so the history shows every change and the text version agreed to."""

    __tablename__ = "citizen_consent"
    __table_args__ = (Index("ix_citizen_consent_citizen_purpose", "citizen_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey(Citizen.id))
    purpose: Mapped[ConsentPurpose] = mapped_column(value_enum(ConsentPurpose, 30))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    text_version: Mapped[str] = mapped_column(String(20))

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
