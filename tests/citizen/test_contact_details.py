"""The citizen changes her phone, e-mail and permanent address online: checked at the boundaries, nothing kept
half-way, audited (which fields, not the values), and the callcenter told on her overview (issue 19, also expected)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from privacy import services as privacy
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.models import AuditEvent

GOOD = {"phone": "20 30 40 50", "email": "Birthe@Example.dk", "address": "Nygade 2", "postcode": "8200", "city": "Aarhus N"}


def test_a_change_is_saved_normalised_and_audited_by_field(world):
    citizen = world["citizen"]
    changed = privacy.change_contact_details(citizen, **GOOD)
    assert changed == ["phone", "email", "address", "postcode", "city"]
    assert (citizen.phone, citizen.email, citizen.postcode) == ("20304050", "Birthe@example.dk", "8200")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == privacy.CONTACT_CHANGE_PURPOSE))
    assert event.citizen_id == citizen.id and event.user_id is None and event.detail == "changed: phone,email,address,postcode,city"
    assert "Nygade" not in event.detail  # which fields, never the values
    assert privacy.change_contact_details(citizen, **GOOD) == []  # the same again: nothing changed, nothing audited


@pytest.mark.parametrize("field,value", [
    ("phone", "1234567"), ("phone", "123456789"), ("phone", "2030405x"), ("phone", "+46 20304050"),
    ("email", "ikke-en-adresse"), ("email", "a@b"), ("address", "   "), ("address", "x" * 201),
    ("postcode", "0800"), ("postcode", "800"), ("postcode", "80000"), ("postcode", "８２００"), ("city", ""),
])
def test_bad_values_are_refused_and_nothing_is_kept(world, field, value):
    citizen = world["citizen"]
    before = {k: getattr(citizen, k) for k in privacy.CONTACT_FIELDS}
    with pytest.raises(DomainError) as exc:
        privacy.change_contact_details(citizen, **{**GOOD, field: value})
    assert set(exc.value.errors) == {field}
    assert {k: getattr(citizen, k) for k in privacy.CONTACT_FIELDS} == before


@pytest.mark.parametrize("phone,kept", [("+45 20 30 40 50", "20304050"), ("0045 20304050", "20304050"), ("", None)])
def test_phone_forms_and_an_empty_phone(world, phone, kept):
    citizen = world["citizen"]
    privacy.change_contact_details(citizen, **{**GOOD, "phone": phone})
    assert citizen.phone == kept


def test_over_http_errors_are_summarised_and_the_callcenter_sees_the_change(auth, client, world):
    assert auth.citizen("150348-1234").status_code == 302
    page = client.get("/borger/mine-data/kontakt").get_data(as_text=True)
    assert 'value="Testvej 1"' in page
    bad = client.post("/borger/mine-data/kontakt", data={**GOOD, "postcode": "0", "email": "nope"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#postcode"' in html and 'href="#email"' in html
    ok = client.post("/borger/mine-data/kontakt", data={**GOOD, "email": ""})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/borger/mine-data")
    assert "Nygade 2, 8200 Aarhus N" in client.get("/borger/mine-data").get_data(as_text=True)
    auth.logout()
    assert auth.staff("agent@test.dk").status_code == 302
    overview = client.get(f"/callcenter/borger/{world['citizen'].id}").get_data(as_text=True)
    assert 'data-testid="contact-changes"' in overview and "telefon, adresse, postnummer, by" in overview
