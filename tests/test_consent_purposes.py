"""Consent per purpose: each given, withdrawn and given again on its own with its history, the page that says what a
withdrawal changes, the gates that read it (courier phone, the callcenter's view of the nurses' notes), and the
migration of the old single consent to the courier purpose."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_migrate import downgrade, upgrade
import pytest
from sqlalchemy import select, text

from citizens import consent
from care import nursing
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Role
from stomi_app.models.citizen import Citizen
from citizens.consent_models import CitizenConsent, ConsentPurpose as P
from stomi_app.models import AuditEvent, Citizen, Role
from citizens.consent_models import CitizenConsent, ConsentPurpose as P
from tests.fixtures.app import make_app
from tests.dbutil import throwaway_database

URL = "/borger/mine-data/samtykke"


def _save(client, *purposes):
    return client.post(URL, data={"purposes": [p.value for p in purposes]})


def _rows(citizen_id, purpose):
    return list(db.session.scalars(select(CitizenConsent).where(
        CitizenConsent.citizen_id == citizen_id, CitizenConsent.purpose == purpose).order_by(CitizenConsent.id)))


def test_each_purpose_is_given_withdrawn_and_given_again_on_its_own(world, auth, client):
    citizen = world["citizen"]
    auth.citizen("150348-1234")
    assert _save(client, P.COURIER, P.CALLCENTER_NOTES).status_code == 302
    assert consent.has(citizen.id, P.COURIER) and consent.has(citizen.id, P.CALLCENTER_NOTES)
    assert not consent.has(citizen.id, P.DISCHARGE)
    db.session.refresh(citizen)
    assert citizen.has_consent  # the courier purpose, as the delivery instruction asks it

    _save(client, P.COURIER)  # the callcenter's notes withdrawn, the courier's consent untouched
    db.session.expire_all()
    assert consent.has(citizen.id, P.COURIER) and not consent.has(citizen.id, P.CALLCENTER_NOTES)
    [courier] = _rows(citizen.id, P.COURIER)
    assert courier.withdrawn_at is None  # not re-recorded by saving it again
    [notes] = _rows(citizen.id, P.CALLCENTER_NOTES)
    assert notes.withdrawn_at is not None  # kept, closed: a withdrawal is a new state, not a delete

    _save(client, P.COURIER, P.CALLCENTER_NOTES)  # given again: a second period
    db.session.expire_all()
    first, again = _rows(citizen.id, P.CALLCENTER_NOTES)
    assert first.withdrawn_at is not None and again.withdrawn_at is None and again.given_at >= first.withdrawn_at
    assert again.text_version == consent.CONSENT_TEXT_VERSION

    _save(client)  # nothing ticked: everything withdrawn
    db.session.expire_all()
    assert not any(consent.current(citizen.id).values())
    assert not db.session.get(Citizen, citizen.id).has_consent
    assert len(consent.history(citizen.id)) == 3
    # Every change audited as the citizen's own, without staff; a save that changes nothing writes nothing.
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.purpose == "citizen: own consent")))
    assert len(events) == 4 and all(e.user_id is None and e.role == "citizen" for e in events)
    _save(client)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.purpose == "citizen: own consent")) == 4


def test_an_unknown_purpose_is_refused_and_nothing_is_saved(world, auth, client):
    auth.citizen("150348-1234")
    response = client.post(URL, data={"purposes": ["courier", "sell-to-pharma"]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="error-summary"' in html and "Vælg blandt de formål" in html
    assert 'id="purposes-error"' in html
    assert consent.history(world["citizen"].id) == []
    for nasty in (["x" * 5000], ["courier\x00"], [""]):
        assert client.post(URL, data={"purposes": nasty}).status_code == 422
    assert consent.history(world["citizen"].id) == []


def test_the_page_states_each_purpose_what_a_withdrawal_changes_and_what_needs_no_consent(world, auth, client):
    auth.citizen("150348-1234")
    html = client.get(URL).get_data(as_text=True)
    for purpose in P:
        assert f'data-testid="purpose-{purpose.value}"' in html and f'value="{purpose.value}"' in html
    assert "Uden dit samtykke:" in html and "Hvis du trækker det tilbage:" not in html
    assert "Fakturaen til din kommune" in html and "opfølgning på sin egen afgørelse" in html  # needs no consent, said so
    _save(client, P.COURIER)
    html = client.get(URL).get_data(as_text=True)
    assert 'value="courier"\n' in html or 'value="courier"' in html
    courier = html[html.index('data-testid="purpose-courier"'):html.index('data-testid="purpose-discharge"')]
    assert "checked" in courier and "Hvis du trækker det tilbage:" in courier and "ikke dit telefonnummer" in courier
    discharge = html[html.index('data-testid="purpose-discharge"'):html.index('data-testid="purpose-callcenter_notes"')]
    assert "checked" not in discharge and "Uden dit samtykke:" in discharge


def test_my_data_lists_each_purpose_and_its_history(world, auth, client):
    auth.citizen("150348-1234")
    _save(client, P.COURIER, P.DISCHARGE)
    _save(client, P.COURIER)
    html = client.get("/borger/mine-data").get_data(as_text=True)
    assert 'data-testid="consent-courier"' in html and 'data-testid="consent-callcenter_notes"' in html
    status = html[html.index('data-testid="consent-status"'):html.index('data-testid="change-consent"')]
    assert status.count("givet den") == 1 and status.count("ikke givet") == 2
    history = html[html.index('data-testid="consent-history"'):]
    assert history.count("<tr>") == 3  # header + courier + the discharge period, closed
    export = client.get("/borger/mine-data/download.json").get_json()
    assert {c["purpose"]: c["withdrawn_at"] is None for c in export["consent"]} == {"courier": True, "discharge": False}


def test_the_callcenter_sees_the_nurses_notes_only_with_consent(world, auth, client):
    citizen, nurse = world["citizen"], world[Role.NURSE]
    nursing.add_note(nurse, citizen, kind="skin", text="Rød hud ved kl. 6, prøv pasta")
    db.session.commit()
    agent = world[Role.CALLCENTER]
    # The service itself refuses: no consent, no notes read.
    from callcenter import services
    assert services.clinical_notes_for_agent(agent, citizen) is None
    auth.staff("agent@test.dk")
    html = client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert 'data-testid="clinical-notes-no-consent"' in html and "Rød hud" not in html
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.purpose == "callcenter: nurses' clinical notes")) is None

    consent.set_consents(citizen, {P.CALLCENTER_NOTES})
    db.session.commit()
    html = client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert "Rød hud ved kl. 6" in html and 'data-testid="clinical-notes-no-consent"' not in html
    read = db.session.scalar(select(AuditEvent).where(AuditEvent.purpose == "callcenter: nurses' clinical notes"))
    assert read.user_id == agent.id and read.citizen_id == citizen.id and read.action == "read"

    consent.set_consents(citizen, set())  # withdrawn: hidden again at once
    db.session.commit()
    html = client.get(f"/callcenter/borger/{citizen.id}").get_data(as_text=True)
    assert "Rød hud" not in html and 'data-testid="clinical-notes-no-consent"' in html


def test_the_courier_gets_the_phone_only_with_the_courier_purpose(world):
    citizen = world["citizen"]
    consent.set_consents(citizen, {P.CALLCENTER_NOTES, P.DISCHARGE})
    assert not citizen.has_consent  # every other purpose given: still no phone to the driver
    consent.set_consents(citizen, set(P))
    assert citizen.has_consent and citizen.consent_text_version == consent.CONSENT_TEXT_VERSION
    consent.set_consents(citizen, {P.DISCHARGE})
    assert not citizen.has_consent and consent.has(citizen.id, P.DISCHARGE)


def test_nurses_of_the_other_sector_see_each_others_notes_only_with_consent(world, auth, client):
    from tests import factories
    citizen, municipal = world["citizen"], world[Role.NURSE]
    hospital = factories.user(Role.NURSE, "nurse.auh@test.dk", region_code=1082, workplace="Aarhus Universitetshospital")
    nursing.add_note(hospital, citizen, kind="skin", text="Ved udskrivelse: hudirritation kl. 3")
    nursing.add_note(municipal, citizen, kind="leak", text="Hjemmebesøg: lækage om natten")
    db.session.commit()
    # The service leaves the other sector's notes out, both ways, and says how many.
    notes, hidden = nursing.notes_for_nurse(municipal, citizen.id)
    assert [n.text for n in notes] == ["Hjemmebesøg: lækage om natten"] and hidden == 1
    notes, hidden = nursing.notes_for_nurse(hospital, citizen.id)
    assert [n.text for n in notes] == ["Ved udskrivelse: hudirritation kl. 3"] and hidden == 1
    auth.staff("nurse@test.dk")
    html = client.get(f"/sygeplejerske/borger/{citizen.id}").get_data(as_text=True)
    assert "lækage om natten" in html and "hudirritation" not in html and 'data-testid="notes-hidden-no-consent"' in html
    consent.set_consents(citizen, {P.DISCHARGE})
    db.session.commit()
    html = client.get(f"/sygeplejerske/borger/{citizen.id}").get_data(as_text=True)
    assert "lækage om natten" in html and "hudirritation kl. 3" in html and "notes-hidden-no-consent" not in html
    consent.set_consents(citizen, {P.COURIER})  # the discharge sharing withdrawn, another purpose given
    db.session.commit()
    assert nursing.notes_for_nurse(municipal, citizen.id)[1] == 1


OLD = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
LATER = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.committing
def test_the_old_single_consent_becomes_the_courier_purpose(tmp_path, instance_dir, app):
    with throwaway_database(tmp_path, "consent") as url:
        fresh = make_app(url)
        with fresh.app_context():
            upgrade(revision="b9e4d2a6c813")
            db.session.execute(text("INSERT INTO region (id, code, name) VALUES (1, 1082, 'Region Midtjylland')"))
            db.session.execute(text(
                "INSERT INTO municipality (id, code, name, region_id, ean_gln, cvr, population, active) "
                "VALUES (1, 751, 'Aarhus', 1, '5798005770001', '55133018', 367095, true)"))
            people = {  # id: (given, withdrawn)
                1: (OLD, None), 2: (OLD, LATER), 3: (LATER, OLD), 4: (None, None),
            }
            for cid, (given, withdrawn) in people.items():
                db.session.execute(text(
                    "INSERT INTO citizen (id, cpr_encrypted, cpr_hash, cpr_masked, name, address, postcode, city, "
                    "municipality_id, stoma_type, language, created_at, consent_given_at, "
                    "consent_withdrawn_at, consent_text_version) VALUES (:id, :enc, :hash, '150348-****', 'B', 'Vej 1', "
                    "'8000', 'Aarhus', 1, 'colostomy', 'da', :now, :given, :withdrawn, :version)"),
                    {"id": cid, "enc": b"\x00", "hash": str(cid) * 64, "now": OLD.replace(tzinfo=None),
                     "given": given and given.replace(tzinfo=None), "withdrawn": withdrawn and withdrawn.replace(tzinfo=None),
                     "version": "2026-1" if given else None})
            db.session.commit()
            upgrade(revision="c4f19a7e2d35")
            rows = {r.citizen_id: r for r in db.session.execute(text(
                "SELECT citizen_id, purpose, given_at, withdrawn_at, text_version FROM citizen_consent"))}
            assert set(rows) == {1, 2, 3}  # never consented: no record
            assert all(r.purpose == "courier" and r.text_version == "2026-1" for r in rows.values())
            assert rows[1].withdrawn_at is None
            assert rows[2].withdrawn_at is not None  # withdrawn after giving: closed
            assert rows[3].withdrawn_at is None  # given again after an old withdrawal: in force
            for cid, row in rows.items():
                assert consent.has(cid, P.COURIER) is (row.withdrawn_at is None)
                assert db.session.get(Citizen, cid).has_consent is consent.has(cid, P.COURIER)
            db.session.rollback()
            downgrade(revision="b9e4d2a6c813")
            db.engine.dispose()
