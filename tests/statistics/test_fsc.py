"""The FSC overview: every municipality side by side with regional and national totals; administrators only."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.statistics import dataset

OCT = "kind=month&month=2026-10"


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


def test_overview_shows_every_municipality_and_the_national_total(history, auth, client):
    auth.staff("admin@test.dk")
    assert b'data-testid="statistics-link"' in client.get("/admin/").data
    page = client.get(f"/admin/statistik?{OCT}").get_data(as_text=True)
    assert 'data-testid="table-municipalities"' in page and 'data-testid="table-totals"' in page
    rows = list(csv.reader(io.StringIO(client.get(f"/admin/statistik/eksport/totals.csv?{OCT}").data.decode("utf-8-sig")),
                           delimiter=";"))
    header, *body = rows
    total = dict(zip(header, body[-1]))
    assert total[header[0]] in ("Hele landet", "National total")
    assert total[header[2]] == "4"  # orders: 3 in Aarhus, 1 in Odense
    assert total[header[4]] == "5360,00"  # 3,110.00 + 2,250.00 kr.
    municipalities = load_workbook(io.BytesIO(client.get(f"/admin/statistik/eksport/municipalities.xlsx?{OCT}").data)).active
    by_code = {row[0]: row for row in municipalities.iter_rows(min_row=2, values_only=True)}
    assert by_code[751][4] == 3 and by_code[461][4] == 1 and by_code[751][3] == 3


def test_overview_is_for_administrators_only(world, auth, client):
    auth.staff("officer.aarhus@test.dk")
    assert client.get(f"/admin/statistik?{OCT}").status_code == 403


def test_overview_bad_period(world, auth, client):
    auth.staff("admin@test.dk")
    assert client.get("/admin/statistik?kind=custom&from=2026-05-01&to=2026-04-01").status_code == 422
