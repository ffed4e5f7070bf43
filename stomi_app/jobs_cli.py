"""The job-queue commands: `stomi worker` and `stomi jobs ping|nightly|schedule|status`."""
from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext


def _fail_unavailable(exc) -> None:
    raise click.ClickException(f"The job queue (Redis at STOMI_REDIS_URL) does not answer: {exc}")


@click.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queue to work on (default: STOMI_JOBS_QUEUE); repeat for more.")
@click.option("--name", default=None, help="The worker's name in Redis (default: RQ's, unique per process).")
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then stop (tests, one-off catch-up).")
@click.option("--no-scheduler", is_flag=True, help="Do not move scheduled jobs onto the queue in this worker.")
def worker(queues: tuple[str, ...], name: str | None, burst: bool, no_scheduler: bool) -> None:
    """Run background jobs from Redis, each in a fresh app context. Start as many as the load needs, on any machine
    that reaches the database and Redis; SIGTERM lets the current job finish (a second one stops it)."""
    from redis.exceptions import RedisError

    from stomi_app import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        if not jobs.available(app):
            _fail_unavailable(app.config["REDIS_URL"])
        if not burst:
            jobs.schedule_nightly()  # every start re-registers the nightly slot: Redis may have lost it
        runner = jobs.make_worker(app, queues=list(queues) or None, name=name)
    try:
        runner.work(burst=burst, with_scheduler=not no_scheduler, logging_level="INFO")
    except RedisError as exc:
        _fail_unavailable(exc)


@click.group("jobs", help="Background jobs: check the worker, the nightly slot, the queue's state.")
def jobs_cli() -> None:
    pass


@jobs_cli.command("ping")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for a worker.")
@with_appcontext
def ping(timeout: float) -> None:
    """Enqueue a harmless job and wait until a worker has run it (exit 1 when none did in time)."""
    from stomi_app import jobs

    try:
        job = jobs.enqueue(jobs.ping, f"ping {time.time():.0f}")
        deadline = time.monotonic() + timeout
        while job.get_status(refresh=True) not in ("finished", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
    except jobs.QueueUnavailable as exc:
        _fail_unavailable(exc)
    if job.get_status() != "finished":
        raise click.ClickException(f"no worker ran job {job.id} within {timeout:g} s (status {job.get_status().value})")
    click.echo(f"job {job.id} ran: {job.return_value()}")


@jobs_cli.command("nightly")
@click.option("--night", default=None, help="The night, YYYY-MM-DD (default: today in Copenhagen).")
@with_appcontext
def nightly(night: str | None) -> None:
    """Enqueue the nightly jobs now, once per night (for a cron line instead of the worker's scheduler)."""
    from datetime import date

    from stomi_app import jobs
    from stomi_app.timeutil import local_today

    try:
        night = date.fromisoformat(night).isoformat() if night else local_today().isoformat()
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--night") from exc
    if not jobs.available():  # said even with nothing registered: the cron line's log must show a dead queue
        _fail_unavailable(current_app.config["REDIS_URL"])
    try:
        queued = jobs.enqueue_nightly(night)
    except jobs.QueueUnavailable as exc:
        _fail_unavailable(exc)
    click.echo(f"{len(queued)} nightly jobs for {night}: " + (", ".join(j.id for j in queued) or "none registered"))


@jobs_cli.command("schedule")
@with_appcontext
def schedule() -> None:
    """Register the next nightly run (02:00 Copenhagen) with RQ's scheduler; it books the following night itself."""
    from stomi_app import jobs

    try:
        job = jobs.schedule_nightly()
    except jobs.QueueUnavailable as exc:
        _fail_unavailable(exc)
    registry = jobs.get_queue().scheduled_job_registry
    when = registry.get_scheduled_time(job) if job.id in registry.get_job_ids() else None
    click.echo(f"nightly run {job.id} scheduled for {when.isoformat() if when else 'now (already due)'}; "
               f"registered jobs: {', '.join(jobs.NIGHTLY_JOBS) or 'none yet'}")


@jobs_cli.command("status")
@with_appcontext
def status() -> None:
    """The queue's length, running, scheduled, finished and failed jobs, and the workers."""
    from stomi_app import jobs

    try:
        counts = jobs.queue_counts()
    except jobs.QueueUnavailable as exc:
        _fail_unavailable(exc)
    click.echo(f"queue {current_app.config['JOBS_QUEUE']}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def register(main) -> None:
    main.add_command(worker)
    main.add_command(jobs_cli)
