"""The nurse's task pages: decide orders, product changes, supplier reviews, cutting problems, discharge proposals; advice."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalogue.models import SupplierChangeReview
from nurse_console.blueprint import bp
from nurse_console.forms import (
    AnswerForm, OrderDecisionForm, ProblemForm, ProductChangeDecisionForm, ProposalDecisionForm, ReviewForm,
)
from stomi_app import audit
from care import approvals
from care import discharge
from care import nursing
from ordering import services as ordering
from stomi_app import transaction
from stomi_app.forms import apply_errors
from grants.services import consumption
from stomi_app.i18n import lazy_gettext as _l
from care.models import AdviceQuestion, ProductChangeRequest, TaskKind
from citizens.clinical import CuttingMeasure
from ordering.models import Order
from stomi_app.timeutil import local_today
from stomi_app.userinput import record_id

# The routing reasons in a nurse's words (the citizen's own wording speaks to "you").
ROUTING = {
    "within_grant": _l("Within the grant"),
    "not_granted": _l("Not in the grant"),
    "grant_expired": _l("The grant has expired"),
    "over_grant": _l("Beyond what is left of the grant this period"),
    "over_price_ceiling": _l("Above the grant's price ceiling"),
    "over_order_limit": _l("More than the largest quantity in one order"),
    "express_beyond_grant": _l("Express delivery beyond the grant"),
    "too_soon": _l("Sooner than usual after the last order"),
}


def _record_or_404(model, ref_id: int):
    record = nursing.visible(current_user, model, ref_id)
    if record is None:
        abort(404)
    return record


def _claim_context(kind: TaskKind, record) -> dict:
    task = nursing.open_task(current_user, kind, record.id)
    return {"task": task, "claim": task.claim if task else None, "kind": kind.value, "ref_id": record.id}


def _decide(form, act, success: str):
    """Run a decision, then back to the queue (the request commits it); or (None, the messages that belong to no form
    field) with the others put next to their fields."""
    try:
        act()
    except nursing.NursingError as exc:
        transaction.discard()  # the page is answered 422 but keeps its audited read (`_read`): not the refused decision
        return None, apply_errors(form, exc.errors)
    flash(success, "success")
    return redirect(url_for("nurse_console.tasks")), {}


def _read(record, citizen, purpose: str, what: str) -> None:
    # The purpose is a literal at each call, so the citizen's label table (stomi_app.labels) can be checked to cover it.
    audit.record(current_user, "read", purpose, citizen, detail=f"{what} {record.id}")
    transaction.keep()  # the nurse read the record also when the page answers a refused decision with 422


# --- orders ---------------------------------------------------------------------------------------

@bp.route("/ordre/<int:ref_id>", methods=["GET", "POST"])
def order_task(ref_id: int):
    order = _record_or_404(Order, ref_id)
    form = OrderDecisionForm()
    beyond = [line for line in order.lines if line.routing != "within_grant"]
    quantities = {line.variant_id: request.form.get(f"qty-{line.variant_id}", line.quantity) for line in beyond}
    errors = {}
    if form.validate_on_submit():
        def act():
            if form.decision.data == "reject":
                approvals.reject_order(current_user, order, reason=form.reason.data)
            else:
                approvals.approve_order(current_user, order, reason=form.reason.data, recommend=form.decision.data == "recommend",
                                        quantities=quantities, note=form.note.data)
        success = (_("Order %(number)s is rejected. The citizen can read why.", number=order.number)
                   if form.decision.data == "reject" else _("Order %(number)s is approved.", number=order.number))
        done, errors = _decide(form, act, success)
        if done is not None:
            return done
    _read(order, order.citizen, "nurse: order", "order")
    return render_template(
        "nurse_console/order_task.html", order=order, form=form, beyond=beyond, quantities=quantities, errors=errors,
        routing=ROUTING, order_reasons=ordering.order_reasons_of(order),
        uses=consumption(order.citizen_id, ordering.counting_day(order)),  # the period the order counts in
        **_claim_context(TaskKind.ORDER, order),
    ), _status()


def _status() -> int:
    return 422 if request.method == "POST" else 200


# --- product change -------------------------------------------------------------------------------

@bp.route("/produktskift/<int:ref_id>", methods=["GET", "POST"])
def product_change_task(ref_id: int):
    change = _record_or_404(ProductChangeRequest, ref_id)
    form = ProductChangeDecisionForm()
    errors = {}
    if form.validate_on_submit():
        if form.decision.data == "reject":
            done, errors = _decide(form, lambda: approvals.reject_product_change(current_user, change, reason=form.reason.data),
                                   _("The product change is rejected. The citizen can read why."))
        else:
            done, errors = _decide(form, lambda: approvals.approve_product_change(current_user, change, reason=form.reason.data,
                                                                                  quantity=form.quantity.data),
                                   _("The product change is approved."))
        if done is not None:
            return done
    _read(change, change.citizen, "nurse: product change", "product change")
    return render_template("nurse_console/product_change_task.html", change=change, form=form, errors=errors,
                           uses=consumption(change.citizen_id, local_today()),
                           **_claim_context(TaskKind.PRODUCT_CHANGE, change)), _status()


# --- advice ---------------------------------------------------------------------------------------

@bp.route("/raad/<int:ref_id>", methods=["GET", "POST"])
def advice_task(ref_id: int):
    question = _record_or_404(AdviceQuestion, ref_id)
    form = AnswerForm()
    errors = {}
    if form.validate_on_submit():
        if request.form.get("action") == "close":
            done, errors = _decide(form, lambda: nursing.close_advice(current_user, question), _("The conversation is closed."))
        else:
            done, errors = _decide(form, lambda: nursing.answer_advice(current_user, question, form.text.data),
                                   _("Your answer is sent. The citizen is told on their start page."))
        if done is not None:
            return done
    _read(question, question.citizen, "nurse: advice", "advice")
    return render_template("nurse_console/advice_task.html", question=question, form=form, errors=errors,
                           measure=ordering.current_measure(question.citizen_id),
                           **_claim_context(TaskKind.ADVICE, question)), _status()


# --- cutting measure: confirmed on the profile ----------------------------------------------------

@bp.route("/maal/<int:ref_id>")
def measure_task(ref_id: int):
    measure = _record_or_404(CuttingMeasure, ref_id)
    return redirect(url_for("nurse_console.profile", citizen_id=measure.citizen_id, _anchor="measure"))


# --- supplier change ------------------------------------------------------------------------------

@bp.route("/leverandoerskift/<int:ref_id>", methods=["GET", "POST"])
def review_task(ref_id: int):
    review = _record_or_404(SupplierChangeReview, ref_id)
    citizen = nursing.visible_citizen(current_user, review.citizen_id)
    form = ReviewForm()
    form.successor.choices = [(str(v.id), v.display_name) for v in review.suggested_variants]
    errors = {}
    if form.validate_on_submit():
        successor = record_id(form.successor.data)
        done, errors = _decide(
            form, lambda: approvals.decide_supplier_review(current_user, review, successor_id=successor, note=form.note.data),
            _("The supplier-change review is done."))
        if done is not None:
            return done
    _read(review, citizen, "nurse: supplier review", "supplier review")
    # The successor is cut to the citizen's measure: the nurse sees it, and which suggestions can be cut to it.
    measure = ordering.current_measure(review.citizen_id)
    fits = {v.id: ordering.measure_fits(measure.cut, v) for v in review.suggested_variants if measure and v.is_cut_to_fit}
    return render_template("nurse_console/review_task.html", review=review, citizen=citizen, form=form, errors=errors,
                           uses=consumption(review.citizen_id, local_today()), measure=measure, fits=fits,
                           **_claim_context(TaskKind.SUPPLIER_REVIEW, review)), _status()


# --- delivery problem about cutting ---------------------------------------------------------------

@bp.route("/leveringsproblem/<int:ref_id>", methods=["GET", "POST"])
def problem_task(ref_id: int):
    problem = nursing.visible_problem(current_user, ref_id)
    if problem is None:
        abort(404)
    form = ProblemForm()
    errors = {}
    if form.validate_on_submit():
        done, errors = _decide(form, lambda: nursing.resolve_cutting_problem(current_user, problem, form.note.data),
                               _("The cutting problem is handled."))
        if done is not None:
            return done
    citizen = problem.order.citizen
    _read(problem, citizen, "nurse: cutting problem", "cutting problem")
    return render_template("nurse_console/problem_task.html", problem=problem, citizen=citizen, form=form, errors=errors,
                           measure=ordering.current_measure(citizen.id),
                           **_claim_context(TaskKind.CUTTING_PROBLEM, problem)), _status()


# --- what a discharge proposed for a registered citizen -------------------------------------------

@bp.route("/udskrivelsesforslag/<int:ref_id>", methods=["GET", "POST"])
def proposal_task(ref_id: int):
    # Only the citizen's own care opens it (not the proposing nurse, nor one who sees the citizen by a handover).
    task = nursing.open_task(current_user, TaskKind.DISCHARGE_PROPOSAL, ref_id)
    if task is None:
        abort(404)
    proposal = task.record
    form = ProposalDecisionForm()
    errors = {}
    if form.validate_on_submit():
        accept = form.decision.data == "accept"
        done, errors = _decide(form, lambda: discharge.decide_proposal(current_user, proposal, accept=accept, note=form.note.data),
                               _("The changes are accepted: the profile is updated.") if accept
                               else _("The changes are declined: the profile stays as it is."))
        if done is not None:
            return done
    _read(proposal, proposal.citizen, "nurse: discharge proposal", "discharge proposal")
    return render_template("nurse_console/proposal_task.html", proposal=proposal, form=form, errors=errors,
                           measure=ordering.current_measure(proposal.citizen_id),
                           **_claim_context(TaskKind.DISCHARGE_PROPOSAL, proposal)), _status()
