"""The FSC administrator's invoicing: month totals, the run, invoices and credit notes, fee periods, allocation."""
from __future__ import annotations

from dataclasses import replace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import select

from fsc_admin.blueprint import bp
from fsc_admin.invoicing_forms import AllocationForm, BulkForm, CreditForm, FeeForm, RunForm
from invoicing.bulk import mark_month_sent, month_invoices, month_zip
from invoicing.allocation import allocate, allocations, key_day, save_allocation
from invoicing.charges import percent_label, vat_breakdown
from invoicing.fees import (
    DEFAULT_FEES, FeeAmounts, InvoicingError, add_schedule, change_schedule, delete_schedule, month_end, parse_month,
    schedules, used_by,
)
from invoicing.models import FeeSchedule, Invoice
from invoicing import jobs as invoice_jobs
from invoicing.run import credit_invoice, credit_note_for, mark_sent, month_totals
from invoicing.web import document_response
from stomi_app import jobruns, jobs
from stomi_app import transaction
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.forms import apply_errors_or_flash
from stomi_app.models import Region
from stomi_app.money import input_text
from stomi_app.timeutil import local_today


def _form_error(form, exc: InvoicingError) -> None:
    apply_errors_or_flash(form, exc.errors)


def _invoicing_page(form: RunForm, status: int = 200, queue_down: bool = False):
    return render_template("fsc_admin/invoicing.html", totals=month_totals(), invoices=[], chosen=None, form=form,
                           bulk=None, runs=jobruns.latest_runs(invoice_jobs.KIND), queue_down=queue_down), status


def _month_page(chosen: str | None, bulk: BulkForm | None = None, status: int = 200):
    totals = month_totals()
    chosen = chosen or (totals[0].month.strftime("%Y-%m") if totals else None)
    invoices = []
    if chosen:
        try:
            month = parse_month(chosen)
        except InvoicingError:
            abort(404)
        invoices = month_invoices(month)
    if bulk is None:
        bulk = BulkForm(formdata=None, month=chosen)
    return render_template("fsc_admin/invoicing.html", totals=totals, invoices=invoices, chosen=chosen,
                           form=RunForm(month=request.args.get("run_month", "")), bulk=bulk,
                           runs=jobruns.latest_runs(invoice_jobs.KIND), queue_down=False), status


@bp.route("/fakturering")
def invoicing():
    return _month_page(request.args.get("month"))


@bp.route("/fakturering/maaned", methods=["POST"])
def invoices_bulk():
    """The month's ticked invoices (or all of it): marked sent in one step, or their documents as one ZIP."""
    form = BulkForm()
    try:
        month = parse_month(form.month.data or "")
    except InvoicingError:
        abort(404)
    chosen = month.strftime("%Y-%m")
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in {"sent", "zip"}:
        return _month_page(chosen, form, 400)
    ids, everything = form.invoices.data or [], bool(form.all_of_month.data)
    try:
        if action == "zip":
            name, content = month_zip(month, ids, all_of_month=everything, by=current_user)
        else:
            result = mark_month_sent(month, ids, all_of_month=everything, by=current_user)
    except InvoicingError as exc:
        _form_error(form, exc)
        return _month_page(chosen, form, 400)
    if action == "zip":
        return Response(content, mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if result.marked:
        flash(ngettext("%(num)d invoice marked as sent: %(numbers)s.", "%(num)d invoices marked as sent: %(numbers)s.",
                       len(result.marked), numbers=", ".join(str(i.number) for i in result.marked)), "success")
    if result.already_sent:
        flash(ngettext("%(num)d was sent before and was left as it was: %(numbers)s.",
                       "%(num)d were sent before and were left as they were: %(numbers)s.",
                       len(result.already_sent), numbers=", ".join(str(i.number) for i in result.already_sent)),
              "info")
    return redirect(url_for("fsc_admin.invoicing", month=chosen))


@bp.route("/fakturering/koersel", methods=["POST"])
def invoice_run():
    """Queue the month's run for a worker and show its progress page; the run itself is invoicing.jobs."""
    form = RunForm()
    if not form.validate_on_submit():
        return _invoicing_page(form, 400)
    run = jobruns.start_from_form(form, lambda: invoice_jobs.start(parse_month(form.month.data), by=current_user),
                                  refusals=(InvoicingError,))
    if isinstance(run, jobruns.Refusal):
        if run.running is not None:
            flash(_("The run for %(month)s started %(when)s is still going: follow it on its progress page.",
                    month=run.running.key, when=format_datetime(run.running.created_at, "d. MMM y HH:mm")), "warning")
        return _invoicing_page(form, run.status, queue_down=run.queue_down)
    return redirect(url_for("fsc_admin.invoice_run_progress", run_id=run.id))


@bp.route("/fakturering/koersel/<int:run_id>")
def invoice_run_progress(run_id: int):
    run, queue_down = jobruns.run_or_404(invoice_jobs.KIND, run_id), False
    try:
        jobruns.reconcile(run)
    except jobs.QueueUnavailable:
        run, queue_down = jobruns.run_or_404(invoice_jobs.KIND, run_id), True
    return render_template("fsc_admin/invoice_run.html", run=run, queue_down=queue_down), 503 if queue_down else 200


@bp.route("/fakturering/koersel/<int:run_id>/igen", methods=["POST"])
def invoice_run_retry(run_id: int):
    run = jobruns.run_or_404(invoice_jobs.KIND, run_id)
    try:
        run = jobruns.retry(run, by=current_user)
    except jobruns.AlreadyRunning as exc:
        transaction.discard()
        flash(exc.errors["month"], "error")
        if exc.run is not None:
            return redirect(url_for("fsc_admin.invoice_run_progress", run_id=exc.run.id))
    except jobruns.QueueUnavailable:
        return render_template("fsc_admin/invoice_run.html", run=jobruns.run_or_404(invoice_jobs.KIND, run_id), queue_down=True), 503
    except DomainError as exc:
        transaction.discard()
        flash(str(exc), "error")
    return redirect(url_for("fsc_admin.invoice_run_progress", run_id=run_id))


def _invoice_or_404(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


@bp.route("/fakturering/<int:invoice_id>")
def invoice_detail(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    return render_template("fsc_admin/invoice.html", invoice=invoice, breakdown=vat_breakdown(invoice.lines),
                           credit_note=credit_note_for(invoice), credit_form=CreditForm())


@bp.route("/fakturering/<int:invoice_id>/sendt", methods=["POST"])
def invoice_mark_sent(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    mark_sent(invoice, by=current_user)
    flash(_("Marked as sent."), "success")
    return redirect(url_for("fsc_admin.invoice_detail", invoice_id=invoice.id))


@bp.route("/fakturering/<int:invoice_id>/krediter", methods=["POST"])
def invoice_credit(invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    form = CreditForm()
    if form.validate_on_submit():
        try:
            note = credit_invoice(invoice.number, reason=form.reason.data, by=current_user)
        except InvoicingError as exc:
            _form_error(form, exc)
        else:
            flash(_("Credit note %(number)s issued. Run the month again to issue the corrected invoice.",
                    number=note.number), "success")
            return redirect(url_for("fsc_admin.invoice_detail", invoice_id=note.id))
    return render_template("fsc_admin/invoice.html", invoice=invoice, breakdown=vat_breakdown(invoice.lines),
                           credit_note=credit_note_for(invoice), credit_form=form), 400


@bp.route("/fakturering/<int:invoice_id>/dokument/<kind>")
def invoice_document(invoice_id: int, kind: str):
    return document_response(_invoice_or_404(invoice_id), kind)


def _amounts(form: FeeForm) -> FeeAmounts:
    """The validated form's amounts (its AmountFields have read them into øre, the percentage into basis points)."""
    return replace(DEFAULT_FEES, cutting_fee_oere=form.cutting.oere, delivery_fee_oere=form.delivery.oere,
                   express_delivery_fee_oere=form.express.oere, warehouse_fee_oere=form.warehouse.oere,
                   admin_fee_basis_points=form.admin_pct.oere, citizen_fee_yearly_oere=form.citizen_yearly.oere)


# The service names a fee by its column; the form by its field.
_FEE_FIELDS = {"month": "valid_from", "cutting_fee_oere": "cutting", "delivery_fee_oere": "delivery",
               "express_delivery_fee_oere": "express", "warehouse_fee_oere": "warehouse",
               "admin_fee_basis_points": "admin_pct", "citizen_fee_yearly_oere": "citizen_yearly"}


def _fill(form: FeeForm, base) -> None:
    form.cutting.data, form.delivery.data = input_text(base.cutting_fee_oere), input_text(base.delivery_fee_oere)
    form.express.data, form.warehouse.data = input_text(base.express_delivery_fee_oere), input_text(base.warehouse_fee_oere)
    form.admin_pct.data = input_text(base.admin_fee_basis_points)  # basis points print as a percentage: 500 → 5,00
    form.citizen_yearly.data = input_text(base.citizen_fee_yearly_oere)


def _months(form: FeeForm):
    start = parse_month(form.valid_from.data)
    return start, (month_end(parse_month(form.valid_to.data)) if form.valid_to.data else None)


def _fee_page(form: FeeForm, editing: FeeSchedule | None = None, refused: bool = False):
    status = 400 if form.errors or refused else 200
    listed = schedules()
    used = {s.id: used_by(s) for s in listed}  # a handful of periods: one small query each
    return render_template("fsc_admin/fees.html", form=form, schedules=listed, used=used, editing=editing,
                           percent_label=percent_label), status


@bp.route("/gebyrer", methods=["GET", "POST"])
def fees():
    form, refused = FeeForm(), False
    if request.method == "GET":
        current = schedules()[0] if schedules() else None
        _fill(form, current or DEFAULT_FEES)
    elif form.validate_on_submit():
        try:
            start, end = _months(form)
            add_schedule(valid_from=start, valid_to=end, amounts=_amounts(form), by=current_user, note=form.note.data)
        except InvoicingError as exc:
            exc.field = _FEE_FIELDS.get(exc.field, exc.field)
            _form_error(form, exc)
            refused = True  # a refusal that names no field of the form is flashed: the answer is still 400
        else:
            flash(_("The fee period was added."), "success")
            return redirect(url_for("fsc_admin.fees"))
    return _fee_page(form, refused=refused)


def _schedule_or_404(schedule_id: int) -> FeeSchedule:
    schedule = db.session.get(FeeSchedule, schedule_id)
    if schedule is None:
        abort(404)
    return schedule


@bp.route("/gebyrer/<int:schedule_id>/ret", methods=["GET", "POST"])
def fee_edit(schedule_id: int):
    schedule = _schedule_or_404(schedule_id)
    form, refused = FeeForm(), False
    if request.method == "GET":
        _fill(form, schedule)
        form.valid_from.data = schedule.valid_from.strftime("%Y-%m")
        form.valid_to.data = schedule.valid_to.strftime("%Y-%m") if schedule.valid_to else ""
        form.note.data = schedule.note
    elif form.validate_on_submit():
        try:
            start, end = _months(form)
            change_schedule(schedule, valid_from=start, valid_to=end, amounts=replace(_amounts(form),
                            vat_rate_pct=schedule.vat_rate_pct), note=form.note.data)
        except InvoicingError as exc:
            exc.field = _FEE_FIELDS.get(exc.field, exc.field)
            _form_error(form, exc)
            refused = True  # a frozen period's refusal names no field: it is flashed, and the answer is still 400
        else:
            flash(_("The fee period was changed."), "success")
            return redirect(url_for("fsc_admin.fees"))
    return _fee_page(form, editing=schedule, refused=refused)


@bp.route("/gebyrer/<int:schedule_id>/slet", methods=["POST"])
def fee_delete(schedule_id: int):
    schedule = _schedule_or_404(schedule_id)
    try:
        delete_schedule(schedule)
    except InvoicingError as exc:
        transaction.discard()
        flash(str(exc), "error")
    else:
        flash(_("The fee period was deleted."), "success")
    return redirect(url_for("fsc_admin.fees"))


@bp.route("/fordeling", methods=["GET", "POST"])
def allocation():
    form = AllocationForm()
    regions = list(db.session.scalars(select(Region).order_by(Region.code)))
    form.region.choices = [(0, _("All regions"))] + [(r.id, r.name) for r in regions]
    result, refused = None, False
    if form.validate_on_submit():
        try:
            amount = form.amount.oere
            month = parse_month(form.month.data) if form.month.data else None
            region = db.session.get(Region, form.region.data) if form.region.data else None
            result = allocate(amount, key=form.key.data, region_pct=form.region_pct.data, region=region,
                              on=key_day(month, local_today()))
            if request.form.get("action") == "save":
                if month is None:
                    raise InvoicingError(_("Choose the month whose invoices get the shares."), "month")
                save_allocation(result, description=form.description.data, month=month, region=region, by=current_user)
                flash(_("The allocation was saved: the shares go on the invoices for %(month)s.",
                        month=month.strftime("%Y-%m")), "success")
                return redirect(url_for("fsc_admin.allocation"))
        except InvoicingError as exc:
            _form_error(form, exc)
            refused = True  # a refusal that names no field of the form is flashed: the answer is still 400
    status = 400 if form.errors or refused else 200
    return render_template("fsc_admin/allocation.html", form=form, result=result, saved=allocations()), status
