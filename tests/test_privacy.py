"""Privacy rules: append-only audit with retention, the citizen's own data and consent, key rotation, idle timeout."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from stomi_app import audit, cpr
from privacy import services as privacy
from stomi_app.cli import main
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from stomi_app.models.citizen import Citizen
from ordering.models import DeliveryProblem, Order, OrderStatus
from tests import factories
from tests.dbutil import count_statements
from tests.fixtures.grants import grant_for, line


def test_audit_events_cannot_be_changed_or_deleted(world):
    event = audit.record(world[Role.NURSE], "read", "Rådgivning", citizen=world["citizen"])
    db.session.commit()
    event.purpose = "changed"
    with pytest.raises(audit.AuditImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(audit.AuditImmutable):
        db.session.flush()
    db.session.rollback()


def test_retention_cleanup_deletes_only_old_events(app, world):
    nurse, citizen = world[Role.NURSE], world["citizen"]
    db.session.add(AuditEvent(user_id=nurse.id, role="nurse", action="read", citizen_id=citizen.id, purpose="gammel",
                              at=utcnow() - timedelta(days=11)))
    audit.record(nurse, "read", "ny", citizen=citizen)
    db.session.commit()
    result = app.test_cli_runner().invoke(main, ["audit", "cleanup", "--days", "10"])
    assert result.exit_code == 0 and "Deleted 1" in result.output
    assert [e.purpose for e in db.session.scalars(select(AuditEvent))] == ["ny"]
    assert app.test_cli_runner().invoke(main, ["audit", "cleanup", "--days", "0"]).exit_code != 0


def test_citizen_sees_when_and_why_but_not_who(world, auth, client):
    audit.record(world[Role.CALLCENTER], "read", "Telefonisk bestilling", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "Andens opslag", citizen=world["citizen_odense"])
    db.session.commit()
    auth.citizen("150348-1234")
    html = client.get("/borger/mine-data").get_data(as_text=True)
    # A purpose without a citizen's label reads as case handling (tests/test_audit_purposes.py has the labels).
    table = html[html.index('data-testid="lookups"'):]
    assert table.count("<tr>") == 2 and "Sagsbehandling" in table
    assert "Telefonisk bestilling" not in html and "Andens opslag" not in html
    assert "agent@test.dk" not in html and "Test callcenter" not in html


def test_consent_withdraw_and_give(world, auth, client):
    """The courier purpose given and withdrawn on the consent page (every purpose: tests/test_consent_purposes.py)."""
    auth.citizen("150348-1234")
    assert client.post("/borger/mine-data/samtykke", data={"purposes": ["courier"]}).status_code == 302
    citizen = db.session.get(Citizen, world["citizen"].id)
    db.session.refresh(citizen)
    assert citizen.has_consent and citizen.consent_text_version
    client.post("/borger/mine-data/samtykke", data={})
    db.session.refresh(citizen)
    assert not citizen.has_consent and citizen.consent_withdrawn_at is not None
    assert client.post("/borger/mine-data/samtykke", data={"purposes": ["nonsense"]}).status_code == 422
    db.session.refresh(citizen)
    assert not citizen.has_consent


def test_download_my_data(world, auth, client):
    audit.record(world[Role.NURSE], "read", "nurse: advice", citizen=world["citizen"])
    db.session.commit()
    auth.citizen("150348-1234")
    response = client.get("/borger/mine-data/download.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["cpr"] == "1503481234" and data["person"]["name"] == "Birthe Nielsen"
    assert data["lookups"][0]["purpose"] == "Stomisygeplejerske: dit spørgsmål"
    assert data["lookups"][0]["purpose_code"] == "nurse: advice" and "user" not in json.dumps(data["lookups"])
    page = client.get("/borger/mine-data/oversigt").get_data(as_text=True)
    assert "150348-1234" in page and "Stomisygeplejerske: dit spørgsmål" in page


def test_download_holds_advice_requests_and_order_notes_but_not_staff_notes(world, auth, client, shop):
    from care.models import AdviceMessage, AdviceQuestion, AdviceStatus, ClinicalNote, NoteKind, ProductChangeRequest, RequestStatus
    from ordering.models import Order, OrderStatus

    citizen, nurse, agent = world["citizen"], world[Role.NURSE], world[Role.CALLCENTER]
    question = AdviceQuestion(citizen_id=citizen.id, status=AdviceStatus.ANSWERED, transferred_by_id=agent.id,
                              summary="Agent til sygeplejerske: ringer tit")
    question.messages = [AdviceMessage(from_nurse=False, author_id=agent.id, text="Huden klør under pladen"),
                         AdviceMessage(from_nurse=True, author_id=nurse.id, text="Prøv en konveks plade")]
    db.session.add_all([
        question,
        ProductChangeRequest(citizen_id=citizen.id, current_variant_id=shop.bag_a.id, wanted_variant_id=shop.bag_b.id,
                             reason="Den lækker om natten", status=RequestStatus.REJECTED,
                             decision_reason="Prøv først et nyt klippemål"),
        Order(citizen_id=citizen.id, status=OrderStatus.REJECTED, idempotency_key="k1", delivery_name=citizen.name,
              delivery_address="Testvej 1", delivery_postcode="8000", delivery_city="Aarhus C",
              note="Stil pakken i carporten", decision_reason="Over bevillingen"),
        Order(citizen_id=citizen.id, status=OrderStatus.DRAFT, idempotency_key="k2", note="kladde"),
        ClinicalNote(citizen_id=citizen.id, kind=NoteKind.SKIN, text="Intern journal: rød hud", author_id=nurse.id),
    ])
    db.session.commit()
    auth.citizen("150348-1234")
    data = json.loads(client.get("/borger/mine-data/download.json").get_data(as_text=True))
    [advice] = data["questions_to_a_stoma_nurse"]
    assert [(m["from"], m["via_callcenter"], m["text"]) for m in advice["messages"]] == [
        ("you", True, "Huden klør under pladen"), ("stoma_nurse", False, "Prøv en konveks plade")]
    assert advice["messages"][1]["nurse"] == nurse.name and advice["status"] == "answered"
    [change] = data["product_change_requests"]
    assert (change["reason"], change["decision_reason"], change["status"]) == (
        "Den lækker om natten", "Prøv først et nyt klippemål", "rejected")
    [order] = data["orders"]  # not the draft
    assert (order["note"], order["decision_reason"]) == ("Stil pakken i carporten", "Over bevillingen")
    text = json.dumps(data, ensure_ascii=False)
    assert "ringer tit" not in text and "Intern journal" not in text and nurse.email not in text
    page = client.get("/borger/mine-data/oversigt").get_data(as_text=True)
    for shown in ("Prøv en konveks plade", "Huden klør under pladen", "Den lækker om natten",
                  "Prøv først et nyt klippemål", "Stil pakken i carporten", "Over bevillingen", "Afvist"):
        assert shown in page, shown
    assert "ringer tit" not in page and "Intern journal" not in page and "kladde" not in page


def _history(citizen, shop, agent, nurse, n: int) -> None:
    """n delivered orders (two lines, two timeline steps and a delivery problem each), n product change requests and
    n answered questions to a stoma nurse: everything in the export that comes in rows."""
    from care.models import AdviceMessage, AdviceQuestion, AdviceStatus, ProductChangeRequest
    from ordering.models import DeliveryProblemKind, OrderEvent, OrderLine

    for i in range(n):
        order = Order(citizen_id=citizen.id, status=OrderStatus.DELIVERED, idempotency_key=f"{citizen.id}-{i}",
                      delivery_name=citizen.name, note=f"note {i}", submitted_at=utcnow(), delivered_at=utcnow())
        order.lines = [OrderLine(variant_id=v.id, quantity=1, article_number=v.article_number, product_name="Pose",
                                 unit_price_oere=45000, vat_rate_pct=25) for v in (shop.bag_a, shop.plate)]
        order.events = [OrderEvent(from_status=None, to_status=OrderStatus.ACCEPTED),
                        OrderEvent(from_status=OrderStatus.ACCEPTED, to_status=OrderStatus.DELIVERED)]
        question = AdviceQuestion(citizen_id=citizen.id, status=AdviceStatus.ANSWERED)
        question.messages = [AdviceMessage(from_nurse=False, author_id=agent.id, text=f"spørgsmål {i}"),
                             AdviceMessage(from_nurse=True, author_id=nurse.id, text=f"svar {i}")]
        db.session.add_all([order, question, ProductChangeRequest(citizen_id=citizen.id, current_variant_id=shop.bag_a.id,
                                                                  wanted_variant_id=shop.bag_b.id, reason=f"ønske {i}")])
        db.session.flush()
        db.session.add(DeliveryProblem(order_id=order.id, kind=DeliveryProblemKind.MISSING, description=f"mangler {i}"))
    db.session.commit()


def test_export_sends_as_many_statements_for_ten_orders_as_for_two(world, shop):
    officer, agent, nurse = world[Role.GRANT_OFFICER], world[Role.CALLCENTER], world[Role.NURSE]
    few, many = world["citizen"], world["citizen_odense"]
    for citizen, n in ((few, 2), (many, 10)):
        grant_for(officer if citizen is few else world["officer_odense"], citizen, line(2, variant=shop.bag_a),
                  line(1, category=shop.plates))
        _history(citizen, shop, agent, nurse, n)
    counts, exports = {}, {}
    for citizen in (few, many):
        db.session.expire_all()  # nothing read before may be served from the session instead of the database
        with count_statements(db.engine) as statements:
            exports[citizen.id] = privacy.export(citizen)
        counts[citizen.id] = len(statements)
    assert counts[few.id] == counts[many.id], counts
    data = exports[many.id]
    assert len(data["orders"]) == 10 and len(data["delivery_problems"]) == 10
    assert all(len(o["lines"]) == 2 and len(o["timeline"]) == 2 for o in data["orders"])
    assert [p["order"] for p in data["delivery_problems"]] == [o["number"] for o in data["orders"]]
    assert len(data["product_change_requests"]) == 10 and data["product_change_requests"][0]["wanted_product"]
    assert all(len(q["messages"]) == 2 for q in data["questions_to_a_stoma_nurse"])
    assert [len(g["lines"]) for g in data["grants"]] == [2]


def test_cpr_key_rotation_keeps_every_number_readable_and_findable(app, world):
    before = {c.id: cpr.decrypt(c.cpr_encrypted) for c in db.session.scalars(select(Citizen))}
    old_key = app.config["CPR_ENCRYPTION_KEY"]
    result = app.test_cli_runner().invoke(main, ["cpr", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert app.config["CPR_ENCRYPTION_KEY"] != old_key
    db.session.expire_all()
    for citizen in db.session.scalars(select(Citizen)):
        assert cpr.decrypt(citizen.cpr_encrypted) == before[citizen.id]
        assert citizen.cpr_hash == cpr.lookup_hash(before[citizen.id])


def test_session_cookie_flags(client, world, auth):
    response = auth.staff("admin@test.dk")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_fsc_admin_searches_the_audit_log_and_that_search_is_audited(world, auth, client):
    audit.record(world[Role.NURSE], "read", "Rådgivning", citizen=world["citizen"])
    audit.record(world[Role.CALLCENTER], "read", "Andens opslag", citizen=world["citizen_odense"])
    db.session.commit()
    auth.staff("admin@test.dk")
    html = client.post("/admin/revision", data={"cpr": "150348-1234"}, follow_redirects=True).get_data(as_text=True)
    assert "Rådgivning" in html and "Andens opslag" not in html and "nurse@test.dk" in html
    assert "1503481234" not in html
    searches = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "search"))
    assert searches == 1
    bad = client.post("/admin/revision", data={"cpr": "123", "from": "2026-13-01"})
    assert bad.status_code == 422 and 'id="f-cpr-error"' in bad.get_data(as_text=True)
    assert 'id="f-from-error"' in bad.get_data(as_text=True)
    assert client.post("/admin/revision", data={"email": "nurse@test.dk", "action": "read"},
                       follow_redirects=True).status_code == 200
