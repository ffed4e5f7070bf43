"""Concurrent orders against one grant line on PostgreSQL: exactly those that fit are accepted."""
from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from sqlalchemy import select

from stomi_app.extensions import db
from ordering.models import Order, OrderStatus
from grants.models import OrderRules
from ordering.services import new_draft, set_draft_lines, submit
from ordering.models import Order, OrderStatus
from grants.models import OrderRules
from ordering.services import new_draft, set_draft_lines, submit
from tests.fixtures.grants import grant_for, line

pytestmark = [pytest.mark.committing, pytest.mark.skipif(not os.environ.get("STOMI_TEST_DATABASE_URL"), reason="row locks are a PostgreSQL matter")]


def _room_for_ten(officer, citizen, shop, min_days_between_orders=0):
    db.session.add(OrderRules(municipality_id=citizen.municipality_id, intro_months=0, intro_max_months_per_order=12,
                              max_months_per_order=12, min_days_between_orders=min_days_between_orders))
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))


def _all_at_once(app, jobs) -> list[Exception]:
    """Run each job in its own thread and app context, all released together; the exceptions they raised."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)  # before taking a pooled connection: the pool is smaller than 50
                job()
                db.session.commit()
            except Exception as exc:  # collected and asserted by the caller
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def _drafts_submitted_at_once(app, citizen, shop, count: int) -> list[OrderStatus]:
    """`count` drafts of one bag each, sent all at once through submit; their statuses afterwards."""
    ids = []
    for _ in range(count):
        draft = new_draft(citizen)
        set_draft_lines(draft, {shop.bag_a.id: 1})
        ids.append(draft.id)
    db.session.commit()
    errors = _all_at_once(app, [lambda order_id=i: submit(db.session.get(Order, order_id)) for i in ids])
    assert not errors, errors[:3]
    db.session.expire_all()
    return list(db.session.scalars(select(Order.status).where(Order.id.in_(ids))))


def test_fifty_concurrent_orders_for_room_for_ten(app, officer, citizen, shop):
    _room_for_ten(officer, citizen, shop)
    statuses = _drafts_submitted_at_once(app, citizen, shop, 50)
    assert statuses.count(OrderStatus.ACCEPTED) == 10
    assert statuses.count(OrderStatus.AWAITING_APPROVAL) == 40


def test_the_same_draft_sent_twice_concurrently_is_one_order(app, officer, citizen, shop):
    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: 1})
    db.session.commit()
    draft_id = draft.id  # read here: touching the expired object in a thread would use this thread's session
    barrier = threading.Barrier(2)

    def send():
        with app.app_context():
            barrier.wait(timeout=30)
            order = db.session.get(Order, draft_id)
            submit(order)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    order = db.session.get(Order, draft_id)
    assert order.status is OrderStatus.ACCEPTED and len(order.events) == 1


def test_of_concurrent_submits_only_the_first_is_not_too_soon(app, officer, citizen, shop):
    _room_for_ten(officer, citizen, shop, min_days_between_orders=14)
    statuses = _drafts_submitted_at_once(app, citizen, shop, 20)
    assert statuses.count(OrderStatus.ACCEPTED) == 1
    assert statuses.count(OrderStatus.AWAITING_APPROVAL) == 19
