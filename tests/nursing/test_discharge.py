"""Hospital to home: registration rules, no duplicate citizens, and the grant officer's one-click grant."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from stomi_app import cpr
from care import discharge
from care import nursing
from ordering import services as ordering
from stomi_app.extensions import db
from grants.services import GrantAccessDenied
from stomi_app.models import AuditEvent
from stomi_app.models.citizen import Citizen, StomaType
from care.models import DischargeRecommendation, RecommendationStatus
from ordering.models import OrderStatus
from stomi_app.timeutil import local_today
from tests import factories


def _data(shop, **overrides):
    data = discharge.DischargeInput(
        cpr="010190-1235", name="Karen Lund", address="Skovvej 3", postcode="8210", city="Aarhus V", phone="",
        municipality_id=factories.municipality(751).id, stoma_type="ileostomy", operation_date=local_today() - timedelta(days=6),
        products=[(shop.bag_a.article_number, "2"), (shop.plate.article_number, "1"), ("", "")],
        shape="round", diameter_mm="30", note="Højt output første uger",
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def _citizens():
    return db.session.scalar(select(func.count(Citizen.id)))


def test_register_a_new_citizen(shop, nurse_auh):
    recommendation, attached = discharge.register_discharge(nurse_auh, _data(shop))
    db.session.commit()
    citizen = recommendation.citizen
    assert not attached
    assert citizen.name == "Karen Lund" and citizen.stoma_type is StomaType.ILEOSTOMY
    assert citizen.cpr_masked == "010190-****" and citizen.cpr_hash == cpr.lookup_hash("0101901235")
    assert cpr.decrypt(citizen.cpr_encrypted) == "0101901235"
    assert citizen.operation_date == local_today() - timedelta(days=6)
    assert recommendation.hospital == "Aarhus Universitetshospital"
    assert [(l.variant_id, l.quantity) for l in recommendation.lines] == [(shop.bag_a.id, 2), (shop.plate.id, 1)]
    measure = ordering.current_measure(citizen.id)
    assert measure.cut.label == "Ø 30 mm" and measure.confirmed_by_id == nurse_auh.id
    assert measure.remeasure_on == local_today() + timedelta(weeks=6)
    assert discharge.open_discharge_recommendations(citizen.municipality_id) == [recommendation]
    assert discharge.open_discharge_recommendations(factories.municipality(461).id) == []
    assert nursing.visible_citizen(nurse_auh, citizen.id) is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == nurse_auh.id, AuditEvent.citizen_id == citizen.id))


def test_the_discharging_nurse_sees_a_citizen_from_another_region(shop, nurse_auh, nurse_ouh, nurse):
    recommendation, _ = discharge.register_discharge(nurse_auh, _data(shop, municipality_id=factories.municipality(461).id,
                                                                      postcode="5000", city="Odense C"))
    db.session.commit()
    citizen_id = recommendation.citizen_id
    assert nursing.visible_citizen(nurse_auh, citizen_id) is not None
    assert nursing.visible_citizen(nurse_ouh, citizen_id) is not None  # Odense is in her region
    assert nursing.visible_citizen(nurse, citizen_id) is None  # an Aarhus municipal nurse


def test_existing_cpr_attaches_instead_of_duplicating(shop, nurse_auh, world):
    before = _citizens()
    with pytest.raises(discharge.ConfirmIdentity) as shown:  # the registered person is confirmed first
        discharge.register_discharge(nurse_auh, _data(shop, cpr="1503481234", name="birthe nielsen", address=""))
    assert shown.value.identity.masked_name == "B*** N***" and shown.value.identity.municipality == "Aarhus"
    recommendation, attached = discharge.register_discharge(
        nurse_auh, _data(shop, cpr="1503481234", name="birthe nielsen", address=""), confirmed_citizen_id=world["citizen"].id)
    db.session.commit()
    assert attached and recommendation.citizen_id == world["citizen"].id
    assert _citizens() == before
    assert world["citizen"].name == "Birthe Nielsen"  # identity is the register's, not retyped
    assert world["citizen"].stoma_type is StomaType.COLOSTOMY  # the hospital's facts are proposed, not written over
    assert discharge.proposal_for(recommendation.id).stoma_type is StomaType.ILEOSTOMY


def test_existing_cpr_needs_the_registered_name(shop, nurse_auh, world):
    for name, message in (("", "Skriv borgerens fulde navn."), ("Whoever", "Navnet passer ikke")):
        with pytest.raises(nursing.NursingError) as refused:
            discharge.register_discharge(nurse_auh, _data(shop, cpr="1503481234", name=name), confirmed_citizen_id=world["citizen"].id)
        assert set(refused.value.errors) == {"name"} and str(refused.value.errors["name"]).startswith(message)
        db.session.rollback()
    assert db.session.scalar(select(func.count(DischargeRecommendation.id))) == 0


@pytest.mark.parametrize("overrides, fields", [
    ({"cpr": "1234"}, {"cpr"}),
    ({"cpr": "320190-1234"}, {"cpr"}),
    ({"name": " ", "address": "", "postcode": "0800", "city": "", "municipality_id": None},
     {"name", "address", "postcode", "city", "municipality_id"}),
    ({"stoma_type": "", "operation_date": None}, {"stoma_type", "operation_date"}),
    ({"operation_date": local_today() + timedelta(days=1)}, {"operation_date"}),
    ({"products": [("", "")]}, {"article-0"}),
    ({"products": [("NOPE", "2"), ("NL-100", "x")]}, {"article-0", "qty-1"}),
    ({"products": [("NL-100", "1"), ("NL-100", "1")]}, {"article-1"}),
    ({"products": [("NL-099", "1")]}, {"article-0"}),
    ({"diameter_mm": ""}, {"diameter_mm"}),
    ({"diameter_mm": "101"}, {"diameter_mm"}),
    ({"diameter_mm": "60"}, {"diameter_mm"}),  # outside the plate's cutting range 15–55
])
def test_bad_input_saves_nothing(shop, nurse_auh, overrides, fields):
    before = _citizens()
    with pytest.raises(nursing.NursingError) as exc:
        discharge.register_discharge(nurse_auh, _data(shop, **overrides))
    db.session.rollback()
    assert set(exc.value.errors) == fields
    assert _citizens() == before


def test_no_measure_needed_without_cut_to_fit_products(shop, nurse_auh):
    recommendation, _ = discharge.register_discharge(nurse_auh, _data(shop, products=[("NL-100", "2")], diameter_mm=""))
    assert ordering.current_measure(recommendation.citizen_id) is None


def test_only_hospital_nurses_register(shop, nurse):
    with pytest.raises(discharge.NotAHospitalNurse):
        discharge.register_discharge(nurse, _data(shop))


def test_granted_in_one_click_and_the_first_order_is_accepted(shop, nurse_auh, officer, world):
    recommendation, _ = discharge.register_discharge(nurse_auh, _data(shop))
    db.session.commit()
    with pytest.raises(GrantAccessDenied):
        discharge.grant_from_discharge(world["officer_odense"], recommendation, legal_basis="Serviceloven § 112",
                                       valid_from=local_today(), reason="Udskrevet")
    db.session.rollback()
    grant = discharge.grant_from_discharge(officer, recommendation, legal_basis="Serviceloven § 112",
                                           valid_from=local_today(), reason="Udskrevet fra AUH")
    db.session.commit()
    assert recommendation.status is RecommendationStatus.DONE and recommendation.grant_id == grant.id
    assert sorted((l.variant_id, l.quantity) for l in grant.lines) == sorted([(shop.bag_a.id, 2), (shop.plate.id, 1)])
    assert discharge.open_discharge_recommendations(recommendation.municipality_id) == []
    citizen = recommendation.citizen
    order = ordering.new_draft(citizen)
    ordering.set_draft_lines(order, {shop.bag_a.id: 1, shop.plate.id: 1})
    ordering.submit(order)
    db.session.commit()
    assert order.status is OrderStatus.ACCEPTED
    assert {line.cut and line.cut.label for line in order.lines} == {None, "Ø 30 mm"}
    with pytest.raises(nursing.NursingError):
        discharge.grant_from_discharge(officer, recommendation, legal_basis="x", valid_from=local_today(), reason="igen")
