"""Fixtures for the municipal API: an Aarhus and an Odense client with every scope, and a caller with Aarhus' token."""
from __future__ import annotations

import pytest

from stomi_app.extensions import db
from stomi_app.models import API_SCOPES, Role
from stomi_app.oauth import create_client
from tests import factories
from tests.fixtures.api import Caller, get_token


@pytest.fixture
def admin(world):
    return world[Role.FSC_ADMIN]


@pytest.fixture
def aarhus_client(app, world, admin):
    client, secret = create_client(admin, factories.municipality(751), "Aarhus Nexus", list(API_SCOPES))
    db.session.commit()
    return client, secret


@pytest.fixture
def odense_client(app, world, admin):
    client, secret = create_client(admin, factories.municipality(461), "Odense Cura", list(API_SCOPES))
    db.session.commit()
    return client, secret


@pytest.fixture
def api(app, aarhus_client):
    http = app.test_client()
    return Caller(http, get_token(http, aarhus_client[0].client_id, aarhus_client[1]))
