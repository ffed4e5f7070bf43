"""Fixtures for statistics: a municipal manager in Aarhus."""
from __future__ import annotations

import pytest

from stomi_app.extensions import db
from stomi_app.models import Role
from tests import factories


@pytest.fixture
def manager(world):
    user = factories.user(Role.MUNICIPAL_MANAGER, "leder.aarhus@test.dk", municipality_code=751)
    db.session.commit()
    return user
