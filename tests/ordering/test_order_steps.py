"""One order-step flow for the citizen and for the agent on her behalf: what one of the two old copies did right, both do."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from ordering import services as ordering
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from stomi_app.models import Role
from tests.fixtures.grants import grant_for, line


@dataclass
class Orderer:
    """Who goes through the steps: a signed-in client, the steps' address, and whose drafts it sends."""

    client: object
    base: str
    placed_by: object

    def draft(self):
        return ordering.find_draft(self.citizen, placed_by=self.placed_by)


@pytest.fixture(params=["citizen", "agent"])
def orderer(request, auth, world, citizen, shop, officer):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    if request.param == "citizen":
        assert auth.citizen("150348-1234").status_code == 302
        found = Orderer(auth.client, "/borger/bestil", None)
    else:
        assert auth.staff("agent@test.dk").status_code == 302
        found = Orderer(auth.client, f"/callcenter/borger/{citizen.id}/bestil", world[Role.CALLCENTER])
    found.citizen = citizen
    return found


def test_a_typed_article_number_is_cleaned_of_control_characters_and_spaces(orderer, shop):
    answer = orderer.client.post(orderer.base, data={"article_number": " NL-10\x001 "})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    page = orderer.client.get(orderer.base).get_data(as_text=True)
    assert re.search(rf'name="qty-{shop.bag_b.id}" value="1"', page)


def test_a_picked_product_counts_when_the_article_number_field_holds_only_spaces(orderer, shop):
    assert orderer.client.post(orderer.base, data={"article_number": "   ", "pick": "NL-101"}).status_code == 302
    assert [(l.variant_id, l.quantity) for l in orderer.draft().lines] == [(shop.bag_b.id, 1)]


def test_a_send_with_a_control_character_in_its_key_is_404(orderer, shop):
    assert orderer.client.post(orderer.base, data={f"qty-{shop.bag_a.id}": "1"}).status_code == 302
    assert orderer.client.post(f"{orderer.base}/send", data={"idempotency_key": "k\x00"}).status_code == 404
    assert orderer.draft().status is OrderStatus.DRAFT


def test_a_draft_somebody_else_placed_is_not_theirs_to_send(orderer, world, citizen, shop):
    other = ordering.new_draft(citizen, placed_by=None if orderer.placed_by else world[Role.CALLCENTER])
    ordering.set_draft_lines(other, {shop.bag_a.id: 1})
    db.session.commit()
    assert orderer.client.post(f"{orderer.base}/send", data={"idempotency_key": other.idempotency_key}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, other.id).status is OrderStatus.DRAFT
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status != OrderStatus.DRAFT)) == 0
