"""Free replacements (ordering.replacements) and registering delivery problems by phone."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ordering import services as ordering
from stomi_app.extensions import db
from grants.services import consumption
from stomi_app.models import AuditEvent
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order, OrderChannel, OrderStatus
from ordering.models import ProblemStatus
from ordering.replacements import create_replacement, replaceable
from stomi_app.timeutil import local_today
from tests.fixtures.orders import deliver, web_order
from tests.fixtures.grants import grant_for, line


@pytest.fixture
def delivered(consenting, officer, shop, measured):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), line(2, variant=shop.plate), valid_from=date(2025, 1, 1))
    return deliver(web_order(consenting, {shop.bag_a: 3, shop.plate: 1}))


def _problem(order, kind=DeliveryProblemKind.MISSING):
    problem = ordering.report_problem(order, kind=kind, description="En æske mangler")
    db.session.commit()
    return problem


# --- the service --------------------------------------------------------------------------------

def test_replacement_is_free_accepted_and_does_not_count_against_the_grant(delivered, shop, agent):
    before = {u.line.variant_id: u.remaining_quantity for u in consumption(delivered.citizen_id, local_today())}
    replacement = create_replacement(_problem(delivered), {shop.bag_a.id: 2}, by=agent)
    db.session.commit()
    assert replacement.is_replacement and replacement.replaces_order_id == delivered.id
    assert replacement.status is OrderStatus.ACCEPTED and replacement.submitted_at is not None
    assert replacement.channel is OrderChannel.PHONE and replacement.placed_by_id == agent.id
    assert [(l.article_number, l.quantity, l.unit_price_oere, l.vat_rate_pct) for l in replacement.lines] == [("NL-100", 2, 0, 25)]
    assert replacement.total_oere == 0
    after = {u.line.variant_id: u.remaining_quantity for u in consumption(delivered.citizen_id, local_today())}
    assert after == before
    assert ordering.last_order(delivered.citizen_id).id == delivered.id  # "order again" repeats the real order


def test_a_replacement_does_not_make_the_next_order_too_soon_or_over_the_grant(delivered, shop, agent, consenting):
    create_replacement(_problem(delivered), {shop.bag_a.id: 3}, by=agent)
    db.session.commit()
    draft = ordering.new_draft(consenting)
    ordering.set_draft_lines(draft, {shop.bag_a.id: 1})
    routing = ordering.evaluate(draft)
    assert [r.reason for r in routing.lines] == ["within_grant"]
    assert "too_soon" in routing.order_reasons  # because of the real order, not the replacement


def test_cut_to_fit_lines_are_cut_to_the_current_measure(delivered, shop, agent, consenting):
    from citizens.clinical import CutShape

    ordering.record_measure(consenting, shape=CutShape.ROUND, diameter_mm=35)
    replacement = create_replacement(_problem(delivered, DeliveryProblemKind.CUTTING), {shop.plate.id: 1}, by=agent)
    assert replacement.lines[0].cut.label == "Ø 35 mm"


def test_only_delivered_orders_and_only_what_was_delivered(consenting, officer, shop, agent):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = web_order(consenting, {shop.bag_a: 2})
    with pytest.raises(ordering.OrderError):
        ordering.report_problem(order, kind=DeliveryProblemKind.MISSING, description="x")
    deliver(order)
    problem = _problem(order)
    for bad in ({shop.bag_a.id: 3}, {shop.bag_b.id: 1}, {shop.bag_a.id: "-1"}, {shop.bag_a.id: "to"}, {"x": 1}, {}, {shop.bag_a.id: "0"}):
        with pytest.raises(ordering.OrderError):
            create_replacement(problem, bad, by=agent)
        db.session.rollback()
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_one_replacement_per_problem_and_never_more_than_delivered_in_total(delivered, shop, agent):
    first_problem = _problem(delivered)
    first = create_replacement(first_problem, {shop.bag_a.id: 2}, by=agent)
    again = create_replacement(first_problem, {shop.bag_a.id: 1}, by=agent)
    assert again.id == first.id and first_problem.status is ProblemStatus.REPLACED
    assert replaceable(delivered)[shop.bag_a.id] == 1
    second_problem = _problem(delivered, DeliveryProblemKind.DAMAGED)
    with pytest.raises(ordering.OrderError):
        create_replacement(second_problem, {shop.bag_a.id: 2}, by=agent)
    db.session.rollback()
    create_replacement(second_problem, {shop.bag_a.id: 1}, by=agent)
    assert replaceable(delivered)[shop.bag_a.id] == 0


def test_a_cancelled_replacement_frees_its_packs(delivered, shop, agent):
    replacement = create_replacement(_problem(delivered), {shop.bag_a.id: 3}, by=agent)
    ordering.cancel(replacement, by=agent)
    assert replaceable(delivered)[shop.bag_a.id] == 3


# --- over HTTP ----------------------------------------------------------------------------------

def test_problem_can_only_be_registered_on_a_delivered_order(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = web_order(consenting, {shop.bag_a: 1})
    url = f"/callcenter/borger/{consenting.id}/ordre/{order.id}/problem"
    assert agent_client.get(url).status_code == 302
    assert agent_client.post(url, data={"kind": "missing", "description": "x"}).status_code == 302
    assert db.session.scalar(select(func.count(DeliveryProblem.id))) == 0


def test_register_problem_with_a_free_replacement_by_phone(agent_client, delivered, shop, agent):
    url = f"/callcenter/borger/{delivered.citizen_id}/ordre/{delivered.id}/problem"
    assert agent_client.get(url).status_code == 200
    response = agent_client.post(url, data={"kind": "missing", "description": "Poserne manglede",
                                            f"replace-{shop.bag_a.id}": "1", f"replace-{shop.plate.id}": ""})
    assert response.status_code == 302
    problem = db.session.scalar(select(DeliveryProblem))
    assert problem.kind is DeliveryProblemKind.MISSING and problem.reported_by_id == agent.id and problem.status is ProblemStatus.REPLACED
    replacement = db.session.scalar(select(Order).where(Order.is_replacement.is_(True)))
    assert [(l.variant_id, l.quantity, l.unit_price_oere) for l in replacement.lines] == [(shop.bag_a.id, 1, 0)]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "callcenter: delivery problem"))
    assert replacement.number in audit.detail and audit.user_id == agent.id
    detail = agent_client.get(f"/callcenter/borger/{delivered.citizen_id}/ordre/{replacement.id}").get_data(as_text=True)
    assert "Gratis erstatning" in detail and delivered.number in detail


@pytest.mark.parametrize("data", [
    {"kind": "missing", "description": ""},
    {"kind": "lost-in-space", "description": "x"},
    {"kind": "missing", "description": "x", "replace-1": "99"},
    {"kind": "missing", "description": "x", "replace-1": "x"},
])
def test_bad_problem_input_saves_nothing(agent_client, delivered, data):
    response = agent_client.post(f"/callcenter/borger/{delivered.citizen_id}/ordre/{delivered.id}/problem", data=data)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(DeliveryProblem.id))) == 0
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_replacement_for_a_problem_the_citizen_reported_on_the_web(agent_client, delivered, shop):
    problem = _problem(delivered)
    url = f"/callcenter/borger/{delivered.citizen_id}/problem/{problem.id}"
    overview = agent_client.get(f"/callcenter/borger/{delivered.citizen_id}").get_data(as_text=True)
    assert url in overview
    assert agent_client.post(url, data={f"replace-{shop.bag_a.id}": "9"}).status_code == 422
    assert agent_client.post(url, data={f"replace-{shop.bag_a.id}": "2", "action": "replace"}).status_code == 302
    assert agent_client.post(url, data={f"replace-{shop.bag_a.id}": "2", "action": "replace"}).status_code == 302
    assert db.session.scalar(select(func.count(Order.id)).where(Order.is_replacement.is_(True))) == 1
    assert 'data-testid="replacement"' in agent_client.get(url).get_data(as_text=True)


def test_close_a_problem_without_replacement(agent_client, delivered):
    problem = _problem(delivered)
    url = f"/callcenter/borger/{delivered.citizen_id}/problem/{problem.id}"
    assert agent_client.post(url, data={"action": "close"}).status_code == 422  # closing needs a short note
    db.session.refresh(problem)
    assert problem.status == "open"
    assert agent_client.post(url, data={"action": "close", "note": "Pakken blev fundet hos naboen."}).status_code == 302
    db.session.refresh(problem)
    assert problem.status == "resolved"


def test_a_cutting_error_stays_open_for_the_nurse_after_a_replacement(agent_client, delivered, shop):
    problem = _problem(delivered, DeliveryProblemKind.CUTTING)
    url = f"/callcenter/borger/{delivered.citizen_id}/problem/{problem.id}"
    assert agent_client.post(url, data={"action": "close"}).status_code == 422
    assert agent_client.post(url, data={f"replace-{shop.plate.id}": "1", "action": "replace"}).status_code == 302
    db.session.refresh(problem)
    assert problem.status == "open"
    assert db.session.scalar(select(func.count(Order.id)).where(Order.is_replacement.is_(True))) == 1
    assert agent_client.post(url, data={f"replace-{shop.plate.id}": "1", "action": "replace"}).status_code == 302
    assert db.session.scalar(select(func.count(Order.id)).where(Order.is_replacement.is_(True))) == 1


def test_a_problem_of_another_citizen_is_404(agent_client, delivered, world):
    problem = _problem(delivered)
    assert agent_client.get(f"/callcenter/borger/{world['citizen_odense'].id}/problem/{problem.id}").status_code == 404


@pytest.mark.parametrize("packs, wanted, message", [
    (1, 2, "Der kan højst erstattes 1 pakning af "),  # the plate: one pack delivered
    (3, 4, "Der kan højst erstattes 3 pakninger af "),
])
def test_the_most_that_can_be_replaced_is_said_with_danish_plurals(app, delivered, shop, agent, packs, wanted, message):
    from flask_babel import force_locale

    variant = shop.plate if packs == 1 else shop.bag_a
    with app.test_request_context(), force_locale("da"):
        with pytest.raises(ordering.OrderError) as exc:
            create_replacement(_problem(delivered), {variant.id: wanted}, by=agent)
        assert str(exc.value.errors[f"replace-{variant.id}"]).startswith(message)
    db.session.rollback()


def test_a_closed_case_gets_no_replacement(delivered, shop, agent):
    from ordering.models import PROBLEM_FLOW

    problem = _problem(delivered)
    PROBLEM_FLOW.move(problem, ProblemStatus.RESOLVED)
    db.session.commit()
    with pytest.raises(ordering.OrderError) as exc:
        create_replacement(problem, {shop.bag_a.id: 1}, by=agent)
    assert "problem" in exc.value.errors
    assert db.session.scalar(select(func.count(Order.id)).where(Order.is_replacement.is_(True))) == 0
