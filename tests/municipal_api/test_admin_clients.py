"""The FSC administrator's API client page: create (secret shown once), rotate, revoke; messages at the field."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from stomi_app.extensions import db
from stomi_app.models import ApiClient, AuditEvent
from tests.fixtures.api import basic


def login(client, email):
    from stomi_app.models import User

    db.session.scalar(select(User).where(User.email == email)).language = "en"  # the messages below are English
    db.session.commit()
    assert client.post("/login", data={"email": email, "password": "correct horse battery"}).status_code == 302


def municipality_id(code):
    from tests import factories

    return factories.municipality(code).id


def test_create_shows_the_secret_once_and_it_works(app, client, world):
    login(client, "admin@test.dk")
    page = client.get("/admin/api-klienter")
    assert page.status_code == 200 and "No API clients yet" in page.get_data(as_text=True)
    created = client.post("/admin/api-klienter", data={"municipality_id": municipality_id(751), "name": "KMD Nexus",
                                                       "scopes": ["grants:write", "consumption:read"]})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    stored = db.session.scalar(select(ApiClient))
    assert stored.client_id == client_id and stored.scopes == ["grants:write", "consumption:read"]
    assert secret not in stored.secret_hash
    assert secret not in client.get("/admin/api-klienter").get_data(as_text=True)  # never shown again
    token = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret))
    assert token.status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "API client created (FSC)"))


def test_refusals_are_shown_at_their_fields_and_nothing_is_made(client, world):
    login(client, "admin@test.dk")
    cases = [
        ({"name": "X", "scopes": ["grants:write"]}, "Choose a municipality from the list."),
        ({"municipality_id": "999999", "name": "X", "scopes": ["grants:write"]}, "Choose a municipality from the list."),
        ({"municipality_id": "x' OR 1=1", "name": "X", "scopes": ["grants:write"]}, "Choose a municipality from the list."),
        ({"municipality_id": municipality_id(751), "name": "  ", "scopes": ["grants:write"]}, "Enter a name for the client"),
        ({"municipality_id": municipality_id(751), "name": "X" * 201, "scopes": ["grants:write"]}, "At most 200 characters."),
        ({"municipality_id": municipality_id(751), "name": "X"}, "Choose at least one permission from the list."),
        ({"municipality_id": municipality_id(751), "name": "X", "scopes": ["admin"]}, "Choose at least one permission"),
    ]
    for data, message in cases:
        response = client.post("/admin/api-klienter", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert re.search(r'form-error-message" id="[a-z_]+-error"><span class="sr-only">Error:</span> ' + re.escape(message), html), data
    assert db.session.scalar(select(func.count(ApiClient.id))) == 0


def test_rotate_and_revoke(app, client, world):
    login(client, "admin@test.dk")
    html = client.post("/admin/api-klienter", data={"municipality_id": municipality_id(751), "name": "Cura",
                                                    "scopes": ["orders:read"]}).get_data(as_text=True)
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    old = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    stored = db.session.scalar(select(ApiClient))
    rotated = client.post(f"/admin/api-klienter/{stored.id}/ny-hemmelighed").get_data(as_text=True)
    new = re.search(r'data-testid="client-secret">([^<]+)<', rotated).group(1)
    assert new != old
    http = app.test_client()
    assert http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, old)).status_code == 401
    assert http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, new)).status_code == 200
    assert client.post(f"/admin/api-klienter/{stored.id}/tilbagekald").status_code == 302
    assert http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, new)).status_code == 401
    again = client.post(f"/admin/api-klienter/{stored.id}/ny-hemmelighed", follow_redirects=True)
    assert "A revoked client cannot get a new secret." in again.get_data(as_text=True)
    assert client.post("/admin/api-klienter/999999/tilbagekald").status_code == 404
    purposes = set(db.session.scalars(select(AuditEvent.purpose)))
    assert {"API client secret rotated (FSC)", "API client revoked (FSC)"} <= purposes
