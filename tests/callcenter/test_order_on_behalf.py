"""Ordering by phone: the same rules as the web, marked as placed by the agent; one order however often it is sent."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from ordering import services as ordering
from stomi_app.extensions import db
from stomi_app.timeutil import local_today
from stomi_app.models import AuditEvent
from ordering.models import Order, OrderChannel, OrderStatus
from tests import factories
from tests.fixtures.orders import idempotency_key
from tests.fixtures.grants import grant_for, line


def _fill(client, citizen, quantities, *, express=False):
    base = f"/callcenter/borger/{citizen.id}/bestil"
    response = client.post(base, data={f"qty-{v.id}": q for v, q in quantities.items()})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.post(f"{base}/levering", data={"address_choice": "home", "speed": "express" if express else "normal"}).status_code == 302
    check = client.get(f"{base}/tjek")
    assert check.status_code == 200
    return check.get_data(as_text=True), idempotency_key(check.get_data(as_text=True))


def _send(client, citizen, key, note=""):
    return client.post(f"/callcenter/borger/{citizen.id}/bestil/send", data={"idempotency_key": key, "note": note})


def test_within_the_grant_is_accepted_and_marked_as_placed_by_the_agent(agent_client, consenting, officer, shop, agent):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    check, key = _fill(agent_client, consenting, {shop.bag_a: 2})
    # The agent's page speaks of the citizen's grant, not "your grant".
    assert "Inden for bevillingen" in check and "Alt er inden for bevillingen" in check and "din bevilling" not in check
    sent = _send(agent_client, consenting, key)
    assert sent.status_code == 302 and "sent=1" in sent.headers["Location"]
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.ACCEPTED
    assert order.channel is OrderChannel.PHONE and order.placed_by_id == agent.id
    assert order.events[-1].by_id == agent.id and order.events[-1].by_citizen is False
    page = agent_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert order.number in page and "Godkendt" in page and "Telefon" in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "callcenter: order on behalf"))
    assert audit.citizen_id == consenting.id and audit.user_id == agent.id and order.number in audit.detail


def test_beyond_the_grant_shows_why_and_needs_the_agents_note(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    check, key = _fill(agent_client, consenting, {shop.bag_a: 3, shop.bag_b: 1})
    assert 'data-testid="routing-NL-100"' in check and "Mere end der er tilbage af borgerens bevilling" in check
    assert "Produktet er ikke i borgerens bevilling" in check and "din bevilling" not in check
    refused = _send(agent_client, consenting, key, note="  ")
    assert refused.status_code == 422 and 'id="note-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(Order)).status is OrderStatus.DRAFT
    sent = _send(agent_client, consenting, key, note="Borgeren har haft diarré i en uge")
    order = db.session.scalar(select(Order))
    assert order.status is OrderStatus.AWAITING_APPROVAL
    assert order.note == "Borgeren har haft diarré i en uge"
    detail = agent_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Afventer godkendelse" in detail and "diarré" in detail and 'data-testid="approval-reasons"' in detail


def test_double_send_and_two_tabs_give_one_order(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _, key = _fill(agent_client, consenting, {shop.bag_a: 1})
    # The second tab opens the same draft (nothing typed is lost) and so carries the same key.
    second_tab = idempotency_key(agent_client.get(f"/callcenter/borger/{consenting.id}/bestil/tjek").get_data(as_text=True))
    assert second_tab == key
    first, second = _send(agent_client, consenting, key), _send(agent_client, consenting, second_tab)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert second.headers["Location"].endswith(f"/ordre/{db.session.scalar(select(Order.id))}")


def test_the_agents_draft_is_separate_from_the_citizens_own(agent_client, consenting, officer, shop, agent):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    web_draft = ordering.new_draft(consenting)
    ordering.set_draft_lines(web_draft, {shop.bag_b.id: 1})
    db.session.commit()
    html = agent_client.get(f"/callcenter/borger/{consenting.id}/bestil").get_data(as_text=True)
    assert f'name="qty-{shop.bag_b.id}"' not in html
    # The citizen's web draft cannot be sent by the agent, even with its key.
    assert _send(agent_client, consenting, web_draft.idempotency_key).status_code == 404


def test_a_key_from_another_citizen_is_404(agent_client, consenting, officer, shop, world):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _, key = _fill(agent_client, consenting, {shop.bag_a: 1})
    assert _send(agent_client, world["citizen_odense"], key).status_code == 404
    assert _send(agent_client, consenting, "no-such-key").status_code == 404


def test_bad_quantities_and_article_numbers_are_explained(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    base = f"/callcenter/borger/{consenting.id}/bestil"
    response = agent_client.post(base, data={f"qty-{shop.bag_a.id}": "-3"})
    assert response.status_code == 422 and f'id="qty-{shop.bag_a.id}-error"' in response.get_data(as_text=True)
    response = agent_client.post(base, data={"article_number": "NOPE-1"})
    assert response.status_code == 422 and 'id="article_number-error"' in response.get_data(as_text=True)
    response = agent_client.post(base, data={"qty-abc": "1", f"qty-{shop.old.id}": "1"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Order.id)).where(Order.lines.any())) == 0


def test_empty_order_cannot_go_on(agent_client, consenting, shop):
    base = f"/callcenter/borger/{consenting.id}/bestil"
    assert agent_client.post(base, data={"action": "next"}).status_code == 422
    assert agent_client.get(f"{base}/tjek").status_code == 302
    assert agent_client.get(f"{base}/levering").status_code == 302


def test_add_by_article_number_for_a_product_outside_the_grant(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    assert agent_client.post(f"/callcenter/borger/{consenting.id}/bestil", data={"article_number": "NL-101"}).status_code == 302
    html = agent_client.get(f"/callcenter/borger/{consenting.id}/bestil").get_data(as_text=True)
    assert re.search(rf'name="qty-{shop.bag_b.id}" value="1"', html)


def test_reorder_and_cancel_on_the_citizens_behalf(agent_client, consenting, officer, shop, agent):
    grant_for(officer, consenting, line(8, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _, key = _fill(agent_client, consenting, {shop.bag_a: 2})
    _send(agent_client, consenting, key)
    order = db.session.scalar(select(Order))
    assert agent_client.post(f"/callcenter/borger/{consenting.id}/ordre/{order.id}/annuller").status_code == 302
    db.session.refresh(order)
    assert order.status is OrderStatus.CANCELLED and order.events[-1].by_id == agent.id
    again = agent_client.post(f"/callcenter/borger/{consenting.id}/ordre/{order.id}/bestil-igen")
    assert again.headers["Location"].endswith(f"/callcenter/borger/{consenting.id}/bestil/tjek")
    draft = ordering.find_draft(consenting, placed_by=agent)
    assert [(line.variant_id, line.quantity) for line in draft.lines] == [(shop.bag_a.id, 2)]


def test_an_order_of_another_citizen_is_404_under_this_citizen(agent_client, consenting, officer, shop, world):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _, key = _fill(agent_client, consenting, {shop.bag_a: 1})
    _send(agent_client, consenting, key)
    order = db.session.scalar(select(Order))
    other = world["citizen_odense"]
    assert agent_client.get(f"/callcenter/borger/{other.id}/ordre/{order.id}").status_code == 404
    assert agent_client.post(f"/callcenter/borger/{other.id}/ordre/{order.id}/annuller").status_code == 404


def test_a_second_agent_gets_a_draft_of_their_own(auth, client, consenting, officer, shop, agent):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    other = factories.user(factories.Role.CALLCENTER, "agent2@test.dk")
    db.session.commit()
    auth.staff("agent@test.dk")
    _, key = _fill(client, consenting, {shop.bag_a: 1})
    auth.logout()
    auth.staff("agent2@test.dk")
    assert _send(client, consenting, key).status_code == 404  # not theirs to send
    html = client.get(f"/callcenter/borger/{consenting.id}/bestil").get_data(as_text=True)
    assert f'name="qty-{shop.bag_a.id}" value=""' in html
    assert other.id != agent.id


def test_control_characters_never_reach_the_database(agent_client, consenting, officer, shop):
    grant_for(officer, consenting, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    base = f"/callcenter/borger/{consenting.id}"
    assert agent_client.post(f"{base}/bestil", data={"article_number": "NL\x00-100"}).status_code in (302, 422)
    assert agent_client.post(f"{base}/bestil", data={f"qty-{shop.bag_a.id}": "1\x00"}).status_code == 422
    assert agent_client.post(f"{base}/bestil", data={f"qty-{shop.bag_a.id}": "1"}).status_code == 302
    response = agent_client.post(f"{base}/bestil/levering", data={
        "address_choice": "temporary", "speed": "normal", "address": "Sommerhus\x00vej 1", "postcode": "8400",
        "city": "Ebeltoft", "temporary_from": (local_today() + timedelta(days=30)).isoformat(),
        "temporary_to": (local_today() + timedelta(days=49)).isoformat()})  # within the 6 months a temporary address may be ahead
    assert response.status_code == 302
    assert agent_client.post(f"{base}/bestil/send", data={"idempotency_key": "k\x00"}).status_code == 404
    key = idempotency_key(agent_client.get(f"{base}/bestil/tjek").get_data(as_text=True))
    assert agent_client.post(f"{base}/bestil/send", data={"idempotency_key": key, "note": "hej\x00"}).status_code == 302
    order = db.session.scalar(select(Order))
    assert order.delivery_address == "Sommerhusvej 1" and order.note == "hej"
    assert agent_client.post(f"{base}/kontakt", data={"reason": "order", "note": "a\x00b", "outcome": "answered"}).status_code == 302
