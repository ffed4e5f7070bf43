"""Decision letters with appeal guidance: a grant made, changed or ended and an order the municipality rejected, as a
PDF the citizen opens from her own pages and the officer from the citizen's page (audited); nobody else's."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from care import approvals
from decisions import letters as decision_letters
from stomi_app.extensions import db
from grants.services import change_grant, end_grant
from stomi_app.models import AuditEvent
from grants.models import GrantChange
from tests import factories
from tests.municipal.test_order_decisions import _send, on_budget  # noqa: F401
from tests.fixtures.grants import grant_for, line


def _text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)


def _changes(grant):
    db.session.expire_all()
    return list(db.session.scalars(select(GrantChange).where(GrantChange.grant_id == grant.id).order_by(GrantChange.version)))


def _guidance(text: str) -> None:
    assert "Klagevejledning" in text and "inden 4 uger" in text and "Ankestyrelsen" in text and "genvurderer" in text


@pytest.fixture
def grant(officer, measured, shop):
    return grant_for(officer, measured, line(3, variant=shop.bag_a))


def test_the_grant_letter_states_decision_reason_basis_and_guidance(auth, grant, measured):
    change = _changes(grant)[0]
    auth.citizen("1503481234")
    start = auth.client.get("/borger/").get_data(as_text=True)
    assert "/borger/afgoerelser" in start
    listing = auth.client.get("/borger/afgoerelser").get_data(as_text=True)
    assert f"/borger/afgoerelser/bevilling/{change.id}.pdf" in listing
    text = _text(auth.client.get(f"/borger/afgoerelser/bevilling/{change.id}.pdf"))
    assert "Afgørelse om stomihjælpemidler" in text and "Kommunen bevilger dig stomihjælpemidler fra 1. januar 2026" in text
    assert "3 pakker pr. måned" in text and "Udskrevet fra AUH" in text
    assert "Lovgrundlag" in text and "Serviceloven § 112" in text and "Birthe Nielsen" in text
    assert "1503481234" not in text  # masked
    _guidance(text)


def test_changed_and_ended_grants_have_their_own_letters(auth, grant, officer, shop):
    with factories.decided_on(date(2026, 2, 1)):
        change_grant(officer, grant, legal_basis="Serviceloven § 112", valid_from=date(2026, 1, 1), valid_to=None,
                     lines=[line(4, variant=shop.bag_a)], reason="Mere output <b>efter</b> & operation", express_per_year=2)
        db.session.commit()
        end_grant(officer, grant, end_date=date(2026, 3, 31), reason="Stomien er lukket")
        db.session.commit()
    created, changed, ended = _changes(grant)
    auth.staff("officer.aarhus@test.dk")
    page = auth.client.get(f"/kommune/borger/{grant.citizen_id}").get_data(as_text=True)
    for ch in (created, changed, ended):
        assert f"/kommune/afgoerelse/bevilling/{ch.id}.pdf" in page
    text = _text(auth.client.get(f"/kommune/afgoerelse/bevilling/{changed.id}.pdf"))
    assert "Kommunen ændrer din bevilling" in text and "4 pakker pr. måned" in text
    assert "Mere output <b>efter</b> & operation" in text  # the officer's text, never markup
    text = _text(auth.client.get(f"/kommune/afgoerelse/bevilling/{ended.id}.pdf"))
    assert "Bevillingens sidste dag er 31. marts 2026" in text and "Stomien er lukket" in text
    _guidance(text)
    reads = list(db.session.scalars(select(AuditEvent).where(AuditEvent.purpose == "Decision letter (grant officer)")))
    assert len(reads) == 2 and all(r.citizen_id == grant.citizen_id for r in reads)


def test_an_order_the_officer_rejected_has_a_letter_a_nurses_rejection_not(auth, on_budget, awaiting, officer, nurse):
    approvals.officer_decide_order(officer, on_budget, approve=False, reason="Prisloftet er nået")
    approvals.reject_order(nurse, awaiting, reason="Klinisk nej")
    db.session.commit()
    auth.citizen("1503481234")
    detail = auth.client.get(f"/borger/ordrer/{on_budget.id}").get_data(as_text=True)
    assert f"/borger/afgoerelser/ordre/{on_budget.id}.pdf" in detail
    assert "/borger/afgoerelser/ordre/" not in auth.client.get(f"/borger/ordrer/{awaiting.id}").get_data(as_text=True)
    assert auth.client.get(f"/borger/afgoerelser/ordre/{awaiting.id}.pdf").status_code == 404
    text = _text(auth.client.get(f"/borger/afgoerelser/ordre/{on_budget.id}.pdf"))
    assert f"Kommunen afviser din bestilling {on_budget.number}" in text and "Prisloftet er nået" in text
    assert "Serviceloven § 112" in text
    _guidance(text)
    auth.logout()
    auth.staff("officer.aarhus@test.dk")
    page = auth.client.get(f"/kommune/borger/{on_budget.citizen_id}").get_data(as_text=True)
    assert f"/kommune/afgoerelse/ordre/{on_budget.id}.pdf" in page
    assert "Prisloftet er nået" in _text(auth.client.get(f"/kommune/afgoerelse/ordre/{on_budget.id}.pdf"))


def test_nobody_elses_letters(auth, grant, world, shop):
    foreign = grant_for(world["officer_odense"], world["citizen_odense"], line(2, variant=shop.bag_a))
    foreign_change = _changes(foreign)[0]
    own_change = _changes(grant)[0]
    auth.staff("officer.aarhus@test.dk")
    assert auth.client.get(f"/kommune/afgoerelse/bevilling/{foreign_change.id}.pdf").status_code == 404
    auth.logout()
    auth.citizen("0207562345")  # Jens cannot open Birthe's letter
    assert auth.client.get(f"/borger/afgoerelser/bevilling/{own_change.id}.pdf").status_code == 404
    assert auth.client.get(f"/borger/afgoerelser/bevilling/{foreign_change.id}.pdf").status_code == 200


def test_letter_actions_are_the_grant_history_actions(grant):
    assert {c.action for c in _changes(grant)} <= set(decision_letters.LETTER_ACTIONS)
