"""Schemathesis against every municipal operation of /api/v1/openapi.json, with a valid token and without: never a
5xx, statuses, content types and bodies as documented, and a refused write changes nothing.

The fulfilment operations of the same document are driven by tests/test_api_schemathesis.py (they need signatures);
`test_every_operation_is_driven_somewhere` keeps the two files covering the whole document between them.
Few examples per operation, always the same ones (STOMI_SCHEMATHESIS_EXAMPLES for a nightly-sized run).
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from stomi_app.extensions import db
from grants.models import Grant, GrantChange
from tests.municipal_api.conftest import get_token
from grants.models import Grant, GrantChange
from tests.fixtures.api import get_token
from tests.fixtures.grants import grant_for, line

SCHEMA_PATH = "/api/v1/openapi.json"
FULFILMENT_PATHS = {"/api/v1/fulfilment/events", "/instructions"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False, "deterministic": True}})
EXAMPLES = settings(max_examples=int(os.environ.get("STOMI_SCHEMATHESIS_EXAMPLES", "15")), derandomize=True,
                    deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def municipal_operations(app):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=CONFIG)
    return [r.ok() for r in schema.get_all_operations() if r.ok().path not in FULFILMENT_PATHS]


def cases(operation):
    return st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])


def written():
    db.session.expire_all()
    return db.session.scalar(select(func.count(GrantChange.id))), db.session.scalar(select(func.count(Grant.id)))


@pytest.fixture
def data(shop, citizen, officer, world):
    """A grant and an Odense grant, so that generated ids sometimes name something (1 and 2)."""
    grant_for(officer, citizen, line(3, variant=shop.bag_a))
    grant_for(world["officer_odense"], world["citizen_odense"], line(3, variant=shop.bag_a))
    db.session.commit()


def test_every_operation_is_driven_somewhere(app):
    paths = {op.path for op in schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=CONFIG).get_all_operations()
             for op in [op.ok()]}
    assert FULFILMENT_PATHS <= paths and len(paths - FULFILMENT_PATHS) >= 9


def test_with_a_token_every_answer_is_as_documented(app, aarhus_client, data):
    client, secret = aarhus_client
    token = get_token(app.test_client(), client.client_id, secret)
    for operation in municipal_operations(app):
        @EXAMPLES
        @given(case=cases(operation))
        def check(case):
            before = written()
            headers = {"Authorization": f"Bearer {token}"}
            if operation.path == "/api/v1/oauth/token":
                headers = {}  # the client's secret is not the token; the form case says what it says
            response = case.call(headers=headers)
            checks = CHECKS + ([negative_data_rejection] if operation.path != "/api/v1/oauth/token" else [])
            case.validate_response(response, checks=checks, headers=headers)
            if response.status_code >= 400 or response.headers.get("Idempotent-Replayed"):
                assert written() == before, f"{operation.label} refused ({response.status_code}) but changed grants"

        check()


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic eDp5"], ids=["none", "garbage", "basic"])
def test_without_a_valid_token_everything_is_refused(app, aarhus_client, data, authorization):
    for operation in municipal_operations(app):
        @EXAMPLES
        @given(case=cases(operation))
        def check(case):
            before = written()
            headers = {"Authorization": authorization} if authorization else {}
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            # The token endpoint refuses by RFC 6749 (400 for a malformed form before the client is looked up).
            allowed = {400, 401} if operation.path == "/api/v1/oauth/token" else {401}
            if "{" in operation.path:  # a path that is no route (e.g. a negative id) is not found before any check
                allowed.add(404)
            assert response.status_code in allowed, (operation.label, response.status_code, response.text[:200])
            assert written() == before

        check()
