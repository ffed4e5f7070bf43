"""Issue 17: hostile input gives a clear 4xx or a message next to the field, never a 500 — NUL bytes in every named
text field, numbers and days past what a column or the calendar holds, and typed markup shown as text."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from care import discharge
from stomi_app.extensions import db
from stomi_app.forms import BaseForm, BaseSubForm
from grants.services import GrantError, create_grant
from stomi_app.i18n import lazy_gettext as _l
from care.models import AdviceMessage, DischargeRecommendation
from stomi_app.models.citizen import Citizen
from ordering.models import DeliveryProblem, Order, OrderStatus
from grants.models import Grant, GrantChange, GrantPeriod
from stomi_app.timeutil import local_today
from stomi_app.userinput import DB_INT_MAX, MAX_AMOUNT_OERE, iso_day, record_id, whole_number
from tests import factories
from tests.citizen.test_portal import _order
from tests.municipal.test_portal import grant_form
from tests.nursing.test_views import _discharge_form
from tests.fixtures.grants import grant_for, line

MARKUP = "<b>x</b>"
OFFICER = "officer.aarhus@test.dk"


@pytest.fixture
def as_officer(auth, world):
    assert auth.staff(OFFICER).status_code == 302
    return auth.client


@pytest.fixture
def as_citizen(auth, citizen):
    assert auth.citizen("150348-1234").status_code == 302
    return auth.client


@pytest.fixture
def as_hospital_nurse(auth, nurse_auh):  # noqa: F811
    assert auth.staff(nurse_auh.email).status_code == 302
    return auth.client


@pytest.fixture
def recommendation(shop, nurse_auh):  # noqa: F811
    rec, _ = discharge.register_discharge(nurse_auh, discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="8210", city="Aarhus V",
        municipality_id=factories.municipality(751).id, stoma_type="ileostomy", operation_date=local_today() - timedelta(days=6),
        products=[(shop.bag_a.article_number, "2")]))
    db.session.commit()
    return rec


def _no_nul_in(*values):
    assert all("\x00" not in (value or "") for value in values), values


# --- 6. NUL bytes are stripped from every text field -----------------------------------------------------------

def test_nul_in_the_citizens_delivery_address_is_stripped(as_citizen, officer, citizen, shop):
    grant_for(officer, citizen, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    as_citizen.post("/borger/bestil", data={f"qty-{shop.bag_a.id}": "1"})
    response = as_citizen.post("/borger/bestil/levering", data={
        "address_choice": "temporary", "name": "Bir\x00the", "address": "Skovvej\x00 3", "postcode": "8000",
        "city": "Aar\x00hus", "temporary_from": local_today().isoformat(),
        "temporary_to": (local_today() + timedelta(days=10)).isoformat(), "speed": "normal"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    draft = db.session.scalar(select(Order))
    assert (draft.delivery_name, draft.delivery_address, draft.delivery_city) == ("Birthe", "Skovvej 3", "Aarhus")


def test_nul_in_a_question_to_a_nurse_is_stripped(as_citizen):
    response = as_citizen.post("/borger/raadgivning", data={"text": "Huden\x00 er rød"})
    assert response.status_code == 302
    assert db.session.scalar(select(AdviceMessage.text)) == "Huden er rød"


def test_nul_in_a_delivery_problem_is_stripped(as_citizen, officer, citizen, shop):
    from ordering.services import set_status

    grant_for(officer, citizen, line(10, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    _, key = _order(as_citizen, {shop.bag_a: 1})
    as_citizen.post("/borger/bestil/send", data={"idempotency_key": key})
    order = db.session.scalar(select(Order))
    for status in (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED,
                   OrderStatus.DELIVERED):
        set_status(order, status)
    db.session.commit()
    response = as_citizen.post(f"/borger/ordrer/{order.id}/problem", data={"kind": "missing", "description": "Mangler\x00 en æske"})
    assert response.status_code == 302
    assert db.session.scalar(select(DeliveryProblem.description)) == "Mangler en æske"


def test_nul_in_a_grants_legal_basis_and_reason_is_stripped(as_officer, citizen, shop):
    response = as_officer.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(
        legal_basis="Serviceloven\x00 § 112", reason="Udskrevet\x00 fra AUH"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Grant.legal_basis)) == "Serviceloven § 112"
    assert db.session.scalar(select(GrantChange.reason)) == "Udskrevet fra AUH"


def test_nul_only_in_the_legal_basis_is_an_empty_field_and_saves_nothing(as_officer, citizen, shop):
    response = as_officer.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(legal_basis="\x00"))
    assert response.status_code == 422 and 'id="legal_basis-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Grant.id))) == 0


def test_nul_in_the_legal_basis_of_a_grant_from_a_discharge_is_stripped(as_officer, recommendation):
    response = as_officer.post(f"/kommune/udskrivelse/{recommendation.id}", data={
        "legal_basis": "Serviceloven\x00 § 112", "valid_from": local_today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Grant.legal_basis)) == "Serviceloven § 112"


@pytest.mark.parametrize("q", ["Bir\x00the", "\x00", "150348\x00-1234"])
def test_nul_in_the_grant_officers_search_is_stripped(as_officer, citizen, q):
    response = as_officer.post("/kommune/borgere", data={"q": q}, follow_redirects=True)
    assert response.status_code in (200, 422)
    if q.replace("\x00", ""):
        assert "Birthe" in response.get_data(as_text=True)


def test_nul_in_the_discharge_note_and_article_number_is_stripped(as_hospital_nurse, shop):
    response = as_hospital_nurse.post("/sygeplejerske/udskrivelse", data=_discharge_form(
        shop, note="Højt\x00 output", name="Karen\x00 Lund", **{"article-0": "NL-\x00100", "qty-0": "2\x00"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    recommendation = db.session.scalar(select(DischargeRecommendation))
    assert recommendation.note == "Højt output" and recommendation.citizen.name == "Karen Lund"
    assert shop.bag_a.id in {l.variant_id for l in recommendation.lines}


def test_every_form_of_the_project_cleans_its_text(app):
    """No form can forget the cleaning: every WTForms form class defined in the project inherits the base."""
    from wtforms import Form

    # The app fixture has imported every blueprint, and so every form.

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    project = ("stomi_app", "catalogue", "citizen_portal", "nurse_console", "municipal_portal", "callcenter", "fulfilment",
               "fsc_admin", "invoicing")
    forms = {c for c in subclasses(Form) if c.__module__.split(".")[0] in project and c not in (BaseForm, BaseSubForm)}
    assert forms
    assert [c for c in forms if not issubclass(c, (BaseForm, BaseSubForm))] == []


# --- 7. numbers and days past what a column or the calendar holds -----------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("12", 12), (" 7 ", 7), ("0", 0), (str(DB_INT_MAX), DB_INT_MAX), (str(DB_INT_MAX + 1), None), ("9" * 40, None),
    ("²", None), ("٣", None), ("-1", None), ("1e3", None), ("", None), (None, None), ("1\x00", None),
])
def test_whole_number_reads_ascii_digits_within_bounds(text, expected):
    assert whole_number(text) == expected


def test_record_id_refuses_zero_and_iso_day_refuses_far_years():
    assert record_id("0") is None and record_id("5") == 5
    assert iso_day("9999-12-31") is None and iso_day("0001-01-01") is None and iso_day("2026-02-30") is None
    assert iso_day("2026-03-31") == date(2026, 3, 31)


@pytest.mark.parametrize("ceiling, status", [("21.474.837,00", 422), ("99999999", 422), ("10.000.000,01", 422),
                                             ("10.000.000,00", 302)])
def test_a_price_ceiling_above_ten_million_is_a_message_in_danish(as_officer, citizen, shop, ceiling, status):
    response = as_officer.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(**{"lines-0-price_ceiling": ceiling}))
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:500]
    if status == 422:
        assert 'id="lines-0-price_ceiling-error"' in page and "Et prisloft kan højst være 10.000.000,00" in page
        assert db.session.scalar(select(func.count(Grant.id))) == 0


def test_the_grant_rule_itself_refuses_a_ceiling_above_the_bound(world, citizen, shop):
    officer = world[factories.Role.GRANT_OFFICER]
    with pytest.raises(GrantError):
        create_grant(officer, citizen, legal_basis="Serviceloven § 112", valid_from=date(2026, 1, 1), valid_to=None, reason="x", lines=[
            line(1, GrantPeriod.MONTH, variant=shop.bag_a, ceiling=MAX_AMOUNT_OERE + 1)])


@pytest.mark.parametrize("query, field", [
    ("kind=year&year=9999", "year"), ("kind=month&month=9999-12", "month"), ("kind=quarter&quarter=9999-Q4", "quarter"),
    ("kind=custom&from=2026-01-01&to=9999-12-31", "to"), ("kind=custom&from=0001-01-01&to=2026-01-01", "from"),
    ("kind=year&year=1999", "year"), ("kind=year&year=٢٠٢٦", "year"),
])
def test_statistics_years_outside_2000_to_next_year_are_a_message(as_officer, query, field):
    response = as_officer.get(f"/kommune/statistik/751?{query}")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert as_officer.get(f"/kommune/statistik/751/eksport/alle.csv?{query}").status_code == 400
    assert as_officer.get(f"/kommune/statistik/751/borgere.csv?{query}").status_code == 400


@pytest.mark.parametrize("day, status", [("9999-12-31", 400), ("0001-01-01", 400), ("2026-02-30", 400), ("", 400),
                                         ("2026-03-10", 200)])
def test_the_pick_list_refuses_days_outside_the_platforms_years(auth, world, day, status):
    auth.staff(factories.STAFF[factories.Role.WAREHOUSE][0])
    assert auth.client.get("/lager/plukliste.pdf", query_string={"date": day}).status_code == status


@pytest.mark.parametrize("municipality_id", ["²", "٣", str(2**31), "9" * 30, "-1", "0"])
def test_a_forged_home_municipality_on_the_discharge_is_a_message(as_hospital_nurse, shop, municipality_id):
    response = as_hospital_nurse.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop, municipality_id=municipality_id))
    assert response.status_code == 422
    assert 'id="municipality_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DischargeRecommendation.id))) == 0
    assert db.session.scalar(select(func.count(Citizen.id)).where(Citizen.name == "Karen Lund")) == 0


@pytest.mark.parametrize("page", ["²", "٣", str(2**40), "0"])
def test_a_garbled_catalogue_page_number_shows_the_first_page(as_officer, page):
    assert as_officer.get("/katalog/", query_string={"page": page}).status_code in (200, 422)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_audit_log_refuses_days_outside_the_platforms_years(auth, world, day):
    auth.staff(factories.STAFF[factories.Role.FSC_ADMIN][0])
    response = auth.client.post("/admin/revision", data={"from": day, "to": day, "email": "a\x00b"})
    assert response.status_code == 422 and 'id="f-from-error"' in response.get_data(as_text=True)


# --- 8. typed or catalogue text in a message is shown as text, not markup ----------------------------------------

def test_a_lazy_message_escapes_its_values_in_a_page_but_not_as_text(app):
    with app.test_request_context():
        message = _l("No product variant has the article number %(number)s.", number=MARKUP)
        assert MARKUP in str(message)  # a PDF, a CSV or a log gets the text as typed
        assert "&lt;b&gt;x&lt;/b&gt;" in escape(message) and MARKUP not in escape(message)
        assert escape(_l("The quantity must be a whole number from 1 to %(max)s.", max=999)).endswith("999.")


def test_an_unknown_article_number_on_the_grant_form_is_shown_as_text(as_officer, citizen, shop):
    response = as_officer.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(**{"lines-0-article_number": MARKUP}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&lt;b&gt;x&lt;/b&gt;" in page and MARKUP not in page


def test_an_unknown_article_number_on_the_discharge_form_is_shown_as_text(as_hospital_nurse, shop):
    response = as_hospital_nurse.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop, **{"article-0": MARKUP}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&lt;b&gt;x&lt;/b&gt;" in page and MARKUP not in page


def test_a_quantity_of_thousands_of_digits_on_the_discharge_is_a_message(as_hospital_nurse, shop):
    # Python refuses to read an int of more than 4,300 digits: the parse must not get that far.
    response = as_hospital_nurse.post("/sygeplejerske/udskrivelse", data=_discharge_form(shop, **{"qty-0": "1" * 5000}))
    assert response.status_code == 422 and 'id="qty-0-error"' in response.get_data(as_text=True)


def test_lazy_translations_are_imported_from_the_escaping_module():
    """A module importing Flask-Babel's lazy_gettext would again show a typed <b> in bold."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    packages = ("stomi_app", "catalogue", "citizen_portal", "nurse_console", "municipal_portal", "callcenter", "fulfilment",
                "fsc_admin", "invoicing")
    pattern = re.compile(r"^from flask_babel import[^\n]*\blazy_(n)?gettext\b", re.MULTILINE)
    offenders = [str(path.relative_to(root)) for package in packages for path in (root / package).rglob("*.py")
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
