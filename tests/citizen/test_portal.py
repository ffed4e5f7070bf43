"""The citizen's journey over HTTP: start page, ordering in steps, double submit, foreign ids, bad input."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from ordering.models import Order, OrderStatus
from tests.fixtures.grants import grant_for, line


def _login(auth, citizen):
    assert auth.citizen("150348-1234").status_code == 302


def _order(client, quantities, *, express=False):
    response = client.post("/borger/bestil", data={f"qty-{v.id}": q for v, q in quantities.items()})
    assert response.status_code == 302, response.get_data(as_text=True)
    data = {"address_choice": "home", "speed": "express" if express else "normal"}
    assert client.post("/borger/bestil/levering", data=data).status_code == 302
    check = client.get("/borger/bestil/tjek")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', check.get_data(as_text=True)).group(1)
    return check, key


def test_start_page_shows_products_remaining_and_address(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    html = client.get("/borger/").get_data(as_text=True)
    assert "Calma lukket pose" in html and "Testvej 1" in html
    assert re.search(r"<strong>4</strong>", html)


def test_order_within_grant_is_accepted_and_a_double_send_makes_one_order(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    check, key = _order(client, {shop.bag_a: 2})
    assert "Inden for din bevilling" in check.get_data(as_text=True)
    first = client.post("/borger/bestil/send", data={"idempotency_key": key})
    second = client.post("/borger/bestil/send", data={"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    order = db.session.scalar(select(Order))
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert order.status is OrderStatus.ACCEPTED
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert order.number in page and "Godkendt" in page


def test_order_beyond_grant_shows_why_before_sending(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    check, key = _order(client, {shop.bag_a: 3, shop.bag_b: 1})
    html = check.get_data(as_text=True)
    assert "Mere end der er tilbage af din bevilling" in html
    assert "Produktet er ikke i din bevilling" in html
    sent = client.post("/borger/bestil/send", data={"idempotency_key": key})
    detail = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Afventer godkendelse" in detail and "approval-reasons" in detail


def test_bad_quantity_is_shown_next_to_the_field_and_nothing_saved(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    response = client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "-3"})
    assert response.status_code == 422
    assert f'id="qty-{shop.bag_a.id}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_unknown_article_number_is_refused(auth, client, citizen, shop):
    _login(auth, citizen)
    response = client.post("/borger/bestil", data={"article_number": "NOPE-1"})
    assert response.status_code == 422 and 'id="article_number-error"' in response.get_data(as_text=True)


def test_add_from_catalogue_by_article_number(auth, client, citizen, shop):
    _login(auth, citizen)
    assert client.post("/borger/bestil", data={"article_number": "NL-101"}).status_code == 302
    html = client.get("/borger/bestil").get_data(as_text=True)
    assert "NL-101" in html and "Andre produkter" in html


def test_another_citizens_order_is_404(auth, client, world, officer, citizen, shop):
    from ordering.services import new_draft, set_draft_lines, submit

    other = world["citizen_odense"]
    order = new_draft(other)
    set_draft_lines(order, {shop.bag_a.id: 1})
    submit(order)
    db.session.commit()
    _login(auth, citizen)
    for url in (f"/borger/ordrer/{order.id}", f"/borger/ordrer/{order.id}/problem"):
        assert client.get(url).status_code == 404
    for url in (f"/borger/ordrer/{order.id}/annuller", f"/borger/ordrer/{order.id}/bestil-igen"):
        assert client.post(url).status_code == 404
    assert client.post("/borger/bestil/send", data={"idempotency_key": order.idempotency_key}).status_code == 404
    assert order.status is OrderStatus.AWAITING_APPROVAL


def test_reorder_in_one_step_and_cancel(auth, client, officer, citizen, shop):
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _, key = _order(client, {shop.bag_a: 1})
    client.post("/borger/bestil/send", data={"idempotency_key": key})
    order = db.session.scalar(select(Order))
    assert client.post(f"/borger/ordrer/{order.id}/annuller").status_code == 302
    db.session.refresh(order)
    assert order.status is OrderStatus.CANCELLED
    again = client.post(f"/borger/ordrer/{order.id}/bestil-igen")
    assert again.headers["Location"] == "/borger/bestil/tjek"
    assert "NL-100" in client.get("/borger/bestil/tjek").get_data(as_text=True)


def test_delivery_step_errors_next_to_fields(auth, client, citizen, shop):
    _login(auth, citizen)
    client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    response = client.post("/borger/bestil/levering", data={"address_choice": "temporary", "postcode": "12x", "speed": "normal"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name in ("address", "postcode", "city", "temporary_from", "temporary_to"):
        assert f'id="{name}-error"' in html, name


def test_measure_form_refuses_decimals_and_saves_whole_mm(auth, client, citizen, shop):
    _login(auth, citizen)
    bad = client.post("/borger/maal", data={"shape": "round", "diameter_mm": "32,5"})
    assert bad.status_code == 422 and 'id="diameter_mm-error"' in bad.get_data(as_text=True)
    ok = client.post("/borger/maal", data={"shape": "oval", "width_mm": "30", "height_mm": "40"})
    assert ok.status_code == 302
    assert "30 × 40 mm" in client.get("/borger/").get_data(as_text=True)


def test_measure_form_shows_both_oval_errors_at_once(auth, client, citizen, shop):
    """The citizen's form goes through the same measure parser as the nurse's: every wrong field says so at once."""
    _login(auth, citizen)
    bad = client.post("/borger/maal", data={"shape": "oval", "width_mm": "4", "height_mm": "abc"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="width_mm-error"' in html and 'id="height_mm-error"' in html


def test_problem_only_on_delivered_orders(auth, client, officer, citizen, shop):
    from ordering.services import set_status

    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _login(auth, citizen)
    _, key = _order(client, {shop.bag_a: 1})
    client.post("/borger/bestil/send", data={"idempotency_key": key})
    order = db.session.scalar(select(Order))
    assert client.get(f"/borger/ordrer/{order.id}/problem").status_code == 302
    for status in (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        set_status(order, status)
    db.session.commit()
    empty = client.post(f"/borger/ordrer/{order.id}/problem", data={"kind": "missing", "description": ""})
    assert empty.status_code == 422
    ok = client.post(f"/borger/ordrer/{order.id}/problem", data={"kind": "missing", "description": "Mangler en æske"})
    assert ok.status_code == 302
