"""Fixtures for notices: the citizen with an e-mail address."""
from __future__ import annotations

import pytest

from stomi_app.extensions import db


@pytest.fixture
def emailed(citizen):
    citizen.email = "birthe@example.dk"
    db.session.commit()
    return citizen
