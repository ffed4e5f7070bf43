"""Demo data for fulfilment: instructions for the demo history's orders, so the SLA and warehouse pages have a past.

The history is inserted in bulk, past the ACCEPTED hook; this gives every order that was handed over an
instruction as the hook would have made it, sent (or, for orders accepted but not yet sent, pending: the
demo's dispatcher then sends them to the simulator).
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, insert, select, text

from catalogue.models import Variant
from fulfilment.instructions import PACKING_NOTE, requested_delivery_date
from fulfilment.models import InstructionLine, OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Citizen, Order, OrderEvent, OrderLine, OrderStatus
from stomi_app.timeutil import local_date

S = OrderStatus
HANDED_OVER = (S.ACCEPTED, S.SENT_TO_WAREHOUSE, S.PICKED, S.CUT, S.PACKED, S.SHIPPED, S.DELIVERED, S.DELIVERY_FAILED)
CHUNK = 20000


def _aware(moment) -> datetime:
    if isinstance(moment, str):  # SQLite hands raw text back from a bare column select in some versions
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _insert(model, rows: list[dict]) -> None:
    """Core bulk insert with the caller's ids (children point at them), then the PostgreSQL sequence moved past."""
    table = model.__table__
    for offset in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[offset:offset + CHUNK])
    if rows and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1


def backfill_instructions() -> int:
    """An instruction (and outbox row) for every handed-over order that has none; returns how many were made."""
    has_instruction = select(WarehouseInstruction.order_id)
    orders = db.session.execute(
        select(Order.id, Order.status, Order.express, Order.citizen_id, Order.delivery_name, Order.delivery_address,
               Order.delivery_postcode, Order.delivery_city, Order.note, OrderEvent.at)
        .join(OrderEvent, (OrderEvent.order_id == Order.id) & (OrderEvent.to_status == S.ACCEPTED))
        .where(Order.status.in_(HANDED_OVER), Order.id.not_in(has_instruction))
        .order_by(Order.id)
    ).all()
    if not orders:
        return 0
    citizens = {row.id: row for row in db.session.execute(
        select(Citizen.id, Citizen.phone, Citizen.email, Citizen.consent_given_at, Citizen.consent_withdrawn_at))}
    lines_by_order: dict[int, list] = {}
    for line in db.session.execute(
        select(OrderLine.order_id, OrderLine.variant_id, OrderLine.article_number, OrderLine.quantity,
               OrderLine.cut_shape, OrderLine.cut_diameter_mm, OrderLine.cut_width_mm, OrderLine.cut_height_mm,
               Variant.gtin, Variant.pack_size, Variant.unit, Variant.cut_min_mm)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(OrderLine.order_id.in_(select(Order.id).where(Order.status.in_(HANDED_OVER))))
        .order_by(OrderLine.id)
    ):
        lines_by_order.setdefault(line.order_id, []).append(line)
    config = current_app.config
    now = utcnow()
    instruction_id, line_id, outbox_id = _next_id(WarehouseInstruction), _next_id(InstructionLine), _next_id(OutboxMessage)
    instructions, lines, outbox = [], [], []
    for order in orders:
        accepted_at = _aware(order.at)
        citizen = citizens[order.citizen_id]
        consent = citizen.consent_given_at is not None and (
            citizen.consent_withdrawn_at is None or _aware(citizen.consent_withdrawn_at) < _aware(citizen.consent_given_at))
        days = config["DELIVERY_SLA_EXPRESS_DAYS"] if order.express else config["DELIVERY_SLA_DAYS"]
        instructions.append({
            "id": instruction_id, "order_id": order.id, "created_at": accepted_at,
            "requested_delivery_date": requested_delivery_date(local_date(accepted_at), days),
            "promised_working_days": days, "express": order.express, "delivery_name": order.delivery_name,
            "delivery_address": order.delivery_address, "delivery_postcode": order.delivery_postcode,
            "delivery_city": order.delivery_city, "temporary_address": False, "temporary_from": None,
            "temporary_to": None, "contact_phone": citizen.phone if consent else None,
            "contact_email": citizen.email if consent else None, "delivery_note": None,
            "minimised": not consent, "packing_note": PACKING_NOTE,
        })
        for line in lines_by_order.get(order.id, []):
            cut = line.cut_min_mm is not None and line.cut_shape is not None
            lines.append({
                "id": line_id, "instruction_id": instruction_id, "variant_id": line.variant_id,
                "article_number": line.article_number, "gtin": line.gtin, "quantity": line.quantity,
                "pack_size": line.pack_size, "unit": line.unit,
                "cut_shape": getattr(line.cut_shape, "value", line.cut_shape) if cut else None,
                "cut_diameter_mm": line.cut_diameter_mm if cut else None,
                "cut_width_mm": line.cut_width_mm if cut else None, "cut_height_mm": line.cut_height_mm if cut else None,
                "plates_to_cut": line.quantity * line.pack_size if cut else None,
            })
            line_id += 1
        pending = order.status is S.ACCEPTED
        outbox.append({
            "id": outbox_id, "instruction_id": instruction_id, "idempotency_key": uuid.uuid4().hex,
            "status": (OutboxStatus.PENDING if pending else OutboxStatus.SENT).value, "attempts": 0 if pending else 1,
            "next_attempt_at": now if pending else accepted_at, "claim_token": None, "last_error": None,
            "last_status_code": None if pending else 201, "created_at": accepted_at,
            "sent_at": None if pending else accepted_at + timedelta(minutes=1),
        })
        instruction_id += 1
        outbox_id += 1
    _insert(WarehouseInstruction, instructions)
    _insert(InstructionLine, lines)
    _insert(OutboxMessage, outbox)
    return len(instructions)


def generate_fulfilment(ctx) -> None:
    """The demo generator's step (after the order history)."""
    started = time.monotonic()
    made = backfill_instructions()
    ctx.echo(f"{made} warehouse instructions for the order history in {time.monotonic() - started:.1f} s")
