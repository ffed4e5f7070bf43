"""The statistics' measures for the bench: the municipal dashboard's time (1x and 10x history) and the
monthly report run's time and peak memory."""
from __future__ import annotations

import time
import tracemalloc
from datetime import date

BENCH_MUNICIPALITY = 751  # Aarhus: the largest municipality of the demo data (871 citizens)
BENCH_OFFICER = "bevilling.aarhus@stomi-demo.dk"


def _last_month() -> date:
    from stomi_app.timeutil import add_months, local_today

    return add_months(local_today().replace(day=1), -1)


def measure_dashboard(app) -> dict:
    """Median time of the grant officer's dashboard for last month, over HTTP in-process (login, render, all)."""
    from devtools.bench.timing import PAGE_REPEATS, timed
    from devtools.demo import DEMO_PASSWORD

    client = app.test_client()
    client.post("/login", data={"email": BENCH_OFFICER, "password": DEMO_PASSWORD})
    path = f"/kommune/statistik/{BENCH_MUNICIPALITY}?kind=month&month={_last_month():%Y-%m}"
    first = client.get(path)  # warms the connection pool and the template cache
    assert first.status_code == 200, first.status_code

    def once():
        assert client.get(path).status_code == 200

    return timed(once, repeats=PAGE_REPEATS)


MEMORY_MUNICIPALITIES = 3  # the largest ones: enough to see whether a report's memory grows with history


def measure_report_memory(app) -> dict:
    """Peak Python memory (tracemalloc) of the monthly report for the largest municipalities, at 1x and 10x history.

    Kept apart from the timed run: tracemalloc slows Python several times over.
    """
    from sqlalchemy import func, select

    from stomi_app.extensions import db
    from stomi_app.models.citizen import Citizen
    from stomi_app.models import Municipality
    from usage_statistics.report import run_month

    with app.app_context():
        month = _last_month()
        codes = list(db.session.scalars(
            select(Municipality.code).join(Citizen, Citizen.municipality_id == Municipality.id)
            .where(Municipality.active).group_by(Municipality.code)
            .order_by(func.count().desc(), Municipality.code).limit(MEMORY_MUNICIPALITIES)))
        tracemalloc.start()
        try:
            made = run_month(month, codes)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return {"month": f"{month:%Y-%m}", "reports": len(made), "peak_mb": round(peak / 2**20, 1)}


def measure_report_run(app, tmp: str, repeats: int = 3) -> dict:
    """The monthly report for every municipality, made `repeats` times (a run replaces the month's reports):
    median seconds with min–max (memory: measure_report_memory)."""
    from usage_statistics.report import run_month

    with app.app_context():
        month, times, made = _last_month(), [], []
        for _ in range(repeats):
            started = time.perf_counter()
            made = run_month(month)
            times.append(round(time.perf_counter() - started, 2))
        return {"stats_report": {"month": f"{month:%Y-%m}", "reports": len(made), "seconds": sorted(times)[len(times) // 2],
                                 "seconds_min": min(times), "seconds_max": max(times)}}
