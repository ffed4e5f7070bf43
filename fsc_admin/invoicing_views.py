"""The FSC administrator's invoicing: month totals, the run, invoices and credit notes, fee periods, allocation."""
from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fsc_admin import bp
from fsc_admin.invoicing_forms import AllocationForm, CreditForm, FeeForm, RunForm
from invoicing.allocation import allocate, allocations, key_day, save_allocation
from invoicing.charges import percent_label, vat_breakdown
from invoicing.fees import DEFAULT_FEES, FeeAmounts, InvoicingError, add_schedule, month_end, parse_month, schedules
from invoicing.models import Invoice
from invoicing.run import credit_invoice, credit_note_for, mark_sent, month_totals, run_month
from invoicing.web import document_response
from stomi_app.extensions import db
from stomi_app.models import Region
from stomi_app.money import input_text
from stomi_app.timeutil import local_today


def _form_error(form, exc: InvoicingError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(str(exc), "error")


@bp.route("/fakturering")
def invoicing():
    totals = month_totals()
    chosen = request.args.get("month") or (totals[0].month.strftime("%Y-%m") if totals else None)
    invoices = []
    if chosen:
        try:
            month = parse_month(chosen)
        except InvoicingError:
            abort(404)
        invoices = list(db.session.scalars(
            select(Invoice).where(Invoice.period_start == month).options(selectinload(Invoice.municipality))
            .order_by(Invoice.number)))
    return render_template("fsc_admin/invoicing.html", totals=totals, invoices=invoices, chosen=chosen,
                           form=RunForm(month=request.args.get("run_month", "")))


@bp.route("/fakturering/koersel", methods=["POST"])
def invoice_run():
    form = RunForm()
    if form.validate_on_submit():
        try:
            result = run_month(parse_month(form.month.data), by=current_user)
        except InvoicingError as exc:
            _form_error(form, exc)
        else:
            flash(_("%(issued)s invoices issued, %(already)s already issued, %(errors)s stopped.",
                    issued=len(result.issued), already=sum(1 for r in result.results if r.status == "already"),
                    errors=len(result.errors)), "error" if result.errors else "success")
            for failed in result.errors:
                flash(f"{failed.name}: {failed.message}", "error")
            return redirect(url_for("fsc_admin.invoicing", month=form.month.data.strip()))
    return render_template("fsc_admin/invoicing.html", totals=month_totals(), invoices=[], chosen=None, form=form), 400


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
    db.session.commit()
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
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
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


@bp.route("/gebyrer", methods=["GET", "POST"])
def fees():
    form = FeeForm()
    if request.method == "GET":
        current = schedules()[0] if schedules() else None
        base = current or DEFAULT_FEES
        form.cutting.data, form.delivery.data = input_text(base.cutting_fee_oere), input_text(base.delivery_fee_oere)
        form.express.data, form.warehouse.data = input_text(base.express_delivery_fee_oere), input_text(base.warehouse_fee_oere)
        form.admin_pct.data = input_text(base.admin_fee_basis_points)  # basis points print as a percentage: 500 → 5,00
        form.citizen_yearly.data = input_text(base.citizen_fee_yearly_oere)
    elif form.validate_on_submit():
        try:
            start = parse_month(form.valid_from.data)
            end = month_end(parse_month(form.valid_to.data)) if form.valid_to.data else None
            add_schedule(valid_from=start, valid_to=end, amounts=_amounts(form), by=current_user, note=form.note.data)
        except InvoicingError as exc:
            db.session.rollback()
            exc.field = {"month": "valid_from"}.get(exc.field, exc.field)
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The fee period was added."), "success")
            return redirect(url_for("fsc_admin.fees"))
    status = 400 if form.errors else 200
    return render_template("fsc_admin/fees.html", form=form, schedules=schedules(), percent_label=percent_label), status


@bp.route("/fordeling", methods=["GET", "POST"])
def allocation():
    form = AllocationForm()
    regions = list(db.session.scalars(select(Region).order_by(Region.code)))
    form.region.choices = [(0, _("All regions"))] + [(r.id, r.name) for r in regions]
    result = None
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
                db.session.commit()
                flash(_("The allocation was saved: the shares go on the invoices for %(month)s.",
                        month=month.strftime("%Y-%m")), "success")
                return redirect(url_for("fsc_admin.allocation"))
        except InvoicingError as exc:
            db.session.rollback()
            _form_error(form, exc)
    status = 400 if form.errors else 200
    return render_template("fsc_admin/allocation.html", form=form, result=result, saved=allocations()), status
