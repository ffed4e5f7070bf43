"""The nightly slot: when it runs (02:00 in Copenhagen, across summer time), that registering it twice books one run,
that the nightly run books the next night before it enqueues the registered jobs, and the `stomi jobs` commands."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from stomi_app import jobs
from stomi_app.cli import main
from tests.fixtures.app import make_app

CALLS: list[str] = []


def remind(night: str) -> str:
    CALLS.append(night)
    return night


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("now, expected", [
    (utc(2026, 12, 3, 0, 59), utc(2026, 12, 3, 1, 0)),  # 01:59 in winter: tonight's 02:00 is a minute away
    (utc(2026, 12, 3, 1, 0), utc(2026, 12, 4, 1, 0)),   # exactly 02:00: that one is being run, book the next
    (utc(2026, 12, 3, 14, 0), utc(2026, 12, 4, 1, 0)),
    # 29 March 2026 the clocks jump from 02:00 to 03:00: 02:00 local does not exist and is read as 02:00 winter
    # time (01:00 UTC, 03:00 on the new clock): the night is run, not skipped.
    (utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0)),
    # 25 October 2026 02:00–03:00 happens twice: the first 02:00 (summer time, 00:00 UTC) is the one.
    (utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 0)),
])
def test_the_next_night_is_two_oclock_in_copenhagen(now, expected):
    assert jobs.next_night(now) == expected


def test_after_summer_time_the_night_is_at_midnight_utc():
    assert jobs.next_night(utc(2026, 6, 10, 12, 0)) == utc(2026, 6, 11, 0, 0)


@pytest.fixture
def queue_app(app, database_url, instance_dir):
    real = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=f"stomi-nightly-{uuid.uuid4().hex[:12]}")
    with real.app_context():
        yield real
        queue = jobs.get_queue()
        for job_id in queue.scheduled_job_registry.get_job_ids():
            queue.scheduled_job_registry.remove(job_id, delete_job=True)
        queue.empty()


def test_registering_the_nightly_slot_twice_books_one_run(queue_app):
    now = utc(2031, 1, 5, 12, 0)  # a night no other test run books
    first, again = jobs.schedule_nightly(now), jobs.schedule_nightly(now)
    assert first.id == again.id == "nightly-run-2031-01-06"
    registry = jobs.get_queue().scheduled_job_registry
    assert registry.get_job_ids() == [first.id]
    assert registry.get_scheduled_time(first) == utc(2031, 1, 6, 1, 0)


def test_the_nightly_run_books_the_next_night_then_enqueues_each_registered_job(queue_app, monkeypatch):
    monkeypatch.setattr(jobs, "NIGHTLY_JOBS", [f"{__name__}.remind"])
    night = "2031-02-10"
    queued = jobs.run_nightly(night)
    assert queued == [jobs.nightly_job_id(f"{__name__}.remind", night)]
    queue = jobs.get_queue()
    assert queue.job_ids == queued  # waiting for a worker, with the night as its argument
    assert queue.fetch_job(queued[0]).args == (night,)
    assert "nightly-run-2031-02-11" in queue.scheduled_job_registry.get_job_ids()
    assert jobs.run_nightly(night) == queued and queue.count == 1  # the same night again adds nothing


def test_the_jobs_commands(queue_app, monkeypatch):
    monkeypatch.setattr(jobs, "NIGHTLY_JOBS", [f"{__name__}.remind"])
    runner, env = CliRunner(), {}  # the commands run in this test's app context (with_appcontext keeps it)
    status = runner.invoke(main, ["jobs", "status"], env=env)
    assert status.exit_code == 0 and "queued 0" in status.output
    night = runner.invoke(main, ["jobs", "nightly", "--night", "2031-03-01"], env=env)
    assert night.exit_code == 0 and "1 nightly jobs for 2031-03-01" in night.output
    assert runner.invoke(main, ["jobs", "nightly", "--night", "1 March"], env=env).exit_code == 2
    schedule = runner.invoke(main, ["jobs", "schedule"], env=env)
    assert schedule.exit_code == 0 and "scheduled for" in schedule.output and f"{__name__}.remind" in schedule.output
    assert "queued 1" in runner.invoke(main, ["jobs", "status"], env=env).output


@pytest.mark.parametrize("command", [["jobs", "status"], ["jobs", "nightly"], ["jobs", "schedule"], ["jobs", "ping"],
                                     ["worker", "--burst"]])
@pytest.mark.committing
def test_the_commands_say_when_redis_does_not_answer(app, database_url, instance_dir, command):
    if command[0] == "worker":  # the worker builds its own app from the environment
        answer = CliRunner().invoke(main, command, env={"STOMI_REDIS_URL": "redis://127.0.0.1:1/0",
                                                        "STOMI_DATABASE_URL": database_url})
    else:
        with make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0").app_context():
            answer = CliRunner().invoke(main, command)
    assert answer.exit_code == 1 and "does not answer" in answer.output
