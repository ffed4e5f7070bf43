"""Writing new objects in one statement (stomi_app.oneinsert): the same rows a flush writes, or nothing at all."""
from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from fulfilment.models import InstructionLine, OutboxMessage, WarehouseInstruction
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Order, OrderChannel, OrderEvent, OrderLine, OrderStatus
from stomi_app.oneinsert import write_new
from stomi_app.timeutil import local_today
from tests.dbutil import count_statements

def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def new_order(citizen, shop, quantities=((0, 2), (1, 3))):
    """A new order of bag_a and bag_b with its first event, built as ordering builds one, not yet written."""
    variants = [shop.bag_a, shop.bag_b]
    order = Order(citizen_id=citizen.id, status=OrderStatus.ACCEPTED, idempotency_key=f"k-{citizen.id}-{len(quantities)}",
                  channel=OrderChannel.WEB, delivery_name=citizen.name, delivery_address=citizen.address,
                  delivery_postcode=citizen.postcode, delivery_city=citizen.city)
    for index, quantity in quantities:
        variant = variants[index]
        order.lines.append(OrderLine(variant_id=variant.id, quantity=quantity, article_number=variant.article_number,
                                     product_name="Calma lukket pose", unit_price_oere=45000 + index, vat_rate_pct=25,
                                     routing="within_grant"))
    order.events.append(OrderEvent(from_status=OrderStatus.DRAFT, to_status=OrderStatus.ACCEPTED, by_citizen=True,
                                   reason="within_grant"))
    return order


def stored(order_id: int) -> tuple:
    """The order as the database holds it, without keys and clock times."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    return (order.citizen_id, order.status, order.channel, order.delivery_address, order.express, order.created_at is not None,
            [(line.variant_id, line.quantity, line.article_number, line.unit_price_oere, line.routing) for line in order.lines],
            [(event.from_status, event.to_status, event.reason, event.at is not None) for event in order.events])


def test_a_new_order_is_written_in_one_statement_as_the_flush_writes_it(citizen, shop):
    if not on_postgresql():
        pytest.skip("one statement is PostgreSQL's (data-modifying CTEs); other engines flush")
    flushed = new_order(citizen, shop)
    db.session.add(flushed)
    db.session.flush()
    by_flush = stored(flushed.id)

    order = new_order(citizen, shop, quantities=((0, 2), (1, 3)))
    order.idempotency_key = "second"
    db.session.add(order)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is True
    assert len(statements) == 1
    # As after a flush: keys and foreign keys set, persistent, nothing pending, defaults filled in.
    assert not db.session.new and all(inspect(o).persistent for o in [order, *order.lines, *order.events])
    assert [line.order_id for line in order.lines] == [order.id, order.id] and order.events[0].order_id == order.id
    assert order.lines[0].id < order.lines[1].id  # written in the order of the list
    assert order.created_at is not None
    db.session.commit()
    assert stored(order.id) == by_flush


def test_an_accepted_order_writes_its_instruction_lines_and_outbox_row_in_the_same_statement(citizen, shop):
    if not on_postgresql():
        pytest.skip("one statement is PostgreSQL's")
    order = new_order(citizen, shop, quantities=((0, 1), (1, 4)))
    instruction = WarehouseInstruction(order=order, requested_delivery_date=local_today(), promised_working_days=2,
                                       delivery_name="A", delivery_address="B", delivery_postcode="8000",
                                       delivery_city="Aarhus C", packing_note="x")
    for line in order.lines:
        instruction.lines.append(InstructionLine(variant_id=line.variant_id, article_number=line.article_number,
                                                 gtin="5701234000013", quantity=line.quantity, pack_size=30, unit="box"))
    instruction.outbox = OutboxMessage(idempotency_key="outbox-1", next_attempt_at=utcnow())
    db.session.add(order)
    db.session.add(instruction)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is True
    assert len(statements) == 1
    db.session.commit()
    db.session.expire_all()
    written = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
    assert [(l.article_number, l.quantity) for l in written.lines] == [("NL-100", 1), ("NL-101", 4)]
    assert written.outbox.instruction_id == written.id and written.outbox.idempotency_key == "outbox-1"


def test_a_session_with_a_changed_object_is_left_to_the_flush(citizen, shop):
    order = new_order(citizen, shop)  # reads the citizen first: a read after the change would autoflush it
    citizen.phone = "12345678"
    db.session.add(order)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is False
    assert statements == []  # nothing written half-way
    db.session.flush()
    assert db.session.scalar(select(func.count(OrderLine.id))) == 2


def test_several_new_parents_are_left_to_the_flush(citizen, shop):
    first, second = new_order(citizen, shop), new_order(citizen, shop, quantities=((1, 5),))
    db.session.add_all([first, second])
    assert write_new(db.session) is False
    db.session.flush()
    assert [l.order_id for l in first.lines] == [first.id, first.id] and second.lines[0].order_id == second.id


def test_other_engines_flush(citizen, shop):
    if on_postgresql():
        pytest.skip("this engine writes in one statement")
    db.session.add(new_order(citizen, shop))
    assert write_new(db.session) is False
    assert db.session.scalar(select(func.count(Order.id))) == 1  # the autoflush of the count wrote it as usual


def test_nothing_new_is_nothing_to_write(citizen, shop):
    assert write_new(db.session) is False

