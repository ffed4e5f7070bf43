"""Long jobs started from a page: start (refusing a second run of the same key), execute in the worker with progress,
fail in words, retry, and reconcile with RQ when a worker died. The page reads the job_run row, never Redis, so any
app server shows the same progress.

`start` and `retry` commit, unlike other operations: the row must be in the database before a worker can read it,
and nothing may be enqueued for a row that is not there. If Redis refuses the job, the row is taken back (committed
again), so a refused start leaves nothing half-started.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from flask_babel import force_locale, get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from stomi_app import jobs
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.forms import apply_errors_or_flash
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import JobRun, JobRunStatus, User
from stomi_app.models.jobs import JOB_RUN_FLOW

log = logging.getLogger(__name__)
S = JobRunStatus

# A run's job may take this long (a national invoice run takes minutes); RQ stops it after and the run fails.
JOB_TIMEOUT_SECONDS = 2 * 60 * 60


class AlreadyRunning(DomainError):
    def __init__(self, run: JobRun | None):
        super().__init__({"month": str(_l("A run for this month has already started; wait for it to finish."))})
        self.run = run


class QueueUnavailable(DomainError):
    def __init__(self):
        super().__init__({"queue": str(_l("The job queue is unavailable right now, so nothing was started. "
                                           "Try again in a few minutes."))})


@dataclass(frozen=True)
class Refusal:
    """Why a job-start page's form started nothing: the page's HTTP status, and the run still going (409)."""

    status: int
    running: JobRun | None = None

    @property
    def queue_down(self) -> bool:
        return self.status == 503


def start_from_form(form, start: Callable[[], JobRun], *, refusals: tuple[type[Exception], ...] = (),
                    field: str = "month") -> JobRun | Refusal:
    """The one way a job-start page (a month's invoice run, its statistics reports) maps a refused `start()` onto
    its form: a rule's refusal (one of `refusals`; a DomainError by its fields, another next to `field`) is 400, a
    run of the same key still going is 409 (its message next to `field`), a queue that is down is 503 (the page
    shows its own alert). What belongs to no field is flashed."""
    try:
        return start()
    except AlreadyRunning as exc:
        db.session.rollback()
        apply_errors_or_flash(form, exc.errors)
        return Refusal(409, exc.run)
    except QueueUnavailable:
        db.session.rollback()
        return Refusal(503)
    except refusals as exc:
        db.session.rollback()
        apply_errors_or_flash(form, exc.errors if isinstance(exc, DomainError) else {field: str(exc)})
        return Refusal(400)


def _active_key(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def active_run(kind: str, key: str) -> JobRun | None:
    return db.session.scalar(select(JobRun).where(JobRun.active_key == _active_key(kind, key)))


def latest_runs(kind: str, limit: int = 5) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id.desc()).limit(limit)))


def run_or_404(kind: str, run_id: int) -> JobRun:
    """The run of that kind for its progress page, or 404 (a run id of another kind is not found: each page shows
    its own)."""
    return db.first_or_404(select(JobRun).where(JobRun.id == run_id, JobRun.kind == kind))


def _move(run: JobRun, target: JobRunStatus) -> None:
    JOB_RUN_FLOW.check(run.status, target)
    run.status = target
    run.active_key = _active_key(run.kind, run.key) if run.active else None


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "da"


def _enqueue(run: JobRun) -> None:
    """Enqueue the committed, queued run; if Redis refuses, take the start back and raise QueueUnavailable."""
    try:
        job = jobs.enqueue(run.job_function, run.id, job_timeout=JOB_TIMEOUT_SECONDS)
    except jobs.QueueUnavailable:
        db.session.rollback()
        fresh = db.session.get(JobRun, run.id)
        if fresh is not None:
            if fresh.attempts <= 1:
                db.session.delete(fresh)  # a first start: as if it had never been asked for
            else:
                fresh.status, fresh.active_key, fresh.attempts = S.FAILED, None, fresh.attempts - 1  # a retry: failed as before
            db.session.commit()
        raise QueueUnavailable() from None
    run = db.session.get(JobRun, run.id)
    if run is not None and run.rq_job_id != job.id:
        run.rq_job_id = job.id
        db.session.commit()


def start(kind: str, key: str, job_function: str, *, by: User | None) -> JobRun:
    """Start a run of `job_function(run_id)` for `key`; refused while another run of the same kind and key is
    queued or running (AlreadyRunning), or when the queue is unavailable (QueueUnavailable). Commits."""
    if not jobs.available():
        raise QueueUnavailable()
    run = JobRun(kind=kind, key=key, status=S.QUEUED, active_key=_active_key(kind, key), job_function=job_function,
                 locale=_locale(), created_by_id=getattr(by, "id", None), attempts=1)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        raise AlreadyRunning(active_run(kind, key)) from None
    db.session.commit()
    run_id = run.id
    _enqueue(run)
    return db.session.get(JobRun, run_id)


def retry(run: JobRun, *, by: User | None) -> JobRun:
    """Start a failed run again (same kind, key and job); refused like `start`. Commits."""
    if run.status is not S.FAILED:
        raise DomainError({"run": str(_l("Only a run that failed can be retried."))})
    if not jobs.available():
        raise QueueUnavailable()
    run_id = run.id
    try:
        with db.session.begin_nested():
            _move(run, S.QUEUED)
            run.error, run.summary, run.done, run.total, run.started_at, run.finished_at = None, None, 0, 0, None, None
            run.attempts += 1
            run.locale = _locale()
            if by is not None:
                run.created_by_id = by.id
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRunning(active_run(run.kind, run.key)) from None
    db.session.commit()
    _enqueue(db.session.get(JobRun, run_id))
    return db.session.get(JobRun, run_id)


def execute(run_id: int, work: Callable[[JobRun, Callable[[int, int], None]], dict], *,
            refusals: tuple[type[Exception], ...] = (DomainError,)) -> dict:
    """Run `work(run, progress)` for the run, in the worker: mark it running, let `work` report progress (each report
    is committed, so every page sees it), store its summary, or store why it failed and re-raise so RQ marks the
    job failed too; a refusal (one of `refusals`, a rule that said no) is stored in its own words, anything else
    as an unexpected error. A run that is no longer queued (finished by an earlier delivery of the same job) is left alone:
    running a job twice changes nothing."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.status is not S.QUEUED:
        log.info("job run %s is %s: nothing to do", run_id, run.status.value if run else "gone")
        return dict(run.summary or {}) if run is not None else {}
    _move(run, S.RUNNING)
    run.started_at = utcnow()
    db.session.commit()

    def progress(done: int, total: int) -> None:
        current = db.session.get(JobRun, run_id)
        current.done, current.total = done, total
        db.session.commit()

    with force_locale(run.locale):
        try:
            summary = work(run, progress)
        except Exception as exc:
            db.session.rollback()
            failed = db.session.get(JobRun, run_id)
            failed.error = str(exc) if isinstance(exc, refusals) else str(
                _l("The run stopped on an unexpected error (%(error)s). What was finished before it is kept; "
                   "retry the run to do the rest.", error=type(exc).__name__))
            _move(failed, S.FAILED)
            failed.finished_at = utcnow()
            db.session.commit()
            raise
    finished = db.session.get(JobRun, run_id)
    finished.summary = summary
    finished.done = max(finished.done, finished.total)
    _move(finished, S.FINISHED)
    finished.finished_at = utcnow()
    db.session.commit()
    return summary


def reconcile(run: JobRun) -> JobRun:
    """A queued or running run whose RQ job failed, was stopped or is gone (a worker that died, a Redis that lost
    it) is marked failed, so the month is not blocked forever and the page can offer a retry. The caller commits.
    With Redis down nothing is concluded: the page says the queue is unavailable."""
    if not run.active or not run.rq_job_id:
        return run
    job = jobs.fetch(run.rq_job_id)  # raises jobs.QueueUnavailable
    status = job.get_status(refresh=False) if job is not None else None
    if job is None or status in ("failed", "stopped", "canceled"):
        run.error = run.error or str(_l("The job stopped before the run finished (the worker running it stopped). "
                                        "What was finished before it is kept; retry the run to do the rest."))
        _move(run, S.FAILED)
        run.finished_at = utcnow()
    return run
