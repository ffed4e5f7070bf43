"""The nurse's queue: what reaches it, oldest first, the filters, who sees which citizen, and claims."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from catalogue.models import ReviewStatus, SupplierChangeReview
from care import approvals
from care import nursing
from ordering import services as ordering
from stomi_app.extensions import db
from care.models import AdviceQuestion, DischargeProposal, DischargeRecommendation, RecommendationStatus, TaskKind
from citizens.clinical import CutShape
from ordering.models import DeliveryProblem, DeliveryProblemKind, OrderStatus, RoutingReason
from stomi_app.models import Role, StomaType
from tests import factories
from tests.fixtures.orders import waiting_order


def _at(obj, attr, minutes_ago):
    setattr(obj, attr, datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))


def _all_kinds(citizen, shop, officer, world):
    """One open task of every kind for the citizen, with known ages (oldest: the review)."""
    order = waiting_order(citizen, shop, officer)
    _at(order, "submitted_at", 50)
    measure = ordering.current_measure(citizen.id)
    _at(measure, "created_at", 40)
    question = nursing.ask_advice(citizen, "Min hud er rød under pladen")
    _at(question, "waiting_since", 30)
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager om natten")
    _at(change, "created_at", 20)
    review = SupplierChangeReview(citizen_id=citizen.id, old_variant_id=shop.old.id, status=ReviewStatus.OPEN)
    db.session.add(review)
    db.session.flush()
    _at(review, "created_at", 60)
    delivered = ordering.new_draft(citizen)
    ordering.set_draft_lines(delivered, {shop.plate.id: 1}, on=order.submitted_at.date())
    delivered.status = OrderStatus.DELIVERED  # a delivered order: the status path is not what is tested here
    problem = DeliveryProblem(order=delivered, kind=DeliveryProblemKind.CUTTING, description="Hullet er for stort")
    db.session.add(problem)
    db.session.flush()
    _at(problem, "reported_at", 10)
    hospital_nurse = factories.user(Role.NURSE, region_code=1082, workplace="Regionshospitalet Randers")
    discharged = DischargeRecommendation(citizen_id=citizen.id, municipality_id=citizen.municipality_id,
                                         created_by_id=hospital_nurse.id, hospital=hospital_nurse.workplace)
    db.session.add(discharged)
    db.session.flush()
    proposal = DischargeProposal(recommendation_id=discharged.id, citizen_id=citizen.id, proposed_by_id=hospital_nurse.id,
                                 stoma_type=StomaType.UROSTOMY)
    db.session.add(proposal)
    db.session.flush()
    _at(proposal, "created_at", 5)
    db.session.commit()
    return {"order": order, "measure": measure, "advice": question, "change": change, "review": review, "problem": problem,
            "proposal": proposal}


def test_every_kind_reaches_the_queue_oldest_first(measured, shop, officer, world, nurse):
    items = _all_kinds(measured, shop, officer, world)
    tasks = nursing.queue(nurse)
    assert [(t.kind, t.ref_id) for t in tasks] == [
        (TaskKind.SUPPLIER_REVIEW, items["review"].id), (TaskKind.ORDER, items["order"].id),
        (TaskKind.MEASURE, items["measure"].id), (TaskKind.ADVICE, items["advice"].id),
        (TaskKind.PRODUCT_CHANGE, items["change"].id), (TaskKind.CUTTING_PROBLEM, items["problem"].id),
        (TaskKind.DISCHARGE_PROPOSAL, items["proposal"].id),
    ]
    assert nursing.queue_counts(nurse) == {kind: 1 for kind in TaskKind}


def test_filter_by_kind_and_municipality(measured, shop, officer, world, nurse_auh):
    _all_kinds(measured, shop, officer, world)
    only_advice = nursing.queue(nurse_auh, kind=TaskKind.ADVICE)
    assert [t.kind for t in only_advice] == [TaskKind.ADVICE]
    randers = factories.municipality(730)
    assert nursing.queue(nurse_auh, municipality_id=randers.id) == []
    assert len(nursing.queue(nurse_auh, municipality_id=measured.municipality_id)) == 7
    assert sum(nursing.queue_counts(nurse_auh, municipality_id=randers.id).values()) == 0


def test_filter_by_discharging_hospital(measured, shop, world, nurse_auh):
    nursing.ask_advice(measured, "Spørgsmål")
    db.session.add(DischargeRecommendation(citizen_id=measured.id, municipality_id=measured.municipality_id,
                                           created_by_id=nurse_auh.id, hospital="Aarhus Universitetshospital"))
    db.session.commit()
    assert nursing.hospitals_for(nurse_auh) == ["Aarhus Universitetshospital"]
    assert [t.kind for t in nursing.queue(nurse_auh, hospital="Aarhus Universitetshospital", kind=TaskKind.ADVICE)] == [TaskKind.ADVICE]
    assert nursing.queue(nurse_auh, hospital="Regionshospitalet Randers") == []


def test_decided_and_within_grant_orders_leave_the_queue(measured, shop, officer, world, nurse):
    order = waiting_order(measured, shop, officer)
    ordering.record_measure(measured, shape=CutShape.ROUND, diameter_mm=30, by=nurse)  # the citizen's measure is superseded
    within = ordering.new_draft(measured)
    db.session.commit()
    assert [t.kind for t in nursing.queue(nurse)] == [TaskKind.ORDER]
    approvals.approve_order(nurse, order)
    db.session.commit()
    assert nursing.queue(nurse) == []
    assert within.status is OrderStatus.DRAFT


def test_budget_only_reasons_are_not_a_nurses_task(measured, shop, officer, world, nurse):
    order = waiting_order(measured, shop, officer)
    for line in order.lines:
        line.routing = "over_price_ceiling"
    order.events[-1].routing_reasons = [RoutingReason.OVER_PRICE_CEILING]
    db.session.commit()
    assert nursing.queue(nurse, kind=TaskKind.ORDER) == []


def test_who_sees_whom(world, shop, nurse, nurse_auh, nurse_ouh):
    aarhus, odense = world["citizen"], world["citizen_odense"]
    nursing.ask_advice(aarhus, "Aarhus")
    nursing.ask_advice(odense, "Odense")
    db.session.commit()
    assert {t.citizen.id for t in nursing.queue(nurse)} == {aarhus.id}  # municipal nurse: her municipality
    assert {t.citizen.id for t in nursing.queue(nurse_auh)} == {aarhus.id}  # hospital nurse: her region
    assert {t.citizen.id for t in nursing.queue(nurse_ouh)} == {odense.id}
    assert nursing.visible_citizen(nurse, odense.id) is None
    # A citizen the AUH nurse registered at discharge is hers too, though living in the other region.
    db.session.add(DischargeRecommendation(citizen_id=odense.id, municipality_id=odense.municipality_id,
                                           created_by_id=nurse_auh.id, hospital="AUH", status=RecommendationStatus.OPEN))
    db.session.commit()
    assert {t.citizen.id for t in nursing.queue(nurse_auh)} == {aarhus.id, odense.id}
    assert nursing.visible_citizen(nurse, odense.id) is None


def test_claim_release_and_take_over(measured, shop, world, nurse, nurse_aarhus2):
    question = nursing.ask_advice(measured, "Hvor tit skal jeg skifte pladen?")
    db.session.commit()
    task = nursing.open_task(nurse, TaskKind.ADVICE, question.id)
    claim = nursing.claim_task(nurse, task)
    db.session.commit()
    assert claim.nurse_id == nurse.id and claim.claimed_at is not None
    listed = nursing.queue(nurse_aarhus2, kind=TaskKind.ADVICE)[0]
    assert listed.claim.nurse.name == nurse.name  # the queue shows who has it
    with pytest.raises(nursing.TaskClaimed):
        nursing.claim_task(nurse_aarhus2, listed)
    with pytest.raises(nursing.TaskClaimed):
        nursing.answer_advice(nurse_aarhus2, question, "Hver 2.-3. dag")
    with pytest.raises(nursing.TaskClaimed):
        nursing.release_task(nurse_aarhus2, listed)
    db.session.rollback()
    assert len(question.messages) == 1
    nursing.claim_task(nurse_aarhus2, listed, take_over=True)
    db.session.commit()
    assert nursing.claim_of(TaskKind.ADVICE, question.id).nurse_id == nurse_aarhus2.id
    with pytest.raises(nursing.TaskClaimed):
        nursing.answer_advice(nurse, question, "Hver dag")
    db.session.rollback()
    nursing.answer_advice(nurse_aarhus2, question, "Hver 2.-3. dag")
    db.session.commit()
    assert nursing.claim_of(TaskKind.ADVICE, question.id) is None  # decided: the claim is gone
    assert nursing.open_task(nurse, TaskKind.ADVICE, question.id) is None


def test_my_claims_lists_only_open_tasks(awaiting, nurse):
    nursing.claim_task(nurse, nursing.open_task(nurse, TaskKind.ORDER, awaiting.id))
    db.session.commit()
    assert [c.ref_id for c in nursing.my_claims(nurse)] == [awaiting.id]
    ordering.cancel(awaiting)  # settled elsewhere: the claim is left behind but no longer listed
    db.session.commit()
    assert nursing.my_claims(nurse) == []


def test_release_puts_it_back(measured, world, nurse):
    question = nursing.ask_advice(measured, "Spørgsmål")
    db.session.commit()
    task = nursing.open_task(nurse, TaskKind.ADVICE, question.id)
    nursing.claim_task(nurse, task)
    nursing.release_task(nurse, task)
    db.session.commit()
    assert nursing.claim_of(TaskKind.ADVICE, question.id) is None
    assert nursing.my_claims(nurse) == []


def test_an_unclaimed_task_can_be_decided_by_anyone(measured, world, nurse_aarhus2):
    question = nursing.ask_advice(measured, "Spørgsmål")
    nursing.answer_advice(nurse_aarhus2, question, "Svar")
    db.session.commit()
    assert question.status.value == "answered"


def test_search_finds_only_visible_citizens_and_is_audited(world, nurse):
    from sqlalchemy import select

    from stomi_app.models import AuditEvent

    assert [c.name for c in nursing.search_citizens(nurse, "birthe")] == ["Birthe Nielsen"]
    assert [c.name for c in nursing.search_citizens(nurse, "150348-1234")] == ["Birthe Nielsen"]
    assert nursing.search_citizens(nurse, "Jens") == []
    assert nursing.search_citizens(nurse, "020756-2345") == []
    db.session.commit()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == nurse.id, AuditEvent.action == "search"))


def test_advice_question_model_defaults(measured, world):
    question = nursing.ask_advice(measured, "  Hej  ")
    assert isinstance(question, AdviceQuestion) and question.messages[0].text == "Hej"
