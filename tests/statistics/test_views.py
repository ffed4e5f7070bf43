"""The municipal statistics pages: scoping (404 for another municipality), the manager's read-only access, bad
periods, exports (CSV and XLSX readable, formulas neutralised) and the audited citizen list."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from tests.statistics import dataset

OCT = "kind=month&month=2026-10"


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


@pytest.fixture
def officer_client(auth, client, world):
    auth.staff("officer.aarhus@test.dk")
    return client


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_start_page_links_to_statistics_and_home_redirects_to_own_code(officer_client):
    assert b'data-testid="statistics-link"' in officer_client.get("/kommune/").data
    response = officer_client.get("/kommune/statistik?kind=year&year=2026")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/kommune/statistik/751?")


def test_dashboard_shows_the_figures_with_charts_and_tables(officer_client, history):
    page = officer_client.get(f"/kommune/statistik/751?{OCT}").get_data(as_text=True)
    assert 'data-testid="chart-spend"' in page and 'role="img"' in page and "<title id=\"chart-spend-title\">" in page
    assert 'data-testid="table-summary"' in page and 'data-testid="table-months"' in page
    assert "3.110,00" in page  # 311,000 øre spent in October (Danish formats: the default language)
    assert "1.036,67" in page  # per citizen with a grant (103,667 øre)
    assert 'data-testid="no-data"' not in page
    assert "style=" not in page and "<script" not in page.split("</footer>")[0].split("<main")[1]


def test_another_municipalitys_code_is_not_found(officer_client, history):
    assert officer_client.get(f"/kommune/statistik/461?{OCT}").status_code == 404
    assert officer_client.get(f"/kommune/statistik/461/eksport/alle.csv?{OCT}").status_code == 404
    assert officer_client.get(f"/kommune/statistik/461/borgere.csv?{OCT}").status_code == 404
    assert officer_client.get("/kommune/statistik/461/rapporter").status_code == 404
    assert officer_client.get("/kommune/statistik/9999").status_code == 404


def test_a_period_without_data_shows_empty_charts_and_a_message(officer_client, world):
    response = officer_client.get("/kommune/statistik/751?kind=month&month=2024-02")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="no-data"' in page and 'data-testid="chart-spend"' in page


@pytest.mark.parametrize("query, field, text", [
    ("kind=custom&from=2026-03-31&to=2026-03-01", "to", "The end date must be on or after the start date."),
    ("kind=month&month=2099-01", "month", "The period has not begun yet"),
    ("kind=year&year=20x6", "year", "Enter a year like 2026."),
    ("kind=quarter&quarter=2026-Q5", "quarter", "Enter a quarter like 2026-Q1."),
    ("kind=custom&from=2099-01-01&to=2099-02-01", "from", "The period has not begun yet"),
    ("kind=week", "kind", "Choose a month, a quarter, a year or your own period."),
])
def test_bad_periods_get_a_message_next_to_the_field(officer_client, world, query, field, text):
    officer_client.post("/sprog", data={"lang": "en"})  # English messages, whatever the default
    response = officer_client.get(f"/kommune/statistik/751?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert text in page
    assert f'id="{field}-error"' in page or (field == "kind" and "form-error-message" in page)
    assert officer_client.get(f"/kommune/statistik/751/eksport/alle.csv?{query}").status_code == 400


def test_csv_export_of_a_table(officer_client, history):
    response = officer_client.get(f"/kommune/statistik/751/eksport/products.csv?{OCT}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.data)
    assert rows[1] == ["NL-101", rows[1][1], "3", "1410,00"]
    assert len(rows) == 4


def test_xlsx_export_of_every_table_is_readable(officer_client, history):
    response = officer_client.get(f"/kommune/statistik/751/eksport/alle.xlsx?{OCT}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 8
    summary = book[book.sheetnames[0]]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True) if row[0]}
    assert any(float(v) == 3110 for v in values.values() if isinstance(v, (int, float)))


def test_unknown_table_is_not_found(officer_client, history):
    assert officer_client.get(f"/kommune/statistik/751/eksport/secrets.csv?{OCT}").status_code == 404


def test_formula_like_text_is_neutralised_in_csv_and_xlsx(officer_client, history):
    from ordering.models import OrderLine

    for line in db.session.scalars(select(OrderLine).where(OrderLine.article_number == "NL-101")):
        line.product_name = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    rows = _csv(officer_client.get(f"/kommune/statistik/751/eksport/products.csv?{OCT}").data)
    assert rows[1][1].startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(officer_client.get(f"/kommune/statistik/751/eksport/products.xlsx?{OCT}").data))
    cell = book.active.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_citizen_list_is_audited_for_every_citizen_in_it(officer_client, history):
    response = officer_client.get(f"/kommune/statistik/751/borgere.xlsx?{OCT}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Bent Borg", "Birthe Nielsen", "Erik Eng"]  # Aarhus only
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert {e.citizen_id for e in events} == {history.a.id, history.b.id, history.e.id, None}
    assert all(e.role == "grant_officer" and "xlsx" in e.detail for e in events)


def test_manager_reads_statistics_but_nothing_else(auth, client, manager, history):
    auth.staff("leder.aarhus@test.dk")
    response = client.get("/", follow_redirects=False)
    assert client.get(f"/kommune/statistik/751?{OCT}").status_code == 200
    assert client.get(f"/kommune/statistik/751/eksport/alle.csv?{OCT}").status_code == 200
    assert client.get("/kommune/statistik/751/rapporter").status_code == 200
    assert client.get(f"/kommune/statistik/461?{OCT}").status_code == 404
    # Personal data and every grant page are the grant officers'.
    assert client.get(f"/kommune/statistik/751/borgere.csv?{OCT}").status_code == 403
    assert client.get("/kommune/").status_code == 403
    assert client.get(f"/kommune/borger/{history.a.id}").status_code == 403
    assert client.post(f"/kommune/borger/{history.a.id}/bevilling/ny", data={}).status_code == 403
    page = client.get(f"/kommune/statistik/751?{OCT}").get_data(as_text=True)
    assert "/kommune/borgere" not in page and "borgere.csv" not in page
    assert response.status_code in (200, 302)


def test_manager_logs_in_to_the_statistics(auth, client, manager):
    response = auth.staff("leder.aarhus@test.dk")
    assert response.status_code == 302
    assert "/kommune/statistik" in response.headers["Location"]


def test_other_roles_are_refused(auth, client, world):
    auth.staff("nurse@test.dk")
    assert client.get("/kommune/statistik/751").status_code == 403
