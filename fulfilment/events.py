"""Status events from the provider: validated, de-duplicated by event id, applied through the order's status machine.

The rules, as documented in the OpenAPI document:
- a replayed event id → 200 `duplicate`, nothing changes;
- an event the status machine allows → 200 `applied`;
- a late event, whose status the order has already passed (e.g. `picked` after `packed`) → 200 `ignored`,
  recorded and logged, because retrying it can never help;
- an early event, whose predecessor has not arrived (e.g. `delivered` before `shipped`) → 409 `out_of_order`,
  not recorded, so the provider's retry succeeds once the missing event is in.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import select

from fulfilment.dispatch import mark_order_sent
from fulfilment.models import OutboxStatus, ReceivedEvent, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from ordering.services import set_status
from ordering.models import ORDER_FLOW

from fulfilment.event_rules import CLOCK_SKEW, EVENT_STATUS, EVENT_TEXT, MAX_ORDER_ID, ORDER_NUMBER_MAX_DIGITS  # noqa: F401
from fulfilment.schemas import Event

log = logging.getLogger("stomi.fulfilment.events")

# How far along the warehouse's work each status is: an event at or behind the order's place is late.
PROGRESS = {
    OrderStatus.SENT_TO_WAREHOUSE: 0, OrderStatus.PICKED: 1, OrderStatus.CUT: 2, OrderStatus.PACKED: 3,
    OrderStatus.SHIPPED: 4, OrderStatus.DELIVERY_FAILED: 5, OrderStatus.DELIVERED: 6,
}
# Which event types need which of the texts (their lengths: fulfilment.event_rules.EVENT_TEXT).
NEEDED_TEXT = {"shipped": ("tracking_reference", "carrier"), "failed": ("reason",)}
# An event is well under 2 KB; a larger body is refused (413) before it is read, let alone parsed.
EVENT_MAX_BYTES = 64 * 1024


class EventError(Exception):
    """An event the API refuses: HTTP status, a machine-readable code and an English message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class EventResult:
    result: str  # applied, ignored, duplicate
    order_number: str
    order_status: str

    def as_json(self) -> dict:
        return {"result": self.result, "order_number": self.order_number, "order_status": self.order_status}


def _skew() -> str:
    return f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes"


def _refusal(exc: ValidationError) -> EventError:
    """The schema's verdict as the event API's codes: a bad `type` alone is `unknown_type`, anything else invalid."""
    problems = exc.errors(include_url=False, include_input=False, include_context=False)
    fields = {str(e["loc"][0]) if e["loc"] else "" for e in problems}
    first = problems[0]
    where = ".".join(str(p) for p in first["loc"]) or "(body)"
    if fields == {"type"}:
        return EventError(422, "unknown_type", f"'type' must be one of: {', '.join(EVENT_STATUS)}")
    return EventError(422, "invalid_event", f"'{where}': {first['msg']}")


def parse_event(data) -> dict:
    """Check the event against its schema (fulfilment.schemas.Event) and the rules beside it; raises EventError."""
    if not isinstance(data, dict):
        raise EventError(400, "malformed", "the body must be a JSON object")
    try:
        model = Event.model_validate(data)
    except ValidationError as exc:
        raise _refusal(exc) from None
    except RecursionError:
        raise EventError(400, "malformed", "the body is nested too deeply") from None
    moment = model.occurred_at
    if moment is not None:
        try:
            moment = moment.astimezone(timezone.utc)
        except OverflowError:  # year 1 or 9999 moved past the calendar's end by its offset
            raise EventError(422, "invalid_event", "'occurred_at' must be an ISO 8601 date-time") from None
        if moment > utcnow() + CLOCK_SKEW:
            raise EventError(422, "invalid_time", f"'occurred_at' is in the future (more than {_skew()} ahead of the "
                                                  "platform's clock)")
    if int(model.order_number) > MAX_ORDER_ID:
        raise EventError(404, "unknown_order", f"no warehouse instruction for order {model.order_number}")
    event = {"event_id": model.event_id, "type": model.type, "order_number": model.order_number, "occurred_at": moment}
    for name in NEEDED_TEXT.get(model.type, ()):
        if getattr(model, name) is None:
            raise EventError(422, "invalid_event", f"'{name}' must be a non-empty string")
        event[name] = getattr(model, name)
    return event


def _confirm_receipt(instruction: WarehouseInstruction) -> None:
    """An event proves the provider has the instruction, even if the dispatcher died before marking it."""
    message = instruction.outbox
    if message is not None and message.status is OutboxStatus.PENDING:
        message.status, message.sent_at, message.claim_token = OutboxStatus.SENT, utcnow(), None
        message.last_error = None
    mark_order_sent(instruction.order, reason="confirmed_by_event")


def receive_event(data) -> EventResult:
    """Apply one event (already authenticated). Only flushes; the caller commits."""
    event = parse_event(data)
    if db.session.scalar(select(ReceivedEvent.id).where(ReceivedEvent.event_id == event["event_id"])) is not None:
        order = db.session.get(Order, int(event["order_number"]))
        return EventResult("duplicate", event["order_number"], order.status.value if order else "unknown")
    # Row lock: two events for one order, or an event and the dispatcher, must not interleave.
    order = db.session.scalar(select(Order).where(Order.id == int(event["order_number"])).with_for_update())
    instruction = order and db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
    if instruction is None:
        raise EventError(404, "unknown_order", f"no warehouse instruction for order {event['order_number']}")
    accepted = instruction.created_at
    if event["occurred_at"] is not None and event["occurred_at"] < accepted - CLOCK_SKEW:
        raise EventError(422, "invalid_time",
                         f"'occurred_at' is before order {order.number} was accepted "
                         f"({accepted.isoformat().replace('+00:00', 'Z')}, allowing {_skew()} of clock difference)")
    if order.status is OrderStatus.ACCEPTED:
        _confirm_receipt(instruction)
    target = EVENT_STATUS[event["type"]]
    record = ReceivedEvent(event_id=event["event_id"], order_id=order.id, type=event["type"],
                           occurred_at=event["occurred_at"])
    if ORDER_FLOW.can_move(order.status, target):
        _apply(order, target, event, accepted)
        record.outcome = "applied"
    elif _is_late(order.status, target):
        record.outcome = "ignored"
        record.detail = f"late: order is {order.status.value}"
        log.info("ignored late %s event %s for order %s (%s)", event["type"], event["event_id"], order.number,
                 order.status.value)
    else:
        log.warning("refused out-of-order %s event %s for order %s (%s)", event["type"], event["event_id"],
                    order.number, order.status.value)
        raise EventError(409, "out_of_order",
                         f"order {order.number} is {order.status.value}; '{event['type']}' cannot follow yet")
    db.session.add(record)
    db.session.flush()
    return EventResult(record.outcome, order.number, order.status.value)


def _is_late(current: OrderStatus, target: OrderStatus) -> bool:
    return current in PROGRESS and PROGRESS[target] <= PROGRESS[current]


def _apply(order: Order, target: OrderStatus, event: dict, accepted: datetime) -> None:
    reason = event.get("reason") or f"warehouse:{event['type']}"
    if target is OrderStatus.SHIPPED:  # before the move, so whoever hears of it (the citizen's notice) has the number
        order.tracking_reference, order.carrier = event["tracking_reference"], event["carrier"]
    set_status(order, target, reason=reason[:500])
    if target is OrderStatus.DELIVERED and event["occurred_at"] is not None:
        # The provider's time of delivery, not the time the event reached us, is what the SLA measures; within the
        # clock tolerance, but never before the acceptance, so it never lands in a month invoiced before the order.
        order.delivered_at = max(min(event["occurred_at"], utcnow()), accepted)
