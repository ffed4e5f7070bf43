"""The pick list and cutting list PDF: grouped by variant and measure, totals equal to the instructions."""
from __future__ import annotations

import re
from datetime import date

import time_machine

from sqlalchemy import select

from fulfilment.models import InstructionLine, WarehouseInstruction
from fulfilment.picklist import picklist_for, render_pdf
from stomi_app.cli import main
from stomi_app.extensions import db
from citizens.clinical import CutShape
from ordering.services import record_measure
from citizens.clinical import CutShape
from ordering.services import record_measure
from tests.fixtures.app import Auth
from tests.factories import PASSWORD
from tests.fixtures.fulfilment import bulk_accepted
from tests.fixtures.orders import at, place


def pdf_texts(pdf: bytes) -> list[str]:
    """The text strings of an uncompressed reportlab PDF, in drawing order."""
    return [t.decode("latin-1") for t in re.findall(rb"\((.*?)\) Tj", pdf)]


def other_citizen(officer, shop, name, **measure):
    from tests import factories
    from tests.fixtures.grants import grant_for, line

    other = factories.citizen(name=name)
    record_measure(other, **measure)
    grant_for(officer, other, line(20, variant=shop.plate), line(20, variant=shop.bag_b), valid_from=date(2025, 1, 1))
    return other


def day_of_orders(citizen, shop, officer):
    """Three orders on 2 March (Ø 32 mm twice, an oval once, and bags) and one just after midnight."""
    round_ = other_citizen(officer, shop, "Anden Borger", shape=CutShape.ROUND, diameter_mm=32)
    oval = other_citizen(officer, shop, "Tredje Borger", shape=CutShape.OVAL, width_mm=40, height_mm=30)
    place(citizen, {shop.plate: 2, shop.bag_a: 1}, at(2026, 3, 2, 0))  # midnight Copenhagen is 2 March
    place(round_, {shop.plate: 1}, at(2026, 3, 2, 10))
    place(oval, {shop.plate: 3, shop.bag_b: 2}, at(2026, 3, 2, 23))  # 23:00 Copenhagen (22:00 UTC) is still 2 March
    with time_machine.travel(at(2026, 3, 3, 0), tick=False):
        bulk_accepted(citizen, shop.bag_a, 1)  # the next day: not on this list


def test_groups_and_totals_match_the_instructions(granted, shop, officer):
    day_of_orders(granted, shop, officer)
    data = picklist_for(date(2026, 3, 2))
    assert len(data.instructions) == 3
    lines = [line for i in data.instructions for line in i.lines]
    assert data.total_packs == sum(line.quantity for line in lines) == 9
    assert data.total_plates == sum(line.plates_to_cut or 0 for line in lines) == 60
    assert [(r.article_number, r.packs, r.pieces, r.orders) for r in data.picks] == [
        ("FC-200", 6, 60, 3), ("NL-100", 1, 30, 1), ("NL-101", 2, 60, 1)]
    assert [(r.measure, r.plates, r.orders) for r in data.cuts] == [("40 × 30 mm", 30, 1), ("Ø 32 mm", 30, 2)]
    assert len(db.session.scalars(select(InstructionLine)).all()) == 6  # the next day's is made, not listed

    pdf = render_pdf(data, compress=False)
    assert pdf.startswith(b"%PDF-")
    texts = pdf_texts(pdf)
    assert {"FC-200", "NL-100", "NL-101", "5701234000037"} <= set(texts)
    totals = [i for i, t in enumerate(texts) if t in ("I alt", "Total")]
    assert len(totals) == 3  # pick list, cutting list, orders
    assert texts[totals[0] + 1: totals[0] + 4] == ["3", "9", "150"]  # instructions, packs, pieces
    assert texts[totals[1] + 1: totals[1] + 3] == ["6", "60"]  # packs, plates to cut
    assert render_pdf(data).startswith(b"%PDF-")  # compressed, as served


def test_empty_day_renders(ctx):
    data = picklist_for(date(2026, 1, 1))
    assert data.total_packs == 0 and render_pdf(data).startswith(b"%PDF-")


def test_cli_writes_the_pdf(app, granted, shop, tmp_path):
    place(granted, {shop.plate: 2}, at(2026, 3, 2))
    out = tmp_path / "pl.pdf"
    result = app.test_cli_runner().invoke(main, ["fulfilment", "picklist", "--date", "2026-03-02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 instructions, 2 packs, 20 plates to cut" in result.output
    assert out.read_bytes().startswith(b"%PDF-")
    bad = app.test_cli_runner().invoke(main, ["fulfilment", "picklist", "--date", "2.3.2026"])
    assert bad.exit_code != 0


def test_warehouse_page_lists_instructions_and_links_the_pdf(app, client, granted, shop, world):
    order = place(granted, {shop.plate: 2}, at(2026, 3, 2))
    auth = Auth(client)
    auth.staff("warehouse@test.dk", PASSWORD)
    page = client.get("/lager/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert order.number in html and 'data-testid="pending-instructions"' in html
    assert "/lager/plukliste.pdf" in html
    pdf = client.get("/lager/plukliste.pdf?date=2026-03-02")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert client.get("/lager/plukliste.pdf?date=yesterday").status_code == 400
    auth.logout()
    auth.staff("agent@test.dk", PASSWORD)
    assert client.get("/lager/plukliste.pdf?date=2026-03-02").status_code == 403


def test_the_pick_list_names_each_size_and_numbers_its_pages(granted, shop, officer):
    """Issue 24, staff expect: sizes on the pick list (two variants of one product apart) and "Side N af M"."""
    day_of_orders(granted, shop, officer)
    texts = pdf_texts(render_pdf(picklist_for(date(2026, 3, 2)), compress=False))
    joined = " ".join(texts)
    assert "Hudvenlig basisplade, 15\\22655 mm" in joined  # the dash as the PDF's text stream holds it
    assert "Side 1 af 1" in joined


def test_a_packing_slip_per_order_with_sizes_cuts_and_no_prices_audited(client, granted, shop):
    from fulfilment.picklist import render_packing_slip
    from stomi_app.models import AuditEvent

    order = place(granted, {shop.plate: 2, shop.bag_a: 1}, at(2026, 3, 2))
    instruction = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
    texts = " ".join(pdf_texts(render_packing_slip(instruction, compress=False)))
    assert order.number in texts
    assert "FC-200" in texts and "NL-100" in texts and "32 mm" in texts  # cut to her measure
    assert "kr." not in texts  # no prices in the parcel
    auth = Auth(client)
    auth.staff("warehouse@test.dk", PASSWORD)
    response = client.get(f"/lager/pakkeseddel/{instruction.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "warehouse: packing slip"))
    assert event.citizen_id == granted.id and order.number in event.detail
    assert client.get("/lager/pakkeseddel/999999.pdf").status_code == 404
