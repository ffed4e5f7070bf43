"""Fixtures for fulfilment: accepted orders (placed, or bulk-made), the logistics simulator on 127.0.0.1, signed posts."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fulfilment.signing import SIGNATURE_HEADER, sign
from fulfilment.simulator import LogisticsSimulator
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import Order, OrderLine, OrderStatus
from ordering.services import new_draft, set_delivery, set_draft_lines, set_status, submit
from tests.ordering.conftest import citizen, grant_for, line, measured, officer, shop  # noqa: F401  (fixtures)

CPH = ZoneInfo("Europe/Copenhagen")


def at(y, m, d, hour=12):
    return datetime(y, m, d, hour, tzinfo=CPH)


def place(citizen, quantities, when, *, express=False, temporary=None, note=None):
    """Order through the real ordering rules at `when` (Copenhagen time) and commit."""
    with time_machine.travel(when, tick=False):
        order = new_draft(citizen)
        order.note = note
        set_draft_lines(order, {v.id: q for v, q in quantities.items()})
        if express or temporary:
            set_delivery(order, express=express, temporary=bool(temporary), **(temporary or {}))
        submit(order)
        db.session.commit()
    return order


@pytest.fixture
def granted(officer, measured, shop):
    """The citizen (round measure Ø 32 mm) granted plates and bags, generously."""
    grant_for(officer, measured, line(20, variant=shop.plate), line(20, variant=shop.bag_a), line(20, variant=shop.bag_b),
              valid_from=date(2025, 1, 1), express_per_year=12)
    return measured


def bulk_accepted(citizen, variant, count: int, *, express: bool = False) -> list[Order]:
    """`count` orders accepted through set_status (so the fulfilment hook runs), without the ordering rules' cost."""
    orders = []
    for _ in range(count):
        order = Order(citizen_id=citizen.id, status=OrderStatus.DRAFT, idempotency_key=uuid.uuid4().hex,
                      delivery_name=citizen.name, delivery_address=citizen.address, delivery_postcode=citizen.postcode,
                      delivery_city=citizen.city, submitted_at=utcnow(), express=express,
                      events=[])  # known empty: set_status appends without a lazy load (and its autoflush) per order
        order.lines.append(OrderLine(variant_id=variant.id, quantity=1, article_number=variant.article_number,
                                     product_name="bulk", unit_price_oere=45000, vat_rate_pct=25))
        orders.append(order)
    db.session.add_all(orders)
    db.session.flush()
    for order in orders:
        set_status(order, OrderStatus.ACCEPTED, reason="bulk")
    db.session.commit()
    return orders


@pytest.fixture
def provider(app):
    """The simulator on 127.0.0.1 (no events back), with the app pointed at it and short timeouts."""
    simulator = LogisticsSimulator("127.0.0.1", 0, secret=app.config["LOGISTICS_SECRET"]).start()
    saved = {k: app.config[k] for k in ("LOGISTICS_URL", "LOGISTICS_READ_TIMEOUT", "LOGISTICS_CONNECT_TIMEOUT")}
    app.config.update(LOGISTICS_URL=simulator.url, LOGISTICS_READ_TIMEOUT=2.0, LOGISTICS_CONNECT_TIMEOUT=1.0)
    try:
        yield simulator
    finally:
        app.config.update(saved)
        simulator.close()


def signed_post(client, secret, data=None, *, raw: bytes | None = None, signature: str | None = None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers[SIGNATURE_HEADER] = signature or sign(secret, body)
    return client.post("/api/v1/fulfilment/events", data=body, headers=headers)
