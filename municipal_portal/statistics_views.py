"""The municipality's statistics: dashboard, exports, the audited citizen list and received monthly reports.

Grant officers and municipal managers of the municipality see these pages; every query is scoped to the user's
own municipality, and another municipality's code in the URL is a 404. Managers are read-only: the guard below
keeps them to the pages in MANAGER_ENDPOINTS, whatever else the blueprint has.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from municipal_portal.blueprint import bp
from municipal_portal.forms import ReportMonthForm
from stomi_app import jobruns, jobs, transaction
from stomi_app.audit import record
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.models import Municipality, Role
from usage_statistics import export, jobs as report_jobs
from usage_statistics.period import PeriodError, parse_month
from usage_statistics.dashboard import municipality_dashboard
from usage_statistics.figures import utilisation_day, utilisation_per_citizen
from usage_statistics.forms import PeriodForm
from usage_statistics.report import ReportError, report_of, reports_of
from usage_statistics.tables import Money, StatTable, format_cell, is_numeric
from stomi_app.timeutil import local_today

MANAGER_ENDPOINTS = {
    "municipal_portal.statistics_home", "municipal_portal.statistics", "municipal_portal.statistics_export",
    "municipal_portal.statistics_reports", "municipal_portal.statistics_report_document",
}


bp.add_app_template_global(format_cell, "format_cell")
bp.add_app_template_global(is_numeric, "is_numeric")


@bp.before_request
def _managers_only_read_statistics():
    if (current_user.is_authenticated and getattr(current_user, "role", None) is Role.MUNICIPAL_MANAGER
            and request.endpoint not in MANAGER_ENDPOINTS):
        abort(403)


def _own_municipality(code: int) -> Municipality:
    """The user's municipality if `code` is its code; any other code does not exist as far as they can tell."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.id == current_user.municipality_id))
    if municipality is None or municipality.code != code:
        abort(404)
    return municipality


def _download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(content, mimetype=media_type.split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": media_type})


def _file(tables: list[StatTable], stem: str, fmt: str) -> Response:
    if fmt == "xlsx":
        return _download(export.to_xlsx(tables), f"{stem}.xlsx", export.XLSX_MEDIA_TYPE)
    return _download(export.to_csv(tables), f"{stem}.csv", export.CSV_MEDIA_TYPE)


@bp.route("/statistik")
def statistics_home():
    municipality = db.session.get(Municipality, current_user.municipality_id)
    if municipality is None:
        abort(404)
    return redirect(url_for("municipal_portal.statistics", code=municipality.code, **request.args.to_dict()))


@bp.route("/statistik/<int:code>")
def statistics(code: int):
    municipality = _own_municipality(code)
    form = PeriodForm(request.args)
    period = form.period()
    if period is None:
        return render_template("municipal_portal/statistics.html", municipality=municipality, form=form, dash=None), 422
    dash = municipality_dashboard(municipality, period)
    query = period.query_args()

    def export_url(key: str, fmt: str) -> str:
        return url_for("municipal_portal.statistics_export", code=municipality.code, key=key, fmt=fmt, **query)

    return render_template("municipal_portal/statistics.html", municipality=municipality, form=form, dash=dash,
                           query=query, export_url=export_url, running=period.includes(local_today()),
                           may_export_citizens=current_user.role is Role.GRANT_OFFICER)


@bp.route("/statistik/<int:code>/eksport/<key>.<any(csv, xlsx):fmt>")
def statistics_export(code: int, key: str, fmt: str):
    municipality = _own_municipality(code)
    period = PeriodForm(request.args).period()
    if period is None:
        abort(400)
    dash = municipality_dashboard(municipality, period)
    keys = [t.key for t in dash.tables]
    if key != "alle" and key not in keys:
        abort(404)
    tables = dash.tables if key == "alle" else [dash.table(key)]
    return _file(tables, f"statistik-{municipality.code}-{period.key}-{key}", fmt)


@bp.route("/statistik/<int:code>/borgere.<any(csv, xlsx):fmt>")
def statistics_citizens(code: int, fmt: str):
    """Utilisation per citizen: personal data, so grant officers only (managers are stopped by the guard), and every
    citizen in the file gets an audit event they can see in their own look-up log."""
    municipality = _own_municipality(code)
    period = PeriodForm(request.args).period()
    if period is None:
        abort(400)
    on = utilisation_day(period)
    rows = utilisation_per_citizen(on, municipality.id)
    table = StatTable("citizens", _("Utilisation per citizen on %(day)s", day=on.isoformat()),
                      [_("Citizen"), _("CPR number (masked)"), _("Grant lines"), _("Packs granted"), _("Packs used"),
                       _("Fullest line (%)"), _("Spend"), _("Over the grant"), _("Under 50 %")],
                      [[r.name, r.cpr_masked, r.lines, r.granted, r.used, r.highest_pct, Money(r.used_oere), r.over,
                        r.under_half] for r in rows])
    detail = f"{fmt}; utilisation on {on.isoformat()}; {len(rows)} citizens"
    purpose = "Statistics: utilisation per citizen (export)"
    for r in rows:
        record(current_user, "export", purpose, citizen=_CitizenRef(r.citizen_id), detail=detail)
    record(current_user, "export", purpose, detail=detail)
    return _file([table], f"udnyttelse-{municipality.code}-{on.isoformat()}", fmt)


class _CitizenRef:
    """Enough of a citizen for audit.record (it reads only the id): no need to load every citizen row."""

    def __init__(self, citizen_id: int):
        self.id = citizen_id


def _reports_page(municipality: Municipality, form: ReportMonthForm | None, status: int = 200, queue_down: bool = False):
    may_start = current_user.role is Role.GRANT_OFFICER  # managers read; the grant officer may have a month made again
    return render_template("municipal_portal/statistics_reports.html", municipality=municipality,
                           reports=reports_of(municipality.id), form=form if may_start else None,
                           runs=report_jobs.municipality_runs(municipality.code) if may_start else [],
                           queue_down=queue_down), status


@bp.route("/statistik/<int:code>/rapporter")
def statistics_reports(code: int):
    return _reports_page(_own_municipality(code), ReportMonthForm())


@bp.route("/statistik/<int:code>/rapporter/lav", methods=["POST"])
def statistics_report_start(code: int):
    """Make (or make again) the municipality's report for a month, as a background job."""
    municipality = _own_municipality(code)
    form = ReportMonthForm()
    if not form.validate_on_submit():
        return _reports_page(municipality, form, 400)
    run = jobruns.start_from_form(
        form, lambda: report_jobs.start(parse_month(form.month.data), by=current_user, code=municipality.code),
        refusals=(PeriodError, ReportError))
    if isinstance(run, jobruns.Refusal):
        return _reports_page(municipality, form, run.status, queue_down=run.queue_down)
    return redirect(url_for("municipal_portal.statistics_report_run", code=code, run_id=run.id))


def _own_run(municipality: Municipality, run_id: int):
    run = report_jobs.municipality_run(run_id, municipality.code)
    if run is None:
        abort(404)
    return run


@bp.route("/statistik/<int:code>/rapporter/koersel/<int:run_id>")
def statistics_report_run(code: int, run_id: int):
    municipality = _own_municipality(code)
    run, queue_down = _own_run(municipality, run_id), False
    try:
        jobruns.reconcile(run)
    except jobs.QueueUnavailable:  # raised before reconcile changes anything; the 503 keeps nothing anyway
        run, queue_down = _own_run(municipality, run_id), True
    return render_template("municipal_portal/statistics_report_run.html", municipality=municipality, run=run,
                           queue_down=queue_down), 503 if queue_down else 200


@bp.route("/statistik/<int:code>/rapporter/koersel/<int:run_id>/igen", methods=["POST"])
def statistics_report_retry(code: int, run_id: int):
    municipality = _own_municipality(code)
    run = _own_run(municipality, run_id)
    try:
        jobruns.retry(run, by=current_user)
    except jobruns.AlreadyRunning as exc:
        transaction.discard()
        flash(exc.errors["month"], "error")
    except jobruns.QueueUnavailable:
        return render_template("municipal_portal/statistics_report_run.html", municipality=municipality,
                               run=_own_run(municipality, run_id), queue_down=True), 503
    except DomainError as exc:
        transaction.discard()
        flash(str(exc), "error")
    return redirect(url_for("municipal_portal.statistics_report_run", code=code, run_id=run_id))


@bp.route("/statistik/<int:code>/rapporter/<int:report_id>.<any(pdf, csv):kind>")
def statistics_report_document(code: int, report_id: int, kind: str):
    municipality = _own_municipality(code)
    report = report_of(municipality.id, report_id)
    if report is None:
        abort(404)
    if kind == "pdf":
        return _download(report.pdf, report.filename("pdf"), "application/pdf")
    return _download(report.csv, report.filename("csv"), export.CSV_MEDIA_TYPE)
