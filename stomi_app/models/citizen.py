"""The citizen with a stoma: identity (CPR kept encrypted), address, home municipality, consent."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.extensions import db
from stomi_app.models.geo import Municipality
from stomi_app.models.sessions import LoginPrincipal
from stomi_app.models.users import Role


class StomaType(str, enum.Enum):
    COLOSTOMY = "colostomy"
    ILEOSTOMY = "ileostomy"
    UROSTOMY = "urostomy"


class Citizen(LoginPrincipal, Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The CPR number is never stored in plain text: AES-GCM ciphertext plus a keyed hash for look-up.
    cpr_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    cpr_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Only the masked form (DDMMYY-****) is kept readable, for lists and search by birth date.
    cpr_masked: Mapped[str] = mapped_column(String(11))
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(4))
    city: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    stoma_type: Mapped[StomaType] = mapped_column(
        value_enum(StomaType, 20)
    )
    # Stomas shrink for 6–8 weeks after the operation: the date sets when to measure again.
    operation_date: Mapped[date | None]
    language: Mapped[str] = mapped_column(String(2), default="da")
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_text_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipality: Mapped[Municipality] = relationship()

    role = Role.CITIZEN

    @property
    def is_citizen(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None and (
            self.consent_withdrawn_at is None or self.consent_withdrawn_at < self.consent_given_at
        )


def lock_citizen(citizen_id: int) -> None:
    """Serialise what is decided against a citizen's grants (orders sent, grant decisions): concurrent orders against
    one grant line must not all fit, and two decisions must not deadlock. A row lock on PostgreSQL (held to the end of
    the transaction); SQLite serialises writers anyway."""
    db.session.execute(select(Citizen.id).where(Citizen.id == citizen_id).with_for_update())
