"""Search and pick a product inside the order and product-change steps, for the citizen and the agent (issue 19
item 9): by name, category and size, with a picture placeholder, without looking the article number up elsewhere."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from stomi_app.extensions import db
from ordering.models import Order
from care.models import ProductChangeRequest
from ordering.models import Order
from care.models import ProductChangeRequest
from tests.fixtures.grants import grant_for, line


def _login(auth):
    assert auth.citizen("150348-1234").status_code == 302


def _picks(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="pick" value="([^"]+)"', html)


@pytest.fixture
def granted(officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    db.session.commit()
    return citizen


def test_no_search_no_results(auth, client, granted):
    _login(auth)
    html = client.get("/borger/bestil").get_data(as_text=True)
    assert 'data-testid="product-picker"' in html and 'data-testid="picker-count"' not in html
    # The search's own form; its fields sit in the main form by their form attribute.
    assert '<form id="product-search" method="get"' in html and 'form="product-search"' in html


def test_search_by_name_lists_each_size_with_a_pick_button_and_a_picture_placeholder(auth, client, granted):
    _login(auth)
    html = client.get("/borger/bestil?find-q=calma").get_data(as_text=True)
    assert sorted(_picks(html)) == ["NL-100", "NL-101"]  # not the discontinued NL-099
    assert "Endnu intet billede af produktet" in html or "placeholder.svg" in html
    assert "1 produkt fundet." in html


@pytest.mark.parametrize("size,found", [("30", ["FC-200"]), ("15", ["FC-200"]), ("55", ["FC-200"]), ("60", []), ("14", [])])
def test_search_by_category_and_size_at_the_cutting_range_boundaries(auth, client, granted, shop, size, found):
    _login(auth)
    html = client.get(f"/borger/bestil?find-category={shop.plates.id}&find-size={size}").get_data(as_text=True)
    assert _picks(html) == found


@pytest.mark.parametrize("bad", ["abc", "3,5", "-4", "999", "1" * 6])
def test_a_bad_size_is_told_next_to_the_field_never_a_500(auth, client, granted, bad):
    _login(auth)
    response = client.get(f"/borger/bestil?find-size={bad}&find-category=x&find-q=" + "x" * 300)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="find-size-error"' in html and 'href="#find-size"' in html  # and in the summary at the top


def test_picking_adds_one_pack_and_keeps_what_was_typed(auth, client, granted, shop):
    _login(auth)
    response = client.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "3", "article_number": "", "pick": "NL-101"})
    assert response.status_code == 302
    draft = db.session.scalar(select(Order))
    assert {l.article_number: l.quantity for l in draft.lines} == {"NL-100": 3, "NL-101": 1}


def test_picking_an_unknown_article_is_refused_with_a_message(auth, client, granted):
    _login(auth)
    response = client.post("/borger/bestil", data={"pick": "NOPE-1"})
    assert response.status_code == 422 and "NOPE-1" in response.get_data(as_text=True)


def test_product_change_pick_fills_the_field_and_sends_nothing(auth, client, granted, shop):
    _login(auth)
    html = client.get("/borger/produktskift?find-q=NL-101").get_data(as_text=True)
    assert _picks(html) == ["NL-101"]
    response = client.post("/borger/produktskift", data={"current": "", "reason": "", "pick": "NL-101"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="error-summary"' not in html
    assert re.search(r'id="wanted"[^>]*value="NL-101"', html) and 'data-testid="chosen"' in html
    assert db.session.scalar(select(func.count(ProductChangeRequest.id))) == 0
    sent = client.post("/borger/produktskift", data={"current": "", "wanted": "NL-101", "reason": "Lækager"})
    assert sent.status_code == 302 and db.session.scalar(select(func.count(ProductChangeRequest.id))) == 1


def test_the_agent_searches_and_picks_for_the_caller(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    base = f"/callcenter/borger/{consenting.id}"
    assert sorted(_picks(agent_client.get(f"{base}/bestil?find-q=calma").get_data(as_text=True))) == ["NL-100", "NL-101"]
    assert agent_client.post(f"{base}/bestil", data={"pick": "FC-200"}).status_code in (302, 422)
    html = agent_client.get(f"{base}/produktskift?find-category={shop.bags.id}").get_data(as_text=True)
    assert sorted(_picks(html)) == ["NL-100", "NL-101"]
    chosen = agent_client.post(f"{base}/produktskift", data={"pick": "NL-101"}).get_data(as_text=True)
    assert re.search(r'id="wanted"[^>]*value="NL-101"', chosen)
