"""Fixtures for statistics: a municipal manager in Aarhus."""
from __future__ import annotations

import pytest

from stomi_app.extensions import db
from grants.services import GrantLineInput, create_grant
from grants.models import GrantPeriod
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from stomi_app.models import Role
from tests import factories


@pytest.fixture
def manager(world):
    user = factories.user(Role.MUNICIPAL_MANAGER, "leder.aarhus@test.dk", municipality_code=751)
    db.session.commit()
    return user
