"""Fixtures for invoicing: the tiny shop, a fee schedule with the defaults, and delivered orders made directly."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from invoicing.fees import add_schedule
from stomi_app.extensions import db
from stomi_app.models import CutShape, Order, OrderLine, OrderStatus
from tests.ordering.conftest import Shop

_keys = itertools.count(1)


@pytest.fixture
def shop(world):
    s = Shop()
    db.session.commit()
    return s


@pytest.fixture
def fees(world):
    schedule = add_schedule(valid_from=date(2026, 1, 1))
    db.session.commit()
    return schedule


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def delivered(citizen, lines, *, at: datetime, express: bool = False, replacement: bool = False,
              status: OrderStatus = OrderStatus.DELIVERED) -> Order:
    """An order as the ordering flow leaves it once delivered: lines with their snapshot (variant, packs, price, cut)."""
    order = Order(citizen=citizen, status=status, idempotency_key=f"inv-test-{next(_keys)}", express=express,
                  is_replacement=replacement, delivered_at=at if status is OrderStatus.DELIVERED else None,
                  submitted_at=at)
    for variant, quantity, price, cut in lines:
        order.lines.append(OrderLine(
            variant_id=variant.id, quantity=quantity, article_number=variant.article_number,
            product_name=f"{variant.product.name} ({variant.article_number})", unit_price_oere=price, vat_rate_pct=25,
            cut_shape=CutShape.ROUND if cut else None, cut_diameter_mm=cut or None))
    db.session.add(order)
    db.session.commit()
    return order
