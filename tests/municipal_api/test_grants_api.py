"""The municipal API's grants in: create, change, end by CPR, idempotent by key, every refusal a problem detail."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from grants.models import Grant, GrantChange, GrantStatus
from stomi_app.timeutil import local_today
from tests.fixtures.api import Caller, get_token

CPR = "150348-1234"  # Birthe Nielsen, Aarhus
ODENSE_CPR = "020756-2345"


def body(**changes) -> dict:
    data = {"cpr": CPR, "legal_basis": "Serviceloven § 112", "valid_from": local_today().isoformat(),
            "reason": "Kolostomi, varig", "decided_by": "Sagsbehandler Hansen",
            "lines": [{"article_number": "NL-100", "quantity": 3, "period": "month"},
                      {"category_code": "baseplate", "quantity": 2, "period": "quarter", "price_ceiling_oere": 500000}]}
    data.update(changes)
    return data


def grants() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Grant.id)))


def is_problem(response, status: int, code: str) -> bool:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == status and problem["error"] == code and problem["title"] and problem["detail"]
    assert problem["type"].endswith(f"#problem-{code}")
    return True


def test_create_grant_by_cpr_never_echoes_it(api, shop, citizen):
    response = api.post("/api/v1/grants", body())
    assert response.status_code == 201, response.json
    text = response.get_data(as_text=True)
    assert "150348" not in text and "1234" not in text
    out = response.json
    assert out["citizen_id"] == citizen.id and out["version"] == 1 and out["status"] == "active"
    assert [(l["article_number"], l["category_code"], l["quantity"], l["period"]) for l in out["lines"]] == [
        ("NL-100", None, 3, "month"), (None, "baseplate", 2, "quarter")]
    grant = db.session.get(Grant, out["id"])
    change = db.session.scalar(select(GrantChange).where(GrantChange.grant_id == grant.id))
    # Who: the municipality's system (its own account) and the case worker it names; why: the reason.
    assert change.by.role is Role.MUNICIPAL_SYSTEM and change.by.municipality.code == 751
    assert change.snapshot["decided_by"] == "Sagsbehandler Hansen" and change.reason == "Kolostomi, varig"
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.role == "municipal_system")).all()
    assert {(a.action, a.citizen_id) for a in audited} >= {("change", citizen.id), ("api_call", None)}
    assert not any("150348" in (a.detail or "") for a in audited)


def test_a_replayed_key_gets_the_first_answer_and_makes_nothing_new(api, shop):
    first = api.post("/api/v1/grants", body(), key="nexus-4711")
    again = api.post("/api/v1/grants", body(), key="nexus-4711")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert grants() == 1
    other = api.post("/api/v1/grants", body(reason="Noget andet"), key="nexus-4711")
    assert is_problem(other, 422, "idempotency_key_reused") and grants() == 1


def test_a_write_without_an_idempotency_key_is_refused(api, shop):
    for key in (None, "", "x" * 201, "mellem rum", "æøå"):
        headers = {"Authorization": f"Bearer {api.token}"} | ({"Idempotency-Key": key} if key is not None else {})
        response = api.http.post("/api/v1/grants", json=body(), headers=headers)
        assert is_problem(response, 400, "idempotency_key_missing"), key
    assert grants() == 0


def test_another_municipalitys_citizen_is_answered_as_an_unknown_one(api, shop, world):
    foreign = api.post("/api/v1/grants", body(cpr=ODENSE_CPR))
    unknown = api.post("/api/v1/grants", body(cpr="010203-0409"))
    assert is_problem(foreign, 404, "citizen_not_found") and is_problem(unknown, 404, "citizen_not_found")
    assert foreign.json == unknown.json
    assert ODENSE_CPR[:6] not in foreign.get_data(as_text=True)
    assert grants() == 0


def test_a_cpr_that_is_no_cpr_is_422_without_echo(api, shop):
    for value in ("123", "320199-1234", "abcdefghij"):
        response = api.post("/api/v1/grants", body(cpr=value))
        assert is_problem(response, 422, "invalid_body"), value
        assert value not in response.get_data(as_text=True)
    assert grants() == 0


BAD_BODIES = [
    ({"lines": [{"article_number": "NO-SUCH", "quantity": 1, "period": "month"}]}, 422, "grant_refused", "lines.0.article_number"),
    ({"lines": [{"category_code": "no_such", "quantity": 1, "period": "month"}]}, 422, "grant_refused", "lines.0.category_code"),
    ({"lines": [{"article_number": "NL-100", "quantity": "3", "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": 10**30, "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": 1000, "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": 0, "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": 1.5, "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": True, "period": "month"}]}, 422, "invalid_body", "lines.0.quantity"),
    ({"lines": [{"article_number": "NL-100", "quantity": 1, "period": "week"}]}, 422, "invalid_body", "lines.0.period"),
    ({"lines": [{"article_number": "NL-100", "quantity": 1, "period": "month", "price_ceiling_oere": 10**20}]}, 422,
     "invalid_body", "lines.0.price_ceiling_oere"),
    ({"lines": [{"article_number": "NL-100", "category_code": "baseplate", "quantity": 1, "period": "month"}]}, 422,
     "invalid_body", "lines.0"),
    ({"lines": [{"quantity": 1, "period": "month"}]}, 422, "invalid_body", "lines.0"),
    ({"lines": []}, 422, "invalid_body", "lines"),
    ({"lines": [{"article_number": "NL-100", "quantity": 1, "period": "month"}] * 2}, 422, "grant_refused", "lines"),
    ({"valid_from": "2026-02-30"}, 422, "invalid_body", "valid_from"),
    ({"valid_from": 20260101}, 422, "invalid_body", "valid_from"),
    ({"valid_from": (local_today() - timedelta(days=400)).isoformat()}, 422, "grant_refused", "valid_from"),
    ({"valid_to": (local_today() - timedelta(days=1)).isoformat()}, 422, "grant_refused", "valid_to"),
    ({"reason": "   "}, 422, "invalid_body", "reason"),
    ({"reason": "nul\u0000"}, 422, "invalid_body", "reason"),
    ({"reason": "surrogate\ud800"}, 422, "invalid_body", "reason"),
    ({"legal_basis": "x" * 201}, 422, "invalid_body", "legal_basis"),
    ({"express_per_year": -1}, 422, "invalid_body", "express_per_year"),
    ({"surprise": 1}, 422, "invalid_body", "surprise"),
    ({"cpr": 1503481234}, 422, "invalid_body", "cpr"),
]


def test_bad_bodies_are_refused_at_the_field_and_change_nothing(api, shop):
    for changes, status, code, field in BAD_BODIES:
        response = api.post("/api/v1/grants", body(**changes))
        assert is_problem(response, status, code), changes
        assert field in [e["field"] for e in response.json["errors"]], (changes, response.json)
    assert grants() == 0


def test_malformed_requests(api, shop):
    headers = api.headers()
    cases = [(b"{not json", "application/json", 400, "malformed"), (b"[1, 2]", "application/json", 400, "malformed"),
             (b"null", "application/json", 400, "malformed"), (b"\xff\xfe", "application/json", 400, "malformed"),
             (b"[" * 50_000, "application/json", 400, "malformed"),
             (json.dumps(body()).encode(), "text/plain", 415, "unsupported_media_type")]
    for raw, media, status, code in cases:
        response = api.http.post("/api/v1/grants", data=raw, headers={**headers, "Content-Type": media})
        assert is_problem(response, status, code), raw[:20]
    assert grants() == 0


def test_change_makes_a_new_version_and_end_ends_it(api, shop):
    created = api.post("/api/v1/grants", body()).json
    change = {k: v for k, v in body(reason="Mere tilbehør", decided_by="Sagsbehandler Juul").items() if k != "cpr"}
    change["lines"] = [{"article_number": "NL-101", "quantity": 5, "period": "month"}]
    changed = api.put(f"/api/v1/grants/{created['id']}", change)
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == 2 and [l["article_number"] for l in changed.json["lines"]] == ["NL-101"]
    history = db.session.scalars(select(GrantChange).where(GrantChange.grant_id == created["id"])
                                 .order_by(GrantChange.version)).all()
    assert [(h.action, h.snapshot["decided_by"]) for h in history] == [
        ("created", "Sagsbehandler Hansen"), ("changed", "Sagsbehandler Juul")]
    last_day = (local_today() + timedelta(days=30)).isoformat()
    ended = api.post(f"/api/v1/grants/{created['id']}/end", {"end_date": last_day, "reason": "Flyttet",
                                                             "decided_by": "Sagsbehandler Juul"})
    assert ended.status_code == 200 and ended.json["status"] == "ended" and ended.json["valid_to"] == last_day
    assert db.session.get(Grant, created["id"]).status is GrantStatus.ENDED
    again = api.put(f"/api/v1/grants/{created['id']}", change)
    assert is_problem(again, 422, "grant_refused")
    read = api.get(f"/api/v1/grants/{created['id']}")
    assert read.status_code == 200 and read.json["version"] == 3


def test_another_municipalitys_grant_is_404(app, api, shop, odense_client):
    odense = Caller(app.test_client(), get_token(app.test_client(), odense_client[0].client_id, odense_client[1]))
    theirs = odense.post("/api/v1/grants", body(cpr=ODENSE_CPR)).json
    change = {k: v for k, v in body().items() if k != "cpr"}
    for response in (api.put(f"/api/v1/grants/{theirs['id']}", change), api.get(f"/api/v1/grants/{theirs['id']}"),
                     api.post(f"/api/v1/grants/{theirs['id']}/end", {"end_date": local_today().isoformat(),
                                                                     "reason": "x", "decided_by": "y"}),
                     api.get("/api/v1/grants/999999"), api.get(f"/api/v1/grants/{2**31}"),
                     api.get(f"/api/v1/grants/{2**70}")):
        assert is_problem(response, 404, "grant_not_found")
    assert db.session.get(Grant, theirs["id"]).version == 1


def test_the_grant_officer_sees_the_system_and_the_case_worker_in_the_history(app, api, shop, citizen, world):
    assert api.post("/api/v1/grants", body()).status_code == 201
    officer = app.test_client()
    assert officer.post("/login", data={"email": "officer.aarhus@test.dk", "password": "correct horse battery"}).status_code == 302
    page = officer.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
    assert "Aarhus Nexus (Aarhus)" in page and "besluttet af Sagsbehandler Hansen" in page


def test_a_key_is_kept_30_days_then_forgotten(api, shop):
    from stomi_app.models import ApiIdempotentAnswer

    first = api.post("/api/v1/grants", body(), key="old-key")
    stored = db.session.scalar(select(ApiIdempotentAnswer).where(ApiIdempotentAnswer.key == "old-key"))
    stored.created_at -= timedelta(days=29)
    db.session.commit()
    assert api.post("/api/v1/grants", body(), key="old-key").json == first.json  # 29 days on: replayed
    stored.created_at -= timedelta(days=2)
    db.session.commit()
    assert api.post("/api/v1/grants", body(), key="another").status_code == 201  # prunes the client's old answers
    assert db.session.scalar(select(ApiIdempotentAnswer).where(ApiIdempotentAnswer.key == "old-key")) is None
    assert grants() == 2


def test_boundaries_that_are_accepted(api, shop):
    from grants.services import MAX_QUANTITY
    from stomi_app.userinput import MAX_AMOUNT_OERE

    lines = [{"article_number": "NL-100", "quantity": MAX_QUANTITY, "period": "year",
              "price_ceiling_oere": MAX_AMOUNT_OERE},
             {"article_number": "nl-101", "quantity": 1, "period": "month", "price_ceiling_oere": 1}]  # any case
    response = api.post("/api/v1/grants", body(lines=lines, express_per_year=52, legal_basis="x" * 200), key="k" * 200)
    assert response.status_code == 201, response.json
    assert [(l["article_number"], l["quantity"]) for l in response.json["lines"]] == [("NL-100", MAX_QUANTITY),
                                                                                      ("NL-101", 1)]
    for limit in (1, 500):
        assert api.get(f"/api/v1/orders/changes?limit={limit}").status_code == 200
