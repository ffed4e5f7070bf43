"""Hostile input to every form and to the API: random unicode, huge, HTML/JS, SQL, numbers — never a 500."""
from __future__ import annotations

import hashlib
import hmac
import json
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from stomi_app.extensions import db
from tests import factories
from tests.test_authorization_matrix import API, LOGGED_IN, PUBLIC, ROUTES, _client_as

HOSTILE = st.one_of(
    st.text(max_size=50),
    st.text(min_size=3000, max_size=5000, alphabet="ÆØÅæøå<>'\"&;=-+@\t\x00"),
    st.sampled_from(["<script>alert(1)</script>", "'; DROP TABLE citizen; --", "=cmd|' /C calc'!A0", "\x00", "-1",
                     "99999999999999999999", "1e308", "NaN", "0", "", " ", "٣", "2026-02-30", "31-12-2026", "150348-1234",
                     "../../etc/passwd", "%s%s%s", "{{7*7}}"]),
    st.integers(min_value=-2**63, max_value=2**63).map(str),
)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _form_pages(app):
    """Every page with a form that its audience can open without ids: (role, url)."""
    for rule in app.url_map.iter_rules():
        audience = ROUTES[rule.endpoint]
        if rule.arguments or "POST" not in rule.methods or "GET" not in rule.methods or audience in (API,):
            continue
        roles = audience if isinstance(audience, tuple) else (factories.Role.CITIZEN,)
        yield roles[0], rule.rule


def test_every_form_survives_hostile_input(app, world):
    manager = factories.user(factories.Role.MUNICIPAL_MANAGER, "manager@test.dk", municipality_code=751)
    db.session.commit()
    people = {role: factories.STAFF[role][0] for role in factories.STAFF} | {factories.Role.MUNICIPAL_MANAGER: manager.email}
    failures = []
    for role, url in _form_pages(app):
        client = _client_as(app, role, people)
        fields = sorted(set(FIELD.findall(client.get(url).get_data(as_text=True))) - {"csrf_token"})

        @SETTINGS
        @given(st.fixed_dictionaries({name: HOSTILE for name in fields}))
        def post(data):
            response = client.post(url, data=data)
            if response.status_code >= 500:
                failures.append((role.value, url, data))

        post()
    assert not failures, failures[:3]


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
