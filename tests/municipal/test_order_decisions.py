"""The grant officer decides orders waiting on budget (a price ceiling, a lapsed grant) through the nurses' service;
clinical ones stay the nurse's; another municipality's order is a 404."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from care import approvals
from ordering import services as ordering
from stomi_app.extensions import db
from grants.services import GrantAccessDenied
from stomi_app.models import AuditEvent
from ordering.models import Order, OrderStatus
from care.nursing import NursingError, needs_nurse
from tests.municipal.conftest import OFFICER_AARHUS  # noqa: F401
from grants.services import GrantAccessDenied
from stomi_app.models import AuditEvent
from ordering.models import Order, OrderStatus
from care.nursing import NursingError, needs_nurse
from tests.fixtures.people import OFFICER_AARHUS
from tests.fixtures.orders import TODAY
from tests.fixtures.grants import grant_for, line


def _send(citizen, variant, quantity):
    order = ordering.new_draft(citizen)
    ordering.set_draft_lines(order, {variant.id: quantity}, on=TODAY)
    ordering.submit(order, on=TODAY)
    db.session.commit()
    return order


@pytest.fixture
def on_budget(measured, shop, officer):
    """Birthe has 5 bags a month with a ceiling of 450 kr.; 2 bags (900 kr.) wait for the municipality."""
    grant_for(officer, measured, line(5, variant=shop.bag_a, ceiling=45000))
    order = _send(measured, shop.bag_a, 2)
    assert order.status is OrderStatus.AWAITING_APPROVAL
    assert [ln.routing for ln in order.lines] == ["over_price_ceiling"]
    return order


@pytest.fixture
def foreign_waiting(world, shop):
    """Jens (Odense) has a ceiling too: an order waiting for Odense's officer."""
    officer_odense = world["officer_odense"]
    grant_for(officer_odense, world["citizen_odense"], line(5, variant=shop.bag_a, ceiling=45000))
    ordering.record_measure(world["citizen_odense"], shape=ordering.CutShape.ROUND, diameter_mm=30)
    return _send(world["citizen_odense"], shop.bag_a, 2)


def _reload(order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def test_a_budget_order_is_the_municipalitys_and_a_too_large_one_the_nurses(on_budget, awaiting):
    assert not needs_nurse(on_budget)
    assert needs_nurse(awaiting)  # 5 bags against 2 a month: over_grant, a clinical question


def test_the_officer_approves_on_budget(on_budget, officer):
    approvals.officer_decide_order(officer, on_budget, approve=True)
    db.session.commit()
    order = _reload(on_budget)
    assert order.status is OrderStatus.ACCEPTED and order.decided_by_id == officer.id
    assert order.events[-1].reason == "approved_by_municipality"


def test_a_rejection_needs_a_reason_and_keeps_nothing_without_one(on_budget, officer):
    with pytest.raises(NursingError) as err:
        approvals.officer_decide_order(officer, on_budget, approve=False, reason="   ")
    assert "reason" in err.value.errors
    db.session.rollback()
    assert _reload(on_budget).status is OrderStatus.AWAITING_APPROVAL


def test_a_clinical_order_is_refused_to_the_officer(awaiting, officer):
    with pytest.raises(NursingError) as err:
        approvals.officer_decide_order(officer, awaiting, approve=True)
    assert "klinisk spørgsmål" in str(err.value.errors["state"])


def test_an_order_decided_already_is_refused(on_budget, officer):
    approvals.officer_decide_order(officer, on_budget, approve=False, reason="Over budgettet")
    db.session.commit()
    with pytest.raises(NursingError) as err:
        approvals.officer_decide_order(officer, on_budget, approve=True)
    assert "allerede truffet afgørelse" in str(err.value.errors["state"])


def test_another_municipalitys_officer_is_refused_in_the_service(foreign_waiting, officer):
    with pytest.raises(GrantAccessDenied):
        approvals.officer_decide_order(officer, foreign_waiting, approve=True)


# --- over HTTP ---------------------------------------------------------------------------------------

def test_the_list_links_budget_orders_and_names_clinical_ones(logged_in, on_budget, awaiting):
    page = logged_in.get("/kommune/afventer").get_data(as_text=True)
    assert f'/kommune/afventer/{on_budget.id}"' in page
    assert f'/kommune/afventer/{awaiting.id}"' not in page
    assert "En stomisygeplejerske afgør" in page


def test_reject_over_http_needs_a_reason_at_the_field_then_is_audited(logged_in, on_budget):
    response = logged_in.post(f"/kommune/afventer/{on_budget.id}", data={"reason": "", "reject": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="error-summary"' in page and "Skriv begrundelsen" in page
    assert _reload(on_budget).status is OrderStatus.AWAITING_APPROVAL
    response = logged_in.post(f"/kommune/afventer/{on_budget.id}", data={"reason": "Prisloftet er nået", "reject": "1"})
    assert response.status_code == 302
    order = _reload(on_budget)
    assert order.status is OrderStatus.REJECTED and order.decision_reason == "Prisloftet er nået"
    purposes = list(db.session.scalars(select(AuditEvent.purpose).where(AuditEvent.citizen_id == order.citizen_id)))
    assert "grant officer: reject an order" in purposes and "Order awaiting approval (grant officer)" in purposes


def test_approve_over_http_and_again_is_told(logged_in, on_budget):
    assert logged_in.post(f"/kommune/afventer/{on_budget.id}", data={"approve": "1"}).status_code == 302
    assert _reload(on_budget).status is OrderStatus.ACCEPTED
    again = logged_in.post(f"/kommune/afventer/{on_budget.id}", data={"approve": "1"})
    assert again.status_code == 422 and "allerede truffet afgørelse" in again.get_data(as_text=True)


def test_a_clinical_order_over_http_changes_nothing(logged_in, awaiting):
    page = logged_in.get(f"/kommune/afventer/{awaiting.id}").get_data(as_text=True)
    assert 'data-testid="order-clinical"' in page and 'data-testid="order-decision-form"' not in page
    response = logged_in.post(f"/kommune/afventer/{awaiting.id}", data={"approve": "1"})
    assert response.status_code == 422
    assert _reload(awaiting).status is OrderStatus.AWAITING_APPROVAL


def test_another_municipalitys_order_is_404(logged_in, foreign_waiting):
    assert logged_in.get(f"/kommune/afventer/{foreign_waiting.id}").status_code == 404
    assert logged_in.post(f"/kommune/afventer/{foreign_waiting.id}", data={"approve": "1"}).status_code == 404
    assert _reload(foreign_waiting).status is OrderStatus.AWAITING_APPROVAL
