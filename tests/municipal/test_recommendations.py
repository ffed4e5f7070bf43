"""The grant officer's worklist of stoma nurses' recommendations: the look-ups at their boundaries, then over HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from municipal_portal import services
from care import approvals
from care import discharge
from stomi_app.extensions import db
from grants.services import GrantAccessDenied, GrantLineInput, change_grant, grants_in_force
from stomi_app.models import AuditEvent
from care.models import GrantRecommendation, RecommendationKind, RecommendationStatus
from care.nursing import NursingError
from stomi_app.timeutil import local_today
from tests import factories
from tests.fixtures.app import csrf_token_from, make_app
from tests.fixtures.audit import audit_rows
from tests.fixtures.grants import grant_for, line


@pytest.fixture
def from_order(awaiting, nurse, shop):
    """Birthe (Aarhus) ordered beyond her grant; the nurse approved it once and recommends 4 bags a month."""
    rec = approvals.approve_order(nurse, awaiting, reason="Godkendt", recommend=True, quantities={shop.bag_a.id: "4"},
                                  note="Højt output efter operationen")
    db.session.commit()
    return rec


@pytest.fixture
def product_change(citizen, shop, nurse, officer):
    """Birthe wants the drainable bag instead of the granted one: a product-change recommendation (newer than from_order)."""
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, current_variant=shop.bag_a, reason="Lækager")
    rec = approvals.approve_product_change(nurse, change, reason="Prøv den tømbare", quantity="3")
    db.session.commit()
    return rec


@pytest.fixture
def foreign_rec(world, shop, nurse_ouh):
    """Jens (Odense): a recommendation for Odense's grant officer only."""
    change = approvals.request_product_change(world["citizen_odense"], wanted_variant=shop.plate, reason="Ny plade")
    rec = approvals.approve_product_change(nurse_ouh, change, quantity="2")
    db.session.commit()
    return rec


@pytest.fixture
def a_discharge(shop, nurse_auh):
    rec, _ = discharge.register_discharge(nurse_auh, discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="8210", city="Aarhus V",
        municipality_id=factories.municipality(751).id, stoma_type="ileostomy",
        operation_date=local_today() - timedelta(days=6), products=[(shop.bag_a.article_number, "2")]))
    db.session.commit()
    return rec


AARHUS = 751


def officer_changes() -> list[AuditEvent]:
    return [e for e in audit_rows("change") if e.role == "grant_officer"]


def follow(officer, recommendation, **changes) -> None:
    """Change the citizen's grant as recommended (one line per recommended product; `changes` overrides quantities by
    article number, None leaves the product out), keeping the grant's dates."""
    [grant] = grants_in_force([recommendation.citizen_id], local_today())
    lines = [GrantLineInput(quantity=changes.get(r.variant.article_number, r.quantity), period=r.period, variant_id=r.variant_id)
             for r in recommendation.lines if changes.get(r.variant.article_number, r.quantity) is not None]
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                 lines=lines, reason="Efter anbefalingen")


def _aarhus() -> int:
    return factories.municipality(AARHUS).id


# --- the look-ups ----------------------------------------------------------------------------------

def test_the_list_is_own_municipality_open_and_oldest_first_without_discharges(from_order, product_change, foreign_rec,
                                                                               a_discharge, officer):
    assert approvals.pending_recommendations(_aarhus()) == [from_order, product_change]
    assert approvals.count_pending_recommendations(_aarhus()) == 2
    assert approvals.pending_recommendations(factories.municipality(461).id) == [foreign_rec]
    follow(officer, from_order)
    approvals.close_recommendation(officer, from_order, done=True)
    db.session.commit()
    assert approvals.pending_recommendations(_aarhus()) == [product_change]
    assert approvals.count_pending_recommendations(_aarhus()) == 1


def test_one_recommendation_is_found_only_in_its_own_municipality_and_never_as_a_discharge(from_order, foreign_rec, a_discharge):
    assert services.recommendation_of(_aarhus(), from_order.id) is from_order
    assert services.recommendation_of(_aarhus(), foreign_rec.id) is None
    assert services.recommendation_of(_aarhus(), a_discharge.id) is None  # a discharge has its own page
    assert services.recommendation_of(_aarhus(), 999999) is None


def test_dismissing_needs_a_note_and_saves_nothing_without_one(from_order, officer):
    for blank in (None, "", "   "):
        with pytest.raises(NursingError) as exc:
            approvals.close_recommendation(officer, from_order, done=False, note=blank)
        assert set(exc.value.errors) == {"note"}
    db.session.rollback()
    assert from_order.status is RecommendationStatus.OPEN and from_order.handled_at is None


def test_closing_twice_is_refused_and_keeps_the_first_answer(from_order, officer):
    approvals.close_recommendation(officer, from_order, done=False, note="Budgettet rækker ikke")
    db.session.commit()
    for done in (True, False):
        with pytest.raises(NursingError) as exc:
            approvals.close_recommendation(officer, from_order, done=done, note="igen")
        assert set(exc.value.errors) == {"state"}
    db.session.rollback()
    assert (from_order.status, from_order.handled_note) == (RecommendationStatus.DISMISSED, "Budgettet rækker ikke")


def test_another_municipality_cannot_close_it(from_order, world):
    with pytest.raises(GrantAccessDenied):
        approvals.close_recommendation(world["officer_odense"], from_order, done=True)


def test_the_grant_in_force_is_the_newest(citizen, shop, officer):
    assert services.grant_in_force(citizen.id, local_today()) is None
    grant_for(officer, citizen, line(2, variant=shop.bag_a))
    newer = grant_for(officer, citizen, line(1, variant=shop.plate), valid_from=local_today())
    assert services.grant_in_force(citizen.id, local_today()) == newer


# --- over HTTP -------------------------------------------------------------------------------------

def test_start_page_navigation_and_list_show_the_open_recommendations(logged_in, from_order, product_change, foreign_rec, shop):
    start = logged_in.get("/kommune/").get_data(as_text=True)
    assert 'data-testid="recommendation-count">2<' in start and "/kommune/anbefalinger" in start
    response = logged_in.get("/kommune/anbefalinger")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Birthe Nielsen") == 2 and "150348-****" in page and "1503481234" not in page
    assert "Jens Mikkelsen" not in page
    # Oldest first, with the kind in Danish, the nurse's note, the lines, and who recommended.
    assert page.index(f"/kommune/anbefaling/{from_order.id}") < page.index(f"/kommune/anbefaling/{product_change.id}")
    assert "Anbefalet ændring af bevilling efter en bestilling" in page and "Anbefalet produktskift" in page
    assert "Højt output efter operationen" in page and f"Bestilling {from_order.order.number}" in page
    assert f"4 pr. måned × {shop.bag_a.display_name} (Lukket pose)" in page
    assert f"3 pr. måned × {shop.bag_b.display_name} (Lukket pose), i stedet for {shop.bag_a.display_name}" in page
    assert from_order.created_by.name in page
    assert f"/kommune/borger/{from_order.citizen_id}" in page
    # Each row shows a nurse's note about the citizen: audited as a read of that citizen.
    reads = [e for e in audit_rows("read") if e.purpose == "Nurses' recommendations (grant officer)"]
    assert sorted(e.detail for e in reads) == sorted([f"recommendation={from_order.id}", f"recommendation={product_change.id}"])
    assert {e.citizen_id for e in reads} == {from_order.citizen_id}


def test_an_empty_list_says_so(logged_in, world):
    page = logged_in.get("/kommune/anbefalinger").get_data(as_text=True)
    assert 'data-testid="no-recommendations"' in page
    assert 'data-testid="recommendation-count">0<' in logged_in.get("/kommune/").get_data(as_text=True)


def test_the_citizen_page_points_to_the_open_recommendation(logged_in, from_order):
    page = logged_in.get(f"/kommune/borger/{from_order.citizen_id}").get_data(as_text=True)
    assert 'data-testid="open-recommendations"' in page and f"/kommune/anbefaling/{from_order.id}" in page


def test_the_recommendation_page_is_audited_and_offers_the_answers(logged_in, from_order):
    response = logged_in.get(f"/kommune/anbefaling/{from_order.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Højt output efter operationen" in page and 'name="done"' in page and 'name="dismiss"' in page
    assert f'href="/kommune/borger/{from_order.citizen_id}"' in page
    [read] = audit_rows("read")
    assert (read.citizen_id, read.purpose) == (from_order.citizen_id, "Nurse's recommendation (grant officer)")


def test_dismiss_without_a_note_shows_the_message_by_the_field_and_saves_nothing(logged_in, from_order):
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "  ", "dismiss": "Afvis"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="note-error"' in page and "Skriv, hvorfor anbefalingen ikke følges." in page
    assert 'href="#note"' in page  # the summary leads to the field
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.OPEN
    assert officer_changes() == []


def test_dismiss_with_a_note_closes_it_once(logged_in, from_order, officer):
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "Budgettet rækker ikke", "dismiss": "Afvis"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/kommune/anbefalinger")
    db.session.expire_all()
    assert (from_order.status, from_order.handled_note, from_order.handled_by_id) == (
        RecommendationStatus.DISMISSED, "Budgettet rækker ikke", officer.id)
    assert [e.purpose for e in officer_changes()] == ["grant officer: handle a nurse's recommendation"]
    follow = logged_in.get("/kommune/anbefalinger").get_data(as_text=True)
    assert "Anbefalingen er afvist." in follow and 'data-testid="no-recommendations"' in follow

    again = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "igen", "done": "Udført"})  # a double click
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and "Anbefalingen er allerede behandlet." in page
    assert 'data-testid="handled"' in page and 'name="done"' not in page
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.DISMISSED and len(officer_changes()) == 1


def test_done_records_the_grant_in_force(logged_in, from_order, officer):
    follow(officer, from_order)
    db.session.commit()
    [grant] = grants_in_force([from_order.citizen_id], local_today())
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "", "done": "Udført"})
    assert response.status_code == 302
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.DONE and from_order.grant_id == grant.id
    assert from_order.handled_note is None


def test_a_post_without_an_answer_is_a_message(logged_in, from_order):
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "x"})
    assert response.status_code == 422
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.OPEN


@pytest.mark.parametrize("values", [
    {"note": "x" * 5000, "dismiss": "1"}, {"note": "\x00", "dismiss": "1"}, {"note": "<script>alert(1)</script>\x00", "dismiss": "1"},
    {"note": "\x00", "done": "1"}, {"done": "1", "dismiss": "1", "note": "begge"}, {"csrf_token": "x", "done": "1"},
])
def test_hostile_values_are_a_message_or_an_answer_never_a_500(logged_in, from_order, values):
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data=values)
    assert response.status_code in (302, 422)
    db.session.expire_all()
    assert "\x00" not in (from_order.handled_note or "")
    assert "<script>" not in logged_in.get(f"/kommune/anbefaling/{from_order.id}").get_data(as_text=True)


def test_another_municipality_neither_sees_nor_answers_it(auth, world, from_order, a_discharge):
    auth.staff("officer.odense@test.dk")
    assert "Birthe Nielsen" not in auth.client.get("/kommune/anbefalinger").get_data(as_text=True)
    assert auth.client.get(f"/kommune/anbefaling/{from_order.id}").status_code == 404
    assert auth.client.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "Nej", "dismiss": "1"}).status_code == 404
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.OPEN
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.citizen_id == from_order.citizen_id,
                                                      AuditEvent.role == "grant_officer")) is None


def test_a_discharge_id_is_not_answered_here(logged_in, a_discharge):
    assert logged_in.get(f"/kommune/anbefaling/{a_discharge.id}").status_code == 404
    assert logged_in.post(f"/kommune/anbefaling/{a_discharge.id}", data={"done": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(GrantRecommendation, a_discharge.id).status is RecommendationStatus.OPEN
    assert a_discharge.kind is RecommendationKind.DISCHARGE


@pytest.mark.committing
def test_an_answer_without_the_csrf_token_is_refused(database_url, instance_dir, from_order):
    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": "officer.aarhus@test.dk", "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    url = f"/kommune/anbefaling/{from_order.id}"
    assert client.post(url, data={"note": "Nej", "dismiss": "Afvis"}).status_code == 400
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.OPEN
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"note": "Nej", "dismiss": "Afvis", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.DISMISSED


# --- "done" only when the grant follows the recommendation (issue 24 item 10) ---------------------------

def test_done_is_refused_while_the_grant_is_unchanged_and_saves_nothing(from_order, officer):
    assert approvals.recommendation_unmet(from_order) == ["Calma lukket pose (NL-100) er bevilget 2, ikke 4"]
    with pytest.raises(NursingError) as exc:
        approvals.close_recommendation(officer, from_order, done=True)
    assert set(exc.value.errors) == {"done"} and "NL-100" in str(exc.value.errors["done"])
    db.session.rollback()
    assert from_order.status is RecommendationStatus.OPEN


@pytest.mark.parametrize("granted,met", [(3, False), (4, True), (5, True)])
def test_done_needs_at_least_the_recommended_quantity(from_order, officer, granted, met):
    follow(officer, from_order, **{"NL-100": granted})
    assert (approvals.recommendation_unmet(from_order) == []) is met


def test_a_product_change_is_done_only_when_the_new_product_is_granted_and_the_old_one_is_not(product_change, officer, shop):
    # Birthe's grant has bag_a (NL-100); the recommendation is bag_b (NL-101) instead of it.
    grant_for(officer, product_change.citizen, line(2, variant=shop.bag_a))
    assert {"NL-101" in p or "NL-100" in p for p in approvals.recommendation_unmet(product_change)} == {True}
    [grant] = grants_in_force([product_change.citizen_id], local_today())
    both = [GrantLineInput(quantity=2, period=line.period, variant_id=line.variant_id) for line in grant.lines] + \
        [GrantLineInput(quantity=3, period=product_change.lines[0].period, variant_id=shop.bag_b.id)]
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                 lines=both, reason="Begge")
    unmet = approvals.recommendation_unmet(product_change)
    assert len(unmet) == 1 and unmet[0] == "Calma lukket pose (NL-100) er stadig bevilget"  # the replaced bag is still granted
    [grant] = grants_in_force([product_change.citizen_id], local_today())
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                 lines=[GrantLineInput(quantity=3, period=product_change.lines[0].period, variant_id=shop.bag_b.id)],
                 reason="Kun den nye")
    assert approvals.recommendation_unmet(product_change) == []
    approvals.close_recommendation(officer, product_change, done=True)
    assert product_change.status is RecommendationStatus.DONE


def test_a_category_grant_covers_the_recommended_product(product_change, officer, shop):
    grant_for(officer, product_change.citizen, line(2, variant=shop.bag_a))
    [grant] = grants_in_force([product_change.citizen_id], local_today())
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                 lines=[GrantLineInput(quantity=3, period=product_change.lines[0].period, category_id=shop.bags.id)],
                 reason="Kategori")
    assert approvals.recommendation_unmet(product_change) == []


def test_the_page_says_what_the_grant_lacks_and_a_premature_done_is_explained(logged_in, from_order):
    page = logged_in.get(f"/kommune/anbefaling/{from_order.id}").get_data(as_text=True)
    assert 'data-testid="unmet"' in page and "Bevillingen følger endnu ikke anbefalingen" in page
    response = logged_in.post(f"/kommune/anbefaling/{from_order.id}", data={"note": "", "done": "Udført"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="error-summary"' in html and "er bevilget 2, ikke 4" in html
    db.session.expire_all()
    assert from_order.status is RecommendationStatus.OPEN


def test_a_change_of_system_shows_the_baseplate_to_stop_and_done_waits_for_it(logged_in, citizen, shop, officer, nurse):
    from catalogue.models import ContractPrice, Product, Variant
    from datetime import date as _date

    product = Product(category=shop.bags, manufacturer="Fjord Care", name="Link 2-dels pose", system="two_piece")
    two_piece = Variant(product=product, article_number="FC-300", gtin="5701234000051", pack_size=30, unit="box", coupling_mm=50)
    db.session.add(two_piece)
    db.session.flush()
    db.session.add(ContractPrice(variant_id=two_piece.id, valid_from=_date(2024, 1, 1), valid_to=None, contract_reference="SKI",
                                 price_oere=9900, vat_rate_pct=25))
    grant_for(officer, citizen, line(3, variant=two_piece), line(2, variant=shop.plate))
    change = approvals.request_product_change(citizen, wanted_variant=shop.bag_a, current_variant=two_piece, reason="1-dels")
    rec = approvals.approve_product_change(nurse, change)
    db.session.commit()
    page = logged_in.get(f"/kommune/anbefaling/{rec.id}").get_data(as_text=True)
    assert "i stedet for Link 2-dels pose, 50 mm (FC-300)" in page
    assert "Stop Hudvenlig basisplade, 15–55 mm (FC-200): ikke længere nødvendig" in page
    [grant] = grants_in_force([citizen.id], local_today())
    change_grant(officer, grant, legal_basis=grant.legal_basis, valid_from=grant.valid_from, valid_to=grant.valid_to,
                 lines=[GrantLineInput(quantity=3, period=rec.lines[0].period, variant_id=shop.bag_a.id),
                        GrantLineInput(quantity=2, period=rec.lines[0].period, variant_id=shop.plate.id)], reason="Kun posen")
    db.session.commit()
    assert approvals.recommendation_unmet(rec) == ["Hudvenlig basisplade, 15–55 mm (FC-200) er stadig bevilget"]
