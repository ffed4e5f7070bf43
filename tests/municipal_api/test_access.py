"""Access to the municipal API: tokens by client credentials, expiry, scopes, rotation, revocation, rate limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
import pytest
from sqlalchemy import select

from stomi_app.extensions import db
from stomi_app.models import ApiClient, ApiToken, AuditEvent, Role, User
from stomi_app.oauth import create_client, revoke_client, rotate_secret, token_hash
from tests import factories
from tests.fixtures.app import make_app
from tests.fixtures.api import basic, Caller, get_token
from tests.municipal_api.test_grants_api import body, grants, is_problem


def test_token_by_basic_auth_or_form_and_stored_hashed_only(app, aarhus_client):
    client, secret = aarhus_client
    http = app.test_client()
    response = http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client.client_id, secret))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = response.json
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert set(token["scope"].split()) == {"grants:write", "consumption:read", "orders:read", "invoices:read"}
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == token_hash(token["access_token"]) and token["access_token"] not in stored.token_hash
    assert secret not in db.session.get(ApiClient, client.id).secret_hash
    posted = http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": client.client_id,
                                                     "client_secret": secret, "scope": "consumption:read"})
    assert posted.status_code == 200 and posted.json["scope"] == "consumption:read"


def test_token_refusals_follow_rfc_6749(app, aarhus_client):
    client, secret = aarhus_client
    http = app.test_client()
    cases = [
        ({"grant_type": "client_credentials"}, basic(client.client_id, "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, basic("kommune-751-unknown", secret), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
        ({"grant_type": "password", "username": "a", "password": "b"}, basic(client.client_id, secret), 400,
         "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "admin"}, basic(client.client_id, secret), 400, "invalid_scope"),
    ]
    for data, headers, status, code in cases:
        response = http.post("/api/v1/oauth/token", data=data, headers=headers)
        assert (response.status_code, response.json["error"]) == (status, code), (data, response.json)
    assert db.session.scalar(select(ApiToken)) is None


def test_no_token_a_wrong_one_or_an_expired_one_is_401(app, api, shop):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        response = app.test_client().post("/api/v1/grants", json=body(), headers={"Idempotency-Key": "k", **headers})
        assert is_problem(response, 401, "invalid_token") and "Bearer" in response.headers["WWW-Authenticate"]
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=3601)):
        assert is_problem(api.post("/api/v1/grants", body()), 401, "invalid_token")
    assert grants() == 0
    assert api.post("/api/v1/grants", body()).status_code == 201  # the same token, within its hour


def test_a_token_without_the_scope_is_403(app, aarhus_client, shop):
    client, secret = aarhus_client
    http = app.test_client()
    reader = Caller(http, get_token(http, client.client_id, secret, scope="consumption:read"))
    assert is_problem(reader.post("/api/v1/grants", body()), 403, "insufficient_scope")
    assert is_problem(reader.get("/api/v1/orders/awaiting"), 403, "insufficient_scope")
    assert is_problem(reader.get("/api/v1/invoices"), 403, "insufficient_scope")
    assert reader.post("/api/v1/consumption", {"cpr": "150348-1234"}).status_code == 200
    assert grants() == 0
    calls = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "api_call").order_by(AuditEvent.id)).all()
    assert calls == ["POST municipal_api.grant_create -> 403", "GET municipal_api.orders_awaiting -> 403",
                     "GET municipal_api.invoices -> 403", "POST municipal_api.consumption_read -> 200"]


def test_a_client_made_without_a_scope_cannot_get_it(app, world, shop):
    admin = world[Role.FSC_ADMIN]
    client, secret = create_client(admin, factories.municipality(751), "Statistik", ["consumption:read"])
    db.session.commit()
    http = app.test_client()
    response = http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "scope": "grants:write"},
                         headers=basic(client.client_id, secret))
    assert response.status_code == 400 and response.json["error"] == "invalid_scope"
    caller = Caller(http, get_token(http, client.client_id, secret))
    assert is_problem(caller.post("/api/v1/grants", body()), 403, "insufficient_scope")


def test_rotation_ends_the_old_secret_and_its_tokens(app, api, aarhus_client, admin, shop):
    client, old_secret = aarhus_client
    new_secret = rotate_secret(admin, db.session.get(ApiClient, client.id))
    db.session.commit()
    assert new_secret != old_secret
    assert is_problem(api.post("/api/v1/grants", body()), 401, "invalid_token")
    http = app.test_client()
    refused = http.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                        headers=basic(client.client_id, old_secret))
    assert refused.status_code == 401
    fresh = Caller(http, get_token(http, client.client_id, new_secret))
    assert fresh.post("/api/v1/grants", body()).status_code == 201


def test_a_revoked_client_gets_no_token_and_its_tokens_stop(app, api, aarhus_client, admin, shop):
    client, secret = aarhus_client
    revoke_client(admin, db.session.get(ApiClient, client.id))
    db.session.commit()
    assert is_problem(api.post("/api/v1/grants", body()), 401, "invalid_token")
    response = app.test_client().post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic(client.client_id, secret))
    assert response.status_code == 401 and grants() == 0


def test_the_system_account_can_never_log_in(app, aarhus_client):
    system = db.session.get(User, aarhus_client[0].system_user_id)
    assert system.role is Role.MUNICIPAL_SYSTEM and not system.active
    response = app.test_client().post("/login", data={"email": system.email, "password": aarhus_client[1]})
    assert response.status_code != 302 or "/login" in response.headers.get("Location", "")


def test_every_call_is_audited_as_the_municipal_system(api, aarhus_client, shop):
    api.post("/api/v1/grants", body(cpr="010203-0409"))  # refused: 404
    api.get("/api/v1/orders/awaiting")
    calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_call").order_by(AuditEvent.id)).all()
    assert [(c.role, c.user_id, c.detail) for c in calls] == [
        ("municipal_system", aarhus_client[0].system_user_id, "POST municipal_api.grant_create -> 404"),
        ("municipal_system", aarhus_client[0].system_user_id, "GET municipal_api.orders_awaiting -> 200")]


@pytest.mark.committing
def test_rate_limited_per_client(database_url, app, world, admin, limits_restored):
    limited = make_app(database_url, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with limited.app_context():
        one, one_secret = create_client(admin, factories.municipality(751), "Aarhus A", ["orders:read"])
        two, two_secret = create_client(admin, factories.municipality(751), "Aarhus B", ["orders:read"])
        db.session.commit()
        http = limited.test_client()
        first = Caller(http, get_token(http, one.client_id, one_secret))
        second = Caller(http, get_token(http, two.client_id, two_secret))
        answers = [first.get("/api/v1/orders/awaiting").status_code for _ in range(3)]
        assert answers == [200, 200, 429] or answers[:2] == [200, 200]
        limited_answer = first.get("/api/v1/orders/awaiting")
        assert is_problem(limited_answer, 429, "rate_limited") and limited_answer.headers.get("Retry-After")
        assert second.get("/api/v1/orders/awaiting").status_code == 200  # another client's calls are its own
