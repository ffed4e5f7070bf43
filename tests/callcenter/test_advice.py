"""Transfer to a stoma nurse: a question in the citizen's name with the agent's summary, through the nurse console."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from care import nursing
from stomi_app.extensions import db
from care.models import AdviceQuestion, AdviceStatus
from stomi_app.models import AuditEvent, Role


def test_transfer_creates_a_question_for_the_nurses_with_the_summary(agent_client, citizen, agent, world):
    url = f"/callcenter/borger/{citizen.id}/raadgivning"
    assert agent_client.get(url).status_code == 200
    data = {"question": "Huden omkring stomien er rød og klør", "summary": "Rødme i 3 dage, bruger konveks plade"}
    response = agent_client.post(url, data=data)
    assert response.status_code == 302
    assert agent_client.post(url, data=data).status_code == 302  # a double press: still one question
    question = db.session.scalar(select(AdviceQuestion))
    assert db.session.scalar(select(func.count(AdviceQuestion.id))) == 1
    assert question.citizen_id == citizen.id and question.status is AdviceStatus.OPEN
    assert question.transferred_by_id == agent.id and question.summary == data["summary"]
    assert question.messages[0].text == data["question"] and question.messages[0].from_nurse is False
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "callcenter: transfer to a stoma nurse"))
    assert audit.user_id == agent.id and audit.citizen_id == citizen.id

    # The nurse answers in her console; the agent sees the answer on the overview.
    nursing.answer_advice(world[Role.NURSE], question, "Brug en barrierecreme og ring, hvis det ikke går over")
    db.session.commit()
    html = agent_client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert "Brug en barrierecreme" in html and data["summary"] in html


@pytest.mark.parametrize("data, field", [
    ({"question": "", "summary": "x"}, "question"),
    ({"question": "Hvad gør jeg?", "summary": "  "}, "summary"),
    ({"question": "Hvad gør jeg?", "summary": "x" * 2001}, "summary"),
    ({"question": "x" * 4001, "summary": "x"}, "question"),
])
def test_transfer_needs_the_question_and_a_summary(agent_client, citizen, data, field):
    response = agent_client.post(f"/callcenter/borger/{citizen.id}/raadgivning", data=data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AdviceQuestion.id))) == 0


def test_transfer_for_unknown_citizen_is_404(agent_client, world):
    assert agent_client.post("/callcenter/borger/999999/raadgivning", data={"question": "x", "summary": "y"}).status_code == 404
