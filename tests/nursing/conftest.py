"""Fixtures for the nurse console: nurses at a municipality and at two hospitals, orders waiting for approval."""
from __future__ import annotations

from datetime import date

import pytest

from ordering import services as ordering
from stomi_app.extensions import db
from stomi_app.models import Role
from tests import factories
from tests.ordering.conftest import citizen, measured, officer, shop  # noqa: F401
from tests.ordering.conftest import grant_for, line

TODAY = date(2026, 3, 10)


@pytest.fixture
def nurse(world):
    """The municipal nurse of Aarhus (region Midtjylland)."""
    return world[Role.NURSE]


@pytest.fixture
def nurse_auh(world):
    n = factories.user(Role.NURSE, "nurse.auh@test.dk", region_code=1082, workplace="Aarhus Universitetshospital")
    db.session.commit()
    return n


@pytest.fixture
def nurse_ouh(world):
    n = factories.user(Role.NURSE, "nurse.ouh@test.dk", region_code=1083, workplace="Odense Universitetshospital")
    db.session.commit()
    return n


@pytest.fixture
def nurse_aarhus2(world):
    n = factories.user(Role.NURSE, "nurse2.aarhus@test.dk", municipality_code=751)
    db.session.commit()
    return n


def waiting_order(citizen, shop, officer, quantity=5, variant=None):
    """An order beyond the grant (2 bags a month granted), so it waits for a nurse."""
    if not ordering.consumption(citizen.id, TODAY) and officer is not None:
        grant_for(officer, citizen, line(2, variant=shop.bag_a))
    order = ordering.new_draft(citizen)
    ordering.set_draft_lines(order, {(variant or shop.bag_a).id: quantity}, on=TODAY)
    ordering.submit(order, on=TODAY)
    db.session.commit()
    assert order.status is ordering.OrderStatus.AWAITING_APPROVAL
    return order


@pytest.fixture
def awaiting(measured, shop, officer):
    return waiting_order(measured, shop, officer)
