"""Fixtures for the municipal API: an Aarhus client with every scope, its token, and a helper that calls with it."""
from __future__ import annotations

import base64
import itertools

import pytest

from stomi_app.extensions import db
from stomi_app.models import API_SCOPES, Role
from stomi_app.oauth import create_client
from tests import factories
from tests.ordering.conftest import citizen, officer, shop  # noqa: F401  (fixtures)

_keys = itertools.count(1)


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def get_token(http, client_id: str, secret: str, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = http.post("/api/v1/oauth/token", data=data, headers=basic(client_id, secret))
    assert response.status_code == 200, response.json
    return response.json["access_token"]


class Caller:
    """Calls the API as one client with one token; every write gets a fresh Idempotency-Key unless one is given."""

    def __init__(self, http, token: str):
        self.http, self.token = http, token

    def headers(self, key: str | None = None, **extra) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key or f"key-{next(_keys)}", **extra}

    def post(self, path, body=None, key=None, **kwargs):
        return self.http.post(path, json=body, headers=self.headers(key), **kwargs)

    def put(self, path, body=None, key=None):
        return self.http.put(path, json=body, headers=self.headers(key))

    def get(self, path, **kwargs):
        return self.http.get(path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)


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
