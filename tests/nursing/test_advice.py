"""Advice both ways: the citizen asks (or the callcenter transfers), a nurse answers, the citizen is told."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from care import nursing
from stomi_app.extensions import db
from care.models import AdviceStatus, TaskKind
from stomi_app.models import AuditEvent, Role


def test_ask_answer_reply(citizen, nurse):
    with pytest.raises(nursing.NursingError) as exc:
        nursing.ask_advice(citizen, "   ")
    assert "text" in exc.value.errors
    question = nursing.ask_advice(citizen, "Min plade løsner sig")
    db.session.commit()
    assert question.status is AdviceStatus.OPEN and nursing.unread_answers(citizen.id) == 0
    nursing.answer_advice(nurse, question, "Prøv en konveks plade")
    db.session.commit()
    assert question.status is AdviceStatus.ANSWERED and question.citizen_unread
    assert nursing.unread_answers(citizen.id) == 1
    assert nursing.queue(nurse, kind=TaskKind.ADVICE) == []
    nursing.mark_read(question)
    nursing.citizen_reply(citizen, question, "Tak, hvilken?")
    db.session.commit()
    assert nursing.unread_answers(citizen.id) == 0
    assert question.status is AdviceStatus.OPEN
    assert [t.ref_id for t in nursing.queue(nurse, kind=TaskKind.ADVICE)] == [question.id]
    assert [m.from_nurse for m in question.messages] == [False, True, False]


def test_double_click_gives_one_message(citizen, nurse):
    question = nursing.ask_advice(citizen, "Spørgsmål")
    nursing.answer_advice(nurse, question, "Svar")
    nursing.answer_advice(nurse, question, "Svar")
    nursing.citizen_reply(citizen, question, "Tak")
    nursing.citizen_reply(citizen, question, "Tak")
    assert len(question.messages) == 3


def test_transferred_by_the_callcenter_with_summary(citizen, nurse, world):
    agent = world[Role.CALLCENTER]
    question = nursing.ask_advice(citizen, "Borgeren spørger om hudpleje", transferred_by=agent,
                                  summary="Rød hud i 3 dage, ingen feber")
    db.session.commit()
    assert question.transferred_by_id == agent.id and question.summary == "Rød hud i 3 dage, ingen feber"
    assert question.messages[0].author_id == agent.id and not question.messages[0].from_nurse
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == agent.id, AuditEvent.citizen_id == citizen.id))
    assert [t.ref_id for t in nursing.queue(nurse, kind=TaskKind.ADVICE)] == [question.id]


def test_closed_conversation(citizen, nurse):
    question = nursing.ask_advice(citizen, "Spørgsmål")
    nursing.close_advice(nurse, question)
    db.session.commit()
    assert question.status is AdviceStatus.CLOSED and question.closed_by_id == nurse.id
    with pytest.raises(nursing.NursingError):
        nursing.citizen_reply(citizen, question, "Hallo?")
    with pytest.raises(nursing.NursingError):
        nursing.answer_advice(nurse, question, "Svar")


def test_the_citizens_own_questions_only(citizen, world):
    other = world["citizen_odense"]
    question = nursing.ask_advice(other, "Andens spørgsmål")
    db.session.commit()
    assert nursing.citizen_question(citizen.id, question.id) is None
    assert nursing.citizen_questions(citizen.id) == []
    with pytest.raises(LookupError):
        nursing.citizen_reply(citizen, question, "Hej")


def test_the_nurse_can_write_a_second_message_before_the_citizen_answers(citizen, nurse):
    """Found by the hostile-input fuzzer once answers went through ADVICE_FLOW: answered → answered is no move."""
    question = nursing.ask_advice(citizen, "Spørgsmål")
    nursing.answer_advice(nurse, question, "Første svar")
    nursing.answer_advice(nurse, question, "Og en ting mere")
    assert question.status is AdviceStatus.ANSWERED and question.citizen_unread
    assert [m.text for m in question.messages] == ["Spørgsmål", "Første svar", "Og en ting mere"]
