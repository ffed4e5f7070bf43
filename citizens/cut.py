"""The hole to cut in a cut-to-fit baseplate (round Ø or oval width × height, whole mm) as one immutable value."""
from __future__ import annotations

import enum
from dataclasses import dataclass

MIN_MM, MAX_MM = 5, 100  # the widest cutting range in the catalogue: no baseplate fits outside it


class CutShape(str, enum.Enum):
    ROUND = "round"
    OVAL = "oval"


@dataclass(frozen=True)
class Cut:
    """A measure as people read it ("Ø 32 mm", "40 × 30 mm") and as the warehouse cuts it; equal when the hole is."""

    shape: CutShape
    diameter_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None

    def __post_init__(self):
        shape = CutShape(self.shape)
        object.__setattr__(self, "shape", shape)
        given = (self.diameter_mm,) if shape is CutShape.ROUND else (self.width_mm, self.height_mm)
        other = (self.width_mm, self.height_mm) if shape is CutShape.ROUND else (self.diameter_mm,)
        if any(mm is None for mm in given) or any(mm is not None for mm in other):
            raise ValueError(f"a {shape.value} cut needs {'a diameter' if shape is CutShape.ROUND else 'width and height'} only")
        for mm in given:
            if isinstance(mm, bool) or not isinstance(mm, int) or not MIN_MM <= mm <= MAX_MM:
                raise ValueError(f"a cut is whole millimetres from {MIN_MM} to {MAX_MM}, not {mm!r}")

    @classmethod
    def stored(cls, shape, diameter_mm, width_mm, height_mm) -> Cut | None:
        """The cut a row's four columns hold, or None when it has no shape (not cut to fit)."""
        if shape is None:
            return None
        return cls(shape, diameter_mm, width_mm, height_mm)

    def columns(self) -> tuple:
        """(shape, diameter, width, height) as stored: the sizes the shape does not use are None."""
        return self.shape, self.diameter_mm, self.width_mm, self.height_mm

    @property
    def label(self) -> str:
        if self.shape is CutShape.ROUND:
            return f"Ø {self.diameter_mm} mm"
        return f"{self.width_mm} × {self.height_mm} mm"

    def __str__(self) -> str:
        return self.label

    @property
    def largest_mm(self) -> int:
        return self.diameter_mm if self.shape is CutShape.ROUND else max(self.width_mm, self.height_mm)

    @property
    def smallest_mm(self) -> int:
        return self.diameter_mm if self.shape is CutShape.ROUND else min(self.width_mm, self.height_mm)

    def fits(self, min_mm: int, max_mm: int) -> bool:
        """Whether a baseplate cut from `min_mm` to `max_mm` can take this hole."""
        return min_mm <= self.smallest_mm and self.largest_mm <= max_mm

    @property
    def sort_key(self) -> tuple:
        """One shape after the other, smaller holes first: the cutter is set once per measure."""
        return self.shape.value, self.diameter_mm or 0, self.width_mm or 0, self.height_mm or 0

    def cutting(self, plates: int) -> dict:
        """The instruction's `cutting` object (fulfilment.schemas.Cutting): only the sizes of the shape."""
        if self.shape is CutShape.ROUND:
            return {"shape": "round", "diameter_mm": self.diameter_mm, "plates": plates}
        return {"shape": "oval", "width_mm": self.width_mm, "height_mm": self.height_mm, "plates": plates}


class CutColumns:
    """A model's four cut columns (`prefix` + shape, diameter_mm, width_mm, height_mm) read and written as one Cut,
    so no model spells the shape rule out again: `line.cut = measure.cut` copies the hole, `None` clears it."""

    def __init__(self, prefix: str = ""):
        self.names = tuple(prefix + name for name in ("shape", "diameter_mm", "width_mm", "height_mm"))

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return Cut.stored(*(getattr(instance, name) for name in self.names))

    def __set__(self, instance, cut: Cut | None) -> None:
        for name, value in zip(self.names, cut.columns() if cut is not None else (None,) * 4):
            setattr(instance, name, value)
