"""The request that accepted an order gives its id to the warehouse instruction: the dispatcher sends it to the
provider as X-Request-ID on every attempt and its log lines about the instruction carry it."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import g
from sqlalchemy import select

from fulfilment.dispatch import dispatch_pending
from fulfilment.models import OutboxMessage
from stomi_app import logs
from stomi_app.db import utcnow
from stomi_app.extensions import db
from tests.fixtures.fulfilment import bulk_accepted


def test_the_accepting_requests_id_reaches_the_provider_on_every_attempt(app, granted, shop, provider, capsys):
    with app.test_request_context("/borger/bestil/send", method="POST"):
        app.preprocess_request()  # the request's hooks: it gets its id
        request_id = g.request_id
        order = bulk_accepted(granted, shop.bag_a, 1)[0]
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.request_id == request_id and logs.valid_request_id(request_id)

    provider.state.set_mode("error", 1)
    logs.configure("json", "INFO")
    try:
        capsys.readouterr()
        assert dispatch_pending().failed == 1
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    warning = next(line for line in lines if line["logger"] == "stomi.fulfilment.dispatch")
    assert warning["request_id"] == request_id and order.number in warning["message"]

    assert dispatch_pending(now=utcnow() + timedelta(days=1)).sent == 1
    assert provider.state.instructions[message.idempotency_key]["request_id"] == request_id


def test_an_order_accepted_outside_a_request_sends_no_request_id(granted, shop, provider, caplog):
    bulk_accepted(granted, shop.bag_a, 1)  # a command or a job, not a request
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.request_id is None
    with caplog.at_level(logging.WARNING):
        assert dispatch_pending().sent == 1
    assert provider.state.instructions[message.idempotency_key]["request_id"] is None


def test_each_dispatch_round_logs_under_an_id_of_its_own(app, granted, shop, provider, capsys):
    from fulfilment.dispatch import run_loop

    bulk_accepted(granted, shop.bag_a, 1)  # accepted outside a request: the round's id is the one its line gets
    provider.state.set_mode("error", 1)
    logs.configure("json", "INFO")
    try:
        capsys.readouterr()
        run_loop(interval=0, iterations=1)
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    warning = next(line for line in lines if line["logger"] == "stomi.fulfilment.dispatch")
    assert logs.valid_request_id(warning["request_id"])
    assert logs.current_request_id() is None  # the round's id ends with the round
