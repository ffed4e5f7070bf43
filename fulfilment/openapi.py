"""The OpenAPI 3 document of the two fulfilment endpoints: the provider's instructions API and our events API."""
from __future__ import annotations

from flask import current_app

from fulfilment.events import (CLOCK_SKEW, EVENT_MAX_BYTES, EVENT_STATUS, EVENT_TEXT, MAX_ORDER_ID,
                               ORDER_NUMBER_MAX_DIGITS)
from fulfilment.instructions import PACKING_NOTE
from fulfilment.signing import SIGNATURE_HEADER


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


SIGNATURE_TEXT = (
    f"`{SIGNATURE_HEADER}: sha256=<hex>`: HMAC-SHA256 of the raw request body with the secret shared between the "
    "platform and the provider (`LOGISTICS_SECRET`), in lower-case hexadecimal. Both directions are signed."
)

SKEW_MINUTES = int(CLOCK_SKEW.total_seconds() // 60)
TIME_RULE = (
    f"The platform allows {SKEW_MINUTES} minutes of difference between the provider's clock and its own: an "
    f"`occurred_at` more than {SKEW_MINUTES} minutes after the platform's now, or more than {SKEW_MINUTES} minutes "
    "before the order was accepted (the instruction's `created_at`), is refused with 422 `invalid_time`. A delivery "
    "time within the tolerance but before the acceptance is recorded as the acceptance time."
)

SCHEMAS = {
    "Instruction": {
        "type": "object",
        "description": "Pick, pack and (for cut-to-fit baseplates) cut one accepted order, and deliver it.",
        "required": ["instruction_id", "order_number", "created_at", "requested_delivery_date", "express", "delivery",
                     "packing_note", "lines"],
        "properties": {
            "instruction_id": {"type": "integer", "description": "The platform's id of this instruction."},
            "order_number": {"type": "string", "pattern": "^[0-9]+$",
                             "description": "The order number; events refer to the order by it."},
            "created_at": {"type": "string", "format": "date-time", "description": "When the order was accepted (UTC)."},
            "requested_delivery_date": {
                "type": "string", "format": "date",
                "description": "Deliver on or before this date: the next working day for express, otherwise within "
                               "the contract's working days; weekends and Danish public holidays do not count. Later "
                               "when the citizen is at a temporary address only from a later date."},
            "express": {"type": "boolean"},
            "delivery": {"$ref": "#/components/schemas/Delivery"},
            "contact": {"$ref": "#/components/schemas/Contact"},
            "delivery_note": {"type": "string", "description": (
                "A note to the carrier. Reserved: not sent at present (the order's note is for staff and may hold "
                "health details).")},
            "packing_note": {"type": "string", "example": PACKING_NOTE},
            "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/InstructionLine"}},
        },
    },
    "Delivery": {
        "type": "object",
        "description": "Where to deliver: the citizen's home, or a temporary address for the dates given.",
        "required": ["name", "address", "postcode", "city", "country", "temporary_address"],
        "properties": {
            "name": {"type": "string"},
            "address": {"type": "string", "description": "Street and number."},
            "postcode": {"type": "string", "pattern": "^[1-9][0-9]{3}$"},
            "city": {"type": "string"},
            "country": {"type": "string", "enum": ["DK"]},
            "temporary_address": {"type": "boolean"},
            "temporary_from": {"type": "string", "format": "date", "description": "Only for a temporary address."},
            "temporary_to": {"type": "string", "format": "date", "description": "Only for a temporary address."},
        },
    },
    "Contact": {
        "type": "object",
        "description": "For announcing the delivery. Sent only while the citizen consents to data sharing; "
                       "never a CPR number.",
        "properties": {"phone": {"type": "string"}, "email": {"type": "string", "format": "email"}},
    },
    "InstructionLine": {
        "type": "object",
        "required": ["article_number", "gtin", "quantity", "pack_size", "unit"],
        "properties": {
            "article_number": {"type": "string"},
            "gtin": {"type": "string", "pattern": "^[0-9]{8,13}$"},
            "quantity": {"type": "integer", "minimum": 1, "description": "Packs to pick."},
            "pack_size": {"type": "integer", "minimum": 1, "description": "Pieces in one pack."},
            "unit": {"type": "string", "example": "box"},
            "cutting": {"$ref": "#/components/schemas/Cutting"},
        },
    },
    "Cutting": {
        "type": "object",
        "description": "Hole-cutting of a cut-to-fit baseplate to the citizen's measure, in whole millimetres. "
                       "Round: `diameter_mm`; oval: `width_mm` × `height_mm`.",
        "required": ["shape", "plates"],
        "properties": {
            "shape": {"type": "string", "enum": ["round", "oval"]},
            "diameter_mm": {"type": "integer", "minimum": 5, "maximum": 120},
            "width_mm": {"type": "integer", "minimum": 5, "maximum": 120},
            "height_mm": {"type": "integer", "minimum": 5, "maximum": 120},
            "plates": {"type": "integer", "minimum": 1, "description": "Plates to cut: quantity × pack size."},
        },
    },
    "InstructionReceipt": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "description": "The provider's reference for the instruction."},
            "duplicate": {"type": "boolean", "description": "True when the Idempotency-Key was seen before."},
        },
    },
    "Event": {
        "type": "object",
        "required": ["event_id", "type", "order_number"],
        "properties": {
            "event_id": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "Unique per event; a replayed id is answered 200 `duplicate` and changes nothing."},
            "type": {"type": "string", "enum": list(EVENT_STATUS)},
            "order_number": {"type": "string", "pattern": "^[0-9]+$", "maxLength": ORDER_NUMBER_MAX_DIGITS,
                             "description": f"As in the instruction; a number above {MAX_ORDER_ID} names no order (404)."},
            "occurred_at": {"type": "string", "format": "date-time",
                            "description": "When it happened, with a time zone; for `delivered` it is the delivery "
                                           "time. " + TIME_RULE},
            # Not blank, and no longer than the platform keeps, on every event type.
            "tracking_reference": {"type": "string", "minLength": 1, "maxLength": EVENT_TEXT["tracking_reference"],
                                   "description": "Required for `shipped`."},
            "carrier": {"type": "string", "minLength": 1, "maxLength": EVENT_TEXT["carrier"],
                        "description": "Required for `shipped`."},
            "reason": {"type": "string", "minLength": 1, "maxLength": EVENT_TEXT["reason"],
                       "description": "Required for `failed`."},
        },
    },
    "EventResult": {
        "type": "object",
        "required": ["result", "order_number"],
        "properties": {
            "result": {"type": "string", "enum": ["applied", "ignored", "duplicate"]},
            "order_number": {"type": "string"},
            "order_status": {"type": "string"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
}

INSTRUCTION_EXAMPLE = {
    "instruction_id": 17, "order_number": "0000042", "created_at": "2026-03-02T09:15:00Z",
    "requested_delivery_date": "2026-03-04", "express": False,
    "delivery": {"name": "Birthe Nielsen", "address": "Søndergade 12, 2. th.", "postcode": "8000", "city": "Aarhus C",
                 "country": "DK", "temporary_address": False},
    "packing_note": PACKING_NOTE,
    "lines": [
        {"article_number": "FC-200", "gtin": "5701234000037", "quantity": 2, "pack_size": 10, "unit": "box",
         "cutting": {"shape": "round", "diameter_mm": 32, "plates": 20}},
        {"article_number": "NL-100", "gtin": "5701234000013", "quantity": 3, "pack_size": 30, "unit": "box"},
    ],
}

EVENT_EXAMPLE = {"event_id": "c3d1a6f0-5b7e-4f4e-9f6a-2b1d9e0a7c11", "type": "shipped", "order_number": "0000042",
                 "occurred_at": "2026-03-03T13:02:00Z", "tracking_reference": "00370712345678901234",
                 "carrier": "PostNord"}


def openapi_document() -> dict:
    provider = current_app.config["LOGISTICS_URL"]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Stoma supplies – fulfilment",
            "version": "1.0.0",
            "description": (
                "Two endpoints connect the platform and the warehouse/logistics provider. The platform sends each "
                "accepted order once as an instruction to the provider's API, and the provider reports the order's "
                "progress back as signed events. " + SIGNATURE_TEXT
            ),
        },
        "servers": [{"url": "/", "description": "The platform"}],
        "paths": {
            "/instructions": {
                "servers": [{"url": provider, "description": "The logistics provider (the platform is the client)"}],
                "post": {
                    "operationId": "createInstruction",
                    "summary": "Receive a pick-pack and hole-cutting instruction (the provider's API)",
                    "description": (
                        "Implemented by the provider. The platform retries with exponential backoff while the provider "
                        "is unreachable, times out or answers 5xx, and treats the instruction as delivered only on a "
                        "2xx answer. A retry carries the same `Idempotency-Key` and body: the provider must keep one "
                        "order per key and answer a repeated key with 200 and the original receipt."
                    ),
                    "security": [{"HmacSignature": []}],
                    "parameters": [{
                        "name": "Idempotency-Key", "in": "header", "required": True,
                        "description": "Unique per instruction, the same on every retry.",
                        "schema": {"type": "string", "maxLength": 64},
                    }, {
                        "name": "X-Request-ID", "in": "header", "required": False,
                        "description": "The id of the platform's request that accepted the order, the same on every "
                                       "retry: log it, so a fault can be traced across both systems.",
                        "schema": {"type": "string", "maxLength": 128},
                    }],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Instruction"}, "example": INSTRUCTION_EXAMPLE}}},
                    "responses": {
                        "201": {"description": "Accepted as a new order.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InstructionReceipt"}}}},
                        "200": {"description": "The key was seen before; the original receipt, nothing new is made.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InstructionReceipt"}}}},
                        "400": _error_response("Malformed body or missing Idempotency-Key; the platform keeps retrying "
                                               "with backoff and shows the error to the warehouse page."),
                        "401": _error_response("Missing or wrong signature."),
                        "5XX": _error_response("Temporary failure: the platform retries later with the same key."),
                    },
                },
            },
            "/api/v1/fulfilment/events": {
                "post": {
                    "operationId": "postFulfilmentEvent",
                    "summary": "Report an order's progress: picked, cut, packed, shipped, delivered or failed",
                    "description": (
                        "Events move the order's status: picked → cut (only when something was cut) → packed → "
                        "shipped → delivered, or shipped → failed → shipped again. A replayed `event_id` is answered "
                        "200 `duplicate`. A late event (the order has already passed that status) is answered 200 "
                        "`ignored` and logged: retrying it cannot help. An early event (its predecessor has not "
                        "arrived, e.g. delivered before shipped) is answered 409 `out_of_order` and not recorded: "
                        "retry it after the missing event. An event for an order whose instruction the platform has "
                        "not yet marked as sent counts as the provider's receipt of it."
                    ),
                    "security": [{"HmacSignature": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Event"}, "example": EVENT_EXAMPLE}}},
                    "responses": {
                        "200": {"description": "Applied, ignored as late, or a duplicate event id.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventResult"}}}},
                        "400": _error_response("The body is not JSON, is nested too deeply, or is not a JSON object "
                                               "(`malformed`)."),
                        "401": _error_response("The signature header is missing (`unsigned`) or wrong (`bad_signature`)."),
                        "404": _error_response("No warehouse instruction for this order number (`unknown_order`)."),
                        "409": _error_response("The event cannot follow the order's current status yet (`out_of_order`)."),
                        "413": _error_response(f"The body is larger than {EVENT_MAX_BYTES} bytes (`too_large`)."),
                        "415": _error_response("The body is not sent as `application/json` (`unsupported_media_type`)."),
                        "422": _error_response("A field is missing or invalid (`invalid_event`; a text may not be "
                                               "blank or hold a NUL character), the type is unknown (`unknown_type`), "
                                               "or `occurred_at` is outside the clock tolerance (`invalid_time`). "
                                               + TIME_RULE),
                        "503": _error_response("The platform's database is unavailable (`unavailable`); retry after "
                                               "the `Retry-After` header's seconds."),
                    },
                },
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "HmacSignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER, "description": SIGNATURE_TEXT},
            },
        },
    }
