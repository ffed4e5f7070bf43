"""Repeated timing for the bench's measures: median and min–max of a few runs."""
from __future__ import annotations

import statistics
import time

REPEATS = 3
PAGE_REPEATS = 9  # a round of 20 pages takes half a second: one burst on a shared machine would move a median of 3


def timed(fn, repeats: int = REPEATS) -> dict:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2), "max_ms": round(max(times), 2)}
