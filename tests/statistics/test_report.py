"""The monthly report: PDF with charts and CSV per municipality, stored, listed in the portal, made by the CLI."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from stomi_app.cli import main
from stomi_app.extensions import db
from stomi_app.models import Municipality
from usage_statistics.models import StatisticsReport
from usage_statistics.report import ReportError, run_month
from tests import factories
from tests.statistics import dataset


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


def test_a_run_stores_one_report_per_active_municipality(history):
    made = run_month(date(2026, 10, 1), today=date(2026, 11, 23))
    municipalities = db.session.scalar(select(func.count(Municipality.id)).where(Municipality.active.is_(True)))
    assert len(made) == municipalities == db.session.scalar(select(func.count(StatisticsReport.id)))
    aarhus = db.session.scalar(select(StatisticsReport).join(Municipality).where(Municipality.code == 751))
    assert aarhus.pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(aarhus.pdf)).pages)
    assert "Aarhus" in text and "oktober 2026" in text
    assert "3.110,00" in text  # October's spend, as on the dashboard
    csv_text = aarhus.csv.decode("utf-8-sig")
    assert "Udgift ekskl. moms" in csv_text and "3110,00" in csv_text


def test_the_pdf_has_the_charts(history):
    run_month(date(2026, 10, 1), [751], today=date(2026, 11, 23))
    report = db.session.scalar(select(StatisticsReport))
    page = PdfReader(io.BytesIO(report.pdf)).pages[0]
    text = page.extract_text()
    # The line chart's legend and the bar chart's title are drawn on the first page, with the category bars.
    assert "Et år tidligere" in text and "Udgift pr. produktkategori" in text and "Lukket pose" in text


def test_running_a_month_again_replaces_its_reports(history):
    run_month(date(2026, 10, 1), [751], today=date(2026, 11, 23))
    first = db.session.scalar(select(StatisticsReport)).id
    run_month(date(2026, 10, 1), [751], today=date(2026, 11, 23))
    assert db.session.scalars(select(StatisticsReport.id)).all() == [first]


def test_a_month_that_is_not_over_is_refused(world):
    with pytest.raises(ReportError):
        run_month(date(2026, 11, 1), today=date(2026, 11, 23))
    with pytest.raises(ReportError):
        run_month(date(2026, 10, 1), [1234], today=date(2026, 11, 23))


def test_reports_are_listed_and_downloadable_only_by_their_municipality(history, auth, client):
    run_month(date(2026, 10, 1), [751, 461], today=date(2026, 11, 23))
    odense = db.session.scalar(select(StatisticsReport).join(Municipality).where(Municipality.code == 461))
    auth.staff("officer.aarhus@test.dk")
    page = client.get("/kommune/statistik/751/rapporter").get_data(as_text=True)
    assert page.count('data-testid="report-row"') == 1 and "oktober 2026" in page
    own = db.session.scalar(select(StatisticsReport).join(Municipality).where(Municipality.code == 751))
    response = client.get(f"/kommune/statistik/751/rapporter/{own.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    assert client.get(f"/kommune/statistik/751/rapporter/{own.id}.csv").status_code == 200
    assert client.get(f"/kommune/statistik/751/rapporter/{odense.id}.pdf").status_code == 404
    assert client.get(f"/kommune/statistik/461/rapporter/{odense.id}.pdf").status_code == 404


def test_no_reports_yet(world, auth, client):
    auth.staff("officer.aarhus@test.dk")
    assert 'data-testid="no-reports"' in client.get("/kommune/statistik/751/rapporter").get_data(as_text=True)


def test_cli_makes_reports_with_a_progress_bar_and_writes_them(app, history, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["stats-report", "--month", "2026-10", "--municipality", "751", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 reports for 2026-10" in result.output
    assert (tmp_path / "statistik-751-2026-10.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "statistik-751-2026-10.csv").exists()
    bad = runner.invoke(main, ["stats-report", "--month", "2026-13"])
    assert bad.exit_code != 0 and "2026-03" in bad.output
    future = runner.invoke(main, ["stats-report", "--month", "2099-01"])
    assert future.exit_code != 0


def test_bench_measures_are_registered_and_run(app, world, tmp_path):
    from devtools.bench import runner
    from devtools.bench.statistics_measures import measure_dashboard, measure_report_memory, measure_report_run
    from devtools.demo import DEMO_PASSWORD
    from stomi_app.models import Role
    from stomi_app.users import create_staff_user

    assert runner.HISTORY_MEASURES["dashboard"] is measure_dashboard
    assert measure_report_run in runner.RUN_MEASURES
    assert runner.HISTORY_MEASURES["stats_report_memory"] is measure_report_memory
    create_staff_user(email="bevilling.aarhus@stomi-demo.dk", name="Bench", role=Role.GRANT_OFFICER,
                      password=DEMO_PASSWORD, municipality_code=751)
    for municipality in db.session.scalars(select(Municipality).where(Municipality.code.not_in([751, 461]))):
        municipality.active = False  # two reports are enough to see the run work; 41 would take a while
    db.session.commit()
    assert measure_dashboard(app)["median_ms"] > 0
    figures = measure_report_run(app, str(tmp_path))["stats_report"]
    assert figures["reports"] == 2 and figures["seconds"] > 0
    memory = measure_report_memory(app)
    assert memory["reports"] == 2  # the largest active municipalities, at most three
    assert memory["peak_mb"] > 0
