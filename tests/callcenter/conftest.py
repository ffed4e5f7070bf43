"""Fixtures for the callcenter: an agent logged in, a citizen with consent, orders walked to delivery."""
from __future__ import annotations

import re

import pytest

from ordering import services as ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from stomi_app.models import Role
from tests.ordering.conftest import citizen, measured, officer, shop  # noqa: F401

S = OrderStatus
DELIVERY_PATH = [S.ACCEPTED, S.SENT_TO_WAREHOUSE, S.PICKED, S.PACKED, S.SHIPPED, S.DELIVERED]


@pytest.fixture
def agent(world):
    return world[Role.CALLCENTER]


@pytest.fixture
def consenting(citizen):
    citizen.consent_given_at = utcnow()
    citizen.consent_text_version = "2026-1"
    db.session.commit()
    return citizen


@pytest.fixture
def agent_client(auth, client, world):
    assert auth.staff("agent@test.dk").status_code == 302
    return client


def deliver(order: Order, tracking: str = "PKG-1") -> Order:
    """Walk an accepted order along the warehouse's steps to delivered (from wherever it already is)."""
    for target in DELIVERY_PATH[DELIVERY_PATH.index(order.status) + 1:]:
        if target is S.SHIPPED:
            order.tracking_reference = tracking
        ordering.set_status(order, target)
    db.session.commit()
    return order


def web_order(citizen, quantities: dict) -> Order:
    """An order the citizen sent on the web (submitted through the same service)."""
    draft = ordering.new_draft(citizen)
    ordering.set_draft_lines(draft, {v.id: q for v, q in quantities.items()})
    ordering.submit(draft)
    db.session.commit()
    return draft


def idempotency_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
