"""Staff accounts and their roles; citizens are a separate entity (see citizen.py)."""
from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from stomi_app.db import Base, UTCDateTime, utcnow, value_enum
from stomi_app.models.geo import Municipality, Region
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
    workplace: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="da")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

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
