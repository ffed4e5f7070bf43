"""Fee periods have bounds per fee and can be changed or deleted until an invoice has used them (issue 24, item 11);
at the page, the service and the command line, in Danish."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from invoicing.fees import (
    DEFAULT_FEES, FEE_MAXIMUM_OERE, InvoicingError, add_schedule, change_schedule, delete_schedule, schedule_for_month,
)
from invoicing.models import FeeSchedule, Invoice
from invoicing.run import run_month
from stomi_app.cli import main
from stomi_app.extensions import db
from tests.fixtures.invoicing import JUNE_2, MAY

FORM = {"valid_from": "2027-01", "valid_to": "", "cutting": "2,50", "delivery": "59", "express": "149",
        "warehouse": "8,50", "admin_pct": "5", "citizen_yearly": "1385", "note": ""}
# Each fee's largest amount as typed, and one øre more.
AT_MOST = {"cutting": ("250,00", "250,01", "250,00"), "delivery": ("10.000,00", "10.000,01", "10.000,00"),
           "express": ("10.000,00", "10.000,01", "10.000,00"), "warehouse": ("1.000,00", "1.000,01", "1.000,00"),
           "citizen_yearly": ("100.000,00", "100.000,01", "100.000,00")}


def _admin(auth):
    assert auth.staff("admin@test.dk").status_code == 302


def test_the_bounds_are_written_down_and_kept_by_the_service(world):
    assert FEE_MAXIMUM_OERE == {"cutting_fee_oere": 250_00, "delivery_fee_oere": 10_000_00,
                                "express_delivery_fee_oere": 10_000_00, "warehouse_fee_oere": 1_000_00,
                                "citizen_fee_yearly_oere": 100_000_00}
    for name, maximum in FEE_MAXIMUM_OERE.items():
        with pytest.raises(InvoicingError) as refused:
            add_schedule(valid_from=date(2027, 1, 1), amounts=replace(DEFAULT_FEES, **{name: maximum + 1}))
        assert refused.value.field == name
    db.session.rollback()
    add_schedule(valid_from=date(2027, 1, 1), amounts=replace(DEFAULT_FEES, **FEE_MAXIMUM_OERE))


@pytest.mark.parametrize("field", sorted(AT_MOST))
def test_the_page_takes_each_fee_up_to_its_bound_and_refuses_one_oere_more(client, auth, world, field):
    _admin(auth)
    at_most, beyond, shown = AT_MOST[field]
    refused = client.post("/admin/gebyrer", data={**FORM, field: beyond})
    assert refused.status_code == 400
    assert f"Beløbet kan højst være {shown}\xa0kr." in refused.get_data(as_text=True)
    huge = client.post("/admin/gebyrer", data={**FORM, field: "999.999.999.999.999,00"})
    assert huge.status_code == 400
    assert db.session.scalar(select(FeeSchedule.id)) is None
    assert client.post("/admin/gebyrer", data={**FORM, field: at_most}).status_code == 302


def test_the_command_line_keeps_the_same_bounds(app, world):
    runner = app.test_cli_runner()
    refused = runner.invoke(main, ["fee-schedule", "add", "--from", "2027-01", "--delivery", "10.000,01"])
    assert refused.exit_code == 1 and "Beløbet kan højst være 10.000,00\xa0kr." in refused.output
    assert runner.invoke(main, ["fee-schedule", "add", "--from", "2027-01", "--delivery", "999999999999999"]).exit_code == 1
    added = runner.invoke(main, ["fee-schedule", "add", "--from", "2027-01", "--delivery", "10.000,00"])
    assert added.exit_code == 0, added.output
    changed = runner.invoke(main, ["fee-schedule", "edit", "2027-01", "--from", "2027-02", "--cutting", "3,00"])
    assert changed.exit_code == 0, changed.output
    [schedule] = db.session.scalars(select(FeeSchedule))
    assert (schedule.valid_from, schedule.cutting_fee_oere, schedule.delivery_fee_oere) == (date(2027, 2, 1), 300, 10_000_00)
    assert runner.invoke(main, ["fee-schedule", "edit", "2027-02", "--warehouse", "1.000,01"]).exit_code == 1
    assert runner.invoke(main, ["fee-schedule", "delete", "2027-03"]).exit_code == 1  # no period starts then
    deleted = runner.invoke(main, ["fee-schedule", "delete", "2027-02"])
    assert deleted.exit_code == 0, deleted.output
    assert db.session.scalar(select(FeeSchedule.id)) is None


def test_an_unused_period_is_changed_and_deleted_on_the_page(client, auth, world):
    _admin(auth)
    first = add_schedule(valid_from=date(2027, 1, 1))
    db.session.commit()
    form = client.get(f"/admin/gebyrer/{first.id}/ret").get_data(as_text=True)
    assert 'value="2027-01"' in form and "Ret gebyrperioden fra 2027-01" in form
    changed = client.post(f"/admin/gebyrer/{first.id}/ret", data={**FORM, "delivery": "65", "valid_to": "2027-06"})
    assert changed.status_code == 302
    db.session.expire_all()
    assert (first.delivery_fee_oere, first.valid_to) == (6500, date(2027, 6, 30))
    assert client.post(f"/admin/gebyrer/{first.id}/ret", data={**FORM, "delivery": "10.000,01"}).status_code == 400
    assert client.post(f"/admin/gebyrer/{first.id}/slet").status_code == 302
    assert "Gebyrperioden blev slettet." in client.get("/admin/gebyrer").get_data(as_text=True)
    assert db.session.scalar(select(FeeSchedule.id)) is None
    assert client.get("/admin/gebyrer/999999/ret").status_code == 404


def test_deleting_the_newest_period_reopens_the_one_it_ended(world):
    earlier = add_schedule(valid_from=date(2027, 1, 1))
    later = add_schedule(valid_from=date(2027, 7, 1), amounts=replace(DEFAULT_FEES, delivery_fee_oere=6500))
    assert earlier.valid_to == date(2027, 6, 30)
    delete_schedule(later)
    assert earlier.valid_to is None and schedule_for_month(date(2027, 9, 1)) is earlier


def test_a_period_an_invoice_used_is_frozen_and_the_refusal_names_the_invoice(client, auth, month):
    run_month(MAY, today=JUNE_2)
    used = schedule_for_month(MAY)
    number = db.session.scalar(select(Invoice.number).where(Invoice.fee_schedule_id == used.id).order_by(Invoice.id))
    with pytest.raises(InvoicingError) as refused:
        change_schedule(used, valid_from=used.valid_from, valid_to=None, amounts=DEFAULT_FEES)
    assert str(number) in str(refused.value)
    with pytest.raises(InvoicingError):
        delete_schedule(used)
    db.session.rollback()
    _admin(auth)
    page = client.get("/admin/gebyrer").get_data(as_text=True)
    assert f"Brugt af faktura {number}: tilføj en ny periode i stedet" in page
    assert f'/admin/gebyrer/{used.id}/ret"' not in page
    client.post(f"/admin/gebyrer/{used.id}/slet")
    shown = client.get("/admin/gebyrer").get_data(as_text=True)
    assert f"Faktura {number} har brugt gebyrperioden 2026-01 – indtil videre" in shown
    edit = client.post(f"/admin/gebyrer/{used.id}/ret", data={**FORM, "valid_from": "2026-01", "delivery": "65"})
    assert edit.status_code == 400 and f"Faktura {number} har brugt gebyrperioden" in edit.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FeeSchedule, used.id).delivery_fee_oere == DEFAULT_FEES.delivery_fee_oere
    # Only a new period changes the fees, from a month not yet invoiced.
    assert client.post("/admin/gebyrer", data={**FORM, "valid_from": "2026-07", "delivery": "65"}).status_code == 302
    runner = client.application.test_cli_runner()
    frozen = runner.invoke(main, ["fee-schedule", "delete", "2026-01"])
    assert frozen.exit_code == 1 and f"Faktura {number} har brugt" in frozen.output
