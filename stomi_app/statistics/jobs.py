"""The monthly statistics reports as a background job: started from the FSC administration, run by a worker,
progress per municipality in the job_run row. Idempotent like the run itself: a second run replaces each
municipality's report for the month in place, never adds a second one."""
from __future__ import annotations

from datetime import date

from stomi_app import jobruns
from stomi_app.models import JobRun, User
from stomi_app.statistics.period import PeriodError, parse_month
from stomi_app.statistics.report import ReportError, check_month, chosen_count, run_month

KIND = "statistics_report"
JOB = "stomi_app.statistics.jobs.report_month"


def start(month_start: date, *, by: User | None) -> JobRun:
    check_month(month_start)
    return jobruns.start(KIND, f"{month_start:%Y-%m}", JOB, by=by)


def _work(run: JobRun, progress) -> dict:
    month_start = parse_month(run.key)
    total = chosen_count(None)
    progress(0, total)
    made: list[int] = []

    def each(report) -> None:
        made.append(report.id)
        progress(len(made), total)

    run_month(month_start, each=each)
    return {"month": run.key, "reports": len(made)}


def report_month(run_id: int) -> dict:
    """The job RQ runs (by the dotted name JOB)."""
    return jobruns.execute(run_id, _work, refusals=(ReportError, PeriodError))
