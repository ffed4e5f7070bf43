"""The FSC's statistics overview: every municipality side by side for a period, with regional and national totals."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fsc_admin.blueprint import bp
from fsc_admin.invoicing_forms import RunForm
from stomi_app import jobruns, jobs
from stomi_app import transaction
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from usage_statistics.models import StatisticsReport
from usage_statistics import export, jobs as report_jobs
from usage_statistics.period import PeriodError, parse_month
from usage_statistics.report import ReportError, month_reports
from usage_statistics.dashboard import fsc_overview
from usage_statistics.forms import PeriodForm
from usage_statistics.tables import format_cell, is_numeric

bp.add_app_template_global(format_cell, "format_cell")
bp.add_app_template_global(is_numeric, "is_numeric")


@bp.route("/statistik")
def statistics_overview():
    form = PeriodForm(request.args)
    period = form.period()
    if period is None:
        return render_template("fsc_admin/statistics.html", form=form, overview=None), 422
    query = period.query_args()

    def export_url(key: str, fmt: str) -> str:
        return url_for("fsc_admin.statistics_export", key=key, fmt=fmt, **query)

    return render_template("fsc_admin/statistics.html", form=form, overview=fsc_overview(period),
                           export_url=export_url)


@bp.route("/statistik/eksport/<key>.<any(csv, xlsx):fmt>")
def statistics_export(key: str, fmt: str):
    period = PeriodForm(request.args).period()
    if period is None:
        abort(400)
    overview = fsc_overview(period)
    tables = {"municipalities": [overview.table], "totals": [overview.totals], "alle": [overview.table, overview.totals]}
    if key not in tables:
        abort(404)
    stem = f"statistik-alle-kommuner-{period.key}-{key}"
    if fmt == "xlsx":
        content, name, media = export.to_xlsx(tables[key]), f"{stem}.xlsx", export.XLSX_MEDIA_TYPE
    else:
        content, name, media = export.to_csv(tables[key]), f"{stem}.csv", export.CSV_MEDIA_TYPE
    return Response(content, mimetype=media.split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Content-Type": media})


def _reports_page(form: RunForm, status: int = 200, queue_down: bool = False):
    return render_template("fsc_admin/statistics_reports.html", form=form, runs=report_jobs.all_municipality_runs(),
                           queue_down=queue_down), status


@bp.route("/statistik/rapporter", methods=["GET", "POST"])
def statistics_reports():
    """Make the monthly report for every municipality: queued for a worker, followed on its progress page."""
    form = RunForm()
    if request.method == "GET":
        return _reports_page(form)
    if not form.validate_on_submit():
        return _reports_page(form, 400)
    run = jobruns.start_from_form(form, lambda: report_jobs.start(parse_month(form.month.data), by=current_user),
                                  refusals=(PeriodError, ReportError))
    if isinstance(run, jobruns.Refusal):
        return _reports_page(form, run.status, queue_down=run.queue_down)
    return redirect(url_for("fsc_admin.statistics_report_run", run_id=run.id))


def _run_page(run, queue_down: bool):
    reports = (month_reports(parse_month(run.summary["month"]))
               if run.status.value == "finished" and run.summary and run.summary.get("code") is None else [])
    return render_template("fsc_admin/statistics_report_run.html", run=run, reports=reports,
                           queue_down=queue_down), 503 if queue_down else 200


@bp.route("/statistik/rapporter/koersel/<int:run_id>")
def statistics_report_run(run_id: int):
    run, queue_down = jobruns.run_or_404(report_jobs.KIND, run_id), False
    try:
        jobruns.reconcile(run)
    except jobs.QueueUnavailable:
        run, queue_down = jobruns.run_or_404(report_jobs.KIND, run_id), True
    return _run_page(run, queue_down)


@bp.route("/statistik/rapporter/koersel/<int:run_id>/igen", methods=["POST"])
def statistics_report_retry(run_id: int):
    run = jobruns.run_or_404(report_jobs.KIND, run_id)
    try:
        jobruns.retry(run, by=current_user)
    except jobruns.AlreadyRunning as exc:
        transaction.discard()
        flash(exc.errors["month"], "error")
        if exc.run is not None:
            return redirect(url_for("fsc_admin.statistics_report_run", run_id=exc.run.id))
    except jobruns.QueueUnavailable:
        return _run_page(jobruns.run_or_404(report_jobs.KIND, run_id), True)
    except DomainError as exc:
        transaction.discard()
        flash(str(exc), "error")
    return redirect(url_for("fsc_admin.statistics_report_run", run_id=run_id))


@bp.route("/statistik/rapporter/<int:report_id>.<any(pdf, csv):kind>")
def statistics_report_document(report_id: int, kind: str):
    report = db.session.get(StatisticsReport, report_id)
    if report is None:
        abort(404)
    content = report.pdf if kind == "pdf" else report.csv
    media = "application/pdf" if kind == "pdf" else export.CSV_MEDIA_TYPE
    return Response(content, mimetype=media.split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{report.filename(kind)}"', "Content-Type": media})
