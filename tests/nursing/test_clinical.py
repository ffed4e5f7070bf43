"""The clinical profile's rules: measures (versioned, confirmed once, 5–100 mm), re-measure dates, stoma, notes."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from care import nursing
from ordering import services as ordering
from ordering.services import OrderError, parse_measure
from stomi_app.extensions import db
from citizens.clinical import CutShape
from ordering.models import DeliveryProblem, DeliveryProblemKind, OrderStatus
from care.models import NoteKind, TaskKind
from stomi_app.models.citizen import StomaType
from stomi_app.timeutil import local_today


@pytest.mark.parametrize("shape, values, field", [
    ("round", ("4", "", ""), "diameter_mm"),
    ("round", ("101", "", ""), "diameter_mm"),
    ("round", ("", "", ""), "diameter_mm"),
    ("round", ("2,5", "", ""), "diameter_mm"),
    ("round", ("abc", "", ""), "diameter_mm"),
    ("oval", ("", "30", ""), "height_mm"),
    ("oval", ("", "120", "30"), "width_mm"),
    ("square", ("30", "", ""), "shape"),
])
def test_measure_outside_5_to_100_mm_is_refused(shape, values, field):
    with pytest.raises(OrderError) as exc:
        parse_measure(shape, *values)
    assert field in exc.value.errors


def test_measure_parsing_accepts_whole_millimetres():
    assert parse_measure("round", "32", "", "") == {"shape": CutShape.ROUND, "diameter_mm": 32}
    assert parse_measure("oval", "", "100", "5,0") == {"shape": CutShape.OVAL, "width_mm": 100, "height_mm": 5}


def test_confirm_the_citizens_measure_once(measured, nurse):
    measure = ordering.current_measure(measured.id)
    assert measure.entered_by_citizen and measure.confirmed_at is None
    nursing.confirm_measure(nurse, measure)
    db.session.commit()
    assert measure.confirmed_by_id == nurse.id and measure.confirmed_at is not None
    assert nursing.open_task(nurse, TaskKind.MEASURE, measure.id) is None
    with pytest.raises(nursing.NursingError):
        nursing.confirm_measure(nurse, measure)


def test_only_the_newest_version_is_confirmed(measured, nurse):
    old = ordering.current_measure(measured.id)
    newer = ordering.record_measure(measured, shape=CutShape.OVAL, width_mm=30, height_mm=25)
    db.session.commit()
    with pytest.raises(nursing.NursingError):
        nursing.confirm_measure(nurse, old)
    db.session.rollback()
    assert [t.ref_id for t in nursing.queue(nurse, kind=TaskKind.MEASURE)] == [newer.id]
    nursing.confirm_measure(nurse, newer)
    db.session.commit()
    assert [m.id for m in nursing.measure_history(measured.id)] == [newer.id, old.id]  # versions are kept
    assert old.confirmed_at is None


def test_nurse_sets_a_new_version_confirmed_with_remeasure_date(measured, nurse):
    measured.operation_date = local_today() - timedelta(days=10)
    version = nursing.set_measure(nurse, measured, parse_measure("round", "28", "", ""), note="Efter hævelse")
    db.session.commit()
    assert ordering.current_measure(measured.id).id == version.id
    assert version.entered_by_id == nurse.id and not version.entered_by_citizen and version.confirmed_by_id == nurse.id
    assert version.remeasure_on == local_today() + timedelta(weeks=6)
    assert len(nursing.measure_history(measured.id)) == 2
    assert nursing.queue(nurse, kind=TaskKind.MEASURE) == []  # the citizen's older measure is superseded


def test_remeasure_default_only_for_new_stomas(citizen):
    today = date(2026, 5, 1)
    citizen.operation_date = None
    assert nursing.default_remeasure_on(citizen, today) is None
    citizen.operation_date = today - timedelta(days=56)
    assert nursing.default_remeasure_on(citizen, today) == today + timedelta(weeks=6)
    citizen.operation_date = today - timedelta(days=57)
    assert nursing.default_remeasure_on(citizen, today) is None


def test_remeasure_date_given_by_the_nurse_wins_but_not_in_the_past(measured, nurse):
    chosen = local_today() + timedelta(days=20)
    version = nursing.set_measure(nurse, measured, {"shape": CutShape.ROUND, "diameter_mm": 30}, remeasure_on=chosen)
    assert version.remeasure_on == chosen
    with pytest.raises(nursing.NursingError) as exc:
        nursing.set_measure(nurse, measured, {"shape": CutShape.ROUND, "diameter_mm": 30}, remeasure_on=local_today() - timedelta(days=1))
    assert "remeasure_on" in exc.value.errors


def test_stoma_details(citizen, nurse):
    nursing.set_stoma(nurse, citizen, stoma_type="ileostomy", operation_date=date(2026, 1, 5))
    assert citizen.stoma_type is StomaType.ILEOSTOMY and citizen.operation_date == date(2026, 1, 5)
    with pytest.raises(nursing.NursingError) as exc:
        nursing.set_stoma(nurse, citizen, stoma_type="other", operation_date=local_today() + timedelta(days=1))
    assert set(exc.value.errors) == {"stoma_type", "operation_date"}


def test_notes(citizen, nurse):
    with pytest.raises(nursing.NursingError):
        nursing.add_note(nurse, citizen, kind="skin", text="  ")
    with pytest.raises(nursing.NursingError):
        nursing.add_note(nurse, citizen, kind="mood", text="x")
    nursing.add_note(nurse, citizen, kind="leak", text="Lækage om natten, prøver konveks")
    db.session.commit()
    [note] = nursing.notes_of(citizen.id)
    assert note.kind is NoteKind.LEAK and note.author_id == nurse.id


def test_cutting_problem_is_resolved_with_a_note(measured, shop, nurse):
    order = ordering.new_draft(measured)
    ordering.set_draft_lines(order, {shop.plate.id: 1})
    order.status = OrderStatus.DELIVERED
    problem = DeliveryProblem(order=order, kind=DeliveryProblemKind.CUTTING, description="For stort hul")
    db.session.add(problem)
    db.session.commit()
    with pytest.raises(nursing.NursingError):
        nursing.resolve_cutting_problem(nurse, problem, "")
    nursing.resolve_cutting_problem(nurse, problem, "Nyt mål 28 mm sat")
    db.session.commit()
    assert problem.status == "resolved"
    assert nursing.notes_of(measured.id)[0].kind is NoteKind.CUTTING
    with pytest.raises(nursing.NursingError):
        nursing.resolve_cutting_problem(nurse, problem, "igen")
