"""Live login sessions: a login opens a row, the signed cookie carries its token, every request checks the row."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from stomi_app.models import LoginSession

# The last-seen time is written at most this often: an idle time-out to the minute without a write per request.
TOUCH_INTERVAL = timedelta(minutes=1)
# Set on the request (its WSGI environ, which unlike `g` never outlives it) when the idle time-out has just ended
# this staff session, so the request can say so.
_TIMED_OUT = "stomi.staff_session_timed_out"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner(principal) -> dict:
    return {"citizen_id": principal.id} if isinstance(principal, Citizen) else {"user_id": principal.id}


def idle_limit(principal) -> timedelta:
    """Staff sessions end after STAFF_IDLE_MINUTES without activity (a shared PC on a ward must not stay open);
    a citizen's after PERMANENT_SESSION_LIFETIME, as their cookie does."""
    if isinstance(principal, Citizen):
        return current_app.config["PERMANENT_SESSION_LIFETIME"]
    return timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])


def start(principal) -> None:
    """Open a live session for `principal` (the caller commits); its token becomes `principal.get_id()`, which
    Flask-Login's login_user() puts in the cookie. Sessions idle past every limit are deleted on the way."""
    now = utcnow()
    longest = max(current_app.config["PERMANENT_SESSION_LIFETIME"],
                  timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"]))
    db.session.execute(delete(LoginSession).where(LoginSession.last_seen_at < now - longest))
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(id=_digest(token), created_at=now, last_seen_at=now, **_owner(principal)))
    principal.login_session_token = token


def end(principal) -> None:
    """End the session `principal` was loaded through (logout); the caller commits."""
    if principal.login_session_token:
        db.session.execute(delete(LoginSession).where(LoginSession.id == _digest(principal.login_session_token)))
        principal.login_session_token = None


def end_all(principal) -> None:
    """End every session of `principal`: "log out everywhere", and what deactivating an account must call."""
    column = LoginSession.citizen_id if isinstance(principal, Citizen) else LoginSession.user_id
    db.session.execute(delete(LoginSession).where(column == principal.id))
    principal.login_session_token = None


def resume(token: str):
    """The staff user or citizen of a live session, or None: unknown token (logged out, ended everywhere, a cookie
    from before live sessions), deactivated account, or idle past its limit (then the row is deleted and, for
    staff, `staff_timed_out()` is true for the rest of the request).

    The bookkeeping (last seen, deleting a timed-out row) is committed in a transaction of its own, so it never
    commits whatever the request's own session holds.
    """
    if not token:
        return None
    digest = _digest(token)
    live = db.session.scalar(
        select(LoginSession).where(LoginSession.id == digest)
        .options(joinedload(LoginSession.user), joinedload(LoginSession.citizen))
    )
    principal = live and (live.user or live.citizen)
    if principal is None or not principal.is_active:
        return None
    now = utcnow()
    if now - live.last_seen_at > idle_limit(principal):
        _bookkeeping(delete(LoginSession).where(LoginSession.id == digest))
        if not isinstance(principal, Citizen):
            request.environ[_TIMED_OUT] = True
        return None
    if now - live.last_seen_at >= TOUCH_INTERVAL:
        _bookkeeping(update(LoginSession).where(LoginSession.id == digest).values(last_seen_at=now))
    principal.login_session_token = token
    return principal


def staff_timed_out() -> bool:
    """True when this request's staff session has just been ended by the idle time-out."""
    return bool(request.environ.get(_TIMED_OUT))


def _bookkeeping(statement) -> None:
    with db.engine.begin() as connection:
        connection.execute(statement)


def log_in(principal) -> None:
    """Open a session for the staff member or citizen whose identity is proven (password and second factor, or
    NemLog-in): a live session row, a permanent cookie, the person's language unless one was chosen."""
    start(principal)
    session.permanent = True
    login_user(principal)
    session["lang"] = session.get("lang") or principal.language


def clear_session() -> None:
    """Forget everything in the cookie but the chosen language."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
