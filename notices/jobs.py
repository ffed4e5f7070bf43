"""The notices' background jobs (stomi_app.jobs, RQ): send the outbox after each commit that wrote notices, retry
when the next attempt is due, and the nightly reminder run."""
from __future__ import annotations

import logging
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from notices.models import DeliveryStatus, NoticeDelivery
from notices.services import PENDING_FLAG
from stomi_app import jobs
from stomi_app.extensions import db

log = logging.getLogger("stomi.notices")


def send_notices() -> str:
    """The job: send what is due; when something waits for its backoff, schedule this job again for then."""
    from notices.sending import send_due

    report = send_due()
    due = db.session.scalar(select(func.min(NoticeDelivery.next_attempt_at))
                            .where(NoticeDelivery.status == DeliveryStatus.PENDING))
    if due is not None:
        try:  # one retry job per second of due time, however many rows wait for it
            jobs.enqueue_at(due, send_notices, job_id=f"notices-retry-{int(due.timestamp())}")
        except jobs.QueueUnavailable:
            log.warning("notices pending, retry not scheduled: the queue is unavailable")
    return str(report)


def nightly(day: str) -> str:
    """NIGHTLY_JOBS entry: the reminder run for the night's date (ISO), then the sending of what it wrote."""
    from notices.reminders import run_nightly

    report = run_nightly(date.fromisoformat(day))
    return f"{report}; {send_notices()}"


def _send_on_commit() -> bool:
    config = current_app.config
    # Tests run jobs synchronously and call the sender themselves; a job run inside another session's commit would
    # slow every test that happens to write a notice.
    chosen = config.get("NOTICE_SEND_ON_COMMIT")
    if chosen is None:
        return not config.get("JOBS_SYNC")
    return chosen is True or str(chosen).lower() in {"1", "true", "yes", "on"}


@event.listens_for(Session, "after_commit")
def _wake_sender(session) -> None:
    if not session.info.pop(PENDING_FLAG, False) or not has_app_context() or not _send_on_commit():
        return
    try:
        jobs.enqueue(send_notices)
    except jobs.QueueUnavailable:
        # The rows are safe in the outbox: the next commit, the retry job, the nightly run or `stomi notices send`
        # sends them.
        log.warning("notices written but the queue is unavailable; they wait in the outbox")


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(PENDING_FLAG, None)
