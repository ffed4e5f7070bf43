"""Where areas plug their own measures into `stomi bench` (statistics dashboard, invoice run)."""
from __future__ import annotations

from typing import Callable

# name → fn(app) -> {"median_ms": …}: timed at 1x and at 10x history.
HISTORY_MEASURES: dict[str, Callable] = {}
# fn(app, tmpdir) -> dict of figures, run once after the history measures.
RUN_MEASURES: list[Callable] = []
