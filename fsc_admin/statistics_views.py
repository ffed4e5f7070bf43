"""The FSC's statistics overview: every municipality side by side for a period, with regional and national totals."""
from __future__ import annotations

from flask import Response, abort, render_template, request, url_for

from fsc_admin import bp
from stomi_app.statistics import export
from stomi_app.statistics.dashboard import fsc_overview
from stomi_app.statistics.forms import PeriodForm
from stomi_app.statistics.tables import format_cell, is_numeric

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
