"""A job's log lines carry the id of the request that queued it, so one fault is traced from the page to the worker."""
from __future__ import annotations

from flask import g

from stomi_app import jobs
from stomi_app.logs import current_request_id


def request_id_seen_by_the_job():
    return current_request_id()


def test_a_job_queued_by_a_request_runs_under_its_request_id(app):
    with app.test_request_context("/admin/fakturering"):
        g.request_id = "req-0123456789ab"
        job = jobs.enqueue(request_id_seen_by_the_job)
    assert job.meta["request_id"] == "req-0123456789ab"
    assert job.return_value() == "req-0123456789ab"


def test_a_job_queued_outside_a_request_gets_an_id_of_its_own(app):
    with app.app_context():
        job = jobs.enqueue(request_id_seen_by_the_job)
    assert job.meta["request_id"] is None
    assert job.return_value()  # a new id, so its lines still hang together
