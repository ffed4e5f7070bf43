"""Clinical decisions: approve once, approve and recommend, reject; product changes; supplier-change reviews."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.models import ReviewStatus, SupplierChangeReview
from care import approvals
from care import nursing
from ordering import services as ordering
from stomi_app.extensions import db
from grants.services import GrantAccessDenied
from stomi_app.models import AuditEvent, Role
from grants.models import GrantPeriod
from ordering.models import OrderStatus
from care.models import RecommendationKind, RecommendationStatus, RequestStatus, TaskKind
from tests import factories
from tests.fixtures.orders import TODAY, waiting_order
from tests.fixtures.grants import grant_for, line


def test_approve_once_moves_the_order_and_records_who_when_why(awaiting, nurse):
    result = approvals.approve_order(nurse, awaiting, reason="Ekstra poser efter operationen")
    db.session.commit()
    assert result is None
    assert awaiting.status is OrderStatus.ACCEPTED
    assert awaiting.decided_by_id == nurse.id and awaiting.decided_at is not None
    assert awaiting.decision_reason == "Ekstra poser efter operationen"
    last = awaiting.events[-1]
    assert (last.from_status, last.to_status, last.by_id) == (OrderStatus.AWAITING_APPROVAL, OrderStatus.ACCEPTED, nurse.id)
    assert approvals.pending_recommendations(awaiting.citizen.municipality_id) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == nurse.id, AuditEvent.action == "change",
                                                      AuditEvent.citizen_id == awaiting.citizen_id))


def test_approve_and_recommend_a_grant_change(awaiting, nurse, shop, world):
    recommendation = approvals.approve_order(nurse, awaiting, reason="Godkendt", recommend=True,
                                             quantities={shop.bag_a.id: "4"}, note="Ileostomi med højt output")
    db.session.commit()
    assert awaiting.status is OrderStatus.ACCEPTED
    assert recommendation.kind is RecommendationKind.ORDER and recommendation.order_id == awaiting.id
    assert recommendation.status is RecommendationStatus.OPEN
    assert [(l.variant_id, l.quantity, l.period) for l in recommendation.lines] == [(shop.bag_a.id, 4, GrantPeriod.MONTH)]
    assert recommendation.note == "Ileostomi med højt output"
    pending = approvals.pending_recommendations(awaiting.citizen.municipality_id)
    assert pending == [recommendation]
    assert approvals.pending_recommendations(factories.municipality(461).id) == []
    # The grant itself is untouched: only the grant officer changes it.
    assert [u.line.quantity for u in ordering.consumption(awaiting.citizen_id, TODAY)] == [2]


def test_recommendation_quantity_must_be_sensible(awaiting, nurse, shop):
    with pytest.raises(nursing.NursingError) as exc:
        approvals.approve_order(nurse, awaiting, recommend=True, quantities={shop.bag_a.id: "0"})
    assert f"qty-{shop.bag_a.id}" in exc.value.errors
    db.session.rollback()
    assert awaiting.status is OrderStatus.AWAITING_APPROVAL


def test_reject_needs_a_reason_and_then_moves_the_order(awaiting, nurse):
    with pytest.raises(nursing.NursingError) as exc:
        approvals.reject_order(nurse, awaiting, reason="   ")
    assert "reason" in exc.value.errors
    db.session.rollback()
    assert awaiting.status is OrderStatus.AWAITING_APPROVAL
    approvals.reject_order(nurse, awaiting, reason="Du har fået for mange poser; ring til mig")
    db.session.commit()
    assert awaiting.status is OrderStatus.REJECTED
    assert awaiting.decision_reason == "Du har fået for mange poser; ring til mig"
    assert awaiting.events[-1].reason == "Du har fået for mange poser; ring til mig"


def test_deciding_twice_changes_nothing(awaiting, nurse):
    approvals.approve_order(nurse, awaiting)
    db.session.commit()
    events = len(awaiting.events)
    with pytest.raises(nursing.NursingError):
        approvals.approve_order(nurse, awaiting)
    with pytest.raises(nursing.NursingError):
        approvals.reject_order(nurse, awaiting, reason="Nej")
    db.session.rollback()
    assert awaiting.status is OrderStatus.ACCEPTED and len(awaiting.events) == events


def test_a_claimed_order_is_decided_only_after_take_over(awaiting, nurse, nurse_aarhus2):
    nursing.claim_task(nurse, nursing.open_task(nurse, TaskKind.ORDER, awaiting.id))
    db.session.commit()
    with pytest.raises(nursing.TaskClaimed):
        approvals.reject_order(nurse_aarhus2, awaiting, reason="Nej")
    db.session.rollback()
    assert awaiting.status is OrderStatus.AWAITING_APPROVAL
    nursing.claim_task(nurse_aarhus2, nursing.open_task(nurse_aarhus2, TaskKind.ORDER, awaiting.id), take_over=True)
    approvals.reject_order(nurse_aarhus2, awaiting, reason="Nej")
    db.session.commit()
    assert awaiting.decided_by_id == nurse_aarhus2.id


def test_grant_officer_closes_a_recommendation(awaiting, nurse, officer, world):
    recommendation = approvals.approve_order(nurse, awaiting, recommend=True)
    db.session.commit()
    with pytest.raises(GrantAccessDenied):
        approvals.close_recommendation(world["officer_odense"], recommendation, done=True)
    with pytest.raises(nursing.NursingError):
        approvals.close_recommendation(officer, recommendation, done=False, note="")
    approvals.close_recommendation(officer, recommendation, done=False, note="Budgettet rækker ikke")
    db.session.commit()
    assert recommendation.status is RecommendationStatus.DISMISSED and recommendation.handled_by_id == officer.id
    assert approvals.pending_recommendations(awaiting.citizen.municipality_id) == []


# --- product change -------------------------------------------------------------------------------

def test_product_change_request_is_validated_and_idempotent(citizen, shop):
    with pytest.raises(nursing.NursingError) as exc:
        approvals.request_product_change(citizen, wanted_variant=None, reason="")
    assert set(exc.value.errors) == {"wanted", "reason"}
    with pytest.raises(nursing.NursingError) as exc:
        approvals.request_product_change(citizen, wanted_variant=shop.old, reason="Den gamle var bedre")
    assert "wanted" in exc.value.errors
    with pytest.raises(nursing.NursingError):
        approvals.request_product_change(citizen, wanted_variant=shop.bag_a, current_variant=shop.bag_a, reason="x")
    first = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager")
    again = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager")
    assert first.id == again.id


def test_approved_change_of_a_granted_variant_becomes_a_recommendation(citizen, shop, officer, nurse):
    grant_for(officer, citizen, line(3, period=GrantPeriod.QUARTER, variant=shop.bag_a))
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, current_variant=shop.bag_a, reason="Lækager")
    recommendation = approvals.approve_product_change(nurse, change, reason="Prøv den tømbare")
    db.session.commit()
    assert change.status is RequestStatus.APPROVED and change.effect == "recommended"
    assert change.decided_by_id == nurse.id and change.decision_reason == "Prøv den tømbare"
    assert recommendation.kind is RecommendationKind.PRODUCT_CHANGE
    [rec_line] = recommendation.lines
    assert (rec_line.variant_id, rec_line.quantity, rec_line.period, rec_line.replaces_variant_id) == (
        shop.bag_b.id, 3, GrantPeriod.QUARTER, shop.bag_a.id)


def test_approved_change_within_a_category_grant_takes_effect_at_once(citizen, shop, officer, nurse):
    grant_for(officer, citizen, line(3, category=shop.bags))
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, current_variant=shop.bag_a, reason="Lækager")
    assert approvals.approve_product_change(nurse, change) is None
    db.session.commit()
    assert change.effect == "at_once"
    assert approvals.pending_recommendations(citizen.municipality_id) == []


def test_change_without_a_grant_needs_a_quantity(citizen, shop, nurse):
    change = approvals.request_product_change(citizen, wanted_variant=shop.plate, reason="Ny plade")
    db.session.commit()
    with pytest.raises(nursing.NursingError) as exc:
        approvals.approve_product_change(nurse, change)
    assert "quantity" in exc.value.errors
    db.session.rollback()
    recommendation = approvals.approve_product_change(nurse, change, quantity="2")
    assert recommendation.lines[0].quantity == 2


def test_reject_a_product_change(citizen, shop, nurse):
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager")
    with pytest.raises(nursing.NursingError):
        approvals.reject_product_change(nurse, change, reason="")
    approvals.reject_product_change(nurse, change, reason="Prøv først en konveks plade")
    db.session.commit()
    assert change.status is RequestStatus.REJECTED
    with pytest.raises(nursing.NursingError):
        approvals.approve_product_change(nurse, change)


def test_callcenter_request_is_audited(citizen, shop, world):
    agent = world[Role.CALLCENTER]
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Ringede ind", requested_by=agent)
    db.session.commit()
    assert change.requested_by_id == agent.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == agent.id, AuditEvent.citizen_id == citizen.id))


# --- supplier change ------------------------------------------------------------------------------

def _review(citizen, shop):
    review = SupplierChangeReview(citizen_id=citizen.id, old_variant_id=shop.bag_a.id, status=ReviewStatus.OPEN,
                                  suggested_variants=[shop.bag_b])
    db.session.add(review)
    db.session.commit()
    return review


def test_supplier_review_recommends_the_successor_of_a_granted_variant(citizen, shop, officer, nurse):
    grant_for(officer, citizen, line(2, variant=shop.bag_a))
    review = _review(citizen, shop)
    with pytest.raises(nursing.NursingError):
        approvals.decide_supplier_review(nurse, review, successor_id=shop.plate.id)
    recommendation = approvals.decide_supplier_review(nurse, review, successor_id=shop.bag_b.id, note="Talt med borgeren")
    db.session.commit()
    assert review.status is ReviewStatus.DONE and review.done_by_id == nurse.id
    assert (recommendation.kind, recommendation.lines[0].variant_id, recommendation.lines[0].replaces_variant_id,
            recommendation.lines[0].quantity) == (RecommendationKind.SUPPLIER_CHANGE, shop.bag_b.id, shop.bag_a.id, 2)
    with pytest.raises(nursing.NursingError):
        approvals.decide_supplier_review(nurse, review, successor_id=shop.bag_b.id)


def test_supplier_review_without_successor_needs_a_note(citizen, shop, officer, nurse):
    grant_for(officer, citizen, line(2, category=shop.bags))
    review = _review(citizen, shop)
    with pytest.raises(nursing.NursingError) as exc:
        approvals.decide_supplier_review(nurse, review, successor_id=None)
    assert "successor" in exc.value.errors
    assert approvals.decide_supplier_review(nurse, review, successor_id=shop.bag_b.id) is None  # the category grant covers it
    db.session.commit()
    assert review.status is ReviewStatus.DONE


# --- a change of system recommends what goes and what stops (issue 24 item 10) -------------------------------

@pytest.fixture
def two_piece_bag(shop):
    from catalogue.models import ContractPrice, Product, Variant

    product = Product(category=shop.bags, manufacturer="Fjord Care", name="Link 2-dels pose", system="two_piece")
    variant = Variant(product=product, article_number="FC-300", gtin="5701234000051", pack_size=30, unit="box", coupling_mm=50)
    db.session.add(variant)
    db.session.flush()
    db.session.add(ContractPrice(variant_id=variant.id, valid_from=TODAY.replace(year=2024), valid_to=None,
                                 contract_reference="SKI-2024", price_oere=9900, vat_rate_pct=25))
    db.session.commit()
    return variant


def test_two_piece_to_one_piece_replaces_the_bag_and_stops_the_baseplate(citizen, shop, officer, nurse, two_piece_bag):
    grant_for(officer, citizen, line(3, variant=two_piece_bag), line(2, variant=shop.plate))
    # She does not say which product she has now: the only granted bag is the one replaced.
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_a, reason="Vil prøve 1-dels")
    recommendation = approvals.approve_product_change(nurse, change)
    db.session.commit()
    lines = [(l.variant_id, l.quantity, l.replaces_variant_id, l.stops) for l in recommendation.lines]
    assert lines == [(shop.bag_a.id, 3, two_piece_bag.id, False), (None, 0, shop.plate.id, True)]
    unmet = approvals.recommendation_unmet(recommendation)
    assert any("FC-200" in u for u in unmet) and any("FC-300" in u for u in unmet) and any("NL-100" in u for u in unmet)


def test_one_piece_to_one_piece_stops_nothing(citizen, shop, officer, nurse):
    grant_for(officer, citizen, line(3, variant=shop.bag_a), line(2, variant=shop.plate))
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager")
    recommendation = approvals.approve_product_change(nurse, change)
    assert [(l.variant_id, l.replaces_variant_id) for l in recommendation.lines] == [(shop.bag_b.id, shop.bag_a.id)]


def test_with_two_bags_granted_the_replaced_one_is_not_guessed(citizen, shop, officer, nurse, two_piece_bag):
    grant_for(officer, citizen, line(3, variant=two_piece_bag), line(2, variant=shop.bag_b))
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_a, reason="Lækager")
    db.session.commit()
    with pytest.raises(nursing.NursingError) as exc:
        approvals.approve_product_change(nurse, change)
    assert "quantity" in exc.value.errors
    db.session.rollback()
    recommendation = approvals.approve_product_change(nurse, change, quantity="3")
    # No bag guessed as replaced, so no change of system known either: nothing is recommended stopped.
    assert [(l.variant_id, l.replaces_variant_id) for l in recommendation.lines] == [(shop.bag_a.id, None)]
