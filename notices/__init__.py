"""Notices to citizens: an outbox written with each cause, sent on e-mail/SMS/Digital Post; supply reminders."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the tables and connect the receivers to the domain's signals (stomi_app.signals)."""
    import notices.models  # noqa: F401  (the tables, for the metadata and Alembic)
    from notices.hooks import connect

    connect()
