"""Fixtures for statistics: a tiny catalogue, citizens in two municipalities and orders placed exactly where the test says."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from stomi_app.extensions import db
from grants.services import GrantLineInput, create_grant
from grants.models import GrantPeriod
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from stomi_app.models import Role
from tests import factories
from tests.ordering.conftest import shop  # noqa: F401 (the same tiny catalogue as the ordering tests)

_keys = itertools.count(1)
S = OrderStatus


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def make_order(citizen, submitted_at: datetime, lines, *, status=S.DELIVERED, express=False, replacement=False,
               delivered_at: datetime | None = None, waited=False, instruction=None) -> Order:
    """An order as history has it: snapshot lines (variant, packs, unit price in øre), events, an instruction.

    `instruction` is (accepted_at, requested_delivery_date, promised_working_days) for a delivered order.
    """
    order = Order(citizen=citizen, status=status, idempotency_key=f"stat-{next(_keys)}", express=express,
                  is_replacement=replacement, submitted_at=submitted_at, created_at=submitted_at,
                  delivered_at=delivered_at)
    for variant, quantity, price in lines:
        order.lines.append(OrderLine(variant_id=variant.id, quantity=quantity, article_number=variant.article_number,
                                     product_name=f"{variant.product.name} ({variant.article_number})",
                                     unit_price_oere=price, vat_rate_pct=25))
    previous = S.DRAFT
    path = [S.AWAITING_APPROVAL] if waited else []
    if status not in (S.AWAITING_APPROVAL,):
        path.append(status)
    for step in path:
        order.events.append(OrderEvent(from_status=previous, to_status=step, at=submitted_at))
        previous = step
    db.session.add(order)
    db.session.flush()
    if instruction is not None:
        from fulfilment.models import WarehouseInstruction

        accepted_at, requested, promised = instruction
        db.session.add(WarehouseInstruction(
            order_id=order.id, created_at=accepted_at, requested_delivery_date=requested, promised_working_days=promised,
            express=express, delivery_name=citizen.name, delivery_address=citizen.address, delivery_postcode="8000",
            delivery_city="Aarhus C", packing_note=""))
        db.session.flush()
    return order


def grant(officer, citizen, *lines, valid_from=date(2025, 1, 1), valid_to=None):
    with factories.decided_on(valid_from):
        g = create_grant(officer, citizen, legal_basis="Serviceloven § 112", valid_from=valid_from, valid_to=valid_to,
                         lines=list(lines), reason="Statistik-test")
    db.session.flush()
    return g


def line(quantity, period=GrantPeriod.MONTH, variant=None, category=None):
    return GrantLineInput(quantity=quantity, period=period, variant_id=variant.id if variant else None,
                          category_id=category.id if category else None)


@pytest.fixture
def manager(world):
    user = factories.user(Role.MUNICIPAL_MANAGER, "leder.aarhus@test.dk", municipality_code=751)
    db.session.commit()
    return user
