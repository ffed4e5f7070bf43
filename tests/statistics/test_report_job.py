"""The monthly statistics reports made from the FSC administration as a background job: progress page, the
month's reports for download, idempotence, the guard against a second run, a month not over, Redis down."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from stomi_app import jobs
from stomi_app.extensions import db
from stomi_app.models import JobRun, JobRunStatus, Municipality
from usage_statistics.models import StatisticsReport
from tests import factories
from tests.fixtures.app import make_app
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


@pytest.mark.committing
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


@pytest.mark.committing
def test_redis_down_is_said_in_words_and_nothing_is_started(world, database_url, instance_dir):
    down = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0", JOBS_SYNC=False)
    client = down.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": factories.PASSWORD}).status_code == 302
    answer = client.post("/admin/statistik/rapporter", data={"month": "2026-10"})
    assert answer.status_code == 503 and "Jobkøen er ikke tilgængelig" in answer.get_data(as_text=True)
    assert _runs() == []


def test_a_grant_officer_has_the_own_municipalitys_month_made_again(history, client, auth, world):
    assert auth.staff("officer.aarhus@test.dk").status_code == 302
    page = client.get("/kommune/statistik/751/rapporter").get_data(as_text=True)
    assert 'data-testid="report-form"' in page
    answer = client.post("/kommune/statistik/751/rapporter/lav", data={"month": "2026-10"})
    assert answer.status_code == 302
    run = _runs()[0]
    assert run.key == "2026-10:751" and run.status is JobRunStatus.FINISHED and run.done == run.total == 1
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 rapport lavet" in shown and 'data-testid="run-reports-link"' in shown
    only = db.session.scalars(select(Municipality.code).join(StatisticsReport)).all()
    assert only == [751]  # Aarhus' report only, not the other 40
    # Another municipality's code, or another municipality's run, is not found.
    assert client.post("/kommune/statistik/461/rapporter/lav", data={"month": "2026-10"}).status_code == 404
    odense = JobRun(kind="statistics_report", key="2026-10:461", job_function="x", locale="da", attempts=1)
    everyone = JobRun(kind="statistics_report", key="2026-10", job_function="x", locale="da", attempts=1)
    db.session.add_all([odense, everyone])
    db.session.commit()
    for other in (odense, everyone):
        assert client.get(f"/kommune/statistik/751/rapporter/koersel/{other.id}").status_code == 404
    assert client.post("/kommune/statistik/751/rapporter/lav", data={"month": "maj"}).status_code == 400


def test_a_municipal_manager_reads_the_reports_but_starts_nothing(manager, client, auth):
    assert auth.staff("leder.aarhus@test.dk").status_code == 302
    code = 751
    page = client.get(f"/kommune/statistik/{code}/rapporter")
    assert page.status_code == 200 and 'data-testid="report-form"' not in page.get_data(as_text=True)
    assert client.post(f"/kommune/statistik/{code}/rapporter/lav", data={"month": "2026-10"}).status_code == 403
    assert _runs() == []


@pytest.mark.committing
def test_one_municipality_and_all_of_the_same_month_never_run_at_once(world, database_url, instance_dir):
    other = make_app(database_url, JOBS_SYNC=False, JOBS_QUEUE=f"stomi-noworker-{uuid.uuid4().hex[:12]}")
    officer, admin = other.test_client(), other.test_client()
    for client, email in ((officer, "officer.aarhus@test.dk"), (admin, ADMIN)):
        assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
    assert officer.post("/kommune/statistik/751/rapporter/lav", data={"month": "2026-10"}).status_code == 302
    assert admin.post("/admin/statistik/rapporter", data={"month": "2026-10"}).status_code == 409
    assert admin.post("/admin/statistik/rapporter", data={"month": "2026-09"}).status_code == 302
    assert officer.post("/kommune/statistik/751/rapporter/lav", data={"month": "2026-09"}).status_code == 409
    assert [r.key for r in _runs()] == ["2026-10:751", "2026-09"]
    with other.app_context():
        jobs.get_queue().empty()
