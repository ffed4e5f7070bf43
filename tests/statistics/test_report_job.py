"""The monthly statistics reports made from the FSC administration as a background job: progress page, the
month's reports for download, idempotence, the guard against a second run, a month not over, Redis down."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from stomi_app import jobs
from stomi_app.extensions import db
from stomi_app.models import JobRun, JobRunStatus, Municipality, StatisticsReport
from tests import factories
from tests.conftest import make_app
from tests.statistics import dataset

ADMIN = "admin@test.dk"


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


@pytest.fixture
def admin(auth, world):
    assert auth.staff(ADMIN).status_code == 302


def _runs():
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.kind == "statistics_report").order_by(JobRun.id)))


def test_the_admin_makes_the_months_reports_and_downloads_one(history, client, admin):
    assert 'data-testid="reports-link"' in client.get("/admin/statistik?kind=month&month=2026-10").get_data(as_text=True)
    answer = client.post("/admin/statistik/rapporter", data={"month": "2026-10"})
    assert answer.status_code == 302
    run = _runs()[0]
    active = db.session.scalar(select(func.count(Municipality.id)).where(Municipality.active.is_(True)))
    assert run.status is JobRunStatus.FINISHED and run.done == run.total == active
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"{active} rapporter lavet" in page and 'data-testid="month-reports"' in page
    aarhus = db.session.scalar(select(StatisticsReport).join(Municipality).where(Municipality.code == 751))
    assert f'/admin/statistik/rapporter/{aarhus.id}.pdf' in page
    pdf = client.get(f"/admin/statistik/rapporter/{aarhus.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]
    assert client.get("/admin/statistik/rapporter/999999.csv").status_code == 404
    # Made again: the reports are replaced in place, never doubled.
    assert client.post("/admin/statistik/rapporter", data={"month": "2026-10"}).status_code == 302
    assert db.session.scalar(select(func.count(StatisticsReport.id))) == active


@pytest.mark.parametrize("month, words", [("2999-01", "ikke begyndt"), ("oktober", "2026-03"), ("2026-12", "ikke slut"), ("", "")])
def test_a_month_that_cannot_be_reported_on_is_explained_and_nothing_queued(world, client, admin, month, words):
    answer = client.post("/admin/statistik/rapporter", data={"month": month})
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert _runs() == []


def test_a_second_start_while_one_is_queued_is_refused(world, database_url, instance_dir):
    other = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=f"stomi-noworker-{uuid.uuid4().hex[:12]}")
    client = other.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": factories.PASSWORD}).status_code == 302
    assert client.post("/admin/statistik/rapporter", data={"month": "2026-10"}).status_code == 302
    again = client.post("/admin/statistik/rapporter", data={"month": "2026-10"})
    assert again.status_code == 409 and "allerede startet" in again.get_data(as_text=True)
    page = client.get(f"/admin/statistik/rapporter/koersel/{_runs()[0].id}").get_data(as_text=True)
    assert 'data-active="true"' in page and "<progress" in page and "job-progress.js" in page
    with other.app_context():
        jobs.get_queue().empty()


def test_redis_down_is_said_in_words_and_nothing_is_started(world, database_url, instance_dir):
    down = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0", JOBS_SYNC=False)
    client = down.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": factories.PASSWORD}).status_code == 302
    answer = client.post("/admin/statistik/rapporter", data={"month": "2026-10"})
    assert answer.status_code == 503 and "Jobkøen er ikke tilgængelig" in answer.get_data(as_text=True)
    assert _runs() == []
