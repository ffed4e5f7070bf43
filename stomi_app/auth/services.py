"""Login rules: password check, lock-out after repeated failures, log out everywhere."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Citizen, User


class LoginError(Exception):
    """Login refused; `code` says why (bad_credentials, locked, inactive)."""

    def __init__(self, code: str, locked_until=None):
        super().__init__(code)
        self.code = code
        self.locked_until = locked_until


def authenticate_staff(email: str, password: str, *, max_failures: int, lockout_minutes: int) -> User:
    """Return the user for a correct e-mail and password, counting failures toward a lock-out.

    An unknown e-mail and a wrong password give the same error so accounts cannot be enumerated.
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    now = utcnow()
    if user is None:
        raise LoginError("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError("locked", user.locked_until)
    if not user.check_password(password or ""):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            db.session.commit()
            raise LoginError("locked", user.locked_until)
        db.session.commit()
        raise LoginError("bad_credentials")
    if not user.active:
        raise LoginError("inactive")
    user.failed_logins = 0
    user.locked_until = None
    return user


def logout_everywhere(user) -> None:
    """Invalidate every session of this user (their session id carries the version)."""
    user.session_version += 1


def load_principal(session_id: str):
    """Turn the id stored in the session back into a User or Citizen (None when stale)."""
    kind, _, rest = (session_id or "").partition(":")
    model = {"user": User, "citizen": Citizen}.get(kind)
    ident, _, version = rest.partition(":")
    if model is None or not ident.isdigit() or not version.isdigit():
        return None
    principal = db.session.get(model, int(ident))
    if principal is None or principal.session_version != int(version) or not principal.is_active:
        return None
    return principal
