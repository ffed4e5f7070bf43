"""The job queue's API (stomi_app/jobs.py) in synchronous mode, on the machine's Redis: enqueue, once-only ids,
failures, the nightly slot and an unreachable Redis."""
from __future__ import annotations

import os
import uuid

import pytest
from rq.job import JobStatus

from stomi_app import jobs
from tests.fixtures.app import make_app

CALLS: list[tuple] = []


def record(value, night=None):
    """A job that leaves a trace in this process (synchronous mode runs it here)."""
    from flask import current_app

    CALLS.append((value, night, current_app.name))
    return value


def explode(reason):
    raise RuntimeError(reason)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_a_synchronous_job_runs_at_once_in_an_app_context_and_is_finished(ctx):
    job = jobs.enqueue(record, "hello")
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "hello"
    assert CALLS == [("hello", None, "stomi_app")]


def test_the_ping_job_reaches_the_database(ctx):
    job = jobs.enqueue(jobs.ping, "x")
    assert job.return_value() == {"value": "x", "database": True, "app": "stomi_app", "pid": os.getpid()}


def test_a_job_id_is_enqueued_once_while_redis_knows_it(ctx):
    job_id = f"test-once-{uuid.uuid4().hex}"
    first = jobs.enqueue(record, "a", job_id=job_id)
    second = jobs.enqueue(record, "b", job_id=job_id)
    assert first.id == second.id == job_id
    assert [c[0] for c in CALLS] == ["a"]  # the second call found the job and ran nothing
    assert second.return_value() == "a"


def test_a_job_that_raises_is_failed_with_its_error_kept(ctx):
    job = jobs.enqueue(explode, "the printer is on fire")
    assert job.get_status() == JobStatus.FAILED
    assert "the printer is on fire" in job.latest_result().exc_string


def test_fetch_answers_none_for_an_unknown_job(ctx):
    assert jobs.fetch(f"no-such-{uuid.uuid4().hex}") is None


def test_the_nightly_slot_enqueues_each_registered_job_once_per_night(ctx, monkeypatch):
    monkeypatch.setattr(jobs, "NIGHTLY_JOBS", [f"{__name__}.record"])
    night = f"2026-12-{uuid.uuid4().int % 28 + 1:02d}-{uuid.uuid4().hex[:6]}"  # a night no other run used
    first = jobs.enqueue_nightly(night)
    again = jobs.enqueue_nightly(night)
    assert [j.id for j in first] == [j.id for j in again] == [jobs.nightly_job_id(f"{__name__}.record", night)]
    assert CALLS == [(night, None, "stomi_app")]


@pytest.mark.committing
def test_redis_down_is_queue_unavailable_and_nothing_runs(database_url, instance_dir):
    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with app.app_context():
        assert jobs.available() is False
        with pytest.raises(jobs.QueueUnavailable):
            jobs.enqueue(record, "never")
        with pytest.raises(jobs.QueueUnavailable):
            jobs.fetch("anything")
    assert CALLS == []


def count_to(n):
    for i in range(1, n + 1):
        jobs.report_progress(i, n)
    return n


def test_a_job_reports_its_progress_in_its_meta_and_outside_a_job_it_is_a_no_op(ctx):
    job = jobs.enqueue(count_to, 3)
    job.refresh()
    assert job.meta["progress"] == {"done": 3, "total": 3}
    jobs.report_progress(1, 2)  # not inside a job: nothing to record, no error
