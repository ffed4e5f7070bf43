"""Hospitals as records (issue 20): the FSC administrator adds, renames and takes one out of use at /admin/hospitaler
(a duplicate in the region and a nasty name are refused at the field); a hospital nurse's account is bound to one, her
region (what she sees) following from it; the migration turns the nurses' free-text workplaces into hospitals."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from care import nursing
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Hospital, Role, User
from stomi_app.models.citizen import Citizen
from tests import factories
from tests.fixtures.app import make_app
from tests.dbutil import throwaway_database

REVISION, BEFORE = "b7ce6e8c4f83", "e8c4a2f6b901"


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@test.dk", "password": factories.PASSWORD}).status_code == 302
    return client


def _hospitals(region_code: int = 1082) -> dict[str, Hospital]:
    db.session.expire_all()
    return {h.name: h for h in db.session.scalars(select(Hospital)) if h.region.code == region_code}


def test_the_administrator_adds_renames_and_takes_a_hospital_out_of_use(admin):
    assert admin.get("/admin/").get_data(as_text=True).count("/admin/hospitaler") == 1
    answer = admin.post("/admin/hospitaler", data={"region": "1082", "name": "  Aarhus   Universitetshospital "})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    auh = _hospitals()["Aarhus Universitetshospital"]
    assert auh.active
    page = admin.get("/admin/hospitaler").get_data(as_text=True)
    assert "Aarhus Universitetshospital" in page and "Hospitaler" in page
    answer = admin.post(f"/admin/hospitaler/{auh.id}", data={"name": "AUH Skejby", "active": "y"})
    assert answer.status_code == 302
    answer = admin.post(f"/admin/hospitaler/{auh.id}", data={"name": "AUH Skejby"})  # unticked: out of use
    assert answer.status_code == 302
    auh = _hospitals()["AUH Skejby"]
    assert not auh.active
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hospital-change").order_by(AuditEvent.id)))
    assert len(events) == 3 and "name=Aarhus Universitetshospital, active=yes -> name=AUH Skejby" in events[1].detail
    assert "active=yes -> name=AUH Skejby, active=no" in events[2].detail
    # The same values again change nothing and audit nothing.
    admin.post(f"/admin/hospitaler/{auh.id}", data={"name": "AUH Skejby"})
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "hospital-change").order_by(AuditEvent.id.desc())) == events[-1].id
    # Out of use: no longer offered for a new account.
    assert f'value="{auh.id}"' not in admin.get("/admin/brugere/ny").get_data(as_text=True)


def test_a_duplicate_in_the_region_is_refused_at_the_field_another_region_may_have_it(admin):
    assert admin.post("/admin/hospitaler", data={"region": "1082", "name": "Regionshospitalet"}).status_code == 302
    answer = admin.post("/admin/hospitaler", data={"region": "1082", "name": "REGIONSHOSPITALET"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="name-error"' in html and "har allerede et hospital" in html
    assert admin.post("/admin/hospitaler", data={"region": "1083", "name": "Regionshospitalet"}).status_code == 302
    other = admin.post("/admin/hospitaler", data={"region": "1082", "name": "Hospitalsenheden Vest"})
    assert other.status_code == 302
    vest = _hospitals()["Hospitalsenheden Vest"]
    renamed = admin.post(f"/admin/hospitaler/{vest.id}", data={"name": "regionshospitalet", "active": "y"})
    assert renamed.status_code == 422 and 'id="name-error"' in renamed.get_data(as_text=True)


@pytest.mark.parametrize("data, field", [
    ({"region": "1082", "name": "x" * 5000}, "name"),
    ({"region": "1082", "name": "\x00\x00"}, "name"),
    ({"region": "1082", "name": "Sygehus\x00 Nord"}, None),  # the NUL is dropped, the name kept
    ({"region": "9" * 40, "name": "Sygehus"}, "region"),
    ({"region": "", "name": "Sygehus"}, "region"),
])
def test_a_nasty_name_or_region_gets_a_message_not_a_500(admin, data, field):
    answer = admin.post("/admin/hospitaler", data=data)
    if field is None:
        assert answer.status_code == 302 and "Sygehus Nord" in _hospitals()
    else:
        assert answer.status_code == 422 and f'id="{field}-error"' in answer.get_data(as_text=True)
    assert admin.get("/admin/hospitaler/" + "9" * 30).status_code == 404


def test_a_nurse_created_with_a_hospital_sees_the_citizens_of_its_region(admin, world, caplog):
    admin.post("/admin/hospitaler", data={"region": "1082", "name": "Aarhus Universitetshospital"})
    auh = _hospitals()["Aarhus Universitetshospital"]
    page = admin.get("/admin/brugere/ny").get_data(as_text=True)
    assert f'value="{auh.id}"' in page and "Aarhus Universitetshospital (Region Midtjylland)" in page
    with caplog.at_level(logging.INFO, logger="stomi_app.mail"):
        answer = admin.post("/admin/brugere/ny", data={"name": "Hanne Hospital", "email": "hanne@auh.dk", "role": "nurse",
                                                       "municipality": "", "hospital": str(auh.id)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    db.session.expire_all()
    nurse = db.session.scalar(select(User).where(User.email == "hanne@auh.dk"))
    assert nurse.hospital_id == auh.id and nurse.region.code == 1082 and nurse.workplace == "Aarhus Universitetshospital"
    assert nurse.municipality_id is None and nursing.is_hospital_nurse(nurse)
    # The same citizens as a nurse bound to the region the old way.
    before = factories.user(Role.NURSE, "gammel@auh.dk", region_code=1082, workplace="Aarhus Universitetshospital")
    db.session.commit()

    def visible(n):
        return sorted(db.session.scalars(select(Citizen.id).where(nursing.visible_citizens(n))))

    assert visible(nurse) == visible(before) and visible(nurse)
    # A rename follows onto her workplace.
    admin.post(f"/admin/hospitaler/{auh.id}", data={"name": "AUH", "active": "y"})
    db.session.expire_all()
    assert db.session.get(User, nurse.id).workplace == "AUH"
    # Her page still offers her hospital after it is taken out of use, and saving keeps it.
    admin.post(f"/admin/hospitaler/{auh.id}", data={"name": "AUH"})
    assert f'value="{auh.id}"' in admin.get(f"/admin/brugere/{nurse.id}/ret").get_data(as_text=True)
    kept = admin.post(f"/admin/brugere/{nurse.id}/ret", data={"name": "Hanne H", "email": "hanne@auh.dk", "role": "nurse",
                                                              "municipality": "", "hospital": str(auh.id)})
    assert kept.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, nurse.id).hospital_id == auh.id


NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc).replace(tzinfo=None)


@pytest.mark.committing
def test_the_migration_turns_the_nurses_workplaces_into_hospitals(tmp_path, instance_dir, app):
    with throwaway_database(tmp_path, "hospitals") as url:
        fresh = make_app(url)
        with fresh.app_context():
            upgrade(revision=BEFORE)
            db.session.execute(text("INSERT INTO region (id, code, name) VALUES (1, 1082, 'Region Midtjylland'), "
                                    "(2, 1083, 'Region Syddanmark')"))
            db.session.execute(text(
                "INSERT INTO municipality (id, code, name, region_id, ean_gln, cvr, population, active) "
                "VALUES (1, 751, 'Aarhus', 1, '5798005770001', '55133018', 367095, true)"))
            people = [  # id, role, municipality, region, workplace
                (1, "nurse", None, 1, "Aarhus Universitetshospital"), (2, "nurse", None, 1, " Aarhus  Universitetshospital"),
                (3, "nurse", None, 2, "Aarhus Universitetshospital"), (4, "nurse", None, 1, "Regionshospitalet Randers"),
                (5, "nurse", 1, None, "Aarhus Kommune"), (6, "nurse", None, 1, None), (7, "grant_officer", 1, None, "Aarhus"),
            ]
            for uid, role, municipality, region, workplace in people:
                db.session.execute(text(
                    "INSERT INTO user_account (id, email, name, role, password_hash, municipality_id, region_id, workplace, "
                    "language, active, created_at) VALUES (:id, :email, 'N', :role, 'x', "
                    ":m, :r, :w, 'da', true, :now)"),
                    {"id": uid, "email": f"u{uid}@test.dk", "role": role, "m": municipality, "r": region, "w": workplace,
                     "now": NOW})
            db.session.commit()
            upgrade(revision=REVISION)
            hospitals = {(r.region_id, r.name): r.id for r in db.session.execute(text("SELECT id, region_id, name FROM hospital"))}
            assert set(hospitals) == {(1, "Aarhus Universitetshospital"), (2, "Aarhus Universitetshospital"),
                                      (1, "Regionshospitalet Randers")}
            linked = dict(db.session.execute(text("SELECT id, hospital_id FROM user_account")).all())
            assert linked[1] == linked[2] == hospitals[(1, "Aarhus Universitetshospital")]
            assert linked[3] == hospitals[(2, "Aarhus Universitetshospital")]
            assert linked[4] == hospitals[(1, "Regionshospitalet Randers")]
            assert linked[5] is None and linked[6] is None and linked[7] is None
            user = db.session.get(User, 2)
            assert user.hospital.name == "Aarhus Universitetshospital" and user.workplace == user.hospital.name
            assert user.region_id == 1
            db.session.rollback()
            downgrade(revision=BEFORE)
            assert db.session.execute(text("SELECT region_id, workplace FROM user_account WHERE id = 4")).one() == (
                1, "Regionshospitalet Randers")
            db.session.rollback()
            db.engine.dispose()
