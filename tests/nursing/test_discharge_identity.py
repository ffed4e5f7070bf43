"""Issue 24, item 1: a discharge with a registered CPR number confirms the person, never overwrites the profile, and
opens the record only for the handover."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from care import discharge
from care import nursing
from ordering import services as ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from citizens.clinical import CutShape
from care.models import DischargeProposal, DischargeRecommendation, ProposalStatus, TaskKind
from stomi_app.models.citizen import StomaType
from stomi_app.timeutil import local_today
from tests import factories
from tests.nursing.test_views import _discharge_form, _login

JENS_CPR = "020756-2345"  # Jens Mikkelsen, Odense (region Syddanmark): see tests/factories.world
OPERATED = date(2019, 3, 4)


@pytest.fixture
def jens(world):
    """Jens Mikkelsen as his own care knows him: colostomy since 2019, pre-cut Ø 28 mm."""
    citizen = world["citizen_odense"]
    citizen.operation_date = OPERATED
    odense_nurse = factories.user(Role.NURSE, "nurse.odense@test.dk", municipality_code=461)
    nursing.set_measure(odense_nurse, citizen, {"shape": CutShape.ROUND, "diameter_mm": 28})
    db.session.commit()
    return citizen


@pytest.fixture
def odense_nurse(jens):
    return db.session.scalar(select(factories.User).where(factories.User.email == "nurse.odense@test.dk"))


def _jens_form(shop, **overrides):
    """What the AUH nurse types: his CPR number, another stoma type, today's operation and Ø 33."""
    return _discharge_form(shop, **({"cpr": JENS_CPR, "name": "Whoever", "stoma_type": "ileostomy", "diameter_mm": "33"}
                                    | overrides))


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def _purposes(citizen_id):
    return [e.purpose for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.citizen_id == citizen_id).order_by(AuditEvent.id))]


def _unchanged(jens):
    db.session.expire_all()
    assert jens.stoma_type is StomaType.COLOSTOMY and jens.operation_date == OPERATED
    assert ordering.current_measure(jens.id).cut.label == "Ø 28 mm"


def test_a_wrong_name_is_refused_and_nothing_is_saved(auth, client, nurse_auh, shop, jens):
    _login(auth, nurse_auh)
    response = client.post("/sygeplejerske/udskrivelse", data=_jens_form(shop))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in html and "Navnet passer ikke til den borger, der er registreret med CPR-nummeret" in html
    assert "J***" not in html and "02.07.1956" not in html  # nothing of him is shown
    assert _count(DischargeRecommendation) == 0 and _count(DischargeProposal) == 0
    _unchanged(jens)
    assert nursing.visible_citizen(nurse_auh, jens.id) is None
    assert client.get(f"/sygeplejerske/borger/{jens.id}").status_code == 404
    assert "nurse: discharge identity refused" in _purposes(jens.id)  # he can see the attempt under "Mine data"


def test_the_right_name_shows_him_masked_for_confirmation(auth, client, nurse_auh, shop, jens):
    _login(auth, nurse_auh)
    response = client.post("/sygeplejerske/udskrivelse", data=_jens_form(shop, name="  jens   MIKKELSEN "))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="confirm-identity"' in html
    assert "J*** M***, født 02.07.1956, bosat i Odense" in html
    assert "Jens Mikkelsen" not in html and "Mikkelsen" not in html.replace("MIKKELSEN", "")
    assert 'name="confirm_identity"' in html
    assert _count(DischargeRecommendation) == 0
    assert nursing.visible_citizen(nurse_auh, jens.id) is None
    assert _purposes(jens.id)[-1] == "nurse: discharge identity check"
    # Ticking the box without having been shown him (another CPR number's confirmation, a forged post) is not enough.
    other = client.post("/sygeplejerske/udskrivelse", data=_discharge_form(
        shop, cpr="150348-1234", name="Birthe Nielsen", confirm_identity="y"))
    assert 'data-testid="confirm-identity"' in other.get_data(as_text=True) and _count(DischargeRecommendation) == 0


def _confirmed_discharge(client, shop):
    assert client.post("/sygeplejerske/udskrivelse", data=_jens_form(shop, name="Jens Mikkelsen")).status_code == 200
    return client.post("/sygeplejerske/udskrivelse", data=_jens_form(shop, name="Jens Mikkelsen", confirm_identity="y"))


def test_confirmed_the_profile_is_unchanged_and_the_changes_are_proposed(auth, client, nurse_auh, nurse_ouh, nurse, shop, jens):
    _login(auth, nurse_auh)
    response = _confirmed_discharge(client, shop)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sygeplejerske/borger/{jens.id}")
    _unchanged(jens)
    recommendation = db.session.scalar(select(DischargeRecommendation))
    assert recommendation.citizen_id == jens.id and recommendation.municipality_id == jens.municipality_id  # to Odense
    proposal = discharge.proposal_for(recommendation.id)
    assert proposal.status is ProposalStatus.OPEN and proposal.proposed_by_id == nurse_auh.id
    assert proposal.stoma_type is StomaType.ILEOSTOMY and proposal.operation_date == local_today() - timedelta(days=5)
    assert proposal.cut.label == "Ø 33 mm"
    # Neither the proposing nurse nor one outside his care decides it; his own care does.
    assert nursing.queue(nurse_auh, kind=TaskKind.DISCHARGE_PROPOSAL) == []
    assert nursing.queue(nurse, kind=TaskKind.DISCHARGE_PROPOSAL) == []
    assert [t.ref_id for t in nursing.queue(nurse_ouh, kind=TaskKind.DISCHARGE_PROPOSAL)] == [proposal.id]
    assert client.get(f"/sygeplejerske/udskrivelsesforslag/{proposal.id}").status_code == 404
    profile = client.get(f"/sygeplejerske/borger/{jens.id}").get_data(as_text=True)  # hers during the handover
    assert 'data-testid="proposals"' in profile and "Ø 28 mm" in profile
    purposes = _purposes(jens.id)
    assert "nurse: discharge proposal" in purposes and "nurse: discharge registration" in purposes
    assert "nurse: set the cutting measure" not in purposes[purposes.index("nurse: discharge identity check"):]


def test_his_own_nurse_accepts_and_the_profile_is_updated(app, auth, client, nurse_auh, odense_nurse, shop, jens):
    _login(auth, nurse_auh)
    _confirmed_discharge(client, shop)
    proposal = db.session.scalar(select(DischargeProposal))
    auth.logout()
    _login(auth, odense_nurse)
    queue = client.get("/sygeplejerske/opgaver").get_data(as_text=True)
    assert f'data-testid="task-discharge_proposal-{proposal.id}"' in queue
    page = client.get(f"/sygeplejerske/udskrivelsesforslag/{proposal.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ø 28 mm" in html and "Ø 33 mm" in html and "Ileostomi" in html
    response = client.post(f"/sygeplejerske/udskrivelsesforslag/{proposal.id}", data={"decision": "accept", "note": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert jens.stoma_type is StomaType.ILEOSTOMY and jens.operation_date == local_today() - timedelta(days=5)
    measure = ordering.current_measure(jens.id)
    assert measure.cut.label == "Ø 33 mm" and measure.confirmed_by_id == odense_nurse.id
    assert proposal.status is ProposalStatus.ACCEPTED and proposal.decided_by_id == odense_nurse.id
    purposes = _purposes(jens.id)
    assert {"nurse: discharge proposal", "nurse: accept a discharge proposal", "nurse: set the cutting measure",
            "nurse: stoma type and date of operation"} <= set(purposes)
    assert client.get(f"/sygeplejerske/udskrivelsesforslag/{proposal.id}").status_code == 404  # decided: out of the queue


def test_declining_needs_a_reason_and_keeps_the_profile(auth, client, nurse_auh, odense_nurse, shop, jens):
    _login(auth, nurse_auh)
    _confirmed_discharge(client, shop)
    proposal = db.session.scalar(select(DischargeProposal))
    auth.logout()
    _login(auth, odense_nurse)
    url = f"/sygeplejerske/udskrivelsesforslag/{proposal.id}"
    refused = client.post(url, data={"decision": "decline", "note": ""})
    assert refused.status_code == 422 and 'id="note-error"' in refused.get_data(as_text=True)
    assert client.post(url, data={"decision": "decline", "note": "Han bruger præ-skåret Ø 28"}).status_code == 302
    _unchanged(jens)
    assert proposal.status is ProposalStatus.DECLINED and "nurse: decline a discharge proposal" in _purposes(jens.id)


def test_nothing_to_propose_when_the_discharge_agrees_with_the_profile(nurse_auh, shop, jens):
    recommendation, attached = discharge.register_discharge(nurse_auh, discharge.DischargeInput(
        cpr=JENS_CPR, name="Jens Mikkelsen", stoma_type="colostomy", operation_date=OPERATED,
        products=[(shop.bag_a.article_number, "2")], diameter_mm="28"), confirmed_citizen_id=jens.id)
    assert attached and discharge.proposal_for(recommendation.id) is None


@pytest.mark.parametrize("typed", ["Jens Mikkelsen", "JENS MIKKELSEN", " jens  mikkelsen ", "Jéns Mikkelsen", "Jens-Mikkelsen"])
def test_names_are_compared_without_case_accents_or_extra_spaces(typed):
    assert discharge.normalised_name(typed) == discharge.normalised_name("Jens Mikkelsen")


def test_danish_letters_and_the_mask():
    assert discharge.normalised_name("Søren Ågård") == discharge.normalised_name("soeren aagaard")
    assert discharge.normalised_name("Jens Mikkelsen") != discharge.normalised_name("Jens Mikkelsens")
    assert discharge.masked_name("Jens Mikkelsen") == "J*** M***"
    assert discharge.masked_name("Anne-Marie  Bach Østergaard") == "A***-M*** B*** Ø***"


def _new_odense_discharge(nurse_auh, shop):
    recommendation, attached = discharge.register_discharge(nurse_auh, discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="5000", city="Odense C",
        municipality_id=factories.municipality(461).id, stoma_type="ileostomy", operation_date=local_today(),
        products=[(shop.bag_a.article_number, "2")]))
    db.session.commit()
    assert not attached
    return recommendation


def test_visibility_ends_when_the_municipality_has_acted(auth, client, nurse_auh, shop, world):
    recommendation = _new_odense_discharge(nurse_auh, shop)
    citizen_id = recommendation.citizen_id
    _login(auth, nurse_auh)
    assert client.get(f"/sygeplejerske/borger/{citizen_id}").status_code == 200
    discharge.grant_from_discharge(world["officer_odense"], recommendation, legal_basis="Serviceloven § 112",
                                   valid_from=local_today(), reason="Udskrevet fra AUH")
    db.session.commit()
    assert nursing.visible_citizen(nurse_auh, citizen_id) is None
    assert client.get(f"/sygeplejerske/borger/{citizen_id}").status_code == 404
    start = client.get("/sygeplejerske/").get_data(as_text=True)
    assert "Karen Lund" in start and f"/sygeplejerske/borger/{citizen_id}" not in start  # listed, no longer opened


def test_visibility_ends_after_the_handover_days(nurse_auh, shop):
    recommendation = _new_odense_discharge(nurse_auh, shop)
    recommendation.created_at = utcnow() - timedelta(days=nursing.HANDOVER_DAYS - 1)
    db.session.commit()
    assert nursing.visible_citizen(nurse_auh, recommendation.citizen_id) is not None
    recommendation.created_at = utcnow() - timedelta(days=nursing.HANDOVER_DAYS, minutes=1)
    db.session.commit()
    assert nursing.visible_citizen(nurse_auh, recommendation.citizen_id) is None
