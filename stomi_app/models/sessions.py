"""Live login sessions: one row per logged-in browser, so a logout, deactivation or idle time-out ends it at once."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime


class LoginPrincipal(UserMixin):
    """What a staff user and a citizen share towards Flask-Login: their id in the session cookie is the token of
    the live session they were loaded through (stomi_app.auth.sessions sets it), not their database id, so
    that deleting the session's row ends that session and only that one."""

    # Set per request by stomi_app.auth.sessions (never stored): the token of the live session in use.
    login_session_token = None

    def get_id(self) -> str:
        if not self.login_session_token:
            raise RuntimeError("no live login session; stomi_app.auth.sessions.start() opens one")
        return self.login_session_token

    def __eq__(self, other):
        # The same person, whichever session each object was loaded through (UserMixin compares get_id()).
        if isinstance(other, LoginPrincipal):
            return type(self) is type(other) and self.id == other.id
        return NotImplemented

    __hash__ = UserMixin.__hash__


class LoginSession(Base):
    """A logged-in browser of a staff user or a citizen (exactly one of the two)."""

    __tablename__ = "login_session"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (citizen_id IS NULL)", name="one_principal"),
    )

    # SHA-256 of the random token the signed cookie carries: a copy of this table cannot be replayed as a cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Written at most once a minute (stomi_app.auth.sessions.TOUCH_INTERVAL); the idle time-out counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    user = relationship("User")
    citizen = relationship("Citizen")
