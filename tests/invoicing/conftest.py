"""Fixtures for invoicing: the tiny shop, a fee schedule with the defaults, and delivered orders made directly."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from invoicing.fees import add_schedule
from stomi_app.extensions import db
from citizens.clinical import CutShape
from ordering.models import Order, OrderLine, OrderStatus
from tests import factories
from tests.ordering.conftest import Shop, grant_for, line

_keys = itertools.count(1)
MAY = date(2026, 5, 1)
JUNE_2 = date(2026, 6, 2)


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


@pytest.fixture
def month(world, shop, fees):
    """May 2026 in Aarhus and Odense, as worked out by hand in the docstring of test_aarhus_to_the_oere."""
    officer, officer_odense = world[factories.Role.GRANT_OFFICER], world["officer_odense"]
    birthe, jens = world["citizen"], world["citizen_odense"]
    grant_for(officer, birthe, line(10, variant=shop.bag_a))
    part_year = factories.citizen(municipality_code=751, name="Karen Holm")
    db.session.commit()
    grant_for(officer, part_year, line(10, variant=shop.bag_a), valid_from=date(2026, 3, 15), valid_to=date(2026, 6, 10))
    grant_for(officer_odense, jens, line(10, variant=shop.bag_a))
    o1 = delivered(birthe, [(shop.bag_a, 2, 45000, None), (shop.plate, 1, 80000, 32)], at=utc(2026, 5, 4, 10))
    delivered(birthe, [(shop.bag_b, 1, 47000, None)], at=utc(2026, 5, 6, 9), express=True)
    delivered(part_year, [(shop.bag_a, 1, 45010, None)], at=utc(2026, 5, 12, 14))
    delivered(birthe, [(shop.plate, 1, 0, 32)], at=utc(2026, 5, 14, 8), replacement=True)
    # 31 May 23:30 in Copenhagen (summer time, UTC+2) is 21:30 UTC: May.
    delivered(birthe, [(shop.bag_a, 1, 45000, None)], at=utc(2026, 5, 31, 21, 30))
    # 30 April 23:30 local: April. 1 June 00:30 local is still 31 May in UTC: June.
    delivered(birthe, [(shop.bag_a, 5, 45000, None)], at=utc(2026, 4, 30, 21, 30))
    delivered(birthe, [(shop.bag_a, 7, 45000, None)], at=utc(2026, 5, 31, 22, 30))
    delivered(birthe, [(shop.bag_b, 9, 47000, None)], at=utc(2026, 5, 20, 9), status=OrderStatus.SHIPPED)
    return {"o1": o1}
