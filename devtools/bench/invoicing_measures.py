"""The invoice run's measures for the bench: its page rate against reportlab's raw rate, time and peak memory."""
from __future__ import annotations

import re
import time
import tracemalloc
from datetime import date
from io import BytesIO

from sqlalchemy import func, select

PAGE = re.compile(rb"/Type /Page[^s]")


def reportlab_raw_pages_per_second(documents: int = 20, rows: int = 120) -> float:
    """The ceiling: reportlab alone building invoice-sized documents (one table of lines each), nothing else."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table

    table_rows = [[str(i), "ART-00000", "Et produktnavn af typisk længde, 30 stk.", "3", "450,00 kr.", "25 %",
                   "1.350,00 kr."] for i in range(rows)]
    started, made = time.perf_counter(), 0
    for _ in range(documents):
        buffer = BytesIO()
        SimpleDocTemplate(buffer, pagesize=A4).build([Table(table_rows, repeatRows=1)])
        made += len(PAGE.findall(buffer.getvalue()))
    return made / (time.perf_counter() - started)


def _uninvoiced_month(before: date) -> date:
    """The newest month before `before` that has no invoice yet (each memory run takes a fresh month)."""
    from invoicing.models import Invoice
    from stomi_app.extensions import db
    from stomi_app.timeutil import add_months

    invoiced = set(db.session.scalars(select(Invoice.period_start).distinct()))
    month = add_months(before, -1)
    while month in invoiced:
        month = add_months(month, -1)
    return month


def measure_invoice_memory(app) -> dict:
    """Peak Python memory (tracemalloc) of an invoice run, at 1x and at 10x history.

    Kept apart from the timed run: tracemalloc slows Python several times over and would distort the page rate.
    """
    from invoicing.run import run_month
    from stomi_app.timeutil import add_months, local_today

    with app.app_context():
        month = _uninvoiced_month(add_months(local_today().replace(day=1), -2))
        tracemalloc.start()
        try:
            result = run_month(month)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return {"month": month.strftime("%Y-%m"), "invoices": len(result.issued), "peak_mb": round(peak / 2**20, 1)}


def _timed_run(month: date) -> dict:
    from invoicing.models import Invoice, InvoiceDocument, InvoiceLine
    from invoicing.run import run_month
    from stomi_app.extensions import db

    started = time.perf_counter()
    result = run_month(month)
    seconds = time.perf_counter() - started
    numbers = [r.number for r in result.issued]
    pages = sum(len(PAGE.findall(content)) for content in db.session.scalars(
        select(InvoiceDocument.content).join(Invoice).where(Invoice.number.in_(numbers), InvoiceDocument.kind == "pdf")))
    lines = db.session.scalar(select(func.count()).select_from(InvoiceLine).join(Invoice).where(Invoice.number.in_(numbers)))
    return {"month": month.strftime("%Y-%m"), "invoices": len(numbers), "lines": lines, "pdf_pages": pages,
            "seconds": round(seconds, 2), "pages_per_second": round(pages / seconds if seconds else 0.0, 1)}


def measure_invoice_run(app, tmp: str, repeats: int = 3) -> dict:
    """The invoice run for a month not yet invoiced, `repeats` times (the month before last, then older free months),
    each against reportlab's raw page rate measured right after it; the ratio is the median of the runs' ratios."""
    from stomi_app.timeutil import add_months, local_today

    with app.app_context():
        runs, month = [], add_months(local_today().replace(day=1), -2)
        for _ in range(repeats):
            run = _timed_run(month)
            run["reportlab_raw_pages_per_second"] = round(reportlab_raw_pages_per_second(), 1)
            run["ratio"] = round(run["pages_per_second"] / run["reportlab_raw_pages_per_second"], 3)
            runs.append(run)
            month = _uninvoiced_month(month)
        ratios = [r["ratio"] for r in runs]
        median_run = sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]
        return {
            "invoice_run": {**median_run, "ratio_min": min(ratios), "ratio_max": max(ratios), "runs": runs},
            "invoice_vs_reportlab_ratio": median_run["ratio"],
        }
