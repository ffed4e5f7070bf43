"""The grant officer's side of a hospital discharge over HTTP: the list, the recommendation, the grant in one step."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from care import discharge
from stomi_app.extensions import db
from grants.models import Grant
from care.models import RecommendationStatus
from stomi_app.timeutil import local_today
from tests import factories
from tests.fixtures.audit import audit_rows
from tests.fixtures.grants import grant_count


@pytest.fixture
def recommendation(shop, nurse_auh):
    rec, _ = discharge.register_discharge(nurse_auh, discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="8210", city="Aarhus V",
        municipality_id=factories.municipality(751).id, stoma_type="ileostomy", operation_date=local_today() - timedelta(days=6),
        products=[(shop.bag_a.article_number, "2"), (shop.plate.article_number, "1")], shape="round", diameter_mm="30",
        note="Højt output første uger"))
    db.session.commit()
    return rec


def _form(**overrides) -> dict:
    return {"legal_basis": "Serviceloven § 112", "valid_from": local_today().isoformat()} | overrides


def test_the_start_page_and_the_list_show_the_waiting_discharge(logged_in, recommendation):
    start = logged_in.get("/kommune/").get_data(as_text=True)
    assert 'data-testid="discharge-count">1<' in start
    page = logged_in.get("/kommune/udskrivelser").get_data(as_text=True)
    assert "Karen Lund" in page and "010190-****" in page and "Aarhus Universitetshospital" in page
    assert f"/kommune/udskrivelse/{recommendation.id}" in page


def test_the_recommendation_page_shows_the_products_and_measure_and_is_audited(logged_in, recommendation, shop):
    response = logged_in.get(f"/kommune/udskrivelse/{recommendation.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shop.bag_a.article_number in page and shop.plate.article_number in page
    assert "Ø 30 mm" in page and "Højt output første uger" in page
    assert [e.citizen_id for e in audit_rows("read")] == [recommendation.citizen_id]


def test_granting_makes_the_same_lines_and_closes_the_recommendation_once(logged_in, recommendation, shop):
    before = grant_count()
    response = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kommune/borger/{recommendation.citizen_id}")
    db.session.expire_all()
    assert grant_count() == before + 1
    grant = db.session.scalar(select(Grant).where(Grant.citizen_id == recommendation.citizen_id))
    assert sorted((l.variant_id, l.quantity) for l in grant.lines) == sorted([(shop.bag_a.id, 2), (shop.plate.id, 1)])
    assert grant.legal_basis == "Serviceloven § 112" and grant.valid_from == local_today()
    assert recommendation.status is RecommendationStatus.DONE and recommendation.grant_id == grant.id
    assert any(e.citizen_id == recommendation.citizen_id for e in audit_rows("change"))
    assert "Karen Lund" not in logged_in.get("/kommune/udskrivelser").get_data(as_text=True)

    again = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form())  # a double click
    assert again.status_code == 422
    assert "already been handled" in again.get_data(as_text=True) or "allerede" in again.get_data(as_text=True)
    assert grant_count() == before + 1


def test_a_missing_legal_basis_or_date_grants_nothing(logged_in, recommendation):
    before = grant_count()
    response = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form(legal_basis="", valid_from="31-02"))
    assert response.status_code == 422
    assert grant_count() == before
    db.session.expire_all()
    assert recommendation.status is RecommendationStatus.OPEN


def test_another_municipality_neither_sees_nor_grants_it(auth, world, recommendation):
    auth.staff("officer.odense@test.dk")
    assert "Karen Lund" not in auth.client.get("/kommune/udskrivelser").get_data(as_text=True)
    before = grant_count()
    assert auth.client.get(f"/kommune/udskrivelse/{recommendation.id}").status_code == 404
    assert auth.client.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form()).status_code == 404
    assert grant_count() == before


@pytest.mark.parametrize("values", [
    {"legal_basis": "x" * 5000}, {"legal_basis": "\x00"}, {"legal_basis": "<script>alert(1)</script>\x00"},
    {"valid_from": "99999-01-01"}, {"valid_from": "2026-02-30"}, {"valid_from": "٣"}, {"csrf_token": "x"},
])
def test_hostile_values_are_a_message_or_a_grant_never_a_500(logged_in, recommendation, values):
    response = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form(**values))
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        grant = db.session.scalar(select(Grant).where(Grant.citizen_id == recommendation.citizen_id))
        assert "\x00" not in grant.legal_basis


# --- the officer's own numbers and last day, or a decline (issue 24, staff expect) --------------------------------

def test_the_officer_grants_other_quantities_and_a_last_day(logged_in, recommendation, shop):
    bag_line = next(l for l in recommendation.lines if l.variant_id == shop.bag_a.id)
    last = local_today() + timedelta(days=90)
    response = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}",
                              data=_form(valid_to=last.isoformat(), **{f"qty-{bag_line.id}": "4"}))
    assert response.status_code == 302
    grant = db.session.scalar(select(Grant).where(Grant.citizen_id == recommendation.citizen_id))
    assert sorted((l.variant_id, l.quantity) for l in grant.lines) == sorted([(shop.bag_a.id, 4), (shop.plate.id, 1)])
    assert grant.valid_to == last
    db.session.expire_all()
    assert recommendation.status is RecommendationStatus.DONE


@pytest.mark.parametrize("bad", ["0", "1000", "abc", "", "-1", "2,5"])
def test_a_bad_quantity_grants_nothing_and_is_shown_with_the_other_problems(logged_in, recommendation, bad):
    line = recommendation.lines[0]
    before = grant_count()
    response = logged_in.post(f"/kommune/udskrivelse/{recommendation.id}", data=_form(legal_basis="", **{f"qty-{line.id}": bad}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and grant_count() == before
    assert f'href="#qty-{line.id}"' in html and 'href="#legal_basis"' in html  # all at once


def test_declining_needs_a_note_and_closes_it_for_the_nurse_to_read(logged_in, recommendation):
    url = f"/kommune/udskrivelse/{recommendation.id}"
    refused = logged_in.post(url, data={"action": "decline", "decline-note": "  "})
    assert refused.status_code == 422 and 'href="#decline-note"' in refused.get_data(as_text=True)
    before = grant_count()
    done = logged_in.post(url, data={"action": "decline", "decline-note": "Borgeren er flyttet til Norge"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/kommune/udskrivelser")
    db.session.expire_all()
    assert recommendation.status is RecommendationStatus.DISMISSED and recommendation.handled_note == "Borgeren er flyttet til Norge"
    assert grant_count() == before
