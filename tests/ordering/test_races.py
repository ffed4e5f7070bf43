"""Races on one order through the real pages on PostgreSQL: an edit in another tab while the draft is sent, the same
draft sent many times at once, a cancel while the dispatcher holds the instruction."""
from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from sqlalchemy import select, update

from fulfilment.models import OutboxMessage, OutboxStatus, WarehouseInstruction
from stomi_app.extensions import db
from ordering.models import Order, OrderEvent, OrderStatus
from grants.models import OrderRules
from stomi_app.models import Role
from ordering.services import cancel, new_draft, set_draft_lines, submit
from tests import factories
from ordering.models import Order, OrderEvent, OrderStatus
from grants.models import OrderRules
from ordering.services import cancel, new_draft, set_draft_lines, submit
from tests.fixtures.grants import grant_for, line

pytestmark = [pytest.mark.committing, pytest.mark.skipif(not os.environ.get("STOMI_TEST_DATABASE_URL"), reason="row locks are a PostgreSQL matter")]

CPR = "1503481234"  # the world's citizen, Birthe Nielsen


@pytest.fixture
def granted(officer, citizen, shop):
    """Bag A granted generously, no days between orders: every round may be accepted."""
    db.session.add(OrderRules(municipality_id=citizen.municipality_id, intro_months=0, intro_max_months_per_order=12,
                              max_months_per_order=12, min_days_between_orders=0))
    grant_for(officer, citizen, line(20, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    return citizen


def _tab(app, actor="citizen"):
    """A browser tab of the citizen's (or of the callcenter agent ordering for her): a client of its own, signed in."""
    client = app.test_client()
    if actor == "agent":
        assert client.post("/login", data={"email": "agent@test.dk", "password": factories.PASSWORD}).status_code == 302
    else:
        assert client.post("/login/borger", data={"cpr": CPR}).status_code == 302
    return client


def _at_once(*calls):
    """Run the calls in threads released together; their results in the same order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=30)
        try:
            results[i] = call()
        except Exception as exc:  # asserted by the caller: a page must never raise
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _draft(citizen, shop) -> tuple[int, str]:
    draft = new_draft(citizen)
    set_draft_lines(draft, {shop.bag_a.id: 1})
    db.session.commit()
    return draft.id, draft.idempotency_key


def _instruction_lines(order_id: int) -> list[tuple[str, int]]:
    instruction = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order_id))
    return sorted((l.article_number, l.quantity) for l in instruction.lines) if instruction else []


@pytest.mark.parametrize("edit", ["other_product", "more_packs", "nothing"])
def test_an_edit_in_another_tab_while_sending_never_changes_the_sent_order(app, granted, shop, edit):
    citizen = granted
    form = {"other_product": {f"qty-{shop.bag_b.id}": "1"},  # bag B is not granted
            "more_packs": {f"qty-{shop.bag_a.id}": "30"},  # beyond the 20 granted
            "nothing": {f"qty-{shop.bag_a.id}": "0"}}[edit]
    send_tab, edit_tab = _tab(app), _tab(app)
    for _ in range(12):
        order_id, key = _draft(citizen, shop)
        sent, edited = _at_once(lambda: send_tab.post("/borger/bestil/send", data={"idempotency_key": key}),
                                lambda: edit_tab.post("/borger/bestil", data={**form, "action": "update"}))
        assert not isinstance(sent, Exception) and not isinstance(edited, Exception), (sent, edited)
        assert sent.status_code == 302 and edited.status_code == 302, (sent.status_code, edited.status_code)
        db.session.expire_all()
        order = db.session.get(Order, order_id)
        if order.status is OrderStatus.DRAFT:
            # The edit came first and emptied the draft: the send said so and sent nothing.
            assert edit == "nothing" and not order.lines and sent.location.endswith("/borger/bestil")
            db.session.delete(order)
            db.session.commit()
            continue
        lines = [(l.article_number, l.quantity, l.routing) for l in order.lines]
        assert lines and all(routing is not None for *_, routing in lines), lines  # every line was routed when sent
        if order.status is OrderStatus.ACCEPTED:
            assert all(routing == "within_grant" for *_, routing in lines), lines
            assert _instruction_lines(order.id) == sorted((a, q) for a, q, _ in lines)
        else:
            assert order.status is OrderStatus.AWAITING_APPROVAL and any(r != "within_grant" for *_, r in lines)
        if edited.location.endswith(f"/borger/ordrer/{order.id}"):
            # The edit lost the race: it was told the order was already sent, and the order is as it was sent.
            assert lines == [(shop.bag_a.article_number, 1, "within_grant")]
            assert "allerede sendt" in edit_tab.get(edited.location).get_data(as_text=True)
        # Out of the way of the next round: cancelled orders do not count against the grant.
        db.session.execute(update(Order).where(Order.id == order.id).values(status=OrderStatus.CANCELLED))
        db.session.commit()


@pytest.mark.parametrize("actor", ["citizen", "agent"])
@pytest.mark.parametrize("to_approval", [False, True])
def test_the_same_draft_sent_twenty_times_at_once_is_routed_once(app, world, granted, shop, to_approval, actor):
    """The citizen's and the agent's "Send" are one step: both lock the draft, so twenty presses make one order."""
    citizen = granted
    draft = new_draft(citizen, placed_by=world[Role.CALLCENTER] if actor == "agent" else None)
    set_draft_lines(draft, {(shop.bag_b if to_approval else shop.bag_a).id: 1})
    db.session.commit()
    order_id, key = draft.id, draft.idempotency_key
    steps, detail = (f"/callcenter/borger/{citizen.id}/bestil", f"/callcenter/borger/{citizen.id}/ordre/{order_id}") \
        if actor == "agent" else ("/borger/bestil", f"/borger/ordrer/{order_id}")
    tabs = [_tab(app, actor) for _ in range(20)]
    # With a note: the agent must give one for an order beyond the grant.
    answers = _at_once(*[lambda t=t: t.post(f"{steps}/send", data={"idempotency_key": key, "note": "Rejse"}) for t in tabs])
    assert all(not isinstance(a, Exception) and a.status_code == 302 for a in answers), answers
    assert {a.location.split("?")[0] for a in answers} == {detail}
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.status is (OrderStatus.AWAITING_APPROVAL if to_approval else OrderStatus.ACCEPTED)
    assert db.session.scalar(select(db.func.count(OrderEvent.id)).where(OrderEvent.order_id == order_id)) == 1
    page = tabs[0].get(answers[0].location)
    assert page.status_code == 200 and order.number in page.get_data(as_text=True)


def _accepted(citizen, shop) -> Order:
    order_id, key = _draft(citizen, shop)
    order = db.session.get(Order, order_id)

    submit(order)
    db.session.commit()
    assert order.status is OrderStatus.ACCEPTED
    return order


def test_an_order_whose_instruction_the_dispatcher_has_claimed_cannot_be_cancelled(app, granted, shop, provider):
    from fulfilment.dispatch import dispatch_pending

    order = _accepted(granted, shop)
    # The dispatcher has claimed the row and is waiting for the provider's answer.
    db.session.execute(update(OutboxMessage).values(claim_token="x" * 32, attempts=1))
    db.session.commit()
    tab = _tab(app)
    page = tab.get(f"/borger/ordrer/{order.id}").get_data(as_text=True)
    assert "Annullér bestillingen" not in page
    answer = tab.post(f"/borger/ordrer/{order.id}/annuller", follow_redirects=True)
    assert answer.status_code == 200 and "kan ikke længere annulleres" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.ACCEPTED
    # Once the lease runs out the instruction goes again; the goods are the order's, which is then invoiced.
    db.session.execute(update(OutboxMessage).values(claim_token=None, next_attempt_at=db.func.now()))
    db.session.commit()
    assert dispatch_pending().sent == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.SENT_TO_WAREHOUSE


def test_a_cancel_that_holds_the_instruction_is_never_sent_by_a_dispatcher_waiting_for_it(app, granted, shop, provider):
    from fulfilment.dispatch import dispatch_pending

    order_id = _accepted(granted, shop).id
    cancelled, release = threading.Event(), threading.Event()
    report = {}

    def cancel_slowly():
        with app.app_context():
            cancel(db.session.get(Order, order_id), reason="changed my mind")
            cancelled.set()
            release.wait(timeout=30)  # the dispatcher's claim waits for this transaction meanwhile
            db.session.commit()
            db.session.remove()

    def dispatch():
        with app.app_context():
            cancelled.wait(timeout=30)
            report["r"] = dispatch_pending()
            db.session.remove()

    threads = [threading.Thread(target=cancel_slowly), threading.Thread(target=dispatch)]
    for t in threads:
        t.start()
    cancelled.wait(timeout=30)
    threads[1].join(timeout=1)  # the dispatcher is blocked on the row lock
    release.set()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    assert db.session.get(Order, order_id).status is OrderStatus.CANCELLED
    assert db.session.scalar(select(OutboxMessage.status)) is OutboxStatus.CANCELLED
    assert report["r"].sent == 0 and provider.state.stats()["requests"] == 0


def test_a_decision_after_a_cancel_in_another_request_is_refused(app, granted, shop, world):
    """A nurse who opened the order before the citizen cancelled it cannot approve it afterwards."""
    from care.approvals import approve_order
    from care.nursing import NursingError
    from tests import factories

    draft = new_draft(granted)
    set_draft_lines(draft, {shop.bag_b.id: 1})
    db.session.commit()

    submit(draft)
    db.session.commit()
    order_id = draft.id
    nurse = world[factories.Role.NURSE]
    seen = db.session.get(Order, order_id)  # the nurse's request read it as waiting …
    assert seen.status is OrderStatus.AWAITING_APPROVAL
    with app.app_context():  # … then the citizen's request cancelled it
        cancel(db.session.get(Order, order_id), reason="changed my mind")
        db.session.commit()
        db.session.remove()
    with pytest.raises(NursingError):
        approve_order(nurse, seen)
    db.session.rollback()
    assert db.session.get(Order, order_id).status is OrderStatus.CANCELLED


def test_an_agent_editing_while_another_tab_sends_changes_nothing_sent(app, granted, shop, world):
    """The callcenter's ordering pages take the same lock: an edit after the send is refused with a message."""
    from tests import factories

    agent = world[factories.Role.CALLCENTER]
    citizen_id, bag_a, bag_b = granted.id, shop.bag_a.article_number, shop.bag_b.id
    send_tab, edit_tab = app.test_client(), app.test_client()
    for tab in (send_tab, edit_tab):
        assert tab.post("/login", data={"email": agent.email, "password": factories.PASSWORD}).status_code == 302
    for _ in range(8):
        draft = new_draft(granted, placed_by=agent)
        set_draft_lines(draft, {shop.bag_a.id: 1})
        db.session.commit()
        order_id, key = draft.id, draft.idempotency_key
        base = f"/callcenter/borger/{citizen_id}/bestil"
        sent, edited = _at_once(lambda: send_tab.post(f"{base}/send", data={"idempotency_key": key, "note": ""}),
                                lambda: edit_tab.post(base, data={f"qty-{bag_b}": "1", "action": "update"}))
        assert not isinstance(sent, Exception) and not isinstance(edited, Exception), (sent, edited)
        assert sent.status_code < 500 and edited.status_code < 500, (sent.status_code, edited.status_code)
        db.session.expire_all()
        order = db.session.get(Order, order_id)
        if order.status is OrderStatus.ACCEPTED:
            assert [(l.article_number, l.quantity) for l in order.lines] == [(bag_a, 1)]
            assert _instruction_lines(order.id) == [(bag_a, 1)]
        if order.status is not OrderStatus.DRAFT:
            assert all(l.routing is not None for l in order.lines)
        db.session.execute(update(Order).where(Order.id == order.id).values(status=OrderStatus.CANCELLED))
        db.session.commit()


@pytest.mark.parametrize("field", ["qty-2147483648", "qty-" + "9" * 5000, "qty-²"])
def test_a_forged_quantity_field_is_no_product_and_no_error(app, granted, shop, field):
    tab = _tab(app)
    answer = tab.post("/borger/bestil", data={field: "1", f"qty-{shop.bag_a.id}": "1"})
    assert answer.status_code == 302
    assert tab.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "9" * 5000}).status_code == 422
