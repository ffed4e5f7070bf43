"""Staff accounts and their roles; citizens are a separate entity (see citizen.py)."""
from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.geo import Hospital, Municipality, Region
from stomi_app.models.sessions import LoginPrincipal


class Role(str, enum.Enum):
    CITIZEN = "citizen"
    NURSE = "nurse"
    GRANT_OFFICER = "grant_officer"
    # Reads the municipality's statistics and invoices; changes nothing (no grants, no citizen data).
    MUNICIPAL_MANAGER = "municipal_manager"
    CALLCENTER = "callcenter"
    FSC_ADMIN = "fsc_admin"
    WAREHOUSE = "warehouse"
    # A municipality's case system calling the API (stomi_app.models.api_clients): acts as a grant officer of that
    # municipality, never logs in.
    MUNICIPAL_SYSTEM = "municipal_system"


def password_hash_method() -> str:
    """Werkzeug's hashing method for new passwords (and the login's stand-in for unknown e-mails)."""
    # scrypt in production; tests configure a cheap method so fixtures don't spend seconds hashing.
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def is_hospital_nurse(user) -> bool:
    """A nurse who works at a hospital (for her region's municipalities), not for one municipality."""
    return getattr(user, "region_id", None) is not None


class User(LoginPrincipal, Base):
    """A member of staff (or the warehouse's API client) who logs in with e-mail and password."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(value_enum(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A grant officer or municipal manager is bound to one municipality; a nurse works at a municipality or at a hospital of a region.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    # A hospital nurse's hospital (its region is `region_id`); `workplace` carries its name for display.
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospital.id"), index=True)
    workplace: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="da")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The TOTP secret (AES-GCM ciphertext, stomi_app.auth.twofactor), written when enrolment begins; the second
    # factor is in use from `totp_confirmed_at`, when the person proved with a code that their app has it.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second time step a code was accepted for: a code is accepted once (NIST 800-63B 5.1.4.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()
    hospital: Mapped[Hospital | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def two_factor_enrolled(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def is_citizen(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return self.name


class FailedLogins(Base):
    """Failed staff logins for one e-mail address, whether an account has it or not: were only real accounts
    counted and locked, the lock-out would tell a stranger which addresses belong to staff."""

    __tablename__ = "failed_logins"

    # HMAC-SHA256 of the lower-cased address under the app's secret key: the addresses strangers typed are not kept.
    address_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    # Failures older than the lock-out period are forgotten (and their rows deleted).
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(Base):
    """One of a staff user's one-time recovery codes for when the authenticator app is lost (shown once)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # HMAC-SHA256 under the app's secret key: the codes are random (80 bits), so a keyed fast hash suffices and a
    # code is found by its hash.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TwoFactorPolicy(Base):
    """The FSC administrator's decision whether a role must sign in with a second factor; a role without a row
    follows the configured default (TWO_FACTOR_DEFAULT_ROLES)."""

    __tablename__ = "two_factor_policy"

    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
                                       primary_key=True)
    required: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
