"""The citizen overview and the call log: what the agent sees while the citizen is on the phone."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from callcenter.models import Contact, ContactOutcome, ContactReason
from callcenter.services import open_now
from ordering import services as ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent
from ordering.models import DeliveryProblemKind
from care.models import AdviceMessage, AdviceQuestion, AdviceStatus
from stomi_app.models import AuditEvent
from ordering.models import DeliveryProblemKind
from care.models import AdviceMessage, AdviceQuestion, AdviceStatus
from tests.fixtures.orders import deliver, web_order
from tests.fixtures.grants import grant_for, line


def test_overview_shows_grants_measure_orders_cases_and_contacts(agent_client, consenting, officer, shop, measured, agent):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), line(2, variant=shop.plate), valid_from=date(2025, 1, 1))
    delivered = deliver(web_order(consenting, {shop.bag_a: 1}), tracking="PKG-777")
    ordering.report_problem(delivered, kind=DeliveryProblemKind.DAMAGED, description="Kassen var våd")
    open_order = web_order(consenting, {shop.plate: 1})
    open_order.tracking_reference = "PKG-888"
    db.session.add(Contact(citizen_id=consenting.id, agent_id=agent.id, reason=ContactReason.DELIVERY_QUESTION,
                           note="Spurgte til levering", outcome=ContactOutcome.ANSWERED))
    question = AdviceQuestion(citizen_id=consenting.id, status=AdviceStatus.ANSWERED, summary="Hudproblemer")
    question.messages = [AdviceMessage(text="Det klør", from_nurse=False),
                         AdviceMessage(text="Prøv en konveks plade", from_nurse=True)]
    db.session.add(question)
    db.session.commit()

    html = agent_client.get(f"/callcenter/borger/{consenting.id}").get_data(as_text=True)
    grants = html.split('data-testid="grants"')[1].split("</table>")[0]
    assert "Calma lukket pose" in grants and "<strong>3</strong>" in grants  # 4 granted, 1 used
    assert "Ø 32 mm" in html
    open_table = html.split('data-testid="open-orders"')[1].split("</table>")[0]
    assert open_order.number in open_table and "PKG-888" in open_table
    recent = html.split('data-testid="recent-orders"')[1].split("</table>")[0]
    assert delivered.number in recent and "PKG-777" in recent and "Leveret" in recent
    cases = html.split('data-testid="cases"')[1].split("</ul>")[0]
    assert "Kassen var våd" in cases and delivered.number in cases
    assert "Prøv en konveks plade" in html and "Hudproblemer" in html
    assert "Spurgte til levering" in html
    assert "150348-****" in html and "1503481234" not in html and "Aarhus" in html


def test_expected_delivery_date_from_fulfilment(agent_client, consenting, officer, shop):
    fulfilment = pytest.importorskip("fulfilment.models")
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = web_order(consenting, {shop.bag_a: 1})
    instruction = db.session.scalar(select(fulfilment.WarehouseInstruction).where(fulfilment.WarehouseInstruction.order_id == order.id))
    if instruction is None:
        pytest.skip("fulfilment makes no instruction on acceptance in this installation")
    instruction.requested_delivery_date = date(2031, 3, 4)
    db.session.commit()
    html = agent_client.get(f"/callcenter/borger/{consenting.id}/ordre/{order.id}").get_data(as_text=True)
    assert "4. marts 2031" in html.split('data-testid="expected"')[1].split("</dd>")[0]


def test_no_consent_is_shown_but_ordering_is_still_possible(agent_client, citizen, shop):
    # Consent governs data sharing beyond delivery, never whether a citizen gets their supplies.
    html = agent_client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert 'data-testid="no-consent"' in html and 'data-testid="new-order"' in html
    assert agent_client.get(f"/callcenter/borger/{citizen.id}/bestil").status_code == 200


def test_withdrawn_consent_still_lets_the_agent_order(agent_client, consenting, shop):
    consenting.consent_withdrawn_at = utcnow()
    db.session.commit()
    response = agent_client.post(f"/callcenter/borger/{consenting.id}/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/levering")


# --- the call log -------------------------------------------------------------------------------

def test_a_call_is_logged_and_shown_newest_first(agent_client, citizen, agent):
    for note in ("Første opkald", "Andet opkald"):
        response = agent_client.post(f"/callcenter/borger/{citizen.id}/kontakt",
                                     data={"reason": "complaint", "note": note, "outcome": "call_back"})
        assert response.status_code == 302
    contact = db.session.scalar(select(Contact).order_by(Contact.id.desc()))
    assert (contact.citizen_id, contact.agent_id, contact.reason, contact.outcome) == (
        citizen.id, agent.id, ContactReason.COMPLAINT, ContactOutcome.CALL_BACK)
    html = agent_client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    table = html.split('data-testid="contacts"')[1]
    assert table.index("Andet opkald") < table.index("Første opkald")
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "change")).all()
    assert [c.purpose for c in changes] == ["callcenter: call log"] * 2


@pytest.mark.parametrize("data, field", [
    ({"reason": "gossip", "note": "x", "outcome": "answered"}, "reason"),
    ({"reason": "order", "note": "x", "outcome": "shrug"}, "outcome"),
    ({"reason": "order", "note": "   ", "outcome": "answered"}, "note"),
    ({"reason": "order", "note": "x" * 2001, "outcome": "answered"}, "note"),
    ({"note": "x"}, "reason"),
])
def test_call_log_validation(agent_client, citizen, data, field):
    response = agent_client.post(f"/callcenter/borger/{citizen.id}/kontakt", data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_call_log_for_unknown_citizen_is_404(agent_client, world):
    assert agent_client.post("/callcenter/borger/999999/kontakt", data={"reason": "order", "note": "x", "outcome": "answered"}).status_code == 404


@pytest.mark.parametrize("hour, is_open", [(5, False), (6, True), (14, True), (15, False)])
def test_opening_hours_in_copenhagen_time(hour, is_open):
    from datetime import datetime, timezone

    # Winter time: Copenhagen is UTC+1, so 06:00 UTC is 07:00 there.
    assert open_now("07:00–16:00", datetime(2026, 1, 15, hour, 0, tzinfo=timezone.utc)) is is_open
