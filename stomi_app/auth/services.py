"""Login rules: password check and lock-out after repeated failures."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import User


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
