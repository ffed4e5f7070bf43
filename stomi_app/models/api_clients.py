"""The municipalities' API clients (OAuth 2.0 client credentials), their access tokens and stored idempotent answers."""
from __future__ import annotations

from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from stomi_app.db import Base, UTCDateTime, utcnow
from stomi_app.models.geo import Municipality
from stomi_app.models.users import User

# What a municipality's system may be allowed; each client gets the ones the FSC administrator ticks.
API_SCOPES = ("grants:write", "consumption:read", "orders:read", "invoices:read")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class ApiClient(ClientMixin, Base):
    """One municipality's case system. It acts through its own system account (`system_user`, role
    municipal_system, never able to log in), so grant history and the audit log name the system, not a person."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    scope: Mapped[str] = mapped_column(String(200))  # space-separated, from API_SCOPES
    # Werkzeug's hash of the secret; the secret itself is shown once, when made or rotated.
    secret_hash: Mapped[str] = mapped_column(String(255))
    system_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship()
    system_user: Mapped[User] = relationship(foreign_keys=[system_user_id])

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    # Authlib's ClientMixin: a confidential client of the client-credentials grant, nothing else.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.scope
        return " ".join(s for s in scope.split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.active and check_password_hash(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in TOKEN_AUTH_METHODS

    def check_response_type(self, response_type) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ApiToken(TokenMixin, Base):
    """An access token, kept as its SHA-256 only: a copy of this table lets nobody call the API."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[ApiClient] = relationship()

    def check_client(self, client) -> bool:
        return client is not None and client.id == self.api_client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or not self.client.active

    def get_user(self):
        return None

    def get_client(self) -> ApiClient:
        return self.client


class ApiIdempotentAnswer(Base):
    """The first answer to a client's `Idempotency-Key`: a retry with the same body gets it again, unchanged."""

    __tablename__ = "api_idempotent_answer"
    __table_args__ = (UniqueConstraint("api_client_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the method, path and body: the same key with another request is refused (422), never replayed.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
