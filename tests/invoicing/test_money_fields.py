"""Every money field of the FSC's invoicing pages and commands reads "1.500" as 1.500,00 kr. (stomi_app.money)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from invoicing.fees import FEE_MAXIMUM_OERE
from invoicing.models import FeeSchedule, SharedCostAllocation
from stomi_app.cli import main
from stomi_app.extensions import db

FEES = {"valid_from": "2026-01", "valid_to": "", "cutting": "2,50", "delivery": "59", "express": "149",
        "warehouse": "8,50", "admin_pct": "5", "citizen_yearly": "1385", "note": ""}
FEE_COLUMNS = {"cutting": "cutting_fee_oere", "delivery": "delivery_fee_oere", "express": "express_delivery_fee_oere",
               "warehouse": "warehouse_fee_oere", "citizen_yearly": "citizen_fee_yearly_oere"}


@pytest.fixture
def admin(client, auth, world):
    assert auth.staff("admin@test.dk").status_code == 302
    return client


@pytest.mark.parametrize("field", sorted(FEE_COLUMNS))
@pytest.mark.parametrize("typed, oere", [("1.500", 150_000), ("1.500,5", 150_050), ("1,5", 150), ("1 500,00", 150_000)])
def test_a_fee_is_read_in_danish_notation(admin, field, typed, oere):
    response = admin.post("/admin/gebyrer", data={**FEES, field: typed})
    if oere > FEE_MAXIMUM_OERE[FEE_COLUMNS[field]]:  # read right, and above that fee's bound (1.500 kr. a cut plate)
        assert response.status_code == 400 and "Beløbet kan højst være" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    assert getattr(db.session.scalar(select(FeeSchedule)), FEE_COLUMNS[field]) == oere


@pytest.mark.parametrize("field", sorted(FEE_COLUMNS) + ["admin_pct"])
@pytest.mark.parametrize("typed, says", [("1.50", "150 eller 1,5"), ("1,505", "højst to decimaler"),
                                         ("-5", "negativ"), ("mange", "fx ")])
def test_a_fee_that_cannot_be_read_is_refused_next_to_its_field(admin, field, typed, says):
    response = admin.post("/admin/gebyrer", data={**FEES, field: typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and f'id="{field}-error"' in page and says in page
    assert db.session.scalar(select(FeeSchedule)) is None


def test_a_fee_above_the_bound_is_refused(admin):
    response = admin.post("/admin/gebyrer", data={**FEES, "citizen_yearly": "100.000,01"})  # the fee's own bound
    assert response.status_code == 400 and "Beløbet kan højst være 100.000,00\xa0kr." in response.get_data(as_text=True)


@pytest.mark.parametrize("typed, basis_points", [("5", 500), ("5,25", 525), ("0", 0), ("100", 10_000)])
def test_the_administration_percentage(admin, typed, basis_points):
    assert admin.post("/admin/gebyrer", data={**FEES, "admin_pct": typed}).status_code == 302
    assert db.session.scalar(select(FeeSchedule.admin_fee_basis_points)) == basis_points


def test_an_administration_percentage_of_1500_is_refused(admin):
    response = admin.post("/admin/gebyrer", data={**FEES, "admin_pct": "1.500"})  # 1.500 %, read as Danish
    assert response.status_code == 400 and 'id="admin_pct-error"' in response.get_data(as_text=True)


def test_the_fee_form_is_filled_in_with_what_it_reads_back(admin):
    page = admin.get("/admin/gebyrer").get_data(as_text=True)
    assert 'value="2,50"' in page and 'value="1385,00"' in page and 'value="5,00"' in page


def test_english_notation_when_the_person_chose_english(admin):
    with admin.session_transaction() as session:
        session["lang"] = "en"
    assert 'value="1385.00"' in admin.get("/admin/gebyrer").get_data(as_text=True)
    english = {**FEES, "cutting": "2.50", "warehouse": "8.50", "citizen_yearly": "1,500.50"}
    assert admin.post("/admin/gebyrer", data=english).status_code == 302
    schedule = db.session.scalar(select(FeeSchedule))
    assert (schedule.citizen_fee_yearly_oere, schedule.cutting_fee_oere) == (150_050, 250)
    refused = admin.post("/admin/gebyrer", data={**english, "valid_from": "2027-01", "delivery": "1,5"})
    assert refused.status_code == 400 and "15 or 1.5" in refused.get_data(as_text=True)


ALLOCATION = {"key": "population", "region_pct": "35", "region": "0", "month": "2026-05", "description": "Etablering",
              "action": "save"}


@pytest.mark.parametrize("typed, oere", [("1.500", 150_000), ("1.350.000,00", 135_000_000), ("86.000.000", 8_600_000_000)])
def test_a_shared_cost_is_read_in_danish_notation(admin, typed, oere):
    assert admin.post("/admin/fordeling", data={**ALLOCATION, "amount": typed}).status_code == 302
    assert db.session.scalar(select(SharedCostAllocation.amount_oere)) == oere


@pytest.mark.parametrize("typed", ["1.50", "-1.500", "1.000.000.000,01", "1,500"])
def test_a_shared_cost_that_cannot_be_read_is_refused(admin, typed):
    response = admin.post("/admin/fordeling", data={**ALLOCATION, "amount": typed})
    assert response.status_code == 400 and 'id="amount-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(SharedCostAllocation)) is None


def test_the_commands_read_danish_notation(app, world):
    runner = app.test_cli_runner()
    added = runner.invoke(main, ["fee-schedule", "add", "--from", "2026-01", "--delivery", "1.500", "--admin-pct", "5,25"])
    assert added.exit_code == 0, added.output
    schedule = db.session.scalar(select(FeeSchedule))
    assert (schedule.delivery_fee_oere, schedule.admin_fee_basis_points) == (150_000, 525)
    shown = runner.invoke(main, ["allocate", "--amount", "1.500", "--key", "population"])
    assert shown.exit_code == 0 and "1.500,00\xa0kr." in shown.output, shown.output
    refused = runner.invoke(main, ["allocate", "--amount", "1.50", "--key", "population"])
    assert refused.exit_code == 1 and "--amount" in refused.output
