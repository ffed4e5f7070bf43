"""Notices to citizens: an outbox written with each cause, sent on e-mail/SMS/Digital Post; supply reminders."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the tables and connect the receivers to the domain's signals (stomi_app.signals)."""
    import notices.models  # noqa: F401  (the tables, for the metadata and Alembic)
    from notices import jobs as notice_jobs  # noqa: F401  (wakes the sender after a commit that wrote notices)
    from notices.hooks import connect
    from stomi_app.jobs import NIGHTLY_JOBS

    connect()
    from notices.metrics import NoticeCollector
    from stomi_app.metrics import register_collector

    register_collector(NoticeCollector)
    if "notices.jobs.nightly" not in NIGHTLY_JOBS:
        NIGHTLY_JOBS.append("notices.jobs.nightly")
