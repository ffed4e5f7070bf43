"""Demo data for fulfilment: instructions for the demo history's orders, so the SLA and warehouse pages have a past.

The history is inserted in bulk, past the ACCEPTED hook; every order that was handed over gets the instruction the
hook would have made, sent (or, for orders accepted but not yet sent, pending: the demo's dispatcher then sends them
to the simulator). The demo history feeds InstructionRows as it makes its orders, so millions of instructions load in
the same pass; backfill_instructions gives the same rows to orders that have none.
"""
from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from flask import current_app
from sqlalchemy import exists, func, select

from catalogue.models import Variant
from fulfilment.instructions import PACKING_NOTE, requested_delivery_date
from fulfilment.models import InstructionLine, OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.db import utcnow
from devtools.demo.bulk import TableWriter, first_free_id
from stomi_app.extensions import db
from stomi_app.models.citizen import Citizen
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from ordering.models import APPROVED_STATUSES
from stomi_app.timeutil import TZ

S = OrderStatus
HANDED_OVER = APPROVED_STATUSES  # demo orders that got as far as a warehouse instruction
# Plain names and values: InstructionRows.add runs millions of times, and an Enum member read off its class, or
# hashed, costs a Python call each time (a tuple is searched by identity first).
_ACCEPTED, _PENDING, _SENT = S.ACCEPTED, OutboxStatus.PENDING.value, OutboxStatus.SENT.value
_ONE_MINUTE = timedelta(minutes=1)
ORDERS_PER_ROUND = 50_000  # orders read at a time by the backfill: memory stays flat however much history there is

INSTRUCTION_COLUMNS = ("id", "order_id", "created_at", "requested_delivery_date", "promised_working_days", "express",
                       "delivery_name", "delivery_address", "delivery_postcode", "delivery_city", "temporary_address",
                       "contact_phone", "contact_email", "minimised", "packing_note")
LINE_COLUMNS = ("id", "instruction_id", "variant_id", "article_number", "gtin", "quantity", "pack_size", "unit",
                "cut_shape", "cut_diameter_mm", "cut_width_mm", "cut_height_mm", "plates_to_cut")
OUTBOX_COLUMNS = ("id", "instruction_id", "idempotency_key", "status", "attempts", "next_attempt_at", "last_status_code",
                  "created_at", "sent_at")


def _aware(moment) -> datetime:
    if isinstance(moment, str):  # SQLite hands raw text back from a bare column select in some versions
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=65536)
def _requested(utc_day: date, utc_hour: int, working_days: int) -> date:
    """requested_delivery_date for a moment given by its UTC date and hour (summer time changes on the hour)."""
    moment = datetime(utc_day.year, utc_day.month, utc_day.day, utc_hour, tzinfo=timezone.utc)
    return requested_delivery_date(moment.astimezone(TZ).date(), working_days)


class InstructionRows:
    """Instructions, their lines and outbox rows for accepted orders, as fulfilment.instructions.create_instruction
    makes them at acceptance (made at acceptance, the promise counted in working days from that Copenhagen day,
    contact details only with consent, cut-to-fit lines cut to the order line's measure), written in bulk."""

    models = (WarehouseInstruction, InstructionLine, OutboxMessage)
    sequential_keys = (WarehouseInstruction, InstructionLine)  # keys that only grow as the rows come (bulk loading)
    label = "warehouse instructions"

    def __init__(self):
        self.contacts = {}  # citizen id → (phone, e-mail, minimised): no contact details without consent
        for c in db.session.execute(select(Citizen.id, Citizen.phone, Citizen.email, Citizen.consent_given_at,
                                           Citizen.consent_withdrawn_at)):
            consent = c.consent_given_at is not None and (
                c.consent_withdrawn_at is None or _aware(c.consent_withdrawn_at) < _aware(c.consent_given_at))
            self.contacts[c.id] = (c.phone, c.email, False) if consent else (None, None, True)
        self.variants = {v.id: (v.gtin, v.pack_size, v.unit, v.cut_min_mm is not None) for v in db.session.execute(
            select(Variant.id, Variant.gtin, Variant.pack_size, Variant.unit, Variant.cut_min_mm))}
        config = current_app.config
        self.days = {True: config["DELIVERY_SLA_EXPRESS_DAYS"], False: config["DELIVERY_SLA_DAYS"]}
        self.instructions = TableWriter(WarehouseInstruction, INSTRUCTION_COLUMNS)
        self.lines = TableWriter(InstructionLine, LINE_COLUMNS, after=(self.instructions,))
        self.outbox = TableWriter(OutboxMessage, OUTBOX_COLUMNS, after=(self.instructions,))
        self.next_instruction = first_free_id(WarehouseInstruction)
        self.next_line = first_free_id(InstructionLine)
        self.next_outbox = first_free_id(OutboxMessage)
        # The provider keeps one order per key: keys must never repeat, not even those of a demo made again, so they
        # start with this run's random part (and, numbered, are cheap to index by the million).
        self.key_prefix = uuid.uuid4().hex[:16]
        self.now = utcnow()
        self._lines: dict[int, tuple] = {}

    def add(self, order_id: int, status: OrderStatus, accepted_at: datetime, express: bool, citizen_id: int,
            delivery: tuple, lines: tuple) -> None:
        """One order as it stands; an order not handed over (cancelled, rejected, waiting) gets nothing.

        `delivery` is (name, address, postcode, city); `lines` (variant id, article number, packs, cut shape,
        Ø, width, height). The same `lines` object may come again (the demo history's earlier years repeat an
        order): its instruction lines are worked out once until the next spill()."""
        if status not in HANDED_OVER:
            return
        instruction_id = self.next_instruction
        self.next_instruction += 1
        days = self.days[express]
        self.instructions.rows.append((
            instruction_id, order_id, accepted_at, _requested(accepted_at.date(), accepted_at.hour, days), days, express,
            *delivery, False, *self.contacts[citizen_id], PACKING_NOTE,
        ))
        known = self._lines.get(id(lines))
        if known is None:
            known = self._lines[id(lines)] = (lines, [self._line(*line) for line in lines])
        put_line, line_id = self.lines.rows.append, self.next_line
        for line in known[1]:
            put_line((line_id, instruction_id, *line))
            line_id += 1
        self.next_line = line_id
        outbox_id = self.next_outbox
        self.next_outbox += 1
        key = f"{self.key_prefix}{outbox_id:016x}"
        if status is _ACCEPTED:  # accepted, not yet sent: waiting for the dispatcher
            self.outbox.rows.append((outbox_id, instruction_id, key, _PENDING, 0, self.now, None, accepted_at, None))
        else:  # sent a minute after acceptance, with the provider's 201
            self.outbox.rows.append((outbox_id, instruction_id, key, _SENT, 1, accepted_at, 201, accepted_at,
                                     accepted_at + _ONE_MINUTE))

    def _line(self, variant_id, article_number, quantity, shape, diameter, width, height) -> tuple:
        """An instruction line without its ids (LINE_COLUMNS[2:]): a cut-to-fit line is cut to the order's measure."""
        gtin, pack_size, unit, cut_to_fit = self.variants[variant_id]
        if cut_to_fit and shape is not None:
            cut = (getattr(shape, "value", shape), diameter, width, height, quantity * pack_size)
        else:
            cut = (None, None, None, None, None)
        return (variant_id, article_number, gtin, quantity, pack_size, unit, *cut)

    def spill(self) -> None:
        """Write whatever chunk is full (add() only appends)."""
        self._lines.clear()
        for writer in (self.instructions, self.lines, self.outbox):
            writer.spill()

    def close(self) -> int:
        made = self.instructions.close()
        self.lines.close()
        self.outbox.close()
        return made


def backfill_instructions() -> int:
    """An instruction (and outbox row) for every handed-over order that has none; returns how many were made."""
    missing = (Order.status.in_(HANDED_OVER), ~exists().where(WarehouseInstruction.order_id == Order.id))
    low, high = db.session.execute(select(func.min(Order.id), func.max(Order.id)).where(*missing)).one()
    if low is None:
        return 0
    rows = InstructionRows()
    for start in range(low, high + 1, ORDERS_PER_ROUND):
        end = min(start + ORDERS_PER_ROUND - 1, high)
        lines: dict[int, list[tuple]] = {}
        for line in db.session.execute(
            select(OrderLine.order_id, OrderLine.variant_id, OrderLine.article_number, OrderLine.quantity,
                   OrderLine.cut_shape, OrderLine.cut_diameter_mm, OrderLine.cut_width_mm, OrderLine.cut_height_mm)
            .where(OrderLine.order_id.between(start, end)).order_by(OrderLine.id)
        ):
            lines.setdefault(line[0], []).append(tuple(line[1:]))
        for order in db.session.execute(
            select(Order.id, Order.status, OrderEvent.at, Order.express, Order.citizen_id, Order.delivery_name,
                   Order.delivery_address, Order.delivery_postcode, Order.delivery_city)
            .join(OrderEvent, (OrderEvent.order_id == Order.id) & (OrderEvent.to_status == S.ACCEPTED))
            .where(Order.id.between(start, end), *missing).order_by(Order.id)
        ):
            rows.add(order.id, order.status, _aware(order.at), order.express, order.citizen_id, tuple(order[5:9]),
                     tuple(lines.get(order.id, ())))
        rows.spill()
    return rows.close()


def generate_fulfilment(ctx) -> None:
    """The demo generator's step after the order history: instructions for any handed-over order still without one,
    unless the history fed InstructionRows as it made its orders."""
    if InstructionRows in ctx.sinks_fed:
        return
    started = time.perf_counter()
    made = backfill_instructions()
    ctx.echo(f"{made} warehouse instructions for the order history in {time.perf_counter() - started:.1f} s")
