"""The FSC administrator's invoicing pages and the municipality's read-only list, with access checks."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from invoicing.models import FeeSchedule, Invoice, SharedCostAllocation
from invoicing.run import run_month
from stomi_app.extensions import db
from tests.fixtures.invoicing import JUNE_2, MAY


def _admin(auth):
    assert auth.staff("admin@test.dk").status_code == 302


def test_admin_runs_a_month_sees_totals_marks_sent_and_credits(client, auth, month):
    _admin(auth)
    assert 'data-testid="invoicing-link"' in client.get("/admin/").get_data(as_text=True)
    response = client.post("/admin/fakturering/koersel", data={"month": "2026-05"})
    assert response.status_code == 302
    page = client.get("/admin/fakturering?month=2026-05").get_data(as_text=True)
    assert 'data-testid="month-totals"' in page and "Aarhus Kommune" in page and "Odense Kommune" in page
    aarhus = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Aarhus Kommune"))
    detail = client.get(f"/admin/fakturering/{aarhus.id}").get_data(as_text=True)
    assert "4.809,93" in detail  # 480993 øre, Danish formatting
    assert client.post(f"/admin/fakturering/{aarhus.id}/sendt").status_code == 302
    db.session.expire_all()
    assert db.session.get(Invoice, aarhus.id).sent_at is not None
    pdf = client.get(f"/admin/fakturering/{aarhus.id}/dokument/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]
    assert client.get(f"/admin/fakturering/{aarhus.id}/dokument/exe").status_code == 404
    assert client.post(f"/admin/fakturering/{aarhus.id}/krediter", data={"reason": ""}).status_code == 400
    assert client.post(f"/admin/fakturering/{aarhus.id}/krediter", data={"reason": "Forkert"}).status_code == 302
    assert db.session.scalar(select(func.count(Invoice.id))) == 3


def test_a_run_for_a_month_not_over_is_explained(client, auth, world):
    _admin(auth)
    response = client.post("/admin/fakturering/koersel", data={"month": "2999-01"})
    assert response.status_code == 400 and "2999-01" in response.get_data(as_text=True)
    assert client.post("/admin/fakturering/koersel", data={"month": "maj"}).status_code == 400


def test_fee_periods_are_added_and_overlaps_refused(client, auth, world):
    _admin(auth)
    page = client.get("/admin/gebyrer").get_data(as_text=True)
    assert 'value="2,50"' in page and 'value="1385,00"' in page  # the documented defaults are proposed
    data = {"valid_from": "2026-01", "valid_to": "", "cutting": "2,50", "delivery": "59", "express": "149",
            "warehouse": "8,50", "admin_pct": "5", "citizen_yearly": "1385", "note": "Kontrakt 2026"}
    assert client.post("/admin/gebyrer", data=data).status_code == 302
    assert client.post("/admin/gebyrer", data={**data, "valid_from": "2026-07", "cutting": "3"}).status_code == 302
    refused = client.post("/admin/gebyrer", data={**data, "valid_from": "2026-03", "valid_to": "2026-09"})
    assert refused.status_code == 400
    bad = client.post("/admin/gebyrer", data={**data, "valid_from": "2027-01", "delivery": "-5"})
    assert bad.status_code == 400
    periods = db.session.execute(select(FeeSchedule.valid_from, FeeSchedule.valid_to, FeeSchedule.cutting_fee_oere)
                                 .order_by(FeeSchedule.valid_from)).all()
    assert periods == [(date(2026, 1, 1), date(2026, 6, 30), 250), (date(2026, 7, 1), None, 300)]


def test_allocation_preview_and_save(client, auth, world):
    _admin(auth)
    data = {"amount": "1.350.000,00", "key": "population", "region_pct": "35", "region": "0", "month": "",
            "description": "", "action": "preview"}
    page = client.post("/admin/fordeling", data=data).get_data(as_text=True)
    assert "1.350.000,00" in page and 'data-testid="allocation-total"' in page
    missing_month = client.post("/admin/fordeling", data={**data, "action": "save", "description": "Etablering"})
    assert missing_month.status_code == 400
    saved = client.post("/admin/fordeling", data={**data, "action": "save", "month": "2026-05", "description": "Etablering"})
    assert saved.status_code == 302
    assert db.session.scalar(select(func.count(SharedCostAllocation.id))) == 1


def test_municipality_sees_only_its_own_invoices(client, auth, month):
    run_month(MAY, today=JUNE_2)
    odense = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Odense Kommune"))
    aarhus = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Aarhus Kommune"))
    auth.staff("officer.aarhus@test.dk")
    assert 'data-testid="invoices-link"' in client.get("/kommune/").get_data(as_text=True)
    page = client.get("/kommune/fakturaer").get_data(as_text=True)
    assert "4.809,93" in page and "144,28" not in page
    assert client.get(f"/kommune/fakturaer/{aarhus.id}/xml").status_code == 200
    assert client.get(f"/kommune/fakturaer/{aarhus.id}/csv").status_code == 200
    assert client.get(f"/kommune/fakturaer/{odense.id}/pdf").status_code == 404
    assert client.get("/admin/fakturering").status_code == 403


def test_other_roles_cannot_reach_invoicing(client, auth, world):
    auth.staff("agent@test.dk")
    assert client.get("/admin/fakturering").status_code == 403
    assert client.get("/kommune/fakturaer").status_code == 403


def test_the_lists_say_where_each_invoice_stands_after_a_credit_note(client, auth, month):
    run_month(MAY, today=JUNE_2)
    aarhus = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Aarhus Kommune"))
    odense = db.session.scalar(select(Invoice).where(Invoice.buyer_name == "Odense Kommune"))
    _admin(auth)
    assert client.post(f"/admin/fakturering/{odense.id}/sendt").status_code == 302
    assert client.post(f"/admin/fakturering/{aarhus.id}/krediter", data={"reason": "Forkert"}).status_code == 302
    note = db.session.scalar(select(Invoice).where(Invoice.credits_invoice_id == aarhus.id))
    page = client.get("/admin/fakturering?month=2026-05").get_data(as_text=True)
    listed = page[page.index('data-testid="invoices"'):]
    assert f"Krediterer {aarhus.number}" in listed and "Krediteret" in listed and "Sendt" in listed
    assert "Ikke sendt" not in listed  # Odense's was sent, Aarhus' credited, and the credit note credits it
    assert f"Kreditnota {note.number}" in client.get(f"/admin/fakturering/{note.id}").get_data(as_text=True)
    auth.logout()
    auth.staff("officer.aarhus@test.dk")
    assert f"Kreditnota til {aarhus.number}" in client.get("/kommune/fakturaer").get_data(as_text=True)
