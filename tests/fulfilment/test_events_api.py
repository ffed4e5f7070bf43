"""The provider's status events: signed, validated, de-duplicated, and moving the order's status machine."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import json

import pytest
import time_machine
from sqlalchemy import func, select

from fulfilment.models import OutboxMessage, OutboxStatus, ReceivedEvent, WarehouseInstruction
from fulfilment.signing import SIGNATURE_HEADER, sign
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from ordering.services import new_draft, set_status
from ordering.models import Order, OrderStatus
from ordering.services import new_draft, set_status
from tests.fixtures.app import make_app
from tests.fixtures.fulfilment import bulk_accepted, signed_post

_ids = iter(range(1, 10_000))


def event(order, kind, **extra):
    return {"event_id": f"evt-{next(_ids)}", "type": kind, "order_number": order.number, **extra}


@pytest.fixture
def secret(app):
    return app.config["LOGISTICS_SECRET"]


@pytest.fixture
def sent_order(granted, shop):
    order = bulk_accepted(granted, shop.bag_a, 1)[0]
    set_status(order, OrderStatus.SENT_TO_WAREHOUSE, reason="dispatched")
    message = db.session.scalar(select(OutboxMessage))
    message.status = OutboxStatus.SENT
    db.session.commit()
    return order


def statuses(order):
    db.session.expire_all()
    return [e.to_status.value for e in db.session.get(Order, order.id).events]


def accepted_ago(order, delta: timedelta):
    """Move the order's acceptance (its instruction's created_at) into the past."""
    instruction = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
    instruction.created_at -= delta
    db.session.commit()
    return instruction.created_at


def test_full_journey_with_tracking_and_delivery_time(client, secret, sent_order):
    accepted_ago(sent_order, timedelta(hours=3))
    shipped = event(sent_order, "shipped", tracking_reference="00370712345678901234", carrier="PostNord")
    delivered_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    for data in [event(sent_order, "picked"), event(sent_order, "packed"), shipped,
                 event(sent_order, "delivered", occurred_at=delivered_at.isoformat().replace("+00:00", "Z"))]:
        response = signed_post(client, secret, data)
        assert response.status_code == 200, response.json
        assert response.json["result"] == "applied"
    assert statuses(sent_order) == ["accepted", "sent_to_warehouse", "picked", "packed", "shipped", "delivered"]
    order = db.session.get(Order, sent_order.id)
    assert (order.tracking_reference, order.carrier) == ("00370712345678901234", "PostNord")
    assert order.delivered_at == delivered_at
    assert response.json == {"result": "applied", "order_number": order.number, "order_status": "delivered"}


def test_cut_step_and_failed_delivery_then_reshipped(client, secret, sent_order):
    for data in [event(sent_order, "picked"), event(sent_order, "cut"), event(sent_order, "packed"),
                 event(sent_order, "shipped", tracking_reference="T1", carrier="GLS"),
                 event(sent_order, "failed", reason="Nobody home, parcel returned"),
                 event(sent_order, "shipped", tracking_reference="T2", carrier="GLS")]:
        assert signed_post(client, secret, data).status_code == 200
    assert statuses(sent_order)[-4:] == ["packed", "shipped", "delivery_failed", "shipped"]
    order = db.session.get(Order, sent_order.id)
    assert order.tracking_reference == "T2"
    assert order.events[-2].reason == "Nobody home, parcel returned"


def test_unsigned_and_wrongly_signed_are_refused(client, secret, sent_order):
    data = event(sent_order, "picked")
    unsigned = signed_post(client, secret, data, signature=False)
    assert (unsigned.status_code, unsigned.json["error"]) == (401, "unsigned")
    wrong = signed_post(client, "not-the-secret", data)
    assert (wrong.status_code, wrong.json["error"]) == (401, "bad_signature")
    garbage = signed_post(client, secret, data, signature="sha256=00")
    assert garbage.status_code == 401
    # A valid signature of another body does not carry over.
    from fulfilment.signing import sign
    import json

    other = signed_post(client, secret, data, signature=sign(secret, json.dumps(event(sent_order, "packed")).encode()))
    assert other.status_code == 401
    assert statuses(sent_order)[-1] == "sent_to_warehouse"
    assert db.session.scalar(select(func.count(ReceivedEvent.id))) == 0


BAD_REQUESTS = [
    (b"{not json", 400, "malformed"),
    (b"\xff\xfe", 400, "malformed"),
    (b"[1, 2]", 400, "malformed"),
    (b'{"event_id": "e1", "type": "teleported", "order_number": "0000001"}', 422, "unknown_type"),
    (b'{"type": "picked", "order_number": "0000001"}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "picked", "order_number": 1}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "shipped", "order_number": "0000001"}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "failed", "order_number": "0000001", "reason": ""}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "picked", "order_number": "0000001", "occurred_at": "yesterday"}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "picked", "order_number": "0000001", "occurred_at": "2026-03-02T10:00:00"}', 422,
     "invalid_event"),
    (b'{"event_id": "e1", "type": "picked", "order_number": "0000001", "occurred_at": "2999-01-01T00:00:00Z"}', 422,
     "invalid_time"),
    (b'{"event_id": "e1", "type": "picked", "order_number": "9999999"}', 404, "unknown_order"),
    # The document limits the optional texts on every event, not only where they are used (found by schemathesis).
    (b'{"event_id": "e1", "type": "packed", "order_number": "0000001", "tracking_reference": "' + b"x" * 101 + b'"}', 422,
     "invalid_event"),
    (b'{"event_id": "e1", "type": "picked", "order_number": "0000001", "reason": 5}', 422, "invalid_event"),
    # PostgreSQL cannot store a NUL, no database an unpaired surrogate: refused, never a 500.
    (b'{"event_id": "e\\u0000", "type": "picked", "order_number": "0000001"}', 422, "invalid_event"),
    (b'{"event_id": "e\\ud800", "type": "picked", "order_number": "0000001"}', 422, "invalid_event"),
    (b'{"event_id": "e1", "type": "failed", "order_number": "0000001", "reason": "lost\\u0000"}', 422, "invalid_event"),
]


def test_bad_requests_get_a_json_error(client, secret, sent_order):
    # One order for every case (the fixtures cost more than the requests).
    for raw, status, code in BAD_REQUESTS:
        response = signed_post(client, secret, raw=raw)
        assert (response.status_code, response.is_json) == (status, True), raw
        assert response.json["error"] == code and response.json["message"], raw
    assert statuses(sent_order)[-1] == "sent_to_warehouse"
    assert db.session.scalar(select(func.count(ReceivedEvent.id))) == 0


def test_order_without_instruction_is_unknown(client, secret, granted):
    draft = new_draft(granted)
    db.session.commit()
    response = signed_post(client, secret, event(draft, "picked"))
    assert (response.status_code, response.json["error"]) == (404, "unknown_order")


def test_replayed_event_id_changes_nothing(client, secret, sent_order):
    data = event(sent_order, "picked")
    assert signed_post(client, secret, data).json["result"] == "applied"
    again = signed_post(client, secret, data)
    assert again.status_code == 200 and again.json["result"] == "duplicate"
    assert statuses(sent_order).count("picked") == 1
    assert db.session.scalar(select(func.count(ReceivedEvent.id))) == 1


def test_early_event_is_409_and_succeeds_when_retried_in_order(client, secret, sent_order):
    delivered = event(sent_order, "delivered")
    early = signed_post(client, secret, delivered)
    assert (early.status_code, early.json["error"]) == (409, "out_of_order")
    assert db.session.scalar(select(func.count(ReceivedEvent.id))) == 0  # not recorded: a retry must work
    for data in [event(sent_order, "picked"), event(sent_order, "packed"),
                 event(sent_order, "shipped", tracking_reference="T", carrier="PostNord")]:
        signed_post(client, secret, data)
    retried = signed_post(client, secret, delivered)
    assert retried.status_code == 200 and retried.json["result"] == "applied"


def test_late_event_is_ignored_and_recorded(client, secret, sent_order):
    for data in [event(sent_order, "picked"), event(sent_order, "packed")]:
        signed_post(client, secret, data)
    late = event(sent_order, "picked")
    response = signed_post(client, secret, late)
    assert response.status_code == 200 and response.json == {"result": "ignored", "order_number": sent_order.number,
                                                             "order_status": "packed"}
    record = db.session.scalar(select(ReceivedEvent).where(ReceivedEvent.event_id == late["event_id"]))
    assert record.outcome == "ignored" and "packed" in record.detail
    cut_after_packed = signed_post(client, secret, event(sent_order, "cut"))
    assert cut_after_packed.json["result"] == "ignored"


def test_event_before_the_dispatcher_marked_the_row_confirms_receipt(client, secret, granted, shop):
    order = bulk_accepted(granted, shop.bag_a, 1)[0]  # accepted, outbox pending: the dispatcher died after sending
    response = signed_post(client, secret, event(order, "picked"))
    assert response.status_code == 200 and response.json["order_status"] == "picked"
    assert statuses(order) == ["accepted", "sent_to_warehouse", "picked"]
    assert db.session.scalar(select(OutboxMessage.status)) is OutboxStatus.SENT


def test_cancelled_order_refuses_events(client, secret, granted, shop):
    order = bulk_accepted(granted, shop.bag_a, 1)[0]
    set_status(order, OrderStatus.CANCELLED, reason="test")
    db.session.commit()
    response = signed_post(client, secret, event(order, "picked"))
    assert response.status_code == 409


@pytest.mark.committing
def test_works_with_csrf_protection_on_and_only_by_post(database_url, secret, sent_order):
    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    assert signed_post(client, secret, event(sent_order, "picked")).status_code == 200
    assert client.get("/api/v1/fulfilment/events").status_code == 405


def test_signature_header_name_is_documented(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["components"]["securitySchemes"]["HmacSignature"]["name"] == SIGNATURE_HEADER


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def picked(number, **extra) -> bytes:
    return json.dumps({"event_id": f"evt-{next(_ids)}", "type": "picked", "order_number": number, **extra}).encode()


# The order id is a 32-bit integer: numbers past it name no order (404), never a database error.
ORDER_NUMBERS = [
    ("2147483647", 404, "unknown_order"), ("2147483648", 404, "unknown_order"), ("999999999999", 404, "unknown_order"),
    (str(2**63), 422, "invalid_event"), ("0", 404, "unknown_order"), ("0000000", 404, "unknown_order"),
    ("-1", 422, "invalid_event"), ("", 422, "invalid_event"), (" 1", 422, "invalid_event"),
    ("１", 422, "invalid_event"), ("1.0", 422, "invalid_event"), ("1e3", 422, "invalid_event"),
    # Numbers in JSON are not the documented string, whatever their value.
    (2**31 - 1, 422, "invalid_event"), (2**31, 422, "invalid_event"), (2**63, 422, "invalid_event"),
    (-1, 422, "invalid_event"), (0, 422, "invalid_event"), (1.5, 422, "invalid_event"), (True, 422, "invalid_event"),
    (False, 422, "invalid_event"), (None, 422, "invalid_event"), (["1"], 422, "invalid_event"),
    ({"n": "1"}, 422, "invalid_event"),
]


def test_order_number_edges(client, secret, sent_order):
    for number, status, code in ORDER_NUMBERS:
        response = signed_post(client, secret, raw=picked(number))
        assert (response.status_code, response.is_json, response.json["error"]) == (status, True, code), number
    # The order's own number, as digits with or without its leading zeros, is found.
    assert signed_post(client, secret, raw=picked(str(sent_order.id))).json["result"] == "applied"
    assert signed_post(client, secret, raw=picked(sent_order.number)).json["result"] == "ignored"


@pytest.mark.parametrize("kind", [["picked"], {"picked": 1}, None, 5, 1.5, True, "", "PICKED"],
                         ids=["list", "object", "null", "int", "float", "bool", "empty", "upper"])
def test_type_that_is_no_known_name_is_422(client, secret, sent_order, kind):
    body = json.dumps({"event_id": "e1", "type": kind, "order_number": sent_order.number}).encode()
    response = signed_post(client, secret, raw=body)
    assert (response.status_code, response.is_json, response.json["error"]) == (422, True, "unknown_type")


@pytest.mark.parametrize("raw", [b"[" * 50_000, b'{"a":' * 12_000, b"[" * 30_000 + b"]" * 30_000,
                                 b'{"event_id": "e1", "type": "picked", "order_number": "1", "reason": '
                                 + b"[" * 20_000 + b"]" * 20_000 + b"}"],
                         ids=["open-arrays", "open-objects", "closed-arrays", "inside-an-event"])
def test_deep_nesting_is_400(client, secret, raw):
    response = signed_post(client, secret, raw=raw)
    assert (response.status_code, response.is_json, response.json["error"]) == (400, True, "malformed")


def test_nesting_python_can_parse_is_judged_as_a_value(client, secret, sent_order):
    body = picked(sent_order.number, reason=json.loads("[" * 500 + "]" * 500))
    response = signed_post(client, secret, raw=body)
    assert (response.status_code, response.json["error"]) == (422, "invalid_event")


def test_every_error_of_the_api_is_json(app, client, secret, sent_order):
    from fulfilment.events import EVENT_MAX_BYTES

    too_big = signed_post(client, secret, raw=b" " * (EVENT_MAX_BYTES + 1))
    assert (too_big.status_code, too_big.is_json, too_big.json["error"]) == (413, True, "too_large")
    body = picked(sent_order.number)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {SIGNATURE_HEADER: sign(secret, body), **({"Content-Type": content_type} if content_type else {})}
        wrong = client.post("/api/v1/fulfilment/events", data=body, headers=headers)
        assert (wrong.status_code, wrong.is_json, wrong.json["error"]) == (415, True, "unsupported_media_type")
    with_charset = client.post("/api/v1/fulfilment/events", data=body, headers={
        SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json; charset=utf-8"})
    assert with_charset.status_code == 200
    not_json = signed_post(client, secret, raw=b"{")
    assert (not_json.status_code, not_json.is_json) == (400, True)
    unknown = client.get("/api/v1/no-such-endpoint")
    assert (unknown.status_code, unknown.is_json, unknown.json["error"]) == (404, True, "not_found")
    wrong_method = client.put("/api/v1/fulfilment/events", data=body)
    assert (wrong_method.status_code, wrong_method.is_json, wrong_method.json["error"]) == (405, True,
                                                                                           "method_not_allowed")
    assert "POST" in wrong_method.headers["Allow"]
    # Statuses no request here provokes on demand go through the same handlers.
    from werkzeug.exceptions import InternalServerError, TooManyRequests

    for error, code in ((TooManyRequests(), "rate_limited"), (InternalServerError(), "server_error")):
        with app.test_request_context("/api/v1/fulfilment/events", method="POST"):
            response = app.make_response(app.handle_http_exception(error))
        assert (response.status_code, response.is_json, response.json["error"]) == (error.code, True, code)
        assert response.json["message"]
    # People still get the HTML page.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_event_times_within_the_clock_tolerance(client, secret, sent_order):
    from fulfilment.events import CLOCK_SKEW

    accepted = accepted_ago(sent_order, timedelta(0))
    now = accepted + timedelta(hours=1)
    second = timedelta(seconds=1)
    cases = [
        (datetime(2001, 3, 1, tzinfo=timezone.utc), 422),
        (accepted - CLOCK_SKEW - second, 422),
        (accepted - CLOCK_SKEW, 200),
        (accepted, 200),
        (now + CLOCK_SKEW, 200),
        (now + CLOCK_SKEW + second, 422),
        (datetime(2999, 1, 1, tzinfo=timezone.utc), 422),
    ]
    with time_machine.travel(now, tick=False):
        for moment, status in cases:
            response = signed_post(client, secret, raw=picked(sent_order.number, occurred_at=stamp(moment)))
            assert (response.status_code, response.is_json) == (status, True), (moment, response.json)
            if status == 422:
                assert response.json["error"] == "invalid_time" and "10 minutes" in response.json["message"]
        # The calendar's ends, moved past them by an offset: an invalid time, not a 500.
        for raw in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
            response = signed_post(client, secret, raw=picked(sent_order.number, occurred_at=raw))
            assert (response.status_code, response.json["error"]) == (422, "invalid_event"), raw
    assert db.session.scalar(select(func.count(ReceivedEvent.id))) == 3  # the three within the tolerance


def test_delivery_dated_before_the_order_is_refused_or_kept_at_the_acceptance(client, secret, sent_order):
    from fulfilment.events import CLOCK_SKEW

    accepted = accepted_ago(sent_order, timedelta(hours=2))
    for data in [event(sent_order, "picked"), event(sent_order, "packed"),
                 event(sent_order, "shipped", tracking_reference="T", carrier="GLS")]:
        assert signed_post(client, secret, data).status_code == 200
    old = signed_post(client, secret, event(sent_order, "delivered", occurred_at="2001-06-01T10:00:00Z"))
    assert (old.status_code, old.json["error"]) == (422, "invalid_time")
    assert db.session.get(Order, sent_order.id).delivered_at is None
    # Within the tolerance before the acceptance: recorded as delivered at the acceptance, never earlier.
    early = signed_post(client, secret, event(sent_order, "delivered", occurred_at=stamp(accepted - CLOCK_SKEW / 2)))
    assert early.json["result"] == "applied"
    db.session.expire_all()
    assert db.session.get(Order, sent_order.id).delivered_at == accepted


def test_the_tolerance_is_stated_in_the_document(client):
    from fulfilment.events import CLOCK_SKEW

    doc = client.get("/api/v1/openapi.json").json
    post = doc["paths"]["/api/v1/fulfilment/events"]["post"]
    minutes = f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes"
    assert minutes in doc["components"]["schemas"]["Event"]["properties"]["occurred_at"]["description"]
    assert minutes in post["responses"]["422"]["description"]
    assert {"400", "413", "415", "422", "503"} <= set(post["responses"])
