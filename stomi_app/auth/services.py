"""Login rules: password check and lock-out after repeated failures, alike for known and unknown e-mails."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import FailedLogins, User
from stomi_app.models.users import password_hash_method

# One stand-in hash per hashing method, made on first use: checking a password against it costs what checking a
# real account's costs.
_DUMMY_HASHES: dict[str, str] = {}


class LoginError(Exception):
    """Login refused; `code` says why (bad_credentials, locked, inactive)."""

    def __init__(self, code: str, locked_until=None, user=None):
        super().__init__(code)
        self.code = code
        self.locked_until = locked_until
        # The account the address belongs to, if any: for the audit log only, never for the person at the form.
        self.user = user


def authenticate_staff(email: str, password: str, *, max_failures: int, lockout_minutes: int,
                       keep_failures: bool = False) -> User:
    """Return the user for a correct e-mail and password, counting failures toward a lock-out.

    A stranger cannot tell whether an address belongs to staff: an unknown address and a wrong password give the
    same error, failures are counted and locked per address whether an account has it or not, and every attempt
    checks one password hash (a stand-in of the same method for an unknown address, or a locked one), so that
    each refusal takes as long.

    `keep_failures`: a second factor is still to come, so the failures stay counted until it passes (else a right
    password between wrong codes would reset the count and let the codes be guessed).
    """
    address = (email or "").strip().lower()
    now = utcnow()
    period = timedelta(minutes=lockout_minutes)
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    correct = check_password_hash(user.password_hash if user else dummy_password_hash(), password or "")
    failures = db.session.get(FailedLogins, _address_key(address))
    if failures is not None and failures.locked_until is not None and failures.locked_until > now:
        raise LoginError("locked", failures.locked_until, user)
    if user is None or not correct:
        # Flushed only: the one caller, the sign-in view, keep()s it with the attempt's audit in the request's
        # commit; the row stays locked (FOR UPDATE) till then, so concurrent failures are still counted one by one.
        locked_until = _count_failure(address, now, period, max_failures)
        if locked_until is not None:
            raise LoginError("locked", locked_until, user)
        raise LoginError("bad_credentials", user=user)
    if not user.active:
        raise LoginError("inactive", user=user)
    if failures is not None and not keep_failures:
        db.session.delete(failures)
    return user


def dummy_password_hash() -> str:
    method = password_hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def _address_key(address: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), address.encode(), hashlib.sha256).hexdigest()


def _count_failure(address: str, now: datetime, period: timedelta, max_failures: int) -> datetime | None:
    """Count one failure for `address`; return the end of the lock-out when this one starts it."""
    db.session.execute(delete(FailedLogins).where(FailedLogins.last_failure_at < now - period))
    key = _address_key(address)
    failures = db.session.get(FailedLogins, key, with_for_update=True, populate_existing=True)
    if failures is None:
        try:
            with db.session.begin_nested():
                failures = FailedLogins(address_key=key, count=0, last_failure_at=now)
                db.session.add(failures)
        except IntegrityError:  # a concurrent failure for the same address made the row first
            failures = db.session.get(FailedLogins, key, with_for_update=True, populate_existing=True)
    failures.count += 1
    failures.last_failure_at = now
    if failures.count < max_failures:
        return None
    failures.count = 0
    failures.locked_until = now + period
    return failures.locked_until


def locked_until(email: str):
    """When the lock-out of `email` ends, or None when it is not locked."""
    failures = db.session.get(FailedLogins, _address_key((email or "").strip().lower()))
    if failures is not None and failures.locked_until is not None and failures.locked_until > utcnow():
        return failures.locked_until
    return None


def count_failure(email: str, *, max_failures: int, lockout_minutes: int):
    """Count a wrong second-factor code against the same lock-out as wrong passwords (one rule for both: five wrong
    attempts of either lock the address); returns the end of the lock-out when this one starts it. Flushes only:
    the second-factor views keep() the count with their refusal (see authenticate_staff)."""
    return _count_failure((email or "").strip().lower(), utcnow(), timedelta(minutes=lockout_minutes), max_failures)


def unlock(email: str) -> bool:
    """Lift a lock-out (and forget the failures) of `email`; returns whether it was locked."""
    failures = db.session.get(FailedLogins, _address_key((email or "").strip().lower()))
    if failures is None:
        return False
    was_locked = failures.locked_until is not None and failures.locked_until > utcnow()
    db.session.delete(failures)
    db.session.flush()
    return was_locked
