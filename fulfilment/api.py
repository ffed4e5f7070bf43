"""The fulfilment API under /api/v1: the provider's signed status events; the provider's instructions API is declared
here too, so one OpenAPI document (stomi_app.apischema) describes both directions."""
from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from fulfilment.events import EVENT_MAX_BYTES, EventError, receive_event
from fulfilment.schemas import (EVENT_EXAMPLE, INSTRUCTION_EXAMPLE, SIGNATURE_TEXT, TIME_RULE, Event, EventResult,
                                Instruction, InstructionReceipt, ProviderError)
from fulfilment.signing import SIGNATURE_HEADER, verify
from stomi_app.apischema import ApiProblem, Operation, Reply, api_document, operation, problem_reply
from stomi_app import transaction
from stomi_app.extensions import csrf

bp = Blueprint("fulfilment_api", __name__)
# Machine clients authenticate each body by its HMAC signature; there is no session to forge.
csrf.exempt(bp)
log = logging.getLogger("stomi.fulfilment.events")
TAG = "Fulfilment"

INSTRUCTIONS = Operation(
    path="/instructions", method="post", tag=TAG, operation_id="createInstruction",
    summary="Receive a pick-pack and hole-cutting instruction (the provider's API)",
    description=(
        "Implemented by the provider. The platform retries with exponential backoff while the provider is "
        "unreachable, times out or answers 5xx, and treats the instruction as delivered only on a 2xx answer. A retry "
        "carries the same `Idempotency-Key` and body: the provider must keep one order per key and answer a repeated "
        "key with 200 and the original receipt."),
    security=[{"HmacSignature": []}],
    # The provider's address is configuration: read when the document is built.
    servers=lambda: [{"url": current_app.config["LOGISTICS_URL"],
                      "description": "The logistics provider (the platform is the client)"}],
    headers=[{"name": "Idempotency-Key", "in": "header", "required": True,
              "description": "Unique per instruction, the same on every retry.",
              "schema": {"type": "string", "maxLength": 64}},
             {"name": "X-Request-ID", "in": "header", "required": False,
              "description": "The id of the platform's request that accepted the order, the same on every retry: log "
                             "it, so a fault can be traced across both systems.",
              "schema": {"type": "string", "maxLength": 128}}],
    body=Instruction, body_example=INSTRUCTION_EXAMPLE,
    responses={
        "201": Reply("Accepted as a new order.", InstructionReceipt),
        "200": Reply("The key was seen before; the original receipt, nothing new is made.", InstructionReceipt),
        # The provider's errors are its own: the platform reads only the status.
        "400": Reply("Malformed body or missing Idempotency-Key; the platform keeps retrying with backoff and shows "
                     "the error to the warehouse page.", ProviderError),
        "401": Reply("Missing or wrong signature.", ProviderError),
        "5XX": Reply("Temporary failure: the platform retries later with the same key.", ProviderError),
    },
)


@bp.record_once
def _document(state) -> None:
    parts = api_document(state.app)
    parts.description.append(
        "**Fulfilment.** Two endpoints connect the platform and the warehouse/logistics provider. The platform sends "
        "each accepted order once as an instruction to the provider's API, and the provider reports the order's "
        "progress back as signed events. " + SIGNATURE_TEXT)
    parts.security_schemes["HmacSignature"] = {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER,
                                               "description": SIGNATURE_TEXT}
    parts.tags.append({"name": TAG, "description": "The warehouse and logistics provider's side."})
    parts.external.append(INSTRUCTIONS)
    parts.problems.update({
        "unsigned": f"The `{SIGNATURE_HEADER}` header is missing (401).",
        "bad_signature": "The signature does not match the body (401).",
        "invalid_event": "An event's field is missing or invalid (422).",
        "unknown_type": "The event's `type` is none of the known ones (422).",
        "invalid_time": "`occurred_at` is outside the clock tolerance (422). " + TIME_RULE,
        "unknown_order": "No warehouse instruction for this order number (404).",
        "out_of_order": "The event cannot follow the order's current status yet; retry after the missing one (409).",
    })


def _refuse(exc: EventError) -> ApiProblem:
    return ApiProblem(exc.status, exc.code, exc.message)


@bp.post("/fulfilment/events")
@operation(
    tag=TAG, operation_id="postFulfilmentEvent",
    summary="Report an order's progress: picked, cut, packed, shipped, delivered or failed",
    description=(
        "Events move the order's status: picked → cut (only when something was cut) → packed → shipped → delivered, "
        "or shipped → failed → shipped again. A replayed `event_id` is answered 200 `duplicate`. A late event (the "
        "order has already passed that status) is answered 200 `ignored` and logged: retrying it cannot help. An "
        "early event (its predecessor has not arrived, e.g. delivered before shipped) is answered 409 `out_of_order` "
        "and not recorded: retry it after the missing event. An event for an order whose instruction the platform "
        "has not yet marked as sent counts as the provider's receipt of it."),
    security=[{"HmacSignature": []}],
    body=Event, body_example=EVENT_EXAMPLE,
    responses={
        "200": Reply("Applied, ignored as late, or a duplicate event id.", EventResult),
        "400": problem_reply("The body is not JSON, is nested too deeply, or is not a JSON object (`malformed`)."),
        "401": problem_reply("The signature header is missing (`unsigned`) or wrong (`bad_signature`)."),
        "404": problem_reply("No warehouse instruction for this order number (`unknown_order`)."),
        "409": problem_reply("The event cannot follow the order's current status yet (`out_of_order`)."),
        "413": problem_reply(f"The body is larger than {EVENT_MAX_BYTES} bytes (`too_large`)."),
        "415": problem_reply("The body is not sent as `application/json` (`unsupported_media_type`)."),
        "422": problem_reply("A field is missing or invalid (`invalid_event`; a text may not be blank or hold a NUL "
                             "character), the type is unknown (`unknown_type`), or `occurred_at` is outside the clock "
                             "tolerance (`invalid_time`). " + TIME_RULE),
        "503": problem_reply("The platform's database is unavailable (`unavailable`); retry after the `Retry-After` "
                             "header's seconds."),
    },
)
def events():
    request.max_content_length = EVENT_MAX_BYTES
    body = request.get_data(cache=False)
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        raise ApiProblem(401, "unsigned", f"the {SIGNATURE_HEADER} header is missing")
    if not verify(current_app.config["LOGISTICS_SECRET"], body, header):
        log.warning("event with a wrong signature from %s", request.remote_addr)
        raise ApiProblem(401, "bad_signature", "the signature does not match the body")
    if not request.is_json:
        raise ApiProblem(415, "unsupported_media_type", "the body must be sent as Content-Type: application/json")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "malformed", "the body is not valid JSON") from None
    except RecursionError:  # nested deeper than Python's parser recurses: no event looks like that
        raise ApiProblem(400, "malformed", "the body is nested too deeply") from None
    try:
        result = receive_event(data)
    except EventError as exc:
        raise _refuse(exc) from None
    except IntegrityError:
        # The same event id arrived twice at once and the other request stored it first: found at the event's
        # flush, so this answer saves nothing of its own.
        transaction.discard()
        return jsonify({"result": "duplicate", "order_number": data.get("order_number")}), 200
    return jsonify(result.as_json()), 200
