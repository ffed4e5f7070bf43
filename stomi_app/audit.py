"""Writing the audit log: one call per staff access to a citizen's data."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent


def record(user, action: str, purpose: str, citizen=None, detail: str | None = None, subject=None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the request's work). `subject`: the staff
    account a sign-in or administration event is about (its history on the administrator's user page)."""
    event = AuditEvent(
        subject_user_id=getattr(subject, "id", None),
        user_id=getattr(user, "id", None) if user is not None and not getattr(user, "is_citizen", False) else None,
        role=getattr(getattr(user, "role", None), "value", "system"),
        action=action,
        citizen_id=getattr(citizen, "id", None),
        purpose=purpose[:200],
        detail=detail,
    )
    db.session.add(event)
    return event


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session, flush_context, instances) -> None:
    """The application may add audit events but never change or delete one (retention cleanup uses SQL)."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditImmutable("audit events are append-only")


class AuditImmutable(RuntimeError):
    pass


def cleanup(retention_days: int, *, now=None) -> int:
    """Delete audit events older than the retention period; returns how many were deleted."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return result.rowcount or 0


def lookups_of(citizen_id: int, limit: int = 200) -> list[AuditEvent]:
    """Staff look-ups of a citizen, newest first: the citizen may see when and why, not who."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.citizen_id == citizen_id, AuditEvent.user_id.is_not(None))
        .order_by(AuditEvent.at.desc()).limit(limit)
    ))
