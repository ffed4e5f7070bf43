"""Writing the audit log: one call per staff access to a citizen's data."""
from __future__ import annotations

from stomi_app.extensions import db
from stomi_app.models import AuditEvent


def record(user, action: str, purpose: str, citizen=None, detail: str | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the request's work)."""
    event = AuditEvent(
        user_id=getattr(user, "id", None) if user is not None and not getattr(user, "is_citizen", False) else None,
        role=getattr(getattr(user, "role", None), "value", "system"),
        action=action,
        citizen_id=getattr(citizen, "id", None),
        purpose=purpose[:200],
        detail=detail,
    )
    db.session.add(event)
    return event
