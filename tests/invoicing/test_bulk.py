"""The FSC administrator's month at once (issue 24, 'bulk mark-as-sent / ZIP download of a month's documents'):
ticked invoices (or all of the month) marked sent in one step, and one ZIP with every PDF, XML and CSV."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from invoicing import bulk
from invoicing.models import Invoice
from invoicing.run import run_month
from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from tests.fixtures.invoicing import JUNE_2, MAY


def _issued():
    run_month(MAY, today=JUNE_2)
    db.session.commit()
    invoices = list(db.session.scalars(select(Invoice).order_by(Invoice.number)))
    assert len(invoices) == 2  # Aarhus and Odense
    return invoices


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_month_page_offers_checkboxes_and_both_actions(client, auth, month):
    first, second = _issued()
    auth.staff("admin@test.dk")
    page = client.get("/admin/fakturering?month=2026-05").get_data(as_text=True)
    assert 'data-testid="bulk-form"' in page and 'data-testid="all-of-month"' in page
    assert f'data-testid="pick-{first.number}"' in page and f'data-testid="pick-{second.number}"' in page
    assert 'data-testid="bulk-sent"' in page and 'data-testid="bulk-zip"' in page


def test_bulk_mark_sent_marks_the_unsent_and_says_which_were_sent_before(client, auth, month):
    first, second = _issued()
    auth.staff("admin@test.dk")
    assert client.post(f"/admin/fakturering/{first.id}/sendt").status_code == 302
    db.session.expire_all()
    sent_before = db.session.get(Invoice, first.id).sent_at
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "invoices": [first.id, second.id],
                                                               "action": "sent"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"1 faktura er markeret som sendt: {second.number}." in page
    assert f"1 var sendt før og blev ikke ændret: {first.number}." in page
    db.session.expire_all()
    assert db.session.get(Invoice, first.id).sent_at == sent_before  # untouched
    assert db.session.get(Invoice, second.id).sent_at is not None
    # Each invoice marked once is one audit event, from the one rule the single button uses.
    details = sorted(e.detail for e in _audited("invoice_mark_sent"))
    assert details == sorted([f"{first.number} (2026-05)", f"{second.number} (2026-05)"])
    # Again: nothing new is marked or audited.
    page = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y", "action": "sent"},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 var sendt før og blev ikke ændret" in page and "markeret som sendt:" not in page
    assert len(_audited("invoice_mark_sent")) == 2


def test_all_of_the_month_marks_every_invoice(client, auth, month):
    first, second = _issued()
    auth.staff("admin@test.dk")
    page = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y", "action": "sent"},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 fakturaer er markeret som sendt" in page
    db.session.expire_all()
    assert all(i.sent_at is not None for i in db.session.scalars(select(Invoice)))


def test_nothing_selected_is_said_next_to_the_list_and_nothing_changes(client, auth, month):
    _issued()
    auth.staff("admin@test.dk")
    for data in ({"month": "2026-05", "action": "sent"}, {"month": "2026-05", "action": "zip"},
                 {"month": "2026-05", "action": "sent", "invoices": ["abc", "-1", "9" * 40]},
                 {"month": "2026-05", "action": "sent", "invoices": ["999999"]}):
        response = client.post("/admin/fakturering/maaned", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert 'data-testid="error-summary"' in page and "Vælg mindst én faktura eller hele måneden." in page
        assert 'href="#invoices"' in page and 'id="invoices"' in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.sent_at.is_not(None))) == 0
    assert _audited("invoice_mark_sent") == [] and _audited("invoice_documents_zip_download") == []


def test_an_invoice_of_another_month_is_never_touched(client, auth, month):
    first, second = _issued()
    auth.staff("admin@test.dk")
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-04", "invoices": [first.id],
                                                               "action": "sent"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Invoice, first.id).sent_at is None
    assert client.post("/admin/fakturering/maaned", data={"month": "maj", "action": "sent"}).status_code == 404
    assert client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y",
                                                          "action": "delete"}).status_code == 400


def test_the_zip_holds_each_invoices_three_documents_as_the_single_downloads(client, auth, month):
    first, second = _issued()
    auth.staff("admin@test.dk")
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y",
                                                               "action": "zip"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="fakturaer-2026-05.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    names = archive.namelist()
    expected = [f"faktura-{i.number}-{i.municipality.code}-2026-05.{kind}" for i in (first, second)
                for kind in ("pdf", "xml", "csv")]
    assert names == expected
    for invoice in (first, second):
        for kind in ("pdf", "xml", "csv"):
            single = client.get(f"/admin/fakturering/{invoice.id}/dokument/{kind}")
            assert archive.read(f"faktura-{invoice.number}-{invoice.municipality.code}-2026-05.{kind}") == single.data
    [event] = _audited("invoice_documents_zip_download")  # the CSVs name citizens: a staff read, audited
    assert event.detail == f"2026-05: {first.number}, {second.number}"
    # Only the ticked one.
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "invoices": [second.id],
                                                               "action": "zip"})
    assert [n.split("-")[1] for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist()] == [str(second.number)] * 3


def test_a_zip_beyond_the_size_bound_is_refused(client, auth, month, monkeypatch):
    _issued()
    monkeypatch.setattr(bulk, "MAX_ZIP_CONTENT_BYTES", 100)
    auth.staff("admin@test.dk")
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y",
                                                               "action": "zip"})
    assert response.status_code == 400 and "for store til én ZIP-fil" in response.get_data(as_text=True)
    assert _audited("invoice_documents_zip_download") == []


def test_only_the_fsc_administrator_may(client, auth, month):
    _issued()
    auth.staff("officer.aarhus@test.dk")
    response = client.post("/admin/fakturering/maaned", data={"month": "2026-05", "all_of_month": "y",
                                                               "action": "zip"})
    assert response.status_code == 403
