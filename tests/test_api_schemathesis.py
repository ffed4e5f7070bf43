"""Schemathesis property tests of every operation in /api/v1/openapi.json, signed or not: no 5xx, answers as documented.

The platform serves `POST /api/v1/fulfilment/events` (called in-process through WSGI); `POST /instructions` is the
provider's side of the document, tested against our simulator of the provider on 127.0.0.1. Cases are drawn by
Hypothesis from schemathesis' strategies (valid and invalid data) and sent by `case.call` with the HMAC signature
of exactly the bytes sent; schemathesis' pytest plugin is not used, its lazy loader breaks on pytest 9.2's node ids.

CI draws 30 examples per operation and test, always the same ones. For a nightly-sized run set
`STOMI_SCHEMATHESIS_EXAMPLES` (e.g. `STOMI_SCHEMATHESIS_EXAMPLES=2000`); the draws stay deterministic.
"""
from __future__ import annotations

import json
import os
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from fulfilment.models import OutboxMessage, OutboxStatus, ReceivedEvent, WarehouseInstruction
from fulfilment.signing import SIGNATURE_HEADER, sign
from stomi_app.extensions import db
from ordering.models import Order, OrderEvent, OrderStatus
from ordering.services import set_status
from ordering.models import Order, OrderEvent, OrderStatus
from ordering.services import set_status
from tests.fixtures.fulfilment import bulk_accepted

SCHEMA_PATH = "/api/v1/openapi.json"
PLATFORM_PATH = "/api/v1/fulfilment/events"
PROVIDER_PATH = "/instructions"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# The platform refuses what the document forbids. The simulator stands in for the provider and by design checks
# only what it needs (key, signature, a JSON object); that the platform's own instructions follow the document
# is tested in tests/fulfilment/test_instructions.py.
PLATFORM_CHECKS = CHECKS + [negative_data_rejection]
# The signature is ours to set (or leave out): a generated value for its header, valid or mutated, would be replaced,
# turning an invalid case into a valid one behind the checks' back. Explicit, so no schemathesis.toml is looked for.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False, "deterministic": True}})
# Few examples, always the same ones: the file must stay quick and CI deterministic; more for a nightly run.
EXAMPLES = settings(max_examples=int(os.environ.get("STOMI_SCHEMATHESIS_EXAMPLES", "30")), derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture
def orders(granted, shop):
    """Order numbers the events can be about: accepted (instruction not yet marked sent), sent, and shipped."""
    accepted, sent, shipped = bulk_accepted(granted, shop.bag_a, 3)
    for order in (sent, shipped):
        set_status(order, OrderStatus.SENT_TO_WAREHOUSE, reason="dispatched")
        db.session.scalar(select(OutboxMessage).join(WarehouseInstruction)
                          .where(WarehouseInstruction.order_id == order.id)).status = OutboxStatus.SENT
    for status in (OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED):
        set_status(shipped, status, reason="warehouse")
    db.session.commit()
    return [o.number for o in (accepted, sent, shipped)]


@pytest.fixture
def operations(app, client, provider):
    """Every operation of the document with the base URL that serves it; one the tests cannot reach fails."""
    platform = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=CONFIG)
    # Loaded without the app, so its cases go over HTTP to the simulator (the provider fixture points
    # LOGISTICS_URL, the path's `servers` entry, at it).
    document = client.get(SCHEMA_PATH).json
    remote = schemathesis.openapi.from_dict(document, config=CONFIG)
    municipal = {(path, method) for path, item in document["paths"].items() for method, op in item.items()
                 if isinstance(op, dict) and "Municipal systems" in op.get("tags", [])}
    found = []
    for result in platform.get_all_operations():
        operation = result.ok()
        if operation.path == PLATFORM_PATH:
            found.append((operation, None))
        elif operation.path == PROVIDER_PATH:
            found.append((remote[operation.path][operation.method.upper()], provider.url))
        elif (operation.path, operation.method.lower()) in municipal:
            continue  # driven with OAuth tokens by tests/municipal_api/test_schemathesis.py
        else:
            pytest.fail(f"{operation.label} is in the document but not tested here")
    assert {op.path for op, _ in found} == {PLATFORM_PATH, PROVIDER_PATH}
    return found


def cases(operation):
    return st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])


def payload(case) -> bytes:
    """The body on the wire, so that the signature covers exactly the bytes sent."""
    if isinstance(case.body, NotSet):
        return b""
    # Invalid cases may carry raw bytes (not JSON at all); they are sent as they are.
    return case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()


def call(case, base_url, secret: str | None):
    """Send the case, signed when a secret is given, and run every check on the answer."""
    body = payload(case)
    assert SIGNATURE_HEADER.lower() not in {k.lower() for k in case.headers or {}}
    headers = {SIGNATURE_HEADER: sign(secret, body)} if secret else {}
    response = case.call(base_url=base_url, headers=headers, data=body)
    # Validated without the call's arguments: the data= above is the generated body, not a replacement for it.
    case.validate_response(response, checks=PLATFORM_CHECKS if base_url is None else CHECKS, headers=headers)
    return response


def snapshot():
    db.session.expire_all()
    return (db.session.scalar(select(func.count(ReceivedEvent.id))),
            db.session.scalar(select(func.count(OrderEvent.id))),
            sorted((o.id, o.status.value) for o in db.session.scalars(select(Order))))


def test_signed_requests_are_answered_as_documented(app, operations, orders, provider):
    secret = app.config["LOGISTICS_SECRET"]
    for operation, base_url in operations:
        @EXAMPLES
        @given(case=cases(operation), pick=st.integers(0, 2 * len(orders) - 1))
        def check(case, pick):
            body = case.body
            # Random digits almost never name an order: half the events are about the orders above instead.
            # Only a well-formed number is replaced, so an invalid case stays invalid.
            if isinstance(body, dict) and re.fullmatch("[0-9]+", str(body.get("order_number"))) \
                    and isinstance(body["order_number"], str) and pick < len(orders):
                body["order_number"] = orders[pick]
            before = snapshot()
            response = call(case, base_url, secret)
            if operation.path == PLATFORM_PATH and (response.status_code != 200 or response.json()["result"] == "duplicate"):
                assert snapshot() == before, "a refused or repeated event changed the database"

        check()


@pytest.mark.parametrize("secret", [None, "not-the-secret"], ids=["unsigned", "wrongly-signed"])
def test_unsigned_requests_are_refused(operations, orders, provider, secret):
    for operation, base_url in operations:
        @EXAMPLES
        @given(case=cases(operation))
        def check(case):
            before, received = snapshot(), provider.state.stats()["instructions"]
            response = call(case, base_url, secret)
            # The provider looks at the Idempotency-Key first (400 without one), as its documentation allows.
            assert response.status_code == 401 or (operation.path == PROVIDER_PATH and response.status_code == 400), \
                response.text
            assert snapshot() == before and provider.state.stats()["instructions"] == received

        check()


@pytest.mark.parametrize("body", [b"[]", b"5", b'"text"', b"null", b'{"lines": 5}', b'{"lines": [5]}', b"{"])
def test_bodies_that_are_no_json_object_are_refused_by_both_sides(app, client, provider, body):
    """Shapes the generator seldom draws: a 4xx from both sides, never a 5xx or a hang-up."""
    secret = app.config["LOGISTICS_SECRET"]
    signed = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    assert client.post(PLATFORM_PATH, data=body, headers=signed).status_code in (400, 422)
    response = requests.post(provider.url + PROVIDER_PATH, data=body, headers={**signed, "Idempotency-Key": "k"},
                             timeout=5)
    assert response.status_code == 400 and provider.state.stats()["instructions"] == 0
