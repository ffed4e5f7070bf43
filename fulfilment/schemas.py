"""The fulfilment API's request and response models: the provider's instructions and its status events.

The same models validate the events the platform receives and describe, in /api/v1/openapi.json, the instructions
it sends (tests/fulfilment/test_instructions.py checks what goes on the wire against them)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fulfilment.event_rules import CLOCK_SKEW, EVENT_STATUS, EVENT_TEXT, MAX_ORDER_ID, ORDER_NUMBER_MAX_DIGITS
from fulfilment.instructions import PACKING_NOTE
from fulfilment.signing import SIGNATURE_HEADER
from stomi_app.apischema import JsonDateTime, Text, omittable

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

Millimetres = Annotated[int, Field(ge=5, le=120)]


class Cutting(BaseModel):
    """Hole-cutting of a cut-to-fit baseplate to the citizen's measure, in whole millimetres. Round: `diameter_mm`;
    oval: `width_mm` × `height_mm`."""

    shape: Literal["round", "oval"]
    diameter_mm: Millimetres = omittable()
    width_mm: Millimetres = omittable()
    height_mm: Millimetres = omittable()
    plates: int = Field(ge=1, description="Plates to cut: quantity × pack size.")


class InstructionLine(BaseModel):
    article_number: str
    gtin: str = Field(pattern="^[0-9]{8,13}$")
    quantity: int = Field(ge=1, description="Packs to pick.")
    pack_size: int = Field(ge=1, description="Pieces in one pack.")
    unit: str = Field(examples=["box"])
    cutting: Cutting = omittable()


class Delivery(BaseModel):
    """Where to deliver: the citizen's home, or a temporary address for the dates given."""

    name: str
    address: str = Field(description="Street and number.")
    postcode: str = Field(pattern="^[1-9][0-9]{3}$")
    city: str
    country: Literal["DK"]
    temporary_address: bool
    temporary_from: date | None = omittable(description="Only for a temporary address.")
    temporary_to: date | None = omittable(description="Only for a temporary address.")


class Contact(BaseModel):
    """For announcing the delivery. Sent only while the citizen consents to data sharing; never a CPR number."""

    phone: str = omittable()
    email: str = omittable(extra={"format": "email"})


class Instruction(BaseModel):
    """Pick, pack and (for cut-to-fit baseplates) cut one accepted order, and deliver it."""

    instruction_id: int = Field(description="The platform's id of this instruction.")
    order_number: str = Field(pattern="^[0-9]+$", description="The order number; events refer to the order by it.")
    created_at: JsonDateTime = Field(description="When the order was accepted (UTC).")
    requested_delivery_date: date = Field(description=(
        "Deliver on or before this date: the next working day for express, otherwise within the contract's working "
        "days; weekends and Danish public holidays do not count. Later when the citizen is at a temporary address "
        "only from a later date."))
    express: bool
    delivery: Delivery
    contact: Contact = omittable()
    delivery_note: str = omittable(description=(
        "A note to the carrier. Reserved: not sent at present (the order's note is for staff and may hold health "
        "details)."))
    packing_note: str = Field(examples=[PACKING_NOTE])
    lines: list[InstructionLine] = Field(min_length=1)


class InstructionReceipt(BaseModel):
    id: str = Field(description="The provider's reference for the instruction.")
    duplicate: bool = omittable(description="True when the Idempotency-Key was seen before.")


class ProviderError(BaseModel):
    """The provider's error answer; the platform reads only its status and shows `message` on the warehouse page."""

    error: str
    message: str


class Event(BaseModel):
    """A status report from the provider. Unknown fields are ignored (a newer provider may send more)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    event_id: Text(100, description="Unique per event; a replayed id is answered 200 `duplicate` and changes nothing.")
    type: Literal[tuple(EVENT_STATUS)]  # type: ignore[valid-type]
    order_number: str = Field(pattern="^[0-9]+$", max_length=ORDER_NUMBER_MAX_DIGITS,
                              description=f"As in the instruction; a number above {MAX_ORDER_ID} names no order (404).")
    occurred_at: JsonDateTime = omittable(description=(
        "When it happened, with a time zone; for `delivered` it is the delivery time. " + TIME_RULE))
    # Not blank, and no longer than the platform keeps, on every event type.
    tracking_reference: Text(EVENT_TEXT["tracking_reference"]) = omittable(description="Required for `shipped`.")
    carrier: Text(EVENT_TEXT["carrier"]) = omittable(description="Required for `shipped`.")
    reason: Text(EVENT_TEXT["reason"]) = omittable(description="Required for `failed`.")


class EventResult(BaseModel):
    result: Literal["applied", "ignored", "duplicate"]
    order_number: str
    order_status: str = omittable()


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
