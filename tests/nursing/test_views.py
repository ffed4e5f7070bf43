"""The nurse console over HTTP: pages, decisions, claims, foreign ids (404), audit, and bad input (never a 500)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalogue.models import ReviewStatus, SupplierChangeReview
from care import approvals
from care import nursing
from ordering import services as ordering
from stomi_app.extensions import db
from care.models import AdviceStatus, DischargeRecommendation, TaskKind
from stomi_app.models import AuditEvent, Role
from stomi_app.models.citizen import Citizen
from ordering.models import DeliveryProblem, DeliveryProblemKind, OrderStatus
from stomi_app.timeutil import local_today
from tests import factories
from tests.fixtures.orders import waiting_order


def _login(auth, user):
    assert auth.staff(user.email).status_code == 302


def _audits(user, action=None):
    query = select(func.count(AuditEvent.id)).where(AuditEvent.user_id == user.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def _records_for(citizen, shop, officer):
    """One record of every id route's kind for the citizen: {url: …}."""
    order = waiting_order(citizen, shop, officer) if officer else None
    measure = ordering.record_measure(citizen, shape=ordering.CutShape.ROUND, diameter_mm=30)
    question = nursing.ask_advice(citizen, "Spørgsmål")
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Lækager")
    review = SupplierChangeReview(citizen_id=citizen.id, old_variant_id=shop.bag_a.id, status=ReviewStatus.OPEN)
    delivered = ordering.new_draft(citizen)
    delivered.status = OrderStatus.DELIVERED
    problem = DeliveryProblem(order=delivered, kind=DeliveryProblemKind.CUTTING, description="For stort")
    db.session.add_all([review, problem])
    db.session.commit()
    c = citizen.id
    get_urls = [f"/sygeplejerske/borger/{c}", f"/sygeplejerske/raad/{question.id}", f"/sygeplejerske/maal/{measure.id}",
                f"/sygeplejerske/produktskift/{change.id}", f"/sygeplejerske/leverandoerskift/{review.id}",
                f"/sygeplejerske/leveringsproblem/{problem.id}"]
    post_urls = [f"/sygeplejerske/borger/{c}/stomi", f"/sygeplejerske/borger/{c}/maal", f"/sygeplejerske/borger/{c}/maal/bekraeft",
                 f"/sygeplejerske/borger/{c}/noter", f"/sygeplejerske/raad/{question.id}",
                 f"/sygeplejerske/produktskift/{change.id}", f"/sygeplejerske/leverandoerskift/{review.id}",
                 f"/sygeplejerske/leveringsproblem/{problem.id}",
                 f"/sygeplejerske/opgaver/advice/{question.id}/tag", f"/sygeplejerske/opgaver/advice/{question.id}/slip"]
    if order is not None:
        get_urls.append(f"/sygeplejerske/ordre/{order.id}")
        post_urls += [f"/sygeplejerske/ordre/{order.id}", f"/sygeplejerske/opgaver/order/{order.id}/tag"]
    return get_urls, post_urls


def test_start_page_counts_and_queue(auth, client, awaiting, nurse):
    _login(auth, nurse)
    html = client.get("/sygeplejerske/").get_data(as_text=True)
    assert 'data-testid="count-order">1<' in html and 'data-testid="count-measure">1<' in html
    assert 'data-testid="count-total">2<' in html
    queue = client.get("/sygeplejerske/opgaver").get_data(as_text=True)
    assert f'data-testid="task-order-{awaiting.id}"' in queue and "Birthe Nielsen" in queue
    only = client.get("/sygeplejerske/opgaver?kind=measure").get_data(as_text=True)
    assert "task-order-" not in only and "task-measure-" in only


@pytest.mark.parametrize("query", ["kind=nonsense", "municipality=abc", "municipality=99999", "hospital=%00", "kind=&municipality="])
def test_queue_ignores_bad_filters(auth, client, awaiting, nurse, query):
    _login(auth, nurse)
    assert client.get(f"/sygeplejerske/opgaver?{query}").status_code == 200


def test_other_roles_and_anonymous_are_kept_out(auth, client, world):
    assert client.get("/sygeplejerske/").status_code == 302
    _login(auth, world[Role.GRANT_OFFICER])
    assert client.get("/sygeplejerske/").status_code == 403
    assert client.get("/sygeplejerske/opgaver").status_code == 403


def test_foreign_ids_give_404_for_a_municipal_nurse(auth, client, world, shop, nurse):
    odense = world["citizen_odense"]
    get_urls, post_urls = _records_for(odense, shop, world["officer_odense"])
    _login(auth, nurse)
    for url in get_urls:
        assert client.get(url).status_code == 404, url
    for url in post_urls:
        assert client.post(url, data={}).status_code == 404, url


def test_foreign_ids_give_404_for_a_hospital_nurse_of_the_other_region(auth, client, world, shop, measured, officer, nurse_ouh):
    get_urls, post_urls = _records_for(measured, shop, officer)
    _login(auth, nurse_ouh)
    for url in get_urls:
        assert client.get(url).status_code == 404, url
    for url in post_urls:
        assert client.post(url, data={}).status_code == 404, url


def test_hospital_nurse_of_the_region_sees_them(auth, client, world, shop, measured, officer, nurse_auh):
    get_urls, _ = _records_for(measured, shop, officer)
    _login(auth, nurse_auh)
    for url in get_urls:
        assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("url", ["/sygeplejerske/borger/999999", "/sygeplejerske/ordre/999999", "/sygeplejerske/raad/999999",
                                 "/sygeplejerske/opgaver/nonsense/1/tag", "/sygeplejerske/maal/999999",
                                 "/sygeplejerske/leveringsproblem/999999"])
def test_unknown_ids_give_404(auth, client, nurse, url):
    _login(auth, nurse)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)


def test_profile_read_is_audited(auth, client, measured, nurse):
    _login(auth, nurse)
    before = _audits(nurse, "read")
    page = client.get(f"/sygeplejerske/borger/{measured.id}")
    assert page.status_code == 200 and 'data-testid="measure-history"' in page.get_data(as_text=True)
    assert _audits(nurse, "read") == before + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == nurse.id).order_by(AuditEvent.id.desc()))
    assert event.citizen_id == measured.id and event.purpose


def test_approve_an_order_over_http(auth, client, awaiting, nurse):
    _login(auth, nurse)
    page = client.get(f"/sygeplejerske/ordre/{awaiting.id}")
    assert page.status_code == 200 and 'data-testid="decision"' in page.get_data(as_text=True)
    response = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "approve", "reason": "OK efter samtale"})
    assert response.status_code == 302
    db.session.expire_all()
    assert awaiting.status is OrderStatus.ACCEPTED and awaiting.decision_reason == "OK efter samtale"
    again = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "reject", "reason": "Nej"})
    assert again.status_code == 422 and 'data-testid="error-summary"' in again.get_data(as_text=True)
    db.session.expire_all()
    assert awaiting.status is OrderStatus.ACCEPTED
    # The citizen reads the reason on the order.
    auth.logout()
    auth.citizen("150348-1234")
    assert "OK efter samtale" in client.get(f"/borger/ordrer/{awaiting.id}").get_data(as_text=True)


def test_reject_without_reason_is_refused(auth, client, awaiting, nurse):
    _login(auth, nurse)
    response = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "reject", "reason": " "})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert awaiting.status is OrderStatus.AWAITING_APPROVAL


def test_a_refused_decision_saves_nothing_but_the_nurses_read_of_the_order(auth, client, awaiting, nurse):
    _login(auth, nurse)
    reads = _audits(nurse, "read")
    response = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "reject", "reason": " "})
    assert response.status_code == 422
    db.session.expire_all()
    assert awaiting.status is OrderStatus.AWAITING_APPROVAL
    assert _audits(nurse, "read") == reads + 1  # she saw the citizen's order: audited although her decision was not


def test_recommend_with_bad_quantity_shows_it_next_to_the_line(auth, client, awaiting, nurse, shop):
    _login(auth, nurse)
    response = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "recommend", f"qty-{shop.bag_a.id}": "abc"})
    assert response.status_code == 422 and f'id="qty-{shop.bag_a.id}-error"' in response.get_data(as_text=True)
    ok = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "recommend", f"qty-{shop.bag_a.id}": "6",
                                                                  "note": "Højt forbrug"})
    assert ok.status_code == 302
    [recommendation] = approvals.pending_recommendations(awaiting.citizen.municipality_id)
    assert recommendation.lines[0].quantity == 6


def test_claims_over_http(auth, client, awaiting, nurse, nurse_aarhus2):
    _login(auth, nurse)
    assert client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/tag").status_code == 302
    auth.logout()
    _login(auth, nurse_aarhus2)
    page = client.get(f"/sygeplejerske/ordre/{awaiting.id}").get_data(as_text=True)
    assert nurse.name in page and 'name="take_over"' in page
    blocked = client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "approve"})
    assert blocked.status_code == 422 and 'data-testid="error-summary"' in blocked.get_data(as_text=True)
    assert client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/tag").status_code == 302  # without take_over: refused
    assert nursing.claim_of(TaskKind.ORDER, awaiting.id).nurse_id == nurse.id
    assert client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/slip").status_code == 302  # not hers to release
    assert nursing.claim_of(TaskKind.ORDER, awaiting.id).nurse_id == nurse.id
    client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/tag", data={"take_over": "1"})
    db.session.expire_all()
    assert nursing.claim_of(TaskKind.ORDER, awaiting.id).nurse_id == nurse_aarhus2.id
    assert client.post(f"/sygeplejerske/ordre/{awaiting.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert awaiting.decided_by_id == nurse_aarhus2.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == nurse_aarhus2.id,
                                                      AuditEvent.purpose == "nurse: take over a task"))


def test_measure_confirmation_and_new_version_over_http(auth, client, measured, nurse):
    _login(auth, nurse)
    measure = ordering.current_measure(measured.id)
    page = client.get(f"/sygeplejerske/borger/{measured.id}").get_data(as_text=True)
    assert 'data-testid="confirm"' in page
    assert client.post(f"/sygeplejerske/borger/{measured.id}/maal/bekraeft",
                       data={"confirm-measure_id": str(measure.id)}).status_code == 302
    db.session.expire_all()
    assert measure.confirmed_by_id == nurse.id
    bad = client.post(f"/sygeplejerske/borger/{measured.id}/maal", data={"measure-shape": "round", "measure-diameter_mm": "101"})
    assert bad.status_code == 422 and 'id="measure-diameter_mm-error"' in bad.get_data(as_text=True)
    assert len(nursing.measure_history(measured.id)) == 1
    date_bad = client.post(f"/sygeplejerske/borger/{measured.id}/maal",
                           data={"measure-shape": "round", "measure-diameter_mm": "28", "measure-remeasure_on": "2026-13-45"})
    assert date_bad.status_code == 422
    ok = client.post(f"/sygeplejerske/borger/{measured.id}/maal", data={"measure-shape": "oval", "measure-width_mm": "30",
                                                                        "measure-height_mm": "24"})
    assert ok.status_code == 302
    assert [m.cut.label for m in nursing.measure_history(measured.id)] == ["30 × 24 mm", "Ø 32 mm"]


@pytest.mark.parametrize("url, data", [
    ("maal/bekraeft", {"confirm-measure_id": "abc"}),
    ("maal/bekraeft", {"confirm-measure_id": "999999"}),
    ("maal/bekraeft", {}),
    ("stomi", {"stoma-stoma_type": "nonsense", "stoma-operation_date": "yesterday"}),
    ("noter", {"note-kind": "mood", "note-text": ""}),
    ("maal", {"measure-shape": "triangle"}),
])
def test_profile_forms_never_500(auth, client, measured, nurse, url, data):
    _login(auth, nurse)
    assert client.post(f"/sygeplejerske/borger/{measured.id}/{url}", data=data).status_code in (404, 422)


def test_stoma_and_note_over_http(auth, client, citizen, nurse):
    _login(auth, nurse)
    operated = (local_today() - timedelta(days=14)).isoformat()
    assert client.post(f"/sygeplejerske/borger/{citizen.id}/stomi",
                       data={"stoma-stoma_type": "urostomy", "stoma-operation_date": operated}).status_code == 302
    assert client.post(f"/sygeplejerske/borger/{citizen.id}/noter",
                       data={"note-kind": "skin", "note-text": "Rødme kl. 6"}).status_code == 302
    db.session.expire_all()
    assert citizen.stoma_type.value == "urostomy" and citizen.operation_date.isoformat() == operated
    assert "Rødme kl. 6" in client.get(f"/sygeplejerske/borger/{citizen.id}").get_data(as_text=True)


def test_other_task_pages_decide(auth, client, world, shop, measured, officer, nurse):
    _records_for(measured, shop, None)
    change = db.session.scalar(select(approvals.ProductChangeRequest))
    review = db.session.scalar(select(SupplierChangeReview))
    problem = db.session.scalar(select(DeliveryProblem))
    question = db.session.scalar(select(nursing.AdviceQuestion))
    _login(auth, nurse)
    assert client.post(f"/sygeplejerske/produktskift/{change.id}", data={"decision": "reject", "reason": ""}).status_code == 422
    assert client.post(f"/sygeplejerske/produktskift/{change.id}", data={"decision": "reject", "reason": "Nej tak"}).status_code == 302
    assert client.post(f"/sygeplejerske/leverandoerskift/{review.id}", data={"successor": "abc"}).status_code == 422
    assert client.post(f"/sygeplejerske/leverandoerskift/{review.id}", data={"note": "Ingen passer"}).status_code == 302
    assert client.post(f"/sygeplejerske/leveringsproblem/{problem.id}", data={"note": ""}).status_code == 422
    assert client.post(f"/sygeplejerske/leveringsproblem/{problem.id}", data={"note": "Nyt mål"}).status_code == 302
    assert client.post(f"/sygeplejerske/raad/{question.id}", data={"text": ""}).status_code == 422
    assert client.post(f"/sygeplejerske/raad/{question.id}", data={"action": "close"}).status_code == 302
    db.session.expire_all()
    assert change.status.value == "rejected" and review.status is ReviewStatus.DONE and problem.status == "resolved"
    assert question.status is AdviceStatus.CLOSED
    for url in [f"/sygeplejerske/produktskift/{change.id}", f"/sygeplejerske/leverandoerskift/{review.id}",
                f"/sygeplejerske/leveringsproblem/{problem.id}", f"/sygeplejerske/raad/{question.id}"]:
        assert 'data-testid="decided"' in client.get(url).get_data(as_text=True) or "closed" in client.get(url).get_data(as_text=True)
    assert 'data-testid="decided">Afvist, ' in client.get(f"/sygeplejerske/produktskift/{change.id}").get_data(as_text=True)


def test_search_page(auth, client, world, nurse):
    _login(auth, nurse)
    def search(q):
        return client.post("/sygeplejerske/borgere", data={"q": q}, follow_redirects=True)

    assert "Birthe Nielsen" in search("Birthe").get_data(as_text=True)
    assert 'data-testid="found-none"' in search("Jens").get_data(as_text=True)
    assert search("x" * 500).status_code == 422


# --- advice, both ways ------------------------------------------------------------------------------

def test_citizen_asks_nurse_answers_citizen_is_told(auth, client, citizen, nurse):
    auth.citizen("150348-1234")
    assert client.post("/borger/raadgivning", data={"text": ""}).status_code == 422
    sent = client.post("/borger/raadgivning", data={"text": "Min hud klør under pladen"})
    assert sent.status_code == 302
    question = db.session.scalar(select(nursing.AdviceQuestion))
    assert 'data-testid="new-answer"' not in client.get("/borger/").get_data(as_text=True)
    auth.logout()
    _login(auth, nurse)
    page = client.get(f"/sygeplejerske/raad/{question.id}").get_data(as_text=True)
    assert "Min hud klør under pladen" in page
    assert client.post(f"/sygeplejerske/raad/{question.id}", data={"action": "answer", "text": "Prøv en barrierefilm"}).status_code == 302
    auth.logout()
    auth.citizen("150348-1234")
    assert 'data-testid="new-answer"' in client.get("/borger/").get_data(as_text=True)
    thread = client.get(f"/borger/raadgivning/{question.id}").get_data(as_text=True)
    assert "Prøv en barrierefilm" in thread and nurse.name in thread
    assert 'data-testid="new-answer"' not in client.get("/borger/").get_data(as_text=True)
    assert client.post(f"/borger/raadgivning/{question.id}", data={"text": "Tak!"}).status_code == 302
    db.session.expire_all()
    assert question.status is AdviceStatus.OPEN and len(question.messages) == 3


def test_a_reply_to_a_closed_conversation_is_refused_and_saves_nothing(auth, client, citizen, nurse):
    question = nursing.ask_advice(citizen, "Min hud klør under pladen")
    nursing.close_advice(nurse, question)
    db.session.commit()
    auth.citizen("150348-1234")
    response = client.post(f"/borger/raadgivning/{question.id}", data={"text": "Hallo?"})
    assert response.status_code == 422
    assert "Samtalen er afsluttet. Stil et nyt spørgsmål." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [m.text for m in question.messages] == ["Min hud klør under pladen"]


def test_citizen_cannot_open_anothers_question(auth, client, citizen, world):
    other = nursing.ask_advice(world["citizen_odense"], "Mit spørgsmål")
    db.session.commit()
    auth.citizen("150348-1234")
    assert client.get(f"/borger/raadgivning/{other.id}").status_code == 404
    assert client.post(f"/borger/raadgivning/{other.id}", data={"text": "hej"}).status_code == 404


def test_citizen_asks_for_another_product(auth, client, citizen, shop, officer):
    from tests.fixtures.grants import grant_for, line

    grant_for(officer, citizen, line(2, variant=shop.bag_a))
    auth.citizen("150348-1234")
    assert client.get("/borger/produktskift").status_code == 200
    bad = client.post("/borger/produktskift", data={"current": "", "wanted": "NOPE", "reason": ""})
    assert bad.status_code == 422 and 'id="wanted-error"' in bad.get_data(as_text=True) and 'id="reason-error"' in bad.get_data(as_text=True)
    assert client.post("/borger/produktskift", data={"current": "garbage", "wanted": "NL-101", "reason": "Lækager"}).status_code == 302
    change = db.session.scalar(select(approvals.ProductChangeRequest))
    assert change.wanted_variant_id == shop.bag_b.id and change.current_variant_id is None


# --- discharge ------------------------------------------------------------------------------------

def _discharge_form(shop, **overrides):
    data = {"cpr": "010190-1235", "name": "Karen Lund", "address": "Skovvej 3", "postcode": "8210", "city": "Aarhus V",
            "municipality_id": str(factories.municipality(751).id), "stoma_type": "colostomy",
            "operation_date": (local_today() - timedelta(days=5)).isoformat(), "article-0": "NL-100", "qty-0": "2",
            "article-1": "FC-200", "qty-1": "1", "shape": "round", "diameter_mm": "30"}
    data.update(overrides)
    return data


def test_discharge_is_for_hospital_nurses(auth, client, nurse, shop):
    _login(auth, nurse)
    assert client.get("/sygeplejerske/udskrivelse").status_code == 403
    assert client.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop)).status_code == 403


def test_discharge_with_missing_fields_shows_messages_and_saves_nothing(auth, client, nurse_auh, shop):
    _login(auth, nurse_auh)
    before = db.session.scalar(select(func.count(Citizen.id)))
    response = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(
        shop, cpr="12", name="", postcode="abcd", municipality_id="x", operation_date="31-02-2026", **{"qty-1": "0"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="operation_date-error"' in html  # a date the form cannot read is told first
    response = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(
        shop, cpr="12", name="", postcode="abcd", municipality_id="x", **{"qty-1": "0"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("cpr", "name", "postcode", "municipality_id", "qty-1"):
        assert f'id="{field}-error"' in html, field
    assert 'value="Skovvej 3"' in html  # what was typed is kept
    assert db.session.scalar(select(func.count(Citizen.id))) == before
    assert db.session.scalar(select(func.count(DischargeRecommendation.id))) == 0


def test_discharge_registers_and_a_duplicate_cpr_attaches(auth, client, nurse_auh, shop, world):
    _login(auth, nurse_auh)
    assert client.get("/sygeplejerske/udskrivelse").status_code == 200
    response = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop))
    assert response.status_code == 302
    citizen = db.session.scalar(select(Citizen).where(Citizen.name == "Karen Lund"))
    assert response.headers["Location"].endswith(f"/sygeplejerske/borger/{citizen.id}")
    before = db.session.scalar(select(func.count(Citizen.id)))
    shown = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop, cpr="150348-1234", name="Birthe Nielsen"))
    assert shown.status_code == 200 and "B*** N***" in shown.get_data(as_text=True)
    again = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop, cpr="150348-1234", name="Birthe Nielsen",
                                                                           confirm_identity="y"))
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Citizen.id))) == before
    assert db.session.scalar(select(func.count(DischargeRecommendation.id)).where(
        DischargeRecommendation.citizen_id == world["citizen"].id)) == 1
    start = client.get("/sygeplejerske/").get_data(as_text=True)
    assert "discharges" in start
    assert start.count('data-testid="discharge-status">Afventer sagsbehandleren<') == 2  # both wait for the officer


def test_the_nurse_reads_the_grant_officers_answer_on_the_profile(auth, client, awaiting, nurse, officer):
    recommendation = approvals.approve_order(nurse, awaiting, recommend=True)
    db.session.commit()
    _login(auth, nurse)
    page = client.get(f"/sygeplejerske/borger/{awaiting.citizen_id}").get_data(as_text=True)
    assert 'data-testid="recommendation-answer"' not in page  # not answered yet
    approvals.close_recommendation(officer, recommendation, done=False, note="Budgettet rækker ikke <i>nu</i>")
    db.session.commit()
    page = client.get(f"/sygeplejerske/borger/{awaiting.citizen_id}").get_data(as_text=True)
    assert "Budgettet rækker ikke &lt;i&gt;nu&lt;/i&gt;" in page  # shown, and escaped


def test_the_supplier_change_review_shows_the_measure_and_which_successors_can_be_cut_to_it(auth, client, measured, shop, nurse):
    from catalogue.models import Product, Variant

    product = Product(category=shop.plates, manufacturer="Fjord Care", name="Smal basisplade", system="two_piece")
    narrow = Variant(product=product, article_number="FC-201", gtin="5701234000068", pack_size=10, unit="box",
                     cut_min_mm=10, cut_max_mm=30)
    db.session.add(narrow)
    review = SupplierChangeReview(citizen_id=measured.id, old_variant_id=shop.bag_a.id, status=ReviewStatus.OPEN,
                                  suggested_variants=[shop.plate, narrow, shop.bag_b])
    db.session.add(review)
    db.session.commit()
    _login(auth, nurse)
    html = client.get(f"/sygeplejerske/leverandoerskift/{review.id}").get_data(as_text=True)
    assert "Klippemål: <strong>Ø 32 mm</strong>" in html
    fit = html[html.find('data-testid="successor-fit"'):]
    fit = fit[:fit.find("</ul>")]
    assert "(FC-200): kan klippes til målet" in fit and "(FC-201): <strong>kan ikke klippes til målet</strong>" in fit
    assert "NL-101" not in fit  # a bag is not cut: nothing to say


# --- the queue: how long each task has waited, a due flag, mine / nobody's (issue 24, staff expect) -----------------

@pytest.mark.parametrize("today,days,due", [("2026-12-04", 0, False), ("2026-12-07", 1, False), ("2026-12-08", 2, True),
                                             ("2026-12-28", 15, True)])
def test_a_task_waits_in_working_days_and_is_due_after_two(today, days, due):
    from datetime import date, datetime, timezone

    task = nursing.Task(TaskKind.ORDER, None, None, datetime(2026, 12, 4, 14, 0, tzinfo=timezone.utc))  # a Friday
    assert task.working_days_waiting(date.fromisoformat(today)) == days  # 25 and 26 Dec are holidays: 15 by the 28th
    assert task.is_due(date.fromisoformat(today)) is due


def test_the_queue_shows_the_wait_flags_what_is_due_and_filters_mine_and_nobodys(auth, client, awaiting, nurse):
    from stomi_app.db import utcnow

    awaiting.submitted_at = utcnow() - timedelta(days=10)  # sent ten days ago: at least six working days
    db.session.commit()
    _login(auth, nurse)
    queue = client.get("/sygeplejerske/opgaver").get_data(as_text=True)
    order_row = queue[queue.find(f'data-testid="task-order-{awaiting.id}"'):]
    order_row = order_row[:order_row.find("</tr>")]
    assert 'data-testid="due"' in order_row and "hverdage" in order_row
    assert '<span class="form-hint" data-testid="why">ud over bevillingen i denne periode</span>' in order_row  # why it waits
    measure_row = queue[queue.find('data-testid="task-measure-'):]
    measure_row = measure_row[:measure_row.find("</tr>")]
    assert "0 hverdage" in measure_row and 'data-testid="due"' not in measure_row
    assert 'data-testid="queue-empty"' in client.get("/sygeplejerske/opgaver?who=mine").get_data(as_text=True)
    assert client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/tag").status_code == 302
    mine = client.get("/sygeplejerske/opgaver?who=mine").get_data(as_text=True)
    assert f"task-order-{awaiting.id}" in mine and "task-measure-" not in mine
    nobodys = client.get("/sygeplejerske/opgaver?who=unclaimed").get_data(as_text=True)
    assert f"task-order-{awaiting.id}" not in nobodys and "task-measure-" in nobodys
    assert client.get("/sygeplejerske/opgaver?who=%00nonsense").status_code == 200


def test_waiting_reasons_name_each_reason_once_in_short_words(citizen, shop, officer):
    from flask_babel import force_locale

    order = waiting_order(citizen, shop, officer)  # 5 bags against 2 a month
    other = ordering.new_draft(citizen)
    ordering.set_draft_lines(other, {shop.bag_b.id: 1, shop.bag_a.id: 1})  # bag_b is not granted
    ordering.submit(other)
    db.session.commit()
    with force_locale("en"):
        why = ordering.waiting_reasons([order.id, other.id, 999999])
    assert why[order.id] == ["beyond the grant this period"]
    assert "not in the grant" in why[other.id] and len(why[other.id]) == len(set(why[other.id]))
    assert why[999999] == [] and ordering.waiting_reasons([]) == {}


def test_the_queue_is_paged_fifty_at_a_time_and_keeps_its_filters(auth, client, world, nurse):
    for n in range(55):
        someone = factories.citizen(name=f"Kø Borger {n:02d}")
        ordering.record_measure(someone, shape=ordering.CutShape.ROUND, diameter_mm=30)
    db.session.commit()
    _login(auth, nurse)
    first = client.get("/sygeplejerske/opgaver?kind=measure").get_data(as_text=True)
    assert first.count('data-testid="task-measure-') == 50
    assert 'href="/sygeplejerske/opgaver?page=2&amp;kind=measure"' in first or \
        'href="/sygeplejerske/opgaver?kind=measure&amp;page=2"' in first
    second = client.get("/sygeplejerske/opgaver?kind=measure&page=2").get_data(as_text=True)
    assert second.count('data-testid="task-measure-') == 5
    assert client.get("/sygeplejerske/opgaver?page=abc").status_code == 200
    assert client.get("/sygeplejerske/opgaver?kind=measure&page=99").get_data(as_text=True).count('data-testid="task-measure-') == 5


def test_a_task_is_given_to_a_colleague_of_the_workplace_only(auth, client, awaiting, nurse, nurse_aarhus2, nurse_ouh):
    from care.models import TaskClaim

    _login(auth, nurse)
    page = client.get(f"/sygeplejerske/ordre/{awaiting.id}").get_data(as_text=True)
    form = page[page.find('data-testid="assign"'):]
    form = form[:form.find("</form>")]
    assert f'<option value="{nurse_aarhus2.id}">' in form and f'value="{nurse_ouh.id}"' not in form and f'value="{nurse.id}"' not in form
    refused = client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/giv", data={"colleague": str(nurse_ouh.id)})
    assert refused.status_code == 302 and db.session.scalar(select(TaskClaim)) is None
    assert client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/giv", data={"colleague": "x\x00"}).status_code == 302
    given = client.post(f"/sygeplejerske/opgaver/order/{awaiting.id}/giv", data={"colleague": str(nurse_aarhus2.id)})
    assert given.status_code == 302
    claim = db.session.scalar(select(TaskClaim))
    assert claim.nurse_id == nurse_aarhus2.id and claim.ref_id == awaiting.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "nurse: assign a task")).user_id == nurse.id
    auth.logout()
    _login(auth, nurse_aarhus2)
    assert f"task-order-{awaiting.id}" in client.get("/sygeplejerske/opgaver?who=mine").get_data(as_text=True)
