"""The monthly statistics reports as a background job: for every municipality (started from the FSC administration)
or for one (started by its grant officer), run by a worker, progress per municipality in the job_run row.
Idempotent like the run itself: a second run replaces each municipality's report for the month in place, never
adds a second one. A run for one municipality and a run for all of the same month never overlap (both would write
that municipality's report row)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from stomi_app import jobruns
from stomi_app.extensions import db
from stomi_app.models import JobRun, User
from usage_statistics.period import PeriodError, parse_month
from usage_statistics.report import ReportError, check_month, chosen_count, run_month

KIND = "statistics_report"
JOB = "usage_statistics.jobs.report_month"


def run_key(month_start: date, code: int | None = None) -> str:
    """"2026-10" for every municipality, "2026-10:751" for one."""
    return f"{month_start:%Y-%m}" + (f":{code}" if code is not None else "")


def _parse_key(key: str) -> tuple[date, int | None]:
    month, _, code = key.partition(":")
    return parse_month(month), (int(code) if code else None)


def _refuse_overlap(month_start: date, code: int | None) -> None:
    """A run of all municipalities waits for none of one; one municipality's waits for the run of all."""
    month = f"{month_start:%Y-%m}"
    if code is None:
        overlapping = select(JobRun).where(JobRun.active_key.like(f"{KIND}:{month}:%"))
    else:
        overlapping = select(JobRun).where(JobRun.active_key == f"{KIND}:{month}")
    run = db.session.scalar(overlapping.limit(1))
    if run is not None:
        raise jobruns.AlreadyRunning(run)


def start(month_start: date, *, by: User | None, code: int | None = None) -> JobRun:
    """Queue the month's reports for every active municipality, or only for the one with `code`."""
    check_month(month_start)
    _refuse_overlap(month_start, code)
    return jobruns.start(KIND, run_key(month_start, code), JOB, by=by)


def municipality_run(run_id: int, code: int) -> JobRun | None:
    """A run for that municipality only (its grant officer's page); any other run is not found."""
    return db.session.scalar(select(JobRun).where(JobRun.id == run_id, JobRun.kind == KIND,
                                                  JobRun.key.like(f"%:{code}")))


def municipality_runs(code: int, limit: int = 5) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.kind == KIND, JobRun.key.like(f"%:{code}"))
                                   .order_by(JobRun.id.desc()).limit(limit)))


def all_municipality_runs(limit: int = 5) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.kind == KIND, func.length(JobRun.key) == 7)
                                   .order_by(JobRun.id.desc()).limit(limit)))


def _work(run: JobRun, progress) -> dict:
    month_start, code = _parse_key(run.key)
    codes = [code] if code is not None else None
    total = chosen_count(codes)
    progress(0, total)
    made: list[int] = []

    def each(report) -> None:
        made.append(report.id)
        progress(len(made), total)

    run_month(month_start, codes, each=each)
    return {"month": f"{month_start:%Y-%m}", "code": code, "reports": len(made)}


def report_month(run_id: int) -> dict:
    """The job RQ runs (by the dotted name JOB)."""
    return jobruns.execute(run_id, _work, refusals=(ReportError, PeriodError))
