"""Fixtures for the grant officer's portal: Odense's citizen and a logged-in Aarhus officer."""
from __future__ import annotations

import pytest

from tests.fixtures.people import OFFICER_AARHUS


@pytest.fixture
def foreign(world):
    """Jens Mikkelsen lives in Odense: an Aarhus officer must not see him."""
    return world["citizen_odense"]


@pytest.fixture
def logged_in(auth, world):
    response = auth.staff(OFFICER_AARHUS)
    assert response.status_code == 302
    return auth.client
