"""Chart geometry for server-side SVG: a line chart over months and a horizontal bar chart, no JavaScript needed.

The numbers are placed here; the template (templates/statistics/_charts.html) only draws what it is given, and the
same series feed the PDF report's reportlab charts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

LINE_WIDTH, LINE_HEIGHT = 640, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 96, 40, 16, 56
BAR_ROW, BAR_LABEL_WIDTH, BAR_WIDTH = 28, 190, 640
# Colours with at least 4.5:1 contrast on white (WCAG AA for the text and 3:1 for the lines).
COLOURS = {"current": "#004b87", "previous": "#5e5e5e"}


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above `value` (a readable axis maximum)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass
class Series:
    name: str
    values: list[float | None]
    kind: str = "current"  # current | previous (dashed)

    @property
    def colour(self) -> str:
        return COLOURS[self.kind]


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class LineChart:
    chart_id: str
    title: str
    description: str
    labels: list[str]
    series: list[Series]
    format_value: object = str
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    empty_text: str | None = None
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    paths: list[tuple[Series, str, list[tuple[float, float]]]] = field(default_factory=list)

    @property
    def plot_left(self) -> int:
        return MARGIN_LEFT

    @property
    def plot_right(self) -> int:
        return self.width - MARGIN_RIGHT

    @property
    def plot_top(self) -> int:
        return MARGIN_TOP

    @property
    def plot_bottom(self) -> int:
        return self.height - MARGIN_BOTTOM

    def layout(self) -> "LineChart":
        values = [v for s in self.series for v in s.values if v is not None]
        top = nice_ceiling(max(values, default=0))
        span_y = self.plot_bottom - self.plot_top
        self.y_ticks = [Tick(self.plot_bottom - span_y * i / 4, self.format_value(top * i / 4)) for i in range(5)]
        n = len(self.labels)
        step = (self.plot_right - self.plot_left) / max(n - 1, 1)
        xs = [self.plot_left + (step * i if n > 1 else (self.plot_right - self.plot_left) / 2) for i in range(n)]
        # Every label while they fit (about six "jan. 2026" in the width); beyond that every second or third.
        every = max(1, math.ceil(n / 6))
        self.x_ticks = [Tick(x, label) for i, (x, label) in enumerate(zip(xs, self.labels)) if i % every == 0]
        self.paths = []
        for s in self.series:
            points = [(round(x, 1), round(self.plot_bottom - span_y * v / top, 1))
                      for x, v in zip(xs, s.values) if v is not None]
            d = " ".join(("M" if i == 0 else "L") + f"{x},{y}" for i, (x, y) in enumerate(points))
            self.paths.append((s, d, points))
        if not values:
            self.paths = []
        return self


@dataclass
class Bar:
    label: str
    value: float
    value_label: str
    y: float = 0
    length: float = 0


@dataclass
class BarChart:
    chart_id: str
    title: str
    description: str
    bars: list[Bar]
    empty_text: str | None = None
    width: int = BAR_WIDTH
    label_width: int = BAR_LABEL_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 2) * BAR_ROW + 24

    @property
    def plot_left(self) -> int:
        return self.label_width

    @property
    def plot_width(self) -> int:
        # Room on the right for the value written after the bar.
        return self.width - self.label_width - 130

    def layout(self) -> "BarChart":
        top = max((b.value for b in self.bars), default=0) or 1
        for i, bar in enumerate(self.bars):
            bar.y = 12 + i * BAR_ROW
            bar.length = round(self.plot_width * bar.value / top, 1)
        return self
