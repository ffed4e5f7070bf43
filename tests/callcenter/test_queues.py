"""The callcenter's work queues (issue 19, items 1–3): open problems, call-backs and product-change requests reach
an agent, are claimed and closed with a note; the citizen sees her report; the agent's own actions are logged as contacts."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from callcenter import queues
from callcenter.models import Contact, ContactOutcome, ContactReason, QueueClaim
from ordering import services as ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from ordering.models import DeliveryProblem, DeliveryProblemKind
from care.models import ProductChangeRequest
from tests import factories
from tests.fixtures.orders import deliver, web_order
from tests.callcenter.test_order_on_behalf import _fill, _send
from tests.fixtures.grants import grant_for, line

CITIZEN_CPR = "150348-1234"


@pytest.fixture
def delivered(consenting, officer, shop, measured):
    # Only bags are granted, so a plate is "another product" for the product-change tests.
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    return deliver(web_order(consenting, {shop.bag_a: 3}))


@pytest.fixture
def citizen_client(app, consenting):
    client = app.test_client()
    assert client.post("/login/borger", data={"cpr": CITIZEN_CPR}).status_code == 302
    return client


def _report_online(citizen_client, order, description="Der manglede en æske poser."):
    return citizen_client.post(f"/borger/ordrer/{order.id}/problem", data={"kind": "missing", "description": description})


def _contacts(citizen_id):
    return list(db.session.scalars(select(Contact).where(Contact.citizen_id == citizen_id).order_by(Contact.id)))


# --- item 1: a problem reported online reaches the agent, who claims and closes it -------------------

def test_an_online_problem_is_in_the_queue_and_is_claimed_and_closed_with_a_note(citizen_client, agent_client, delivered, agent):
    assert _report_online(citizen_client, delivered).status_code == 302
    problem = db.session.scalar(select(DeliveryProblem).where(DeliveryProblem.order_id == delivered.id))

    page = agent_client.get("/callcenter/").get_data(as_text=True)
    assert 'data-testid="queue-problems-count">1<' in page
    assert f"Bestilling {delivered.number}" in page or f"Order {delivered.number}" in page
    assert f"/callcenter/koe/delivery_problem/{problem.id}" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "callcenter: work queue",
                                                      AuditEvent.detail.contains(f"problems={problem.id}"))) is not None

    url = f"/callcenter/koe/delivery_problem/{problem.id}"
    assert agent_client.get(url).status_code == 200
    assert agent_client.post(url, data={"action": "claim"}).status_code == 302
    claim = db.session.scalar(select(QueueClaim).where(QueueClaim.ref_id == problem.id))
    assert claim.agent_id == agent.id and claim.closed_at is None
    assert agent.name in agent_client.get("/callcenter/").get_data(as_text=True)

    assert agent_client.post(url, data={"action": "close", "note": ""}).status_code == 422  # a note is required
    assert agent_client.post(url, data={"action": "close", "note": "Ringet op; pakken var hos naboen."}).status_code == 302
    db.session.refresh(problem)
    db.session.refresh(claim)
    assert problem.status == "resolved" and claim.closed_at is not None and claim.note == "Ringet op; pakken var hos naboen."
    assert 'data-testid="queue-problems-count">0<' in agent_client.get("/callcenter/").get_data(as_text=True)
    # The close shows in the call log without the agent typing it again.
    assert any("pakken var hos naboen" in c.note and c.outcome is ContactOutcome.ANSWERED for c in _contacts(delivered.citizen_id))
    # A closed case: its queue page sends the agent back to the queues.
    assert agent_client.get(url).status_code == 302


def test_a_colleague_cannot_close_a_claimed_case_without_taking_it_over(app, agent_client, delivered, agent):
    problem = ordering.report_problem(delivered, kind=DeliveryProblemKind.DAMAGED, description="Knust")
    db.session.commit()
    url = f"/callcenter/koe/delivery_problem/{problem.id}"
    assert agent_client.post(url, data={"action": "claim"}).status_code == 302
    factories.user(Role.CALLCENTER, "agent2@test.dk")
    db.session.commit()
    other = app.test_client()
    assert other.post("/login", data={"email": "agent2@test.dk", "password": factories.PASSWORD}).status_code == 302
    assert other.post(url, data={"action": "close", "note": "Klaret"}).status_code == 422
    assert other.post(url, data={"action": "take_over"}).status_code == 302
    assert other.post(url, data={"action": "close", "note": "Klaret"}).status_code == 302


def test_queues_are_oldest_first_and_leave_cutting_errors_to_the_nurses(delivered, agent):
    newer = ordering.report_problem(delivered, kind=DeliveryProblemKind.DAMAGED, description="Knust")
    older = ordering.report_problem(delivered, kind=DeliveryProblemKind.MISSING, description="Mangler")
    older.reported_at = utcnow() - timedelta(days=2)
    ordering.report_problem(delivered, kind=DeliveryProblemKind.CUTTING, description="Forkert klippet")
    db.session.flush()
    work = queues.work_queues(agent)
    assert [i.ref_id for i in work.problems.items] == [older.id, newer.id] and work.problems.count == 2


def test_a_call_back_is_queued_until_closed(agent_client, consenting, agent):
    assert agent_client.post(f"/callcenter/borger/{consenting.id}/kontakt",
                             data={"reason": "delivery_question", "note": "Ring tilbage i morgen", "outcome": "call_back"}).status_code == 302
    contact = db.session.scalar(select(Contact).where(Contact.outcome == ContactOutcome.CALL_BACK))
    page = agent_client.get("/callcenter/").get_data(as_text=True)
    assert 'data-testid="queue-call-backs-count">1<' in page and f"/callcenter/koe/call_back/{contact.id}" in page
    url = f"/callcenter/koe/call_back/{contact.id}"
    assert agent_client.post(url, data={"action": "close", "note": "Ringet tilbage, svaret givet."}).status_code == 302
    assert 'data-testid="queue-call-backs-count">0<' in agent_client.get("/callcenter/").get_data(as_text=True)


def test_an_unknown_queue_item_goes_back_to_the_queues(agent_client):
    assert agent_client.get("/callcenter/koe/delivery_problem/999999").status_code == 302
    assert agent_client.get("/callcenter/koe/other/1").status_code == 404


# --- item 1: the citizen sees her report and is not offered to report the same again ---------------

def test_the_citizen_sees_her_report_and_cannot_send_it_twice(citizen_client, delivered):
    page = citizen_client.get(f"/borger/ordrer/{delivered.id}").get_data(as_text=True)
    assert f"/borger/ordrer/{delivered.id}/problem" in page and 'data-testid="my-problems"' not in page
    assert _report_online(citizen_client, delivered).status_code == 302
    page = citizen_client.get(f"/borger/ordrer/{delivered.id}").get_data(as_text=True)
    assert 'data-testid="my-problems"' in page and "Der manglede en æske poser." in page
    assert f'href="/borger/ordrer/{delivered.id}/problem"' not in page
    assert citizen_client.get(f"/borger/ordrer/{delivered.id}/problem").status_code == 302
    assert _report_online(citizen_client, delivered, "Igen").status_code == 302
    assert len(list(db.session.scalars(select(DeliveryProblem).where(DeliveryProblem.order_id == delivered.id)))) == 1


def test_the_service_refuses_a_second_open_report_from_the_web(delivered):
    ordering.report_problem(delivered, kind=DeliveryProblemKind.MISSING, description="Mangler", once=True)
    with pytest.raises(ordering.OrderError):
        ordering.report_problem(delivered, kind=DeliveryProblemKind.MISSING, description="Mangler", once=True)


# --- item 2: product-change requests in the overview and raised by the agent ---------------------

def test_the_citizens_request_shows_in_open_cases_and_the_agent_raises_one(agent_client, citizen_client, delivered, shop):
    assert citizen_client.post("/borger/produktskift", data={"wanted": "NL-101", "reason": "Utæt om natten"}).status_code == 302
    page = agent_client.get(f"/callcenter/borger/{delivered.citizen_id}").get_data(as_text=True)
    assert 'data-testid="case-product-change"' in page and shop.bag_b.display_name in page

    url = f"/callcenter/borger/{delivered.citizen_id}/produktskift"
    assert agent_client.get(url).status_code == 200
    assert agent_client.post(url, data={"wanted": "", "reason": ""}).status_code == 422
    assert agent_client.post(url, data={"wanted": "fc-200", "reason": "Huden er øm", "current": ""}).status_code == 302
    requests = list(db.session.scalars(select(ProductChangeRequest).order_by(ProductChangeRequest.id)))
    assert [r.wanted_variant_id for r in requests] == [shop.bag_b.id, shop.plate.id]
    assert requests[1].requested_by_id is not None and requests[0].requested_by_id is None
    # The same request again gives one request and one call-log entry.
    assert agent_client.post(url, data={"wanted": "FC-200", "reason": "Huden er øm"}).status_code == 302
    assert len(list(db.session.scalars(select(ProductChangeRequest)))) == 2
    logged = [c for c in _contacts(delivered.citizen_id) if c.outcome is ContactOutcome.TRANSFERRED_TO_NURSE]
    assert len(logged) == 1 and logged[0].reason is ContactReason.PRODUCT_QUESTION
    start = agent_client.get("/callcenter/").get_data(as_text=True)
    assert 'data-testid="queue-product-changes-count">2<' in start


def test_product_change_for_an_unknown_citizen_is_404(agent_client):
    assert agent_client.get("/callcenter/borger/999999/produktskift").status_code == 404


# --- item 3: the agent's actions are in the call log ------------------------------------------------

def test_order_problem_and_transfer_are_logged_as_contacts(agent_client, consenting, officer, shop, measured, delivered):
    citizen = consenting
    assert agent_client.post(f"/callcenter/borger/{citizen.id}/ordre/{delivered.id}/problem",
                             data={"kind": "missing", "description": "En æske mangler"}).status_code == 302
    assert agent_client.post(f"/callcenter/borger/{citizen.id}/raadgivning",
                             data={"question": "Huden er rød", "summary": "Rød hud under pladen"}).status_code == 302
    _, key = _fill(agent_client, citizen, {shop.plate: 1})
    assert _send(agent_client, citizen, key, note="Bestilt tidligt: pladen faldt af").status_code == 302
    outcomes = [c.outcome for c in _contacts(citizen.id)]
    assert ContactOutcome.PROBLEM_REGISTERED in outcomes and ContactOutcome.TRANSFERRED_TO_NURSE in outcomes
    assert ContactOutcome.ORDER_PLACED in outcomes
    page = agent_client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert delivered.number in page.split('id="contacts"', 1)[1]


def test_opening_a_case_or_the_product_change_page_is_an_audited_read(agent_client, delivered, agent):
    problem = ordering.report_problem(delivered, kind=DeliveryProblemKind.MISSING, description="Mangler")
    db.session.commit()
    assert agent_client.get(f"/callcenter/koe/delivery_problem/{problem.id}").status_code == 200
    assert agent_client.get(f"/callcenter/borger/{delivered.citizen_id}/problem/{problem.id}").status_code == 200
    assert agent_client.get(f"/callcenter/borger/{delivered.citizen_id}/produktskift").status_code == 200
    reads = {e.purpose for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.citizen_id == delivered.citizen_id, AuditEvent.user_id == agent.id))}
    assert {"callcenter: work queue", "callcenter: delivery problem", "callcenter: product change request"} <= reads


def test_closing_a_case_a_colleague_replaced_meanwhile_keeps_it_replaced(citizen_client, agent_client, delivered, agent, shop):
    """The agent had the queue page open while a colleague sent a replacement from the problem page."""
    from ordering.models import ProblemStatus
    from ordering.replacements import create_replacement

    assert _report_online(citizen_client, delivered).status_code == 302
    problem = db.session.scalar(select(DeliveryProblem).where(DeliveryProblem.order_id == delivered.id))
    url = f"/callcenter/koe/delivery_problem/{problem.id}"
    assert agent_client.post(url, data={"action": "claim"}).status_code == 302
    create_replacement(problem, {shop.bag_a.id: 1}, by=agent)
    db.session.commit()
    assert agent_client.post(url, data={"action": "close", "note": "Erstatning sendt af kollega."}).status_code == 302
    db.session.refresh(problem)
    assert problem.status is ProblemStatus.REPLACED
