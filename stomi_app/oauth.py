"""OAuth 2.0 client credentials for the municipalities' systems (Authlib): the token endpoint's server, the bearer
token check, and the FSC administrator's services for clients (create, rotate the secret, revoke)."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from stomi_app.audit import record
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Municipality, Role, User
from stomi_app.models.api_clients import API_SCOPES, TOKEN_AUTH_METHODS, ApiClient, ApiToken
from stomi_app.models.users import password_hash_method

# An hour: long enough for a batch run, short enough that a leaked token dies by itself (the client simply asks
# for a new one; the grant has no refresh tokens). STOMI_API_TOKEN_SECONDS changes it.
DEFAULT_TOKEN_SECONDS = 3600
NAME_MAX = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_AUTH_METHODS)

    def validate_token_request(self):
        super().validate_token_request()
        # A scope the client was not given is refused, not quietly left out of the token: the caller would only
        # find out at its first 403.
        asked = (self.request.payload.scope or "").split()
        if any(scope not in self.request.client.scopes for scope in asked):
            raise InvalidScopeError()


CLIENT_ID = re.compile(r"kommune-[0-9]{1,4}-[0-9a-f]{12}")


def _query_client(client_id: str) -> ApiClient | None:
    # Only the shape create_client makes reaches the database (a NUL in a text parameter is a PostgreSQL error).
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    return client if client is not None and client.active else None


def _save_token(token: dict, request) -> None:
    client = request.client
    issued = utcnow()
    db.session.add(ApiToken(api_client_id=client.id, token_hash=token_hash(token["access_token"]),
                            scope=token.get("scope") or "", issued_at=issued,
                            expires_at=issued + timedelta(seconds=int(token["expires_in"]))))
    # Old tokens are of no use to anyone: delete the expired ones of this client as it gets a new one.
    db.session.execute(ApiToken.__table__.delete().where(ApiToken.api_client_id == client.id,
                                                         ApiToken.expires_at < issued))
    record(client.system_user, "login", "API token issued (municipal system)", detail=f"client={client.client_id}")


class _Validator(BearerTokenValidator):
    def authenticate_token(self, token_string: str):
        if not token_string or len(token_string) > 200:
            return None
        return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token_string)))


authorization = AuthorizationServer()
require_oauth = ResourceProtector()
require_oauth.register_token_validator(_Validator())


def init_app(app) -> None:
    seconds = int(app.config.get("API_TOKEN_SECONDS") or DEFAULT_TOKEN_SECONDS)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": seconds})
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(API_SCOPES))
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)


# One server object serves every app the process builds (tests build several): its grant is registered once.
authorization.register_grant(ClientCredentialsGrant)


# --- The FSC administrator's services: flush only, the request commits. ---

def _checked(name: str, scopes: list[str], errors: dict | None = None) -> tuple[str, list[str]]:
    errors = dict(errors or {})
    name = (name or "").strip()
    if not name:
        errors["name"] = _l("Enter a name for the client, e.g. the case system's.")
    elif len(name) > NAME_MAX:
        errors["name"] = _l("At most %(max)d characters.", max=NAME_MAX)
    chosen = [s for s in API_SCOPES if s in set(scopes or [])]
    if not chosen or len(chosen) != len(set(scopes)):
        errors["scopes"] = _l("Choose at least one permission from the list.")
    if errors:
        raise DomainError(errors)
    return name, chosen


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, generate_password_hash(secret, method=password_hash_method())


def create_client(admin: User, municipality: Municipality | None, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """A new client for one municipality; returns it with its secret, which is never shown again."""
    name, chosen = _checked(name, scopes, {} if municipality is not None else {
        "municipality_id": _l("Choose a municipality from the list.")})
    client_id = f"kommune-{municipality.code}-{secrets.token_hex(6)}"
    # The system account the API acts through: no password anyone knows, and inactive, so it can never log in.
    system_user = User(email=f"{client_id}@api.invalid", name=f"{name} ({municipality.name})",
                       role=Role.MUNICIPAL_SYSTEM, municipality_id=municipality.id, active=False,
                       password_hash=generate_password_hash(secrets.token_urlsafe(32), method=password_hash_method()))
    secret, hashed = _new_secret()
    client = ApiClient(client_id=client_id, name=name, municipality_id=municipality.id, scope=" ".join(chosen),
                       secret_hash=hashed, system_user=system_user, created_by_id=admin.id)
    db.session.add(client)
    db.session.flush()
    record(admin, "change", "API client created (FSC)", detail=f"client={client_id} scopes={client.scope}")
    return client, secret


def rotate_secret(admin: User, client: ApiClient) -> str:
    """A new secret; the old one and every token issued with it stop working at once."""
    if not client.active:
        raise DomainError({"client": _l("A revoked client cannot get a new secret.")})
    secret, client.secret_hash = _new_secret()
    client.secret_rotated_at = utcnow()
    _revoke_tokens(client)
    record(admin, "change", "API client secret rotated (FSC)", detail=f"client={client.client_id}")
    db.session.flush()
    return secret


def revoke_client(admin: User, client: ApiClient) -> None:
    if not client.active:
        raise DomainError({"client": _l("The client has already been revoked.")})
    client.revoked_at = utcnow()
    _revoke_tokens(client)
    record(admin, "change", "API client revoked (FSC)", detail=f"client={client.client_id}")
    db.session.flush()


def _revoke_tokens(client: ApiClient) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.api_client_id == client.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def clients() -> list[ApiClient]:
    return list(db.session.scalars(select(ApiClient).join(Municipality).order_by(Municipality.name, ApiClient.name)))
