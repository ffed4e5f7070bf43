"""Hostile input to every form and to the API: random unicode of every category (NUL and other controls too), huge,
HTML/JS, SQL, numbers and days past a column or the calendar, forged field names — never a 500. Pages with an id in
the URL (a grant, an order's problem, a discharge, a nurse's task...) are opened with an id their audience owns."""
from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from care import approvals
from care import discharge
from care import nursing
from ordering import services as ordering
from stomi_app.extensions import db
from ordering.models import DeliveryProblemKind, OrderStatus
from stomi_app.timeutil import local_today
from tests import factories
from tests.fixtures.catalogue import Shop
from tests.fixtures.grants import grant_for, line
from tests.test_authorization_matrix import API, HOSPITAL_NURSES_ONLY, ROUTES, _client_as, _url

# Every unicode category but surrogates (which no browser can send as UTF-8): controls (NUL, DEL, C1), format and
# bidi marks, private use, line and paragraph separators, digits of other scripts, superscripts, combining marks.
UNICODE = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
CONTROLS = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp", "Nd", "No", "Mn"]), min_size=1, max_size=10)
HOSTILE = st.one_of(
    st.text(max_size=50),
    UNICODE,
    CONTROLS,
    st.text(min_size=3000, max_size=5000, alphabet="ÆØÅæøå<>'\"&;=-+@\t\x00"),
    st.sampled_from(["<script>alert(1)</script>", "<b>x</b>", "'; DROP TABLE citizen; --", "=cmd|' /C calc'!A0", "\x00",
                     "NL-\x00100", "-1", "99999999999999999999", "1e308", "NaN", "0", "", " ", "٣", "²", "2147483648",
                     "21.474.837,00", "2026-02-30", "31-12-2026", "9999-12-31", "0001-01-01", "9999-12", "9999", "9999-Q4",
                     "150348-1234", "../../etc/passwd", "%s%s%s", "%(x)s", "{{7*7}}"]),
    st.integers(min_value=-2**63, max_value=2**63).map(str),
)
# Names no page offers, as a forged or replayed request sends them: rows beyond the form, ids that int() chokes on.
FORGED_NAMES = st.sampled_from(["lines-40-article_number", "lines-0-category_id", "lines-x-quantity", "qty-²", "qty-٣",
                                "qty-99999999999", "article-99", "qty-6", "municipality_id", "successor", "measure_id",
                                "action", "next", "\x00", "from", "kind", "page"])
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
# The pages with an id in the URL that must be fuzzed (the brief of issue 17), whatever else the id map covers.
MUST_COVER = {"municipal_portal.grant_new", "municipal_portal.grant_change", "municipal_portal.grant_end",
              "citizen_portal.order_problem", "callcenter.order_problem", "municipal_portal.discharge_grant",
              "nurse_console.discharge_new", "fsc_admin.user_new", "fsc_admin.user_edit", "fsc_admin.two_factor_policy",
              "fsc_admin.municipality_edit", "catalogue.areas"}


@pytest.fixture
def owned(world):
    """One of each thing a form page with an id opens, owned by the Aarhus citizen, officer and nurse:
    {endpoint or argument name: id} (an endpoint's entry wins, for ids whose meaning depends on the page)."""
    shop, citizen, officer = Shop(), world["citizen"], world[factories.Role.GRANT_OFFICER]
    db.session.commit()
    grant = grant_for(officer, citizen, line(2, variant=shop.bag_a))
    delivered = ordering.new_draft(citizen)
    ordering.set_draft_lines(delivered, {shop.bag_a.id: 1})
    ordering.submit(delivered)
    for status in (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED,
                   OrderStatus.DELIVERED):
        ordering.set_status(delivered, status)
    problem = ordering.report_problem(delivered, kind=DeliveryProblemKind.MISSING, description="Mangler en æske")
    # The citizen is offered the problem form only while no report of hers is open: a second delivered order.
    unreported = ordering.new_draft(citizen)
    ordering.set_draft_lines(unreported, {shop.bag_a.id: 1})
    ordering.submit(unreported)
    for status in (OrderStatus.ACCEPTED, OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.PICKED, OrderStatus.PACKED,
                   OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        if unreported.status is not status:
            ordering.set_status(unreported, status)
    waiting = ordering.new_draft(citizen)
    ordering.set_draft_lines(waiting, {shop.bag_a.id: 9})
    ordering.submit(waiting)
    question = nursing.ask_advice(citizen, "Huden er rød")
    change = approvals.request_product_change(citizen, wanted_variant=shop.plate, reason="Lækager")
    hospital_nurse = factories.user(factories.Role.NURSE, "hospital.nurse@test.dk", region_code=1082,
                                    workplace="Aarhus Universitetshospital")
    db.session.flush()
    from_hospital, _ = discharge.register_discharge(hospital_nurse, discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="8210", city="Aarhus V",
        municipality_id=factories.municipality(751).id, stoma_type="ileostomy", operation_date=local_today(),
        products=[(shop.bag_a.article_number, "2")]))
    db.session.commit()
    recommendation = approvals.approve_product_change(world[factories.Role.NURSE], change, quantity="2")
    second_change = approvals.request_product_change(citizen, wanted_variant=shop.bag_b, reason="Udslæt")
    db.session.commit()
    return {
        "citizen_id": citizen.id, "grant_id": grant.id, "order_id": delivered.id, "problem_id": problem.id,
        "question_id": question.id, "product_id": shop.bag_a.product_id, "variant_id": shop.bag_a.id,
        "municipal_portal.discharge_grant": {"recommendation_id": from_hospital.id},
        "municipal_portal.recommendation": {"recommendation_id": recommendation.id},
        "citizen_portal.order_problem": {"order_id": unreported.id},
        "nurse_console.order_task": {"ref_id": waiting.id},
        "nurse_console.product_change_task": {"ref_id": second_change.id},
        "nurse_console.advice_task": {"ref_id": question.id},
        "nurse_console.problem_task": {"ref_id": problem.id},
        "hospital_nurse": hospital_nurse.email,
        # The administrator's pages of a staff account (the callcenter agent's) and of a municipality (Aarhus).
        "user_id": world[factories.Role.CALLCENTER].id, "code": 751,
    }


def _form_pages(app, owned):
    """Every page with a form (GET and POST), with the role of its audience and the ids that role owns: (endpoint,
    role, url). A page whose id the map has no entry for is left out (and MUST_COVER says which may not be)."""
    for rule in app.url_map.iter_rules():
        audience = ROUTES[rule.endpoint]
        if "POST" not in rule.methods or "GET" not in rule.methods or audience in (API,):
            continue
        ids = {name: owned[name] for name in rule.arguments if name in owned} | owned.get(rule.endpoint, {})
        if set(rule.arguments) - set(ids):
            continue
        roles = audience if isinstance(audience, tuple) else (factories.Role.CITIZEN,)
        yield rule.endpoint, roles[0], _url(rule, ids)


def test_every_form_survives_hostile_input(app, world, owned):
    manager = factories.user(factories.Role.MUNICIPAL_MANAGER, "manager@test.dk", municipality_code=751)
    db.session.commit()
    people = {role: factories.STAFF[role][0] for role in factories.STAFF} | {factories.Role.MUNICIPAL_MANAGER: manager.email}
    failures, covered = [], set()
    for endpoint, role, url in _form_pages(app, owned):
        client = _client_as(app, role, people | ({role: owned["hospital_nurse"]} if endpoint in HOSPITAL_NURSES_ONLY else {}))
        page = client.get(url)
        assert page.status_code < 500, (endpoint, url)
        fields = sorted(set(FIELD.findall(page.get_data(as_text=True))) - {"csrf_token"})
        if page.status_code == 200 and fields:
            covered.add(endpoint)

        @SETTINGS
        @given(st.fixed_dictionaries({name: HOSTILE for name in fields}), st.dictionaries(FORGED_NAMES, HOSTILE, max_size=3))
        def post(data, forged):
            response = client.post(url, data=forged | data)
            if response.status_code >= 500:
                failures.append((role.value, url, forged | data))

        post()
    assert not failures, failures[:3]
    assert MUST_COVER <= covered, MUST_COVER - covered


@SETTINGS
@given(body=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode),
                      st.dictionaries(st.text(max_size=20), st.one_of(st.text(max_size=50), st.integers(), st.none()),
                                      max_size=8).map(lambda d: json.dumps(d).encode())))
def test_events_api_never_500_signed_or_not(app, body):
    client = app.test_client()
    secret = app.config.get("LOGISTICS_SECRET", "").encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    for headers in ({}, {"X-Stomi-Signature": "sha256=" + signature}, {"X-Stomi-Signature": signature},
                    {"X-Stomi-Signature": "sha256=" + "0" * 64}):
        response = client.post("/api/v1/fulfilment/events", data=body, headers={"Content-Type": "application/json", **headers})
        assert response.status_code < 500, (headers, body[:100])
