"""A real `stomi worker` process against the machine's Redis and the test database: it runs a job in an app context,
marks a job that raises as failed, and stops cleanly on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rq.job import JobStatus

from stomi_app import jobs
from tests.fixtures.app import make_app

pytestmark = pytest.mark.committing

STOMI = Path(sys.executable).with_name("stomi")


def wait_for(job, statuses=(JobStatus.FINISHED, JobStatus.FAILED), timeout=60.0):
    deadline = time.monotonic() + timeout
    while job.get_status(refresh=True) not in statuses:
        assert time.monotonic() < deadline, f"job {job.id} still {job.get_status()} after {timeout} s"
        time.sleep(0.1)
    return job.get_status()


@pytest.fixture
def worker_queue(app, database_url, instance_dir, tmp_path):
    """A queue name of this test's own, a real worker process on it, and an app that enqueues for real."""
    name = f"stomi-worker-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "STOMI_DATABASE_URL": database_url, "STOMI_JOBS_QUEUE": name, "STOMI_JOBS_SYNC": "0",
           "STOMI_INSTANCE_PATH": str(instance_dir), "STOMI_REDIS_URL": "redis://127.0.0.1:6379/0"}
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen([str(STOMI), "worker", "--no-scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
    real = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=name)
    try:
        yield real
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
            with real.app_context():
                queue = jobs.get_queue()
                queue.empty()
                for registry in (queue.finished_job_registry, queue.failed_job_registry):
                    for job_id in registry.get_job_ids():
                        registry.remove(job_id, delete_job=True)


def test_a_real_worker_runs_a_job_with_the_app_and_database(worker_queue):
    with worker_queue.app_context():
        job = jobs.enqueue(jobs.ping, "from the test")
        assert job.get_status() == JobStatus.QUEUED  # not run here: the worker process has it
        assert wait_for(job) == JobStatus.FINISHED
        result = job.return_value()
        assert {k: result[k] for k in ("value", "database", "app")} == {"value": "from the test", "database": True,
                                                                       "app": "stomi_app"}
        assert result["pid"] != os.getpid()  # another process ran it


def test_a_real_worker_marks_a_raising_job_failed_and_goes_on(worker_queue):
    with worker_queue.app_context():
        failing = jobs.enqueue("builtins.int", "not a number")
        assert wait_for(failing) == JobStatus.FAILED
        assert "ValueError" in failing.latest_result().exc_string
        after = jobs.enqueue(jobs.ping, "still alive")
        assert wait_for(after) == JobStatus.FINISHED
        assert jobs.queue_counts()["failed"] == 1


def test_the_invoice_run_started_from_the_page_finishes_in_a_real_worker(worker_queue, month):
    from sqlalchemy import func, select

    from invoicing.models import Invoice
    from stomi_app.extensions import db
    from stomi_app.models import JobRun, JobRunStatus
    from tests import factories

    client = worker_queue.test_client()
    assert client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD}).status_code == 302
    answer = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert answer.status_code == 302
    deadline = time.monotonic() + 60
    with worker_queue.app_context():
        while True:
            run = db.session.scalar(select(JobRun))
            if run.status in (JobRunStatus.FINISHED, JobRunStatus.FAILED) or time.monotonic() > deadline:
                break
            db.session.rollback()
            time.sleep(0.2)
        assert run.status is JobRunStatus.FINISHED, run.error
        assert run.done == run.total == 2 and run.summary["issued"] == 2
        assert db.session.scalar(select(func.count(Invoice.id))) == 2
        db.session.rollback()
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 fakturaer udstedt" in page
