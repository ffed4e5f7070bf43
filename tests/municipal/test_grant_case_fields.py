"""Nexus' grant fields: the paying municipality (default: the acting one, the citizen's home) and a follow-up date,
on the grant form and in every version of the grant's history."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from stomi_app.extensions import db
from grants.models import Grant, GrantChange
from stomi_app.timeutil import local_today
from tests import factories
from tests.municipal.test_portal import grant_form


def _grant() -> Grant:
    db.session.expire_all()
    return db.session.scalar(select(Grant))


def _snapshots(grant):
    return [c.snapshot for c in db.session.scalars(select(GrantChange).where(GrantChange.grant_id == grant.id)
                                                  .order_by(GrantChange.version))]


def test_default_is_the_home_municipality_and_no_follow_up(logged_in, citizen, shop):
    page = logged_in.get(f"/kommune/borger/{citizen.id}/bevilling/ny").get_data(as_text=True)
    aarhus = factories.municipality(751)
    assert f'<option selected value="{aarhus.id}">' in page or f'value="{aarhus.id}" selected' in page
    assert logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form()).status_code == 302
    grant = _grant()
    assert grant.paying_municipality_id is None and grant.follow_up_on is None  # the acting one pays
    assert _snapshots(grant)[0]["paying_municipality_id"] == aarhus.id and _snapshots(grant)[0]["follow_up_on"] is None


def test_another_payer_and_a_follow_up_kept_in_each_version(logged_in, citizen, shop):
    odense, follow = factories.municipality(461), local_today() + timedelta(days=90)
    data = grant_form(paying_municipality_id=str(odense.id), follow_up_on=follow.isoformat())
    assert logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=data).status_code == 302
    grant = _grant()
    assert (grant.paying_municipality_id, grant.follow_up_on) == (odense.id, follow)
    page = logged_in.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
    assert "Betalingskommune: Odense" in page and "Handlekommune: Aarhus" in page
    change_page = logged_in.get(f"/kommune/bevilling/{grant.id}/ret").get_data(as_text=True)
    assert follow.isoformat() in change_page
    later = follow + timedelta(days=30)
    data = grant_form(paying_municipality_id=str(factories.municipality(751).id), follow_up_on=later.isoformat(),
                      reason="Aarhus betaler igen")
    assert logged_in.post(f"/kommune/bevilling/{grant.id}/ret", data=data).status_code == 302
    grant = _grant()
    assert (grant.paying_municipality_id, grant.follow_up_on) == (None, later)
    first, second = _snapshots(grant)
    assert (first["paying_municipality_id"], first["follow_up_on"]) == (odense.id, follow.isoformat())
    assert second["follow_up_on"] == later.isoformat()


def test_bad_case_fields_are_told_at_the_field_and_save_nothing(logged_in, citizen, shop):
    past = local_today() - timedelta(days=1)
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(follow_up_on=past.isoformat()))
    assert response.status_code == 422 and "En opfølgningsdato er i dag eller senere" in response.get_data(as_text=True)
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(paying_municipality_id="987654"))
    assert response.status_code == 422 and "Vælg en kommune på listen" in response.get_data(as_text=True)
    response = logged_in.post(f"/kommune/borger/{citizen.id}/bevilling/ny", data=grant_form(follow_up_on="31-02-2026"))
    assert response.status_code == 422
    assert _grant() is None
