"""The authorization matrix, generated from the app's URL map: every route has a rule, and every rule holds.

For every route: anonymous users are sent to a login (or refused by the API), every role outside the
route's audience gets 403, and the audience with another citizen's or municipality's id gets 404. A new
route without an entry in ROUTES fails `test_every_route_has_a_rule`.
"""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.routing import IntegerConverter

from stomi_app.extensions import db
from stomi_app.models import Role
from care.approvals import approve_product_change, request_product_change
from ordering.services import new_draft, set_draft_lines, submit
from tests import factories
from tests.fixtures.catalogue import Shop
from tests.fixtures.grants import grant_for, line

PUBLIC, LOGGED_IN, API = "public", "logged_in", "api"
CIT, NUR, GO, MM, CC, ADM, WH = (Role.CITIZEN, Role.NURSE, Role.GRANT_OFFICER, Role.MUNICIPAL_MANAGER, Role.CALLCENTER,
                                  Role.FSC_ADMIN, Role.WAREHOUSE)
EVERY_ROLE = (CIT, NUR, GO, MM, CC, ADM, WH)

# endpoint → who may use it (a tuple of roles, or PUBLIC / LOGGED_IN / API).
ROUTES: dict[str, object] = {
    "static": PUBLIC, "dkfds_asset": PUBLIC, "catalogue.static": PUBLIC, "favicon": PUBLIC,
    "core.index": PUBLIC, "core.healthz": PUBLIC, "core.readyz": PUBLIC, "core.accessibility_statement": PUBLIC, "core.set_language": PUBLIC,
    "metrics.metrics": PUBLIC,  # this machine only, or a bearer token from elsewhere (tests/test_metrics.py)
    "auth.login": PUBLIC, "auth.citizen_login": PUBLIC, "auth.logout": PUBLIC, "auth.logout_all": LOGGED_IN,
    # NemLog-in: the sign-in itself, so open to all (tests/test_saml.py checks what each accepts).
    "saml.login": PUBLIC, "saml.acs": PUBLIC, "saml.slo": PUBLIC, "saml.metadata": PUBLIC,
    "api_docs.page": PUBLIC, "api_docs.openapi_json": PUBLIC, "fulfilment_api.events": API,
    "municipal_api.token": PUBLIC,  # where a client authenticates: 400/401 by RFC 6749 (tests/municipal_api)
    **{f"municipal_api.{e}": API for e in (
        "grant_create", "grant_read", "grant_change", "grant_end", "consumption_read", "order_changes",
        "orders_awaiting", "invoices", "invoice_document", "statistics_reports", "statistics_report_document")},
    # Between password and second factor (the signed cookie says who), and the e-mailed password link (its token).
    "auth.second_factor": PUBLIC, "auth.enrol": PUBLIC, "auth.choose_password": PUBLIC,
    "catalogue.browse": LOGGED_IN, "catalogue.product": LOGGED_IN,
    **{f"catalogue.{e}": (ADM,) for e in (
        "admin", "areas", "export_csv", "import_csv", "price_add", "product_discontinue", "product_edit", "product_new",
        "supplier_change", "variant_discontinue", "variant_edit", "variant_new", "variant_reactivate")},
    **{f"citizen_portal.{e}": (CIT,) for e in (
        "advice", "advice_thread", "consent", "contact_details", "measure", "my_data", "my_data_html", "my_data_json", "order_again",
        "order_cancel", "order_check", "order_delivery", "order_detail", "order_problem", "order_products",
        "order_send", "orders", "product_change", "start", "letters", "grant_letter", "order_letter",
        "notices", "notice", "notice_reorder", "notice_settings")},
    **{f"nurse_console.{e}": (NUR,) for e in (
        "add_note", "advice_task", "assign", "claim", "confirm_measure", "discharge_new", "measure_task", "order_task",
        "problem_task", "product_change_task", "profile", "proposal_task", "release", "review_task", "search", "set_measure",
        "set_stoma", "start", "tasks")},
    **{f"municipal_portal.{e}": (GO,) for e in (
        "start", "invoices", "invoice_document", "awaiting", "awaiting_order", "citizen", "grant_change", "grant_end", "grant_new",
        "grant_withdraw_ending",
        "near_or_over", "search",
        "statistics_citizens", "statistics_report_retry", "statistics_report_run", "statistics_report_start",
        "discharges", "discharge_grant", "recommendations", "recommendation", "grant_letter", "order_letter")},
    **{f"municipal_portal.{e}": (GO, MM) for e in (
        "statistics", "statistics_export", "statistics_home",
        "statistics_report_document", "statistics_reports")},
    **{f"callcenter.{e}": (CC,) for e in (
        "citizen", "log_contact", "order_again", "order_cancel", "order_check", "order_delivery", "order_detail",
        "order_problem", "order_products", "order_send", "problem_detail", "product_change", "queue_item", "start",
        "transfer_to_advice", "citizen_notices", "reminder_call_list")},
    **{f"fsc_admin.{e}": (ADM,) for e in (
        "allocation", "api_clients", "api_client_revoke", "api_client_rotate",
        "audit_log", "audit_log_export", "delivery_sla", "fee_delete", "fee_edit", "fees", "invoice_credit",
        "invoice_detail",
        "invoice_document", "invoice_mark_sent", "invoice_run", "invoices_bulk", "invoice_run_progress", "invoice_run_retry", "invoicing",
        "start", "statistics_export", "statistics_overview", "statistics_report_document", "statistics_report_retry",
        "statistics_report_run", "statistics_reports",
        "users", "user_new", "user_detail", "user_edit", "user_deactivate", "user_activate", "user_unlock",
        "user_reset_2fa", "user_send_link", "two_factor_policy", "municipality_edit", "hospitals", "hospital_edit")},
    **{f"fulfilment.{e}": (WH,) for e in ("packing_slip", "picklist_pdf", "start")},
}

# Within the nurses: only a hospital nurse registers a discharge (the test's nurse works for a municipality).
HOSPITAL_NURSES_ONLY = {"nurse_console.discharge_new"}

# Pages that need a query parameter to show anything.
QUERY = {"fulfilment.picklist_pdf": "?date=2026-01-05"}

PLACEHOLDER_VALUES = {"kind": "pdf", "fmt": "csv", "key": "months", "filename": "x.css"}


def _url(rule, ids: dict | None = None) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if ids and name in ids:
            values[name] = ids[name]
        elif isinstance(converter, IntegerConverter):
            values[name] = 999999
        elif hasattr(converter, "items"):
            values[name] = sorted(converter.items)[0]  # an any(...) converter
        else:
            values[name] = PLACEHOLDER_VALUES.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def test_every_route_has_a_rule(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ROUTES))
    assert not missing, f"routes without an authorization rule (add them to ROUTES): {missing}"
    stale = sorted(set(ROUTES) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.fixture
def people(world):
    manager = factories.user(MM, "manager@test.dk", municipality_code=751)
    db.session.commit()
    return {role: factories.STAFF[role][0] for role in factories.STAFF} | {MM: manager.email}


def _client_as(app, role, people):
    client = app.test_client()
    if role is CIT:
        assert client.post("/login/borger", data={"cpr": "150348-1234"}).status_code == 302
    else:
        assert client.post("/login", data={"email": people[role], "password": factories.PASSWORD}).status_code == 302
    return client


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_anonymous_is_sent_to_login_or_refused(app, world):
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        audience = ROUTES[rule.endpoint]
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            where = f"{method} {rule.rule}"
            if audience == PUBLIC:
                assert response.status_code not in (401, 403, 500), where
            elif audience == API:
                assert response.status_code == 401, where
            else:
                assert response.status_code == 302, where
                assert "/login" in response.headers["Location"], where


@pytest.mark.parametrize("role", EVERY_ROLE, ids=lambda r: r.value)
def test_every_role_outside_the_audience_gets_403(app, people, role):
    client = _client_as(app, role, people)
    for rule in app.url_map.iter_rules():
        audience = ROUTES[rule.endpoint]
        if audience in (PUBLIC, LOGGED_IN, API) or role in audience:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code == 403, f"{role.value}: {method} {rule.rule} gave {response.status_code}"


@pytest.mark.parametrize("role", EVERY_ROLE, ids=lambda r: r.value)
def test_the_audience_reaches_its_pages(app, people, role):
    """Every GET page without ids answers the audience with a page (200) or a redirect, never 403/404/500."""
    client = _client_as(app, role, people)
    for rule in app.url_map.iter_rules():
        audience = ROUTES[rule.endpoint]
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in ("auth.logout",):
            continue
        if rule.endpoint in HOSPITAL_NURSES_ONLY:
            assert client.get(_url(rule)).status_code == 403, rule.rule  # municipal nurse
            continue
        if audience == LOGGED_IN or (isinstance(audience, tuple) and role in audience):
            response = client.get(_url(rule) + QUERY.get(rule.endpoint, ""))
            assert response.status_code in (200, 302), f"{role.value}: GET {rule.rule} gave {response.status_code}"


@pytest.fixture
def foreign(world):
    """Things that belong to the Odense citizen: foreign to the Aarhus citizen, officer and nurse."""
    shop = Shop()
    db.session.commit()
    other = world["citizen_odense"]
    grant = grant_for(world["officer_odense"], other, line(4, variant=shop.bag_a), valid_from=date(2025, 1, 1))
    order = new_draft(other)
    set_draft_lines(order, {shop.bag_a.id: 1})
    submit(order)
    db.session.commit()
    odense_nurse = factories.user(NUR, "nurse.ouh@test.dk", region_code=1083, workplace="Odense Universitetshospital")
    change = request_product_change(other, wanted_variant=shop.plate, reason="Ny plade")
    recommendation = approve_product_change(odense_nurse, change, quantity="2")
    db.session.commit()
    return {"citizen": other, "order": order, "grant": grant, "own_citizen": world["citizen"], "recommendation": recommendation}


def test_only_hospital_nurses_register_discharges(app, world):
    factories.user(NUR, "hospital.nurse@test.dk", region_code=1082, workplace="Aarhus Universitetshospital")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "hospital.nurse@test.dk", "password": factories.PASSWORD})
    assert client.get("/sygeplejerske/udskrivelse").status_code == 200


def test_foreign_ids_are_404(app, people, foreign):
    other, order, grant = foreign["citizen"], foreign["order"], foreign["grant"]
    cases = {
        CIT: [f"/borger/ordrer/{order.id}", f"/borger/ordrer/{order.id}/problem"],
        GO: [f"/kommune/borger/{other.id}", f"/kommune/bevilling/{grant.id}/ret", f"/kommune/bevilling/{grant.id}/afslut",
             f"/kommune/bevilling/{grant.id}/fortryd-afslutning",
             f"/kommune/borger/{other.id}/bevilling/ny", "/kommune/statistik/461",
             f"/kommune/anbefaling/{foreign['recommendation'].id}"],
        MM: ["/kommune/statistik/461", "/kommune/statistik/461/rapporter"],
        NUR: [f"/sygeplejerske/borger/{other.id}"],
        # The callcenter sees every citizen, but an order only under its own citizen.
        CC: [f"/callcenter/borger/{foreign['own_citizen'].id}/ordre/{order.id}"],
    }
    for role, urls in cases.items():
        client = _client_as(app, role, people)
        for url in urls:
            assert client.get(url).status_code == 404, f"{role.value}: {url}"
    citizen = _client_as(app, CIT, people)
    for url in (f"/borger/ordrer/{order.id}/annuller", f"/borger/ordrer/{order.id}/bestil-igen"):
        assert citizen.post(url).status_code == 404, url
    officer = _client_as(app, GO, people)
    assert officer.post(f"/kommune/anbefaling/{foreign['recommendation'].id}", data={"dismiss": "1", "note": "x"}).status_code == 404


def test_the_own_municipality_reaches_its_recommendation(app, foreign):
    """The other side of the foreign id: Odense's own grant officer opens the same recommendation."""
    client = app.test_client()
    assert client.post("/login", data={"email": "officer.odense@test.dk", "password": factories.PASSWORD}).status_code == 302
    assert client.get(f"/kommune/anbefaling/{foreign['recommendation'].id}").status_code == 200

