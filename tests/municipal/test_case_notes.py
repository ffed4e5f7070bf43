"""The grant officer's case notes: newest first with author and time, only for that municipality's grant officers
(in the query), audited, and a length limit told at the field."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from stomi_app.extensions import db
from grants.services import CASE_NOTE_MAX, GrantAccessDenied, GrantError, add_case_note, case_notes
from stomi_app.models import AuditEvent, Role
from grants.models import CaseNote
from tests import factories


def _count() -> int:
    return db.session.scalar(select(func.count(CaseNote.id)))


def test_notes_newest_first_and_only_for_the_writing_municipality(world, citizen, officer):
    first = add_case_note(officer, citizen, "Ringede om leverancer")
    second = add_case_note(officer, citizen, "  Sendt brev  ")
    db.session.commit()
    assert [n.id for n in case_notes(officer.municipality_id, citizen.id)] == [second.id, first.id]
    assert second.text == "Sendt brev" and second.author_id == officer.id
    assert case_notes(world["officer_odense"].municipality_id, citizen.id) == []  # another municipality reads none
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.purpose == "Case note (grant officer)")).all()
    assert len(audited) == 2 and audited[0].citizen_id == citizen.id


def test_refused_notes_keep_nothing(world, citizen, officer):
    with pytest.raises(GrantError) as err:
        add_case_note(officer, citizen, " \u200b\n ")
    assert "text" in err.value.errors
    with pytest.raises(GrantError):
        add_case_note(officer, citizen, "x" * (CASE_NOTE_MAX + 1))
    assert add_case_note(officer, citizen, "x" * CASE_NOTE_MAX).text == "x" * CASE_NOTE_MAX  # the boundary fits
    with pytest.raises(GrantAccessDenied):
        add_case_note(world["officer_odense"], citizen, "Fremmed")
    with pytest.raises(GrantAccessDenied):
        add_case_note(world[Role.NURSE], citizen, "Sygeplejerske")


def test_over_http_written_shown_and_limited(logged_in, citizen, officer):
    response = logged_in.post(f"/kommune/borger/{citizen.id}", data={"text": "x" * (CASE_NOTE_MAX + 1)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="error-summary"' in page
    assert f"Skriv højst {CASE_NOTE_MAX} tegn" in page and 'id="text-error"' in page  # next to the field too
    assert _count() == 0
    response = logged_in.post(f"/kommune/borger/{citizen.id}", data={"text": "Borgeren <script>x</script> ringer igen"})
    assert response.status_code == 302
    page = logged_in.get(f"/kommune/borger/{citizen.id}").get_data(as_text=True)
    notes = page[page.index('data-testid="case-notes"'):]
    assert "Borgeren &lt;script&gt;x&lt;/script&gt; ringer igen" in notes and officer.name in notes
    assert _count() == 1


def test_another_municipalitys_officer_neither_reads_nor_writes(auth, world, citizen, officer):
    add_case_note(officer, citizen, "Kun Aarhus")
    db.session.commit()
    auth.staff("officer.odense@test.dk")
    assert auth.client.post(f"/kommune/borger/{citizen.id}", data={"text": "Odense"}).status_code == 404
    assert _count() == 1


def test_notes_stay_with_the_municipality_when_the_citizen_moves(world, citizen, officer):
    add_case_note(officer, citizen, "Aarhus' note")
    citizen.municipality_id = factories.municipality(461).id
    db.session.commit()
    assert case_notes(world["officer_odense"].municipality_id, citizen.id) == []
    assert len(case_notes(officer.municipality_id, citizen.id)) == 1
