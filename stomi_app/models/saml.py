"""NemLog-in bookkeeping: the sign-ins this service asked for, and the assertions it has already accepted."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from stomi_app.db import Base, UTCDateTime


class SamlRequest(Base):
    """An AuthnRequest sent to the IdP and not yet answered: its answer must name it (InResponseTo) and come back
    to the browser that started it (the hash of a random value in that browser's cookie)."""

    __tablename__ = "saml_request"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the AuthnRequest's ID
    browser_hash: Mapped[str] = mapped_column(String(64), index=True)
    next_url: Mapped[str] = mapped_column(String(2000))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Set by the first answer accepted: a second answer to the same request is a replay, whatever its assertion ID.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SamlAssertion(Base):
    """An assertion ID already used to sign in, kept until the assertion expires: the same assertion twice is a
    replay."""

    __tablename__ = "saml_assertion"

    id: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
