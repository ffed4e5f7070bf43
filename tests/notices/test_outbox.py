"""Notices are written with their cause, once per event, on the channels the citizen chose; consent is not asked."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from notices.models import DeliveryStatus, Notice, NoticeDelivery
from notices.services import notify, save_preferences
from notices.texts import Kind, body, title
from care import approvals
from care import nursing
from stomi_app.db import utcnow
from stomi_app.extensions import db
from ordering.models import OrderStatus
from ordering.services import set_status
from ordering.models import OrderStatus
from ordering.services import set_status
from tests.fixtures.grants import grant_for, line
from tests.fixtures.orders import place

DAY = date(2026, 3, 10)


def notices_of(citizen_id):
    return list(db.session.scalars(select(Notice).where(Notice.citizen_id == citizen_id).order_by(Notice.id)))


def test_an_order_within_the_grant_tells_the_citizen_it_was_received_with_the_expected_day(emailed, shop, officer):
    grant_for(officer, emailed, line(10, variant=shop.bag_a))
    before = {n.kind for n in notices_of(emailed.id)}
    order = place(emailed, {shop.bag_a: 2}, DAY)
    assert order.status is OrderStatus.ACCEPTED
    notice = [n for n in notices_of(emailed.id) if n.kind not in before][-1]
    assert notice.kind == Kind.ORDER_RECEIVED and notice.order_id == order.id
    assert notice.params["number"] == order.number
    assert notice.params["expected"] == "2026-03-12"  # two working days after Tuesday 10 March
    assert [d.channel for d in notice.deliveries] == ["email", "digital_post"]
    assert all(d.status is DeliveryStatus.PENDING for d in notice.deliveries)


def test_waiting_then_approved_then_rejected_each_say_why(emailed, shop, officer, nurse):
    grant_for(officer, emailed, line(2, variant=shop.bag_a))
    waiting = place(emailed, {shop.bag_a: 5}, DAY)
    assert waiting.status is OrderStatus.AWAITING_APPROVAL
    told = notices_of(emailed.id)[-1]
    assert told.kind == Kind.ORDER_AWAITING_APPROVAL and told.params["reasons"] == ["over_grant"]
    with force_locale("en"):
        with_app_texts = body(told.kind, told.params)
    assert "More than what is left of your grant this period: it must be approved" in with_app_texts

    approvals.approve_order(nurse, waiting, reason="Ekstra efter operationen")
    db.session.commit()
    approved = notices_of(emailed.id)[-1]
    assert approved.kind == Kind.ORDER_APPROVED and approved.params["reason"] == "Ekstra efter operationen"
    assert approved.params["expected"]

    second = place(emailed, {shop.bag_a: 5}, DAY)
    approvals.reject_order(nurse, second, reason="Tal med din sygeplejerske først")
    db.session.commit()
    rejected = notices_of(emailed.id)[-1]
    assert rejected.kind == Kind.ORDER_REJECTED and rejected.params["reason"] == "Tal med din sygeplejerske først"
    with force_locale("en"):
        assert title(rejected.kind, rejected.params) == f"Your order {second.number} was not approved"


def test_shipped_carries_the_tracking_number_and_a_second_shipment_is_its_own_event(emailed, shop, officer):
    grant_for(officer, emailed, line(10, variant=shop.bag_a))
    order = place(emailed, {shop.bag_a: 1}, DAY)
    for status in (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED):
        set_status(order, status)
    order.tracking_reference, order.carrier = "00370712345", "PostNord"
    set_status(order, OrderStatus.SHIPPED)
    set_status(order, OrderStatus.DELIVERY_FAILED, reason="nobody home")
    set_status(order, OrderStatus.SHIPPED)
    set_status(order, OrderStatus.DELIVERED)
    db.session.commit()
    kinds = [(n.kind, n.key) for n in notices_of(emailed.id) if n.order_id == order.id]
    assert kinds == [
        (Kind.ORDER_RECEIVED, f"order:{order.id}:order_received"),
        (Kind.ORDER_SHIPPED, f"order:{order.id}:order_shipped:1"),
        (Kind.ORDER_DELIVERY_FAILED, f"order:{order.id}:order_delivery_failed:1"),
        (Kind.ORDER_SHIPPED, f"order:{order.id}:order_shipped:2"),
        (Kind.ORDER_DELIVERED, f"order:{order.id}:order_delivered"),
    ]
    shipped = [n for n in notices_of(emailed.id) if n.kind == Kind.ORDER_SHIPPED][0]
    assert shipped.params == {"number": order.number, "tracking": "00370712345", "carrier": "PostNord"}


def test_the_same_event_is_told_once(emailed):
    first = notify(emailed, Kind.GRANT_CHANGED, "grant:1:v2")
    again = notify(emailed, Kind.GRANT_CHANGED, "grant:1:v2")
    db.session.commit()
    assert first is not None and again is None
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.key == "grant:1:v2")) == 1
    assert db.session.scalar(select(func.count(NoticeDelivery.id))) == 2  # e-mail and Digital Post, once each


@pytest.mark.committing
@pytest.mark.postgres_only
def test_two_transactions_telling_the_same_event_at_once_write_one_notice_and_both_commit(app, emailed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    citizen_id = emailed.id
    barrier = threading.Barrier(2)
    results, errors = [], []

    def tell():
        try:
            with app.app_context():
                from stomi_app.models.citizen import Citizen

                citizen = db.session.get(Citizen, citizen_id)
                barrier.wait()
                results.append(notify(citizen, Kind.REMEASURE_DUE, "measure:99:remeasure") is not None)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tell) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.key == "measure:99:remeasure")) == 1


def test_a_citizen_who_withdrew_consent_is_still_told_about_her_own_order(emailed, shop, officer):
    emailed.consent_given_at = utcnow()
    emailed.consent_withdrawn_at = utcnow()
    db.session.commit()
    assert not emailed.has_consent
    grant_for(officer, emailed, line(10, variant=shop.bag_a))
    order = place(emailed, {shop.bag_a: 1}, DAY)
    assert any(n.order_id == order.id and n.kind == Kind.ORDER_RECEIVED and n.deliveries for n in notices_of(emailed.id))


def test_channels_follow_the_preferences(emailed):
    save_preferences(emailed, email_on=False, sms_on=True, digital_post_on=False, email="birthe@example.dk",
                     mobile="+45 20 30 40 50", language="en")
    db.session.commit()
    assert emailed.phone == "20304050" and emailed.language == "en"
    notice = notify(emailed, Kind.GRANT_CREATED, "grant:7:v1")
    db.session.commit()
    assert [d.channel for d in notice.deliveries] == ["sms"]


def test_a_citizen_without_any_channel_still_gets_the_notice_in_the_inbox(citizen):
    save_preferences(citizen, email_on=False, sms_on=False, digital_post_on=False, email="", mobile="", language="da")
    notice = notify(citizen, Kind.GRANT_CREATED, "grant:8:v1")
    db.session.commit()
    assert notice is not None and notice.deliveries == []


def test_grant_changes_advice_answers_and_product_changes_are_told(emailed, shop, officer, nurse):
    grant = grant_for(officer, emailed, line(10, variant=shop.bag_a))
    assert notices_of(emailed.id)[-1].key == f"grant:{grant.id}:v1"
    question = nursing.ask_advice(emailed, "Min hud er rød omkring stomien")
    db.session.commit()
    nursing.answer_advice(nurse, question, "Prøv en konveks plade")
    db.session.commit()
    answered = notices_of(emailed.id)[-1]
    assert answered.kind == Kind.ADVICE_ANSWERED
    # The answer itself is not copied into the notice: it is read in the conversation.
    assert "konveks" not in str(answered.params)
    change = approvals.request_product_change(emailed, wanted_variant=shop.bag_b, reason="Utæt", current_variant=shop.bag_a)
    db.session.commit()
    approvals.reject_product_change(nurse, change, reason="Prøv først en anden størrelse")
    db.session.commit()
    decided = notices_of(emailed.id)[-1]
    assert decided.kind == Kind.PRODUCT_CHANGE_REJECTED and decided.params["product"] == shop.bag_b.display_name
