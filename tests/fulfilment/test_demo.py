"""The demo backfill: history orders inserted past the ACCEPTED hook get the instruction the hook would have made."""
from __future__ import annotations

import uuid

import time_machine
from sqlalchemy import select

from devtools.demo.fulfilment import backfill_instructions
from fulfilment.instructions import payload
from fulfilment.models import OutboxStatus, WarehouseInstruction
from fulfilment.sla import monthly_on_time
from stomi_app.db import utcnow
from stomi_app.extensions import db
from citizens.clinical import CutShape
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from citizens.clinical import CutShape
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from tests.fixtures.fulfilment import bulk_accepted
from tests.fixtures.orders import at


def history_order(citizen, variant, status, accepted, delivered=None):
    """An order as the demo history inserts it: statuses and events written directly, no hook."""
    order = Order(citizen_id=citizen.id, status=status, idempotency_key=uuid.uuid4().hex, delivery_name=citizen.name,
                  delivery_address=citizen.address, delivery_postcode=citizen.postcode, delivery_city=citizen.city,
                  submitted_at=accepted, delivered_at=delivered)
    order.lines.append(OrderLine(variant_id=variant.id, quantity=2, article_number=variant.article_number,
                                 product_name="x", unit_price_oere=80000, vat_rate_pct=25, cut_shape=CutShape.ROUND,
                                 cut_diameter_mm=30))
    order.events.append(OrderEvent(from_status=OrderStatus.DRAFT, to_status=OrderStatus.ACCEPTED, at=accepted))
    db.session.add(order)
    return order


def test_backfill_makes_what_the_hook_makes_once(granted, shop):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        bulk_accepted(granted, shop.bag_a, 1)  # has its instruction already
    delivered = history_order(granted, shop.plate, OrderStatus.DELIVERED, at(2026, 3, 6), at(2026, 3, 10, 14))
    waiting = history_order(granted, shop.plate, OrderStatus.ACCEPTED, utcnow())
    history_order(granted, shop.plate, OrderStatus.CANCELLED, at(2026, 3, 6))
    db.session.commit()
    assert backfill_instructions() == 2
    assert backfill_instructions() == 0
    db.session.commit()
    made = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == delivered.id))
    doc = payload(made)
    assert doc["requested_delivery_date"] == "2026-03-10"
    assert doc["lines"] == [{"article_number": "FC-200", "gtin": "5701234000037", "quantity": 2, "pack_size": 10,
                             "unit": "box", "cutting": {"shape": "round", "diameter_mm": 30, "plates": 20}}]
    assert made.outbox.status is OutboxStatus.SENT and made.minimised  # the test citizen has not consented
    pending = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == waiting.id))
    assert pending.outbox.status is OutboxStatus.PENDING
    assert monthly_on_time(2026, 3).on_time == 1
