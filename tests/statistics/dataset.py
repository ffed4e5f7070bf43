"""A small history whose statistics were worked out by hand (see the numbers in the comments and in test_figures)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

from stomi_app.extensions import db
from grants.models import GrantPeriod
from stomi_app.models import Role
from grants.services import create_grant
from grants.models import GrantPeriod
from ordering.models import Order, OrderEvent, OrderLine, OrderStatus
from stomi_app.models import Role
from tests import factories
from tests.fixtures.grants import line
from tests.fixtures.orders import S, utc

_keys = itertools.count(1)


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


@dataclass
class History:
    a: object
    b: object
    e: object
    odense: object
    shop: object


def build(world, shop) -> History:
    officer, officer_odense = world[Role.GRANT_OFFICER], world["officer_odense"]
    a, odense = world["citizen"], world["citizen_odense"]
    b = factories.citizen(name="Bent Borg")
    d = factories.citizen(name="Dorte Dahl")
    e = factories.citizen(name="Erik Eng")
    grant(officer, a, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    grant(officer, b, line(2, category=shop.bags), line(1, variant=shop.plate), valid_from=date(2026, 10, 20))
    grant(officer, d, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1), valid_to=date(2026, 9, 15))
    grant(officer, e, line(10, variant=shop.bag_a), valid_from=date(2024, 1, 1))
    grant(officer_odense, odense, line(5, variant=shop.bag_a), valid_from=date(2025, 1, 1))

    # October 2026 in Copenhagen runs from 2026-09-30 22:00 UTC (summer time) to 2026-10-31 23:00 UTC (winter time).
    # o1: 00:30 on 1 October local: in October. Delivered on time (accepted Thu 1 Oct, promised Mon 5 Oct).
    make_order(a, utc(2026, 9, 30, 22, 30), [(shop.bag_a, 2, 45000)], delivered_at=utc(2026, 10, 2, 12),
               instruction=(utc(2026, 10, 1, 8), date(2026, 10, 5), 2))
    # o9: 23:30 on 30 September local: September, not October.
    make_order(a, utc(2026, 9, 30, 21, 30), [(shop.bag_a, 1, 45000)], delivered_at=utc(2026, 10, 2, 9))
    # o2: 00:30 on 1 November local: November.
    make_order(a, utc(2026, 10, 31, 23, 30), [(shop.bag_a, 1, 45000)], status=S.ACCEPTED)
    # o3: 23:30 on 31 October local: October; express, shipped (not delivered in October).
    make_order(b, utc(2026, 10, 31, 22, 30), [(shop.plate, 1, 80000)], status=S.SHIPPED, express=True)
    # o4: waited and was rejected: not an order in the figures, one rejected request.
    make_order(b, utc(2026, 10, 21, 10), [(shop.bag_b, 9, 47000)], status=S.REJECTED, waited=True)
    # o5: cancelled: not counted anywhere.
    make_order(a, utc(2026, 10, 12, 10), [(shop.bag_a, 3, 45000)], status=S.CANCELLED)
    # o6: a free replacement: one replacement order, no packs, no spend.
    make_order(a, utc(2026, 10, 14, 10), [(shop.bag_a, 2, 45000)], replacement=True, status=S.DELIVERED,
               delivered_at=utc(2026, 10, 16, 10))
    # o7: waited and was approved, delivered 00:30 on Tue 20 Oct local (22:30 UTC on the 19th): one day late, since
    # it was promised for Mon 19 Oct; accepted Thu 15 Oct, so 3 working days (Fri 16, Mon 19, Tue 20).
    make_order(b, utc(2026, 10, 15, 9), [(shop.bag_b, 3, 47000)], waited=True, delivered_at=utc(2026, 10, 19, 22, 30),
               instruction=(utc(2026, 10, 15, 10), date(2026, 10, 19), 2))
    # o8: Odense's citizen: Odense's figures only.
    make_order(odense, utc(2026, 10, 10, 10), [(shop.bag_a, 5, 45000)], status=S.DELIVERED,
               delivered_at=utc(2026, 10, 12, 10))
    # Last year's October: one order of one pack at last year's price.
    make_order(a, utc(2025, 10, 5, 10), [(shop.bag_a, 1, 40000)], delivered_at=utc(2025, 10, 7, 10))
    db.session.commit()
    return History(a, b, e, odense, shop)


# October 2026, Aarhus, worked out by hand from the orders above.
OCTOBER = dict(orders=3, units=6, spend_oere=90000 + 80000 + 141000, express_orders=1, replacement_orders=1)
OCTOBER_CITIZENS = 3  # a, b (from 20 Oct) and e; d's grant ended 15 September
