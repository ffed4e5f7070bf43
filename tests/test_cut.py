"""The cutting measure as one value: how people read it, what the warehouse is told, and what it refuses."""
from __future__ import annotations

import pytest

from citizens.cut import MAX_MM, MIN_MM, Cut, CutShape
from citizens.clinical import CuttingMeasure
from ordering.models import OrderLine


def test_round_and_oval_read_as_people_write_them():
    assert str(Cut(CutShape.ROUND, diameter_mm=32)) == "Ø 32 mm"
    assert Cut(CutShape.OVAL, width_mm=40, height_mm=30).label == "40 × 30 mm"
    assert Cut("round", 32) == Cut(CutShape.ROUND, diameter_mm=32)  # the stored value is the shape


def test_the_smallest_and_largest_allowed_measure():
    assert Cut(CutShape.ROUND, diameter_mm=MIN_MM).label == "Ø 5 mm"
    assert Cut(CutShape.OVAL, width_mm=MAX_MM, height_mm=MIN_MM).label == "100 × 5 mm"
    for mm in (MIN_MM - 1, MAX_MM + 1, 0, -32, 32.5, True):
        with pytest.raises(ValueError):
            Cut(CutShape.ROUND, diameter_mm=mm)
        with pytest.raises(ValueError):
            Cut(CutShape.OVAL, width_mm=30, height_mm=mm)


@pytest.mark.parametrize("shape, sizes", [
    (CutShape.ROUND, {}),
    (CutShape.ROUND, {"diameter_mm": 32, "width_mm": 40}),
    (CutShape.OVAL, {"width_mm": 40}),
    (CutShape.OVAL, {"height_mm": 30}),
    (CutShape.OVAL, {"width_mm": 40, "height_mm": 30, "diameter_mm": 32}),
])
def test_missing_or_foreign_sizes_are_refused(shape, sizes):
    with pytest.raises(ValueError):
        Cut(shape, **sizes)


def test_an_unknown_shape_is_refused():
    with pytest.raises(ValueError):
        Cut("square", 32)


def test_fits_a_cutting_range_by_its_smallest_and_largest_side():
    oval = Cut(CutShape.OVAL, width_mm=40, height_mm=15)
    assert oval.fits(15, 40) and not oval.fits(16, 40) and not oval.fits(15, 39)
    assert Cut(CutShape.ROUND, diameter_mm=55).fits(15, 55)


def test_the_warehouse_is_told_only_the_sizes_of_the_shape():
    assert Cut(CutShape.ROUND, diameter_mm=32).cutting(20) == {"shape": "round", "diameter_mm": 32, "plates": 20}
    assert Cut(CutShape.OVAL, width_mm=40, height_mm=30).cutting(10) == {
        "shape": "oval", "width_mm": 40, "height_mm": 30, "plates": 10}


def test_models_read_and_write_their_columns_as_one_cut():
    line = OrderLine()
    assert line.cut is None  # not cut to fit
    measure = CuttingMeasure(shape=CutShape.OVAL, width_mm=40, height_mm=30)
    line.cut = measure.cut
    assert (line.cut_shape, line.cut_diameter_mm, line.cut_width_mm, line.cut_height_mm) == (CutShape.OVAL, None, 40, 30)
    assert line.cut == measure.cut
    line.cut = None
    assert (line.cut_shape, line.cut_width_mm, line.cut_height_mm) == (None, None, None)
