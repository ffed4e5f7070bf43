"""Background jobs on RQ (Redis Queue): the one place jobs are enqueued, the worker that runs them, the nightly slot.

Every job is enqueued through `enqueue()`; every job function is a plain module-level function (RQ imports it by
its dotted name in the worker) that takes ids and values, never ORM objects, and runs inside an app context: the
worker (`stomi worker`) builds the app once with the factory and gives each job a fresh context and session. With
STOMI_JOBS_SYNC=1 (the tests) RQ runs the job at once in the calling process (`Queue(is_async=False)`), in a fresh
app context of its own, so a job never sees, flushes or commits the caller's session.
"""
from __future__ import annotations

import logging
import os
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from stomi_app.logs import bind_request_id, current_request_id

log = logging.getLogger(__name__)

# The nightly slot: dotted names ("package.module.function") of job functions that `stomi jobs nightly` (the cron
# line in the README) enqueues once per night. A package appends its own in its init_app, e.g.
#     NIGHTLY_JOBS.append("notices.reminders.find_due_reminders")
# Each function takes the night's date as an ISO string ("2026-12-03", Europe/Copenhagen), so it is idempotent
# per night and a rerun of the same night is recognised.
NIGHTLY_JOBS: list[str] = []

# Redis answers within this or the queue counts as unavailable: a page must not hang on a dead Redis.
SOCKET_TIMEOUT_SECONDS = 3


class QueueUnavailable(RuntimeError):
    """Redis did not answer: nothing was enqueued."""


def redis_connection(app: Flask | None = None) -> Redis:
    """One Redis client per app (its own connection pool), from STOMI_REDIS_URL."""
    app = app or current_app
    connection = app.extensions.get("stomi_redis")
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"], socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                    socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)
        app.extensions["stomi_redis"] = connection
    return connection


def queue_name(app: Flask | None = None) -> str:
    return (app or current_app).config["JOBS_QUEUE"]


def get_queue(name: str | None = None, *, app: Flask | None = None) -> Queue:
    """The app's RQ queue (STOMI_JOBS_QUEUE, default "stomi"); synchronous when STOMI_JOBS_SYNC is on."""
    app = app or current_app
    return Queue(name or queue_name(app), connection=redis_connection(app), is_async=not app.config["JOBS_SYNC"])


def available(app: Flask | None = None) -> bool:
    """Whether Redis answers now (a page asks before it starts anything, so nothing is started half-way)."""
    try:
        return bool(redis_connection(app).ping())
    except (RedisError, OSError):
        return False


def enqueue(func: Callable | str, *args, job_id: str | None = None, **kwargs) -> Job:
    """Put `func(*args, **kwargs)` on the queue and return its RQ job; in synchronous mode run it now, in-process.

    With a `job_id` the job is enqueued at most once: while a job of that id is still known to Redis (queued,
    running, scheduled, or finished within its result TTL) the existing job is returned and nothing new is queued
    (RQ's atomic `unique=True`). RQ's own options (`job_timeout`, `result_ttl`, `meta`, `retry`, `at_front`,
    `description`, …) pass through in kwargs. Raises QueueUnavailable when Redis does not answer.
    """
    app = current_app
    queue = get_queue(app=app)
    request_id = current_request_id()
    options = {"job_id": job_id, "unique": job_id is not None, **kwargs,
               "meta": {**kwargs.get("meta", {}), "request_id": request_id}}
    try:
        if queue.is_async:
            return queue.enqueue(func, *args, **options)
        with app.app_context(), bind_request_id(request_id):  # the job's own session, as in the worker
            return queue.enqueue(func, *args, **options)
    except DuplicateJobError:
        try:
            return Job.fetch(job_id, connection=queue.connection)
        except NoSuchJobError:  # it expired between the two calls: enqueue it afresh
            return enqueue(func, *args, job_id=job_id, **kwargs)
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc


def enqueue_at(when: datetime, func: Callable | str, *args, job_id: str | None = None, **kwargs) -> Job:
    """Schedule `func` for `when` (aware datetime): a worker started by `stomi worker` (which runs RQ's scheduler)
    moves it onto the queue then. In synchronous mode it waits in Redis like any scheduled job: nothing moves it."""
    queue = get_queue()
    kwargs["meta"] = {**kwargs.get("meta", {}), "request_id": current_request_id()}
    try:
        return queue.enqueue_at(when, func, *args, job_id=job_id, unique=job_id is not None, **kwargs)
    except DuplicateJobError:
        return Job.fetch(job_id, connection=queue.connection)
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc


def fetch(job_id: str, app: Flask | None = None) -> Job | None:
    """The RQ job of that id, or None when Redis no longer knows it."""
    try:
        return Job.fetch(job_id, connection=redis_connection(app))
    except NoSuchJobError:
        return None
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc


def report_progress(done: int, total: int) -> None:
    """Record a running job's progress in its RQ meta (`job.meta["progress"]`, for whoever follows the job); a no-op
    outside a job. Runs started from a page report into their job_run row instead (stomi_app/jobruns.py)."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = {"done": done, "total": total}
    try:
        job.save_meta()
    except (RedisError, OSError):
        log.warning("job %s: progress %s/%s not saved, Redis did not answer", job.id, done, total)


class AppWorker(Worker):
    """An RQ worker whose jobs run in a fresh app context of the app it was given (built once by the factory)."""

    def __init__(self, *args, app: Flask, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app
        self._parent_pid = os.getpid()

    def perform_job(self, job, queue) -> bool:
        from stomi_app.extensions import db

        # The job's log lines carry the id of the request that queued it (a nightly job: a new one).
        with self.app.app_context(), bind_request_id((job.meta or {}).get("request_id")):
            if os.getpid() != self._parent_pid:
                # The work horse is a fork: the parent's pooled connections must not be shared with it (SQLAlchemy's
                # advice for forks: drop them without closing them under the parent's feet).
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def make_worker(app: Flask, *, queues: list[str] | None = None, name: str | None = None) -> AppWorker:
    connection = redis_connection(app)
    names = queues or [queue_name(app)]
    return AppWorker([Queue(n, connection=connection) for n in names], connection=connection, app=app, name=name)


def nightly_job_id(name: str, night: str) -> str:
    """RQ ids allow letters, digits, "_" and "-" only."""
    return "nightly-" + "-".join("".join(c if c.isalnum() else "_" for c in part) for part in (name, night))


def enqueue_nightly(night: str) -> list[Job]:
    """Enqueue every NIGHTLY_JOBS entry for that night (ISO date); a second call for the same night adds nothing."""
    return [enqueue(name, night, job_id=nightly_job_id(name, night), result_ttl=KEEP_NIGHTLY_SECONDS)
            for name in NIGHTLY_JOBS]


# The nightly run starts at this local (Europe/Copenhagen) time: after midnight, so "tonight" is the new day, and
# before the callcenter opens at 07:00.
NIGHTLY_AT = time(2, 0)
KEEP_NIGHTLY_SECONDS = int(timedelta(days=2).total_seconds())  # a finished night is remembered: no second run


def next_night(now: datetime) -> datetime:
    """The next NIGHTLY_AT in Copenhagen after `now` (aware), as aware UTC; a DST change moves it with the clock."""
    from stomi_app.timeutil import TZ

    local = now.astimezone(TZ)
    candidate = datetime.combine(local.date(), NIGHTLY_AT, tzinfo=TZ)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), NIGHTLY_AT, tzinfo=TZ)
    return candidate.astimezone(timezone.utc)


def schedule_nightly(now: datetime | None = None) -> Job:
    """Register the next nightly run with RQ's scheduler (a worker started by `stomi worker` moves it onto the queue
    at that time). Its id names the night, so registering again — every worker start does — adds nothing."""
    from stomi_app.timeutil import TZ

    when = next_night(now or datetime.now(timezone.utc))
    night = when.astimezone(TZ).date().isoformat()
    return enqueue_at(when, run_nightly, night, job_id=f"nightly-run-{night}", result_ttl=KEEP_NIGHTLY_SECONDS)


def run_nightly(night: str) -> list[str]:
    """The nightly job: first book tomorrow night (so a failing nightly job never breaks the chain), then enqueue
    this night's registered jobs, each its own job with its own retries and failure."""
    from stomi_app.timeutil import TZ

    schedule_nightly(datetime.combine(date.fromisoformat(night), NIGHTLY_AT, tzinfo=TZ).astimezone(timezone.utc))
    return [job.id for job in enqueue_nightly(night)]


def ping(value: str) -> dict:
    """A harmless job that proves a worker runs jobs with the app and the database (`stomi jobs ping`)."""
    from sqlalchemy import text

    from stomi_app.extensions import db

    return {"value": value, "database": db.session.scalar(text("SELECT 1")) == 1, "app": current_app.name,
            "pid": os.getpid()}


def queue_counts(app: Flask | None = None) -> dict[str, int]:
    """How many jobs are waiting, running, scheduled, finished (kept) and failed, and how many workers listen."""
    queue = get_queue(app=app)
    try:
        return {"queued": queue.count, "started": queue.started_job_registry.count,
                "scheduled": queue.scheduled_job_registry.count, "finished": queue.finished_job_registry.count,
                "failed": queue.failed_job_registry.count, "workers": Worker.count(queue=queue)}
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc
