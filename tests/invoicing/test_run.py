"""The invoice run on a constructed month, checked to the øre by hand; month boundaries; idempotency; numbering."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from stdnum import ean

from invoicing import run as run_module
from invoicing.fees import InvoicingError
from invoicing.models import Invoice, InvoiceDocument
from invoicing.run import credit_invoice, run_month
from stomi_app.extensions import db
from tests import factories
from tests.fixtures.invoicing import delivered, JUNE_2, MAY
from tests.fixtures.orders import utc


def _invoice(code: int, month: date = MAY) -> Invoice:
    return db.session.scalar(select(Invoice).join(Invoice.municipality)
                             .where(Invoice.period_start == month, Invoice.current_key.is_not(None),
                                    factories.Municipality.code == code))


def test_aarhus_to_the_oere(month):
    """Hand-computed (øre):

    products   NL-100 @ 450,00 × 3 (O1 2, O5 1) = 135000; NL-100 @ 450,10 × 1 = 45010; NL-101 × 1 = 47000;
               FC-200 × 1 = 80000                                                   → 307010
    replacement FC-200 × 1 at 0                                                       → 0
    cutting    10 plates (1 box of 10, cut) × 250                                     → 2500
    warehouse  5 picked lines (O1 2, O2 1, O3 1, O5 1) × 850                          → 4250
    delivery   3 normal × 5900 = 17700; 1 express × 14900 = 14900
    admin 5 %  O1 170000 → 8500; O2 47000 → 2350; O3 45010 → 2250,5 → 2251 (half up); O5 → 2250 → 15351
    citizens   Birthe and Karen (grant 15 March–10 June) → 2 × 138500 / 12 = 23083,33 → 23083
    net 384794; VAT 25 % = 96198,5 → 96199; total 480993
    """
    result = run_month(MAY, today=JUNE_2)
    assert [r.status for r in result.results] == ["issued", "issued"]  # Odense (461) then Aarhus (751)
    invoice = _invoice(751)
    got = [(l.kind, l.article_number, l.quantity, l.unit_price_oere, l.base_quantity, l.net_oere) for l in invoice.lines]
    assert got == [
        ("product", "FC-200", 1, 80000, 1, 80000),
        ("product", "NL-100", 3, 45000, 1, 135000),
        ("product", "NL-100", 1, 45010, 1, 45010),
        ("product", "NL-101", 1, 47000, 1, 47000),
        ("replacement", "FC-200", 1, 0, 1, 0),
        ("cutting", None, 10, 250, 1, 2500),
        ("warehouse", None, 5, 850, 1, 4250),
        ("delivery", None, 3, 5900, 1, 17700),
        ("express", None, 1, 14900, 1, 14900),
        ("admin", None, 1, 15351, 1, 15351),
        ("citizen_fee", None, 2, 138500, 12, 23083),
    ]
    assert (invoice.net_oere, invoice.vat_oere, invoice.total_oere) == (384794, 96199, 480993)
    assert invoice.net_oere == sum(l.net_oere for l in invoice.lines)
    assert invoice.deliveries == 4
    assert "4 " in invoice.lines[9].description or "(4" in invoice.lines[9].description
    assert invoice.buyer_gln == "5798007510008" and invoice.buyer_cvr == "27510000"
    assert invoice.period_end == date(2026, 5, 31) and invoice.issue_date == JUNE_2


def test_a_month_with_only_fees(month):
    run_month(MAY, today=JUNE_2)
    odense = _invoice(461)
    assert [(l.kind, l.quantity, l.net_oere) for l in odense.lines] == [("citizen_fee", 1, 11542)]  # 11541,67 → 11542
    assert (odense.net_oere, odense.vat_oere, odense.total_oere) == (11542, 2886, 14428)  # 2885,5 → 2886


@pytest.mark.parametrize("month_start, citizens", [
    (date(2026, 2, 1), 1), (date(2026, 3, 1), 2), (date(2026, 6, 1), 2), (date(2026, 7, 1), 1),
])
def test_citizen_fee_counts_grants_in_force_on_any_day_of_the_month(month, month_start, citizens):
    run_month(month_start, today=date(2026, 8, 1))
    fee = [l for l in _invoice(751, month_start).lines if l.kind == "citizen_fee"]
    assert fee[0].quantity == citizens


def test_copenhagen_month_boundaries(month):
    run_month(date(2026, 4, 1), today=JUNE_2)
    run_month(MAY, today=JUNE_2)
    run_month(date(2026, 6, 1), today=date(2026, 7, 1))
    products = {m: sum(l.quantity for l in _invoice(751, m).lines if l.kind == "product")
                for m in (date(2026, 4, 1), MAY, date(2026, 6, 1))}
    assert products == {date(2026, 4, 1): 5, MAY: 6, date(2026, 6, 1): 7}


def test_running_the_month_again_changes_nothing(month):
    first = run_month(MAY, today=JUNE_2)
    before = db.session.execute(select(Invoice.number, Invoice.total_oere, Invoice.created_at).order_by(Invoice.number)).all()
    documents = db.session.scalar(select(func.count(InvoiceDocument.id)))
    again = run_month(MAY, today=date(2026, 6, 20))
    assert [r.status for r in again.results] == ["already", "already"]
    assert [r.number for r in again.results] == [r.number for r in first.results]
    after = db.session.execute(select(Invoice.number, Invoice.total_oere, Invoice.created_at).order_by(Invoice.number)).all()
    assert after == before
    assert db.session.scalar(select(func.count(InvoiceDocument.id))) == documents == 6


def test_numbers_follow_each_other_without_gaps(month):
    run_month(date(2026, 4, 1), today=JUNE_2)
    run_month(MAY, today=JUNE_2)
    numbers = list(db.session.scalars(select(Invoice.number).order_by(Invoice.number)))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == 4


def test_a_failure_half_way_saves_nothing_of_that_municipality_and_leaves_no_gap(month, monkeypatch):
    real = run_module.render_pdf
    calls = {"n": 0}

    def failing(invoice, *args, **kwargs):
        calls["n"] += 1
        if invoice.buyer_name.startswith("Aarhus"):
            raise RuntimeError("disk full")
        return real(invoice, *args, **kwargs)

    monkeypatch.setattr(run_module, "render_pdf", failing)
    with pytest.raises(RuntimeError):
        run_month(MAY, today=JUNE_2)
    saved = db.session.execute(select(Invoice.number, Invoice.buyer_name)).all()
    assert saved == [(1, "Odense Kommune")]  # Odense committed; Aarhus: no invoice, no lines, no number used
    assert db.session.scalar(select(func.count(InvoiceDocument.id))) == 3
    monkeypatch.setattr(run_module, "render_pdf", real)
    result = run_month(MAY, today=JUNE_2)
    assert [(r.code, r.status, r.number) for r in result.results] == [(461, "already", 1), (751, "issued", 2)]


def test_a_municipality_without_ean_stops_alone(month):
    odense = factories.municipality(461)
    odense.ean_gln = "5798004610000"  # wrong check digit
    db.session.commit()
    result = run_month(MAY, today=JUNE_2)
    by_code = {r.code: r for r in result.results}
    assert by_code[461].status == "error" and "EAN" in by_code[461].message
    assert by_code[751].status == "issued" and by_code[751].number == 1
    odense.ean_gln = "5798004610000"[:12] + ean.calc_check_digit("579800461000")
    db.session.commit()
    assert [r.status for r in run_month(MAY, today=JUNE_2).results] == ["issued", "already"]


def test_a_month_not_over_is_refused(month):
    with pytest.raises(InvoicingError, match="ikke slut"):
        run_month(date(2026, 6, 1), today=date(2026, 6, 30))
    with pytest.raises(InvoicingError, match="ikke slut"):
        run_month(date(2027, 1, 1), today=JUNE_2)
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_a_fee_gap_stops_the_run(world, shop):
    delivered(world["citizen"], [(shop.bag_a, 1, 45000, None)], at=utc(2026, 5, 4, 10))
    with pytest.raises(InvoicingError, match="gebyrperiode"):
        run_month(MAY, today=JUNE_2)


def test_a_month_with_nothing_gives_no_invoice(world, fees):
    result = run_month(MAY, today=JUNE_2)
    assert result.results == [] and db.session.scalar(select(func.count(Invoice.id))) == 0


def test_credit_note_then_a_corrected_invoice(month, shop):
    run_month(MAY, today=JUNE_2)
    original = _invoice(751)
    # A delivery that was registered late belongs to May: credit and run again.
    delivered(month["o1"].citizen, [(shop.bag_b, 2, 47000, None)], at=utc(2026, 5, 20, 9))
    note = credit_invoice(original.number, reason="Levering registreret for sent", today=date(2026, 6, 10))
    db.session.commit()
    assert note.number == 3 and note.is_credit_note and note.credits_invoice_id == original.id
    assert (note.net_oere, note.vat_oere, note.total_oere) == (original.net_oere, original.vat_oere, original.total_oere)
    assert [(l.kind, l.net_oere) for l in note.lines] == [(l.kind, l.net_oere) for l in original.lines]
    assert original.current_key is None
    result = run_month(MAY, today=date(2026, 6, 10))
    assert [(r.code, r.status, r.number) for r in result.results] == [(461, "already", 1), (751, "issued", 4)]
    corrected = _invoice(751)
    # + 94000 products, 1 line 850, 1 delivery 5900, admin 4700
    assert corrected.net_oere == original.net_oere + 94000 + 850 + 5900 + 4700
    with pytest.raises(InvoicingError, match="allerede krediteret"):
        credit_invoice(original.number, reason="igen")
    with pytest.raises(InvoicingError, match="kreditnota"):
        credit_invoice(note.number, reason="igen")
    with pytest.raises(InvoicingError, match="Skriv hvorfor"):
        credit_invoice(corrected.number, reason=" ")


def test_documents_are_stored_with_each_invoice(month):
    run_month(MAY, today=JUNE_2)
    invoice = _invoice(751)
    kinds = {d.kind: d for d in invoice.documents}
    assert set(kinds) == {"pdf", "xml", "csv"}
    assert kinds["pdf"].content.startswith(b"%PDF")
    assert kinds["pdf"].filename == f"faktura-{invoice.number}-751-2026-05.pdf"


def test_bench_times_the_run_without_tracemalloc_and_measures_memory_on_a_fresh_month(app, month):
    """`stomi bench`: the timed run invoices the month before last; each memory run takes an uninvoiced older month."""
    from datetime import datetime, timezone

    import time_machine

    from devtools.bench import runner
    from devtools.bench.invoicing_measures import measure_invoice_memory, measure_invoice_run

    assert runner.HISTORY_MEASURES["invoice_memory"] is measure_invoice_memory
    assert measure_invoice_run in runner.RUN_MEASURES
    with time_machine.travel(datetime(2026, 7, 5, 10, tzinfo=timezone.utc), tick=False):
        figures = measure_invoice_run(app, "unused", repeats=2)
        memory = measure_invoice_memory(app)
    run = figures["invoice_run"]
    assert [r["month"] for r in run["runs"]] == ["2026-05", "2026-04"]  # the month before last, then the one before
    assert all(r["invoices"] == 2 and r["pdf_pages"] == 2 and r["pages_per_second"] > 0 for r in run["runs"])
    for r in run["runs"]:
        assert r["ratio"] == round(r["pages_per_second"] / r["reportlab_raw_pages_per_second"], 3)
    assert figures["invoice_vs_reportlab_ratio"] == run["ratio"] and run["ratio_min"] <= run["ratio"] <= run["ratio_max"]
    assert memory["month"] == "2026-03" and memory["peak_mb"] > 0  # the newest month not invoiced yet
