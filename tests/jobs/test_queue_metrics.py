"""/metrics reads the job queue at scrape time: waiting, finished and failed jobs, workers, and a dead Redis."""
from __future__ import annotations

import uuid

import pytest

from stomi_app import jobs
from tests.fixtures.app import make_app
from tests.test_metrics import _value as _any_value

pytestmark = pytest.mark.committing


def _value(text: str, name: str, **labels) -> float:
    """A sample's value, never a HELP line's text that starts with a number."""
    samples = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return _any_value(samples, name, **labels)


def test_queue_length_finished_and_failed_jobs_are_gauges_read_at_scrape_time(app, database_url, instance_dir):
    name = f"stomi-metrics-{uuid.uuid4().hex[:12]}"
    real = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=name)
    client = real.test_client()
    with real.app_context():
        try:
            jobs.enqueue(jobs.ping, "one")
            jobs.enqueue("builtins.int", "not a number")
            before = client.get("/metrics").get_data(as_text=True)
            assert _value(before, "stomi_jobs_queue_up") == 1
            assert _value(before, "stomi_jobs_queued", queue=name) == 2
            assert _value(before, "stomi_jobs_failed", queue=name) == 0
            jobs.make_worker(real).work(burst=True)  # a worker in this process empties the queue
            after = client.get("/metrics").get_data(as_text=True)
            assert _value(after, "stomi_jobs_queued", queue=name) == 0
            assert _value(after, "stomi_jobs_finished", queue=name) == 1
            assert _value(after, "stomi_jobs_failed", queue=name) == 1
        finally:
            queue = jobs.get_queue()
            queue.empty()
            for registry in (queue.finished_job_registry, queue.failed_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)


def test_a_dead_redis_reads_as_queue_down_and_the_scrape_still_answers(app, database_url, instance_dir):
    client = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0").test_client()
    answer = client.get("/metrics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert _value(text, "stomi_jobs_queue_up") == 0 and "stomi_jobs_queued{" not in text
