"""The grant officer's screens over HTTP: search, citizen page, grant forms, lists, and the 404 for foreign ids."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from stomi_app.extensions import db
from grants.services import create_grant
from grants.models import Grant, GrantChange, GrantStatus
from ordering.models import OrderStatus
from ordering.services import new_draft, set_draft_lines, submit
from stomi_app.timeutil import local_today
from tests.fixtures.audit import audit_rows
from tests.fixtures.grants import grant_count
from tests.fixtures.grants import grant_for, line


def grant_form(**overrides) -> dict:
    # A new grant from today: a start more than 3 months back is refused (tests/municipal/test_grant_dates.py).
    data = {"legal_basis": "Serviceloven § 112", "valid_from": local_today().isoformat(), "valid_to": "", "express_per_year": "2",
            "reason": "Udskrevet fra AUH med anbefaling", "lines-0-article_number": "NL-100", "lines-0-category_id": "",
            "lines-0-quantity": "3", "lines-0-period": "month", "lines-0-price_ceiling": ""}
    for i in range(1, 5):
        data.update({f"lines-{i}-article_number": "", f"lines-{i}-category_id": "", f"lines-{i}-quantity": "",
                     f"lines-{i}-period": "month", f"lines-{i}-price_ceiling": ""})
    data.update(overrides)
    return data


# --- access -----------------------------------------------------------------------------------------

def test_other_roles_get_403_and_anonymous_the_login(client, auth, world):
    assert client.get("/kommune/").status_code == 302
    auth.staff("nurse@test.dk")
    assert client.get("/kommune/").status_code == 403


@pytest.fixture
def foreign_grant(world, shop, foreign):
    return grant_for(world["officer_odense"], foreign, line(2, variant=shop.bag_a))


@pytest.mark.parametrize("method,url", [
    ("get", "/kommune/borger/{citizen}"),
    ("get", "/kommune/borger/{citizen}/bevilling/ny"),
    ("post", "/kommune/borger/{citizen}/bevilling/ny"),
    ("get", "/kommune/bevilling/{grant}/ret"),
    ("post", "/kommune/bevilling/{grant}/ret"),
    ("get", "/kommune/bevilling/{grant}/afslut"),
    ("post", "/kommune/bevilling/{grant}/afslut"),
])
def test_a_foreign_citizen_or_grant_is_404_on_every_id_route(logged_in, foreign, foreign_grant, method, url):
    before = grant_count()
    response = getattr(logged_in, method)(url.format(citizen=foreign.id, grant=foreign_grant.id),
                                          data=grant_form() | {"end_date": "2026-06-30"})
    assert response.status_code == 404
    assert grant_count() == before
    assert db.session.get(Grant, foreign_grant.id).status is GrantStatus.ACTIVE
    assert audit_rows("read") == [] and audit_rows("change") == []


@pytest.mark.parametrize("url", ["/kommune/borger/999999", "/kommune/bevilling/999999/ret", "/kommune/bevilling/999999/afslut"])
def test_an_unknown_id_is_404(logged_in, url):
    assert logged_in.get(url).status_code == 404


# --- start page and search ------------------------------------------------------------------------------

def test_start_page_counts_only_own_municipality(logged_in, officer, citizen, foreign, shop):
    grant_for(officer, citizen, line(2, variant=shop.bag_a))
    page = logged_in.get("/kommune/").get_data(as_text=True)
    assert 'data-testid="citizen-count">1<' in page
    assert 'data-testid="granted-count">1<' in page
    assert 'data-testid="awaiting-count">0<' in page


@pytest.mark.parametrize("query", ["birthe", "NIELS", "e niel"])
def test_search_by_part_of_the_name_case_insensitive(logged_in, citizen, query):
    page = logged_in.post("/kommune/borgere", data={"q": query}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in page
    assert "150348-****" in page and "1503481234" not in page and "150348-1234" not in page


def test_search_never_finds_another_municipality(logged_in, citizen, foreign):
    page = logged_in.post("/kommune/borgere", data={"q": "Jens"}, follow_redirects=True).get_data(as_text=True)
    assert "Jens Mikkelsen" not in page
    page = logged_in.post("/kommune/borgere", data={"q": "020756-2345"}, follow_redirects=True).get_data(as_text=True)
    assert "Jens Mikkelsen" not in page and 'data-testid="result-count"' in page


@pytest.mark.parametrize("cpr", ["150348-1234", "1503481234", " 150348 1234 "])
def test_search_by_full_cpr_is_audited_masked(logged_in, citizen, cpr):
    page = logged_in.post("/kommune/borgere", data={"q": cpr}, follow_redirects=True).get_data(as_text=True)
    assert "Birthe Nielsen" in page and "150348-****" in page
    [event] = audit_rows("search")
    assert event.detail.startswith("cpr=150348-****") and "1234" not in event.detail
    assert event.role == "grant_officer" and event.user_id is not None


def test_search_by_name_is_audited_with_the_criterion(logged_in, citizen):
    logged_in.post("/kommune/borgere", data={"q": "birthe"}, follow_redirects=True)
    [event] = audit_rows("search")
    assert event.detail == "name=birthe; hits=1"


@pytest.mark.parametrize("bad", ["150348-12", "3102481234", "1503481234567"])
def test_a_malformed_cpr_gets_a_message_next_to_the_field(logged_in, citizen, bad):
    response = logged_in.post("/kommune/borgere", data={"q": bad}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "form-error-message" in page and 'id="q-error"' in page
    assert "Birthe Nielsen" not in page
    assert audit_rows("search") == []


def test_an_overlong_search_is_a_message(logged_in):
    response = logged_in.post("/kommune/borgere", data={"q": "n" * 101}, follow_redirects=True)
    assert response.status_code == 422 and 'id="q-error"' in response.get_data(as_text=True)
    assert audit_rows("search") == []


def test_an_empty_search_asks_for_a_criterion(logged_in):
    response = logged_in.post("/kommune/borgere", data={"q": "  "}, follow_redirects=True)
    assert response.status_code == 422 and 'id="q-error"' in response.get_data(as_text=True)
    assert logged_in.get("/kommune/borgere").status_code == 200


# --- the citizen page -------------------------------------------------------------------------------------

def test_citizen_page_shows_grant_consumption_history_and_orders(logged_in, officer, measured, shop):
    citizen = measured
    grant_for(officer, citizen, line(4, variant=shop.bag_a), line(2, category=shop.plates, ceiling=200000),
              valid_from=date(2025, 1, 1))
    order = new_draft(citizen)
    set_draft_lines(order, {shop.bag_a.id: 3})
    submit(order)
    db.session.commit()
    page = logged_in.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
    assert "Testvej 1" in page and "Ø 32 mm" in page and "150348-****" in page
    assert "Calma lukket pose" in page
    assert 'data-testid="used">3 (75 %)' in page and 'data-testid="remaining">1<' in page
    assert "2.000,00" in page  # the ceiling, in Danish money format
    assert "Udskrevet fra AUH" in page  # the history's why
    assert order.number in page
    [event] = audit_rows("read")
    assert event.citizen_id == citizen.id


# --- create ------------------------------------------------------------------------------------------------

def test_create_grant_through_the_form(logged_in, citizen, shop):
    start, end = local_today() - timedelta(days=20), local_today() + timedelta(days=300)
    form = grant_form(**{"lines-1-category_id": str(shop.plates.id), "lines-1-quantity": "2", "lines-1-period": "quarter",
                         "lines-1-price_ceiling": "1.250,50", "valid_from": start.isoformat(), "valid_to": end.isoformat()})
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=form)
    assert response.status_code == 302
    grant = db.session.scalar(select(Grant))
    assert (grant.legal_basis, grant.valid_from, grant.valid_to, grant.version) == ("Serviceloven § 112", start, end, 1)
    lines = sorted(grant.lines, key=lambda l: l.id)
    assert [(l.variant_id, l.category_id, l.quantity, l.period.value, l.price_ceiling_oere) for l in lines] == [
        (shop.bag_a.id, None, 3, "month", None), (None, shop.plates.id, 2, "quarter", 125050)]
    [event] = audit_rows("change")
    assert event.citizen_id == citizen.id and f"grant={grant.id}" in event.detail


def test_create_page_offers_five_rows_and_the_default_legal_basis(logged_in, citizen, shop):
    page = logged_in.get(f"/kommune/borger/{citizen.id}/bevilling/ny").get_data(as_text=True)
    assert [e.citizen_id for e in audit_rows("read")] == [citizen.id]
    assert page.count('data-testid="grant-line-row"') == 5
    assert 'value="Serviceloven § 112"' in page and '<option value="NL-100">' in page
    assert f'value="{local_today().isoformat()}"' in page  # a new grant starts today unless told otherwise


BAD_INPUT = [
    ({"legal_basis": ""}, "legal_basis"),
    ({"valid_from": "2026-05-01", "valid_to": "2026-04-30"}, "valid_to"),
    ({"valid_from": "31-02-2026"}, "valid_from"),
    ({"valid_from": ""}, "valid_from"),
    ({"lines-0-quantity": "0"}, "lines-0-quantity"),
    ({"lines-0-quantity": "-1"}, "lines-0-quantity"),
    ({"lines-0-quantity": "abc"}, "lines-0-quantity"),
    ({"lines-0-quantity": "1000"}, "lines-0-quantity"),
    ({"lines-0-quantity": ""}, "lines-0-quantity"),
    ({"lines-0-price_ceiling": "-100"}, "lines-0-price_ceiling"),
    ({"lines-0-price_ceiling": "mange"}, "lines-0-price_ceiling"),
    ({"lines-0-article_number": "XX-404"}, "lines-0-article_number"),
    ({"lines-0-article_number": "", "lines-0-quantity": ""}, "lines-0-article_number"),
    ({"lines-0-category_id": "424242"}, "lines-0-article_number"),
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"express_per_year": "abc"}, "express_per_year"),
    ({"express_per_year": "-1"}, "express_per_year"),
]


@pytest.mark.parametrize("bad,field", BAD_INPUT)
def test_bad_input_on_create_is_shown_next_to_the_field_and_saves_nothing(logged_in, citizen, shop, bad, field):
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(**bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page, page[page.find("alert-error"):][:800]
    assert 'data-testid="error-summary"' in page and f'href="#{field}"' in page
    assert grant_count() == 0
    assert db.session.scalar(select(GrantChange)) is None
    assert audit_rows("change") == []


def test_the_same_product_twice_is_refused_above_the_lines(logged_in, citizen, shop):
    form = grant_form(**{"lines-1-article_number": "NL-100", "lines-1-quantity": "1"})
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=form)
    assert response.status_code == 422
    assert 'data-testid="lines-error"' in response.get_data(as_text=True)
    assert grant_count() == 0


# --- change and end -------------------------------------------------------------------------------------------

def test_change_form_starts_from_the_current_lines(logged_in, officer, citizen, shop):
    grant = grant_for(officer, citizen, line(4, variant=shop.bag_a, ceiling=250000))
    page = logged_in.get(f"/kommune/bevilling/{grant.id}/ret").get_data(as_text=True)
    assert 'value="NL-100"' in page and 'value="4"' in page and 'value="2500,00"' in page
    assert page.count('data-testid="grant-line-row"') == 1 + 5


def test_raising_the_grant_accepts_the_waiting_order(logged_in, officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = new_draft(citizen)
    set_draft_lines(order, {shop.bag_a.id: 3})
    submit(order)
    db.session.commit()
    assert order.status is OrderStatus.AWAITING_APPROVAL
    assert order.number in logged_in.get("/kommune/afventer").get_data(as_text=True)
    form = grant_form(valid_from="2025-01-01", reason="Øget forbrug efter hudproblemer")
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/ret", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert grant.version == 2 and [l.quantity for l in grant.lines] == [3]
    assert order.status is OrderStatus.ACCEPTED
    assert [c.action for c in grant.changes] == ["created", "changed"]
    assert "version=2" in audit_rows("change")[0].detail


@pytest.mark.parametrize("bad,field", [({"reason": ""}, "reason"), ({"lines-0-quantity": "abc"}, "lines-0-quantity"),
                                       ({"legal_basis": ""}, "legal_basis")])
def test_bad_change_saves_nothing(logged_in, officer, citizen, shop, bad, field):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/ret", data=grant_form(**bad))
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert grant.version == 1 and [l.quantity for l in grant.lines] == [2] and len(grant.changes) == 1
    assert audit_rows("change") == []


def test_end_a_grant(logged_in, officer, citizen, shop):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    last_day = local_today() + timedelta(days=28)
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/afslut", data={"end_date": last_day.isoformat(), "reason": "Fraflyttet"})
    assert response.status_code == 302
    db.session.expire_all()
    assert grant.status is GrantStatus.ENDED and grant.valid_to == last_day
    assert [c.action for c in grant.changes] == ["created", "ended"]
    assert audit_rows("change")[0].detail.endswith(f"end={last_day.isoformat()}")
    # An ended grant offers no change; trying anyway is a message, not a 500.
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/ret", data=grant_form(reason="igen"))
    assert response.status_code == 422


@pytest.mark.parametrize("data,field", [({"end_date": "2025-12-31", "reason": "x"}, "end_date"),
                                        ({"end_date": "", "reason": "x"}, "end_date"),
                                        ({"end_date": "i morgen", "reason": "x"}, "end_date"),
                                        ({"end_date": "2026-06-30", "reason": ""}, "reason")])
def test_bad_end_saves_nothing(logged_in, officer, citizen, shop, data, field):
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    response = logged_in.post(f"/kommune/bevilling/{grant.id}/afslut", data=data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert grant.status is GrantStatus.ACTIVE and grant.valid_to is None
    assert audit_rows("change") == []


# --- lists ------------------------------------------------------------------------------------------------

def test_near_or_over_list_shows_utilisation_as_percent(logged_in, officer, citizen, foreign, shop, world):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    grant_for(world["officer_odense"], foreign, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    for who in (citizen, foreign):
        order = new_draft(who)
        set_draft_lines(order, {shop.bag_a.id: 4})
        submit(order)
    db.session.commit()
    page = logged_in.get("/kommune/forbrug").get_data(as_text=True)
    assert 'data-testid="utilisation">100 %' in page
    assert "Birthe Nielsen" in page and "Jens Mikkelsen" not in page


def test_awaiting_list_is_own_municipality_only(logged_in, officer, citizen, foreign, shop, world):
    grant_for(world["officer_odense"], foreign, line(1, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = new_draft(foreign)
    set_draft_lines(order, {shop.bag_a.id: 3})
    submit(order)
    db.session.commit()
    assert order.status is OrderStatus.AWAITING_APPROVAL
    page = logged_in.get("/kommune/afventer").get_data(as_text=True)
    assert "Jens Mikkelsen" not in page and order.number not in page


@pytest.mark.parametrize("odd", [
    {"lines-0-category_id": "abc"}, {"lines-0-period": "weekly"}, {"lines-0-quantity": "1e3"}, {"lines-0-quantity": "٣"},
    {"lines-0-price_ceiling": "1,5,5"}, {"valid_to": "2026-13-01"}, {"express_per_year": "999"},
    {"lines-40-article_number": "NL-101", "lines-40-quantity": "1", "lines-40-period": "month"},
    {"legal_basis": "x" * 500}, {"reason": "y" * 5000},
])
def test_odd_input_is_a_message_never_a_500(logged_in, citizen, shop, odd):
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(**odd))
    page = response.get_data(as_text=True)
    assert response.status_code in (302, 422), page[:300]
    if response.status_code == 422:
        assert 'data-testid="error-summary"' in page
        assert not any(english in page for english in ("Not a valid", "Invalid Choice", "Field cannot", "Field must"))
        assert grant_count() == 0
