"""Notices: written with their cause (one per event), the citizen's inbox and preferences, the staff view."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from notices.models import Notice, NoticeDelivery, NoticePreferences
from stomi_app import audit
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from stomi_app.models import User
from stomi_app.userinput import normalised_email

INBOX_LIMIT = 200
# On the session of a transaction that wrote notice deliveries: its commit wakes the sender (notices.jobs).
PENDING_FLAG = "notices_written"


class NoticeError(DomainError):
    """Preferences that cannot be saved; `errors` maps form field → message."""


# --- preferences ----------------------------------------------------------------------------------

@dataclass
class Preferences:
    email: bool
    sms: bool
    digital_post: bool
    saved: bool  # False: the defaults, never chosen by the citizen


def preferences_of(citizen: Citizen) -> Preferences:
    """The citizen's channels, or the defaults: e-mail (when we have an address) and Digital Post, no SMS — the
    letter-like channels a citizen of 78 expects from a public service; SMS only when asked for."""
    row = db.session.get(NoticePreferences, citizen.id)
    if row is None:
        return Preferences(email=True, sms=False, digital_post=True, saved=False)
    return Preferences(email=row.email, sms=row.sms, digital_post=row.digital_post, saved=True)


def normalise_mobile(raw: str) -> str | None:
    """A Danish mobile number as 8 digits (spaces, dashes and a +45/0045 prefix allowed); None when not one."""
    digits = "".join(ch for ch in (raw or "") if ch not in " -.")
    for prefix in ("+45", "0045"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 8:
            digits = digits[len(prefix):]
    if len(digits) == 8 and digits.isascii() and digits.isdigit() and digits[0] in "2345678":
        return digits
    return None


def save_preferences(citizen: Citizen, *, email_on: bool, sms_on: bool, digital_post_on: bool, email: str,
                     mobile: str, language: str) -> Preferences:
    """Check every field first (each message at its field), then save channels, address, number and language."""
    errors = {}
    email = (email or "").strip()
    mobile = (mobile or "").strip()
    clean_email = None
    if email:
        clean_email = normalised_email(email)
        if clean_email is None:
            errors["email"] = _l("Enter an e-mail address like name@example.dk.")
    elif email_on:
        errors["email"] = _l("Enter your e-mail address, or untick e-mail.")
    clean_mobile = None
    if mobile:
        clean_mobile = normalise_mobile(mobile)
        if clean_mobile is None:
            errors["mobile"] = _l("Enter a Danish mobile number of 8 digits, e.g. 20 30 40 50.")
    elif sms_on:
        errors["mobile"] = _l("Enter your mobile number, or untick SMS.")
    if language not in ("da", "en"):
        errors["language"] = _l("Choose Danish or English.")
    if errors:
        raise NoticeError(errors)
    row = db.session.get(NoticePreferences, citizen.id) or NoticePreferences(citizen_id=citizen.id)
    row.email, row.sms, row.digital_post = email_on, sms_on, digital_post_on
    db.session.add(row)
    citizen.email, citizen.phone, citizen.language = clean_email, clean_mobile, language
    db.session.flush()
    return preferences_of(citizen)


def channels_for(citizen: Citizen) -> list[str]:
    """The channels a new notice goes out on: those chosen that have somewhere to go."""
    prefs = preferences_of(citizen)
    chosen = []
    if prefs.email and citizen.email:
        chosen.append("email")
    if prefs.sms and citizen.phone:
        chosen.append("sms")
    if prefs.digital_post:
        chosen.append("digital_post")
    return chosen


# --- writing a notice -----------------------------------------------------------------------------

def notify(citizen: Citizen, kind: str, key: str, *, params: dict | None = None, order_id: int | None = None) -> Notice | None:
    """Add the notice for one event and its deliveries to the current transaction; None when the event was already
    told (same key). Consent is not asked: notices about the citizen's own orders and grants are part of the service
    the citizen uses (see README, Notices and reminders)."""
    if db.session.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return None
    notice = Notice(citizen_id=citizen.id, key=key, kind=kind, order_id=order_id, params=params or {},
                    created_at=utcnow())
    notice.deliveries = [NoticeDelivery(channel=channel, next_attempt_at=utcnow()) for channel in channels_for(citizen)]
    try:
        # A savepoint: a concurrent transaction that wrote the same key first makes this insert fail alone, and the
        # cause (the order's move) still commits.
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:
        return None
    if notice.deliveries:
        db.session().info[PENDING_FLAG] = True
    return notice


# --- the citizen's inbox ----------------------------------------------------------------------------

def inbox(citizen_id: int, limit: int = INBOX_LIMIT) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.citizen_id == citizen_id).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def unread_count(citizen_id: int) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(Notice.citizen_id == citizen_id,
                                                                  Notice.read_at.is_(None))) or 0


def own_notice(citizen_id: int, notice_id: int) -> Notice | None:
    """The citizen's own notice; another citizen's id finds nothing (scoped in the query)."""
    return db.session.scalar(select(Notice).where(Notice.id == notice_id, Notice.citizen_id == citizen_id))


def open_notice(notice: Notice) -> Notice:
    """Opening a notice marks it read (once: the first time is kept)."""
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()
    return notice


# --- what the callcenter sees -------------------------------------------------------------------------

def told(agent: User, citizen: Citizen, limit: int = 50) -> list[Notice]:
    """"What did we tell her?": the citizen's notices with how each went out, newest first; audited."""
    notices = inbox(citizen.id, limit)
    audit.record(agent, "read", "callcenter: notices", citizen, detail=f"{len(notices)} notices")
    return notices
