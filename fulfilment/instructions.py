"""Warehouse instructions: made in the transaction that accepts an order, and the JSON the provider receives."""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from fulfilment.models import InstructionLine, OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.workdays import add_working_days, next_working_day_on_or_after
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.logs import current_request_id
from ordering.models import Order
from stomi_app.timeutil import local_today

log = logging.getLogger("stomi.fulfilment")

# The parcel must not tell the neighbours what is inside.
PACKING_NOTE = "Discreet packaging: no product names or logos on the outside."


def promised_days(express: bool) -> int:
    config = current_app.config
    return config["DELIVERY_SLA_EXPRESS_DAYS"] if express else config["DELIVERY_SLA_DAYS"]


def requested_delivery_date(accepted_on: date, working_days: int, *, not_before: date | None = None) -> date:
    """The contract's promise from the day of acceptance, moved later if the citizen is elsewhere until then."""
    promised = add_working_days(accepted_on, working_days)
    if not_before is not None and not_before > promised:
        return next_working_day_on_or_after(not_before)
    return promised


def tracking_url(order: Order) -> str | None:
    """The carrier's page where the citizen can follow the parcel, from the contract's TRACKING_URLS; None when the
    order has no tracking number yet or the carrier has no page configured."""
    pattern = current_app.config["TRACKING_URLS"].get(order.carrier or "")
    if not pattern or not order.tracking_reference:
        return None
    return pattern.replace("{reference}", quote(order.tracking_reference, safe=""))


def expected_delivery(order: Order, on: date | None = None) -> date | None:
    """The day the order is planned to arrive, as the citizen and the agent are told it: once accepted, the day the
    warehouse was asked for; before (a draft, or waiting for approval), the day it would be if accepted on `on`
    (today). None once it has been delivered, cancelled or rejected."""
    if order.delivered_at is not None or order.status.value in ("cancelled", "rejected"):
        return None
    if order.status.value not in ("draft", "awaiting_approval"):
        return db.session.scalar(select(WarehouseInstruction.requested_delivery_date)
                                 .where(WarehouseInstruction.order_id == order.id))
    return requested_delivery_date(on or local_today(), promised_days(order.express),
                                   not_before=order.temporary_from if order.temporary_address else None)


def create_instruction(order: Order, on: date | None = None) -> WarehouseInstruction:
    """The instruction and its outbox row for an order that has just been accepted.

    An order becomes accepted once (the status machine has no way back), and the unique order id on the
    instruction refuses a second one; the caller's flush writes it.
    """
    on = on or local_today()
    citizen = order.citizen
    consent = citizen.has_consent
    days = promised_days(order.express)
    instruction = WarehouseInstruction(
        order=order,  # the order may not be written yet (ordering.place_order writes both in one flush)
        requested_delivery_date=requested_delivery_date(
            on, days, not_before=order.temporary_from if order.temporary_address else None),
        promised_working_days=days,
        express=order.express,
        delivery_name=order.delivery_name or citizen.name,
        delivery_address=order.delivery_address,
        delivery_postcode=order.delivery_postcode,
        delivery_city=order.delivery_city,
        temporary_address=order.temporary_address,
        temporary_from=order.temporary_from if order.temporary_address else None,
        temporary_to=order.temporary_to if order.temporary_address else None,
        # Contact details go to the provider only with consent; the CPR number never does. The order's note never
        # goes: it is written for the stoma nurse or grant officer (why the citizen needs this) and may hold health
        # details the carrier has no need of. The note to the driver is the one written for the carrier.
        contact_phone=citizen.phone if consent else None,
        contact_email=citizen.email if consent else None,
        delivery_note=order.driver_note,
        minimised=not consent,
        packing_note=PACKING_NOTE,
    )
    for line in order.lines:
        variant = line.variant
        to_cut = variant.is_cut_to_fit and line.cut is not None
        if variant.is_cut_to_fit and not to_cut:
            log.warning("order %s: cut-to-fit %s has no measure; sent uncut", order.number, line.article_number)
        instruction.lines.append(InstructionLine(
            variant_id=variant.id, article_number=line.article_number, gtin=variant.gtin, quantity=line.quantity,
            pack_size=variant.pack_size, unit=variant.unit,
            cut=line.cut if to_cut else None,
            plates_to_cut=line.quantity * variant.pack_size if to_cut else None,
        ))
    instruction.outbox = OutboxMessage(idempotency_key=uuid.uuid4().hex, next_attempt_at=utcnow(),
                                       request_id=current_request_id())
    db.session.add(instruction)
    return instruction


def on_order_accepted(order: Order) -> None:
    """Receives signals.order_accepted inside set_status, so the instruction commits (or not) with the acceptance."""
    create_instruction(order)


def _outbox_of(order_id: int):
    return select(OutboxMessage).join(WarehouseInstruction, WarehouseInstruction.id == OutboxMessage.instruction_id).where(
        WarehouseInstruction.order_id == order_id)


def has_left(message: OutboxMessage) -> bool:
    """Whether the instruction may be with the provider: once a dispatcher has claimed it to send, it may have
    arrived even if no answer came back (a time-out, a dispatcher that died), so from then on it counts as gone."""
    return message.status is OutboxStatus.SENT or message.attempts > 0  # a claim counts an attempt


def stop_instruction(order: Order, stop: bool) -> bool:
    """Answers signals.order_stopping: an accepted order's instruction can be stopped until it has
    left. With `stop` the outbox row is locked first, so a dispatcher's claim and a cancel take turns: either
    the claim comes first and the cancel is refused, or the row is withdrawn and the claim passes it by."""
    query = _outbox_of(order.id)
    message = db.session.scalar(query.with_for_update(of=OutboxMessage) if stop else query)
    if message is None or message.status is OutboxStatus.CANCELLED:
        return True
    if has_left(message):
        return False
    if stop:
        message.status = OutboxStatus.CANCELLED
    return True


def payload(instruction: WarehouseInstruction) -> dict:
    """The instruction as the provider's API receives it (its schema: fulfilment.schemas): the same on every attempt."""
    delivery = {
        "name": instruction.delivery_name,
        "address": instruction.delivery_address,
        "postcode": instruction.delivery_postcode,
        "city": instruction.delivery_city,
        "country": "DK",
        "temporary_address": instruction.temporary_address,
    }
    if instruction.temporary_address:
        delivery["temporary_from"] = instruction.temporary_from.isoformat() if instruction.temporary_from else None
        delivery["temporary_to"] = instruction.temporary_to.isoformat() if instruction.temporary_to else None
    document = {
        "instruction_id": instruction.id,
        "order_number": instruction.order_number,
        "created_at": instruction.created_at.isoformat().replace("+00:00", "Z"),
        "requested_delivery_date": instruction.requested_delivery_date.isoformat(),
        "express": instruction.express,
        "delivery": delivery,
        "packing_note": instruction.packing_note,
        "lines": [],
    }
    if not instruction.minimised:
        contact = {k: v for k, v in (("phone", instruction.contact_phone), ("email", instruction.contact_email)) if v}
        if contact:
            document["contact"] = contact
    if instruction.delivery_note:  # written by the citizen for the carrier: part of what delivery needs, consent or not
        document["delivery_note"] = instruction.delivery_note
    for line in instruction.lines:
        item = {"article_number": line.article_number, "gtin": line.gtin, "quantity": line.quantity,
                "pack_size": line.pack_size, "unit": line.unit}
        if line.cut is not None:
            item["cutting"] = line.cut.cutting(line.plates_to_cut)
        document["lines"].append(item)
    return document


def outbox_rows(status: OutboxStatus, limit: int = 50) -> list[OutboxMessage]:
    """Outbox rows in `status` for the warehouse page: the oldest pending first, the newest sent first."""
    order_by = OutboxMessage.id if status is OutboxStatus.PENDING else OutboxMessage.sent_at.desc()
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == status)
        .options(joinedload(OutboxMessage.instruction).joinedload(WarehouseInstruction.order))
        .order_by(order_by).limit(limit)
    ))


# The warehouse page counts what was sent in this many days back: a count of every row ever sent read the whole
# outbox on each load, and grew with the years (issue 24, item 14); the window is one range of an index.
SENT_COUNT_DAYS = 30


def outbox_counts(now: datetime | None = None) -> dict[str, int]:
    """Pending and cancelled rows (few: each an index range), and those sent in the last SENT_COUNT_DAYS days."""
    since = (now or utcnow()) - timedelta(days=SENT_COUNT_DAYS)
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(or_(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.CANCELLED]),
                   and_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at >= since)))
        .group_by(OutboxMessage.status))
    return {status.value: count for status, count in rows}
