"""The monthly invoice run as a background job started from the admin page: progress page, result, the guard against
a second run of the same month (across processes), failure in words and retry, a lost job, Redis down, idempotence."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import delete, func, select

from invoicing import jobs as invoice_jobs
from invoicing.fees import add_schedule
from invoicing.models import FeeSchedule, Invoice
from stomi_app import jobruns
from stomi_app.extensions import db
from stomi_app.models import JobRun, JobRunStatus, User
from tests import factories
from tests.fixtures.app import make_app
from tests.fixtures.invoicing import MAY

ADMIN = "admin@test.dk"


def _login(client):
    assert client.post("/login", data={"email": ADMIN, "password": factories.PASSWORD}).status_code == 302


@pytest.fixture
def admin(auth, world):
    assert auth.staff(ADMIN).status_code == 302


@pytest.fixture
def queued_app(app, database_url, instance_dir):
    """An app that enqueues for real into a queue no worker listens on: its runs stay queued."""
    name = f"stomi-noworker-{uuid.uuid4().hex[:12]}"
    other = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=name)
    yield other
    with other.app_context():
        from stomi_app import jobs

        jobs.get_queue().empty()


def _runs():
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).order_by(JobRun.id)))


def test_the_admin_starts_the_run_and_sees_progress_then_the_result(client, admin, month):
    answer = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert answer.status_code == 302
    run = _runs()[0]
    assert answer.headers["Location"].endswith(f"/admin/fakturering/koersel/{run.id}")
    page = client.get(f"/admin/fakturering/koersel/{run.id}").get_data(as_text=True)
    assert run.status is JobRunStatus.FINISHED and run.done == run.total == 2  # Aarhus and Odense, one by one
    assert 'data-testid="run-result"' in page and "2 fakturaer udstedt" in page
    assert 'data-active="false"' in page  # a finished run's page stops updating itself
    assert re.search(r'<progress[^>]*max="1" value="1"', page)
    assert 'href="/admin/fakturering?month=2026-05"' in page
    assert db.session.scalar(select(func.count(Invoice.id))) == 2
    listing = client.get("/admin/fakturering").get_data(as_text=True)
    assert f'href="/admin/fakturering/koersel/{run.id}"' in listing  # the recent runs link to their pages


def test_a_queued_run_shows_a_progress_bar_on_a_page_that_keeps_itself_current(queued_app, month):
    client = queued_app.test_client()
    _login(client)
    answer = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'data-job-run data-active="true" aria-live="polite"' in page  # the region job-progress.js keeps current
    assert '<script src="/static/js/job-progress.js" defer></script>' in page  # a file: the CSP allows no inline script
    assert 'http-equiv="refresh"' not in page  # a page reloading under a screen reader fails WCAG 2.2.1
    assert 'data-testid="run-progress"' in page and "Venter på" in page
    assert 'data-testid="run-update-link"' in page  # without JavaScript: a link that updates the page


def test_a_second_start_of_the_same_month_while_one_runs_is_refused(queued_app, month):
    client = queued_app.test_client()
    _login(client)
    assert client.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302
    again = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert again.status_code == 409
    assert "allerede startet" in again.get_data(as_text=True)
    assert len(_runs()) == 1
    # Another month is not blocked.
    assert client.post("/admin/fakturering/koersel", data={"month": "2026-04"}).status_code == 302


@pytest.mark.committing
def test_the_guard_holds_across_processes(queued_app, month, database_url, instance_dir):
    """Another process (another app server) starts May; this one is refused by the database."""
    code = ("from stomi_app import create_app\nfrom invoicing import jobs\nfrom stomi_app.models import User\n"
            "from stomi_app.extensions import db\nfrom sqlalchemy import select\nfrom datetime import date\n"
            "app = create_app()\n"
            "with app.app_context(), app.test_request_context():\n"
            "    by = db.session.scalar(select(User).where(User.email == 'admin@test.dk'))\n"
            "    print(jobs.start(date(2026, 5, 1), by=by).id)\n")
    env = {**os.environ, "STOMI_DATABASE_URL": database_url, "STOMI_JOBS_QUEUE": queued_app.config["JOBS_QUEUE"],
           "STOMI_JOBS_SYNC": "0", "STOMI_INSTANCE_PATH": str(instance_dir)}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    with queued_app.test_request_context():
        by = db.session.scalar(select(User).where(User.email == ADMIN))
        with pytest.raises(jobruns.AlreadyRunning) as refused:
            invoice_jobs.start(MAY, by=by)
        assert refused.value.run.id == int(other.stdout.strip())
        db.session.rollback()


def test_running_the_job_twice_issues_the_same_invoices_once(client, admin, month):
    assert client.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302
    first = sorted(db.session.execute(select(Invoice.number, Invoice.total_oere)).all())
    run = _runs()[0]
    assert invoice_jobs.invoice_month(run.id) == run.summary  # the same job delivered again: nothing happens
    assert client.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302  # a new run
    second_run = _runs()[-1]
    assert second_run.summary["issued"] == 0 and second_run.summary["already"] == 2
    db.session.expire_all()
    assert sorted(db.session.execute(select(Invoice.number, Invoice.total_oere)).all()) == first


def test_a_failed_run_says_why_in_words_and_can_be_retried(queued_app, client, admin, month):
    other = queued_app.test_client()
    _login(other)
    assert other.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302
    run = _runs()[0]
    db.session.execute(delete(FeeSchedule))  # the fee period disappears before the worker starts the run
    db.session.commit()
    with pytest.raises(Exception):
        invoice_jobs.invoice_month(run.id)  # as the worker runs it: the run fails and RQ is told so
    page = client.get(f"/admin/fakturering/koersel/{run.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kørslen fejlede" in html
    assert "Ingen gebyrperiode dækker 2026-05" in html and 'data-testid="retry-form"' in html
    assert db.session.scalar(select(func.count(Invoice.id))) == 0
    add_schedule(valid_from=MAY)
    db.session.commit()
    retried = client.post(f"/admin/fakturering/koersel/{run.id}/igen")
    assert retried.status_code == 302
    run = _runs()[0]
    assert run.status is JobRunStatus.FINISHED and run.attempts == 2 and run.summary["issued"] == 2
    # A finished run is not retried.
    assert client.post(f"/admin/fakturering/koersel/{run.id}/igen", follow_redirects=True).status_code == 200
    assert _runs()[0].attempts == 2


def test_a_run_whose_job_was_lost_is_failed_and_frees_the_month(queued_app, client, admin, month):
    other = queued_app.test_client()
    _login(other)
    assert other.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302
    run = _runs()[0]
    with queued_app.app_context():
        from stomi_app import jobs

        jobs.get_queue().empty()  # the job is gone from Redis (a flushed Redis, an expired job)
    html = client.get(f"/admin/fakturering/koersel/{run.id}").get_data(as_text=True)
    assert "Kørslen fejlede" in html and "stoppede" in html
    assert _runs()[0].active_key is None
    assert client.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302


@pytest.mark.committing
def test_redis_down_says_the_queue_is_unavailable_and_starts_nothing(database_url, instance_dir, app, month):
    down = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0", JOBS_SYNC=False)
    client = down.test_client()
    _login(client)
    answer = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert answer.status_code == 503
    html = answer.get_data(as_text=True)
    assert 'data-testid="queue-unavailable"' in html and "Jobkøen er ikke tilgængelig" in html
    assert _runs() == [] and db.session.scalar(select(func.count(Invoice.id))) == 0


@pytest.mark.committing
def test_a_progress_page_with_redis_down_says_so_and_is_not_a_500(queued_app, database_url, instance_dir, month):
    other = queued_app.test_client()
    _login(other)
    assert other.post("/admin/fakturering/koersel", data={"month": "2026-05"}).status_code == 302
    run = _runs()[0]
    down = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0", JOBS_SYNC=False)
    client = down.test_client()
    _login(client)
    page = client.get(f"/admin/fakturering/koersel/{run.id}")
    assert page.status_code == 503 and 'data-testid="queue-unavailable"' in page.get_data(as_text=True)
    assert _runs()[0].status is JobRunStatus.QUEUED  # nothing concluded while the queue cannot be asked
    assert client.post(f"/admin/fakturering/koersel/{run.id}/igen").status_code in (302, 503)


def test_unknown_and_foreign_run_ids_are_404(client, admin, world):
    assert client.get("/admin/fakturering/koersel/999999").status_code == 404
    run = JobRun(kind="statistics_report", key="2026-05", job_function="x", locale="da", attempts=1)
    db.session.add(run)
    db.session.commit()
    assert client.get(f"/admin/fakturering/koersel/{run.id}").status_code == 404
