"""The monthly invoice run as a background job: started from the FSC administration, run by a worker, progress per
municipality in the job_run row. Idempotent like the run itself: a second run of a month issues nothing new."""
from __future__ import annotations

from datetime import date

from invoicing.fees import InvoicingError, parse_month
from invoicing.run import RunResult, preflight, run_month
from stomi_app import jobruns
from stomi_app.extensions import db
from stomi_app.models import JobRun, User

KIND = "invoice_run"
JOB = "invoicing.jobs.invoice_month"


def start(month_start: date, *, by: User | None) -> JobRun:
    """Queue the month's run after the checks a form can show at once (refusals name the month field)."""
    preflight(month_start)
    return jobruns.start(KIND, f"{month_start:%Y-%m}", JOB, by=by)


def summary_of(result: RunResult) -> dict:
    """What the progress page shows when the run is done; plain JSON for the job_run row."""
    return {"month": f"{result.month:%Y-%m}", "issued": len(result.issued),
            "already": sum(1 for r in result.results if r.status == "already"), "stopped": len(result.errors),
            "total_oere": sum(r.total_oere for r in result.results if r.status != "error"),
            "errors": [{"name": r.name, "message": r.message} for r in result.errors]}


def _work(run: JobRun, progress) -> dict:
    by = db.session.get(User, run.created_by_id) if run.created_by_id else None
    return summary_of(run_month(parse_month(run.key), by=by, progress=progress))


def invoice_month(run_id: int) -> dict:
    """The job RQ runs (by the dotted name JOB)."""
    return jobruns.execute(run_id, _work, refusals=(InvoicingError,))
