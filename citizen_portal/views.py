"""Views of the citizen portal: start page, ordering in steps, orders, cutting measure, problems."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from citizen_portal.blueprint import bp
from fulfilment.instructions import expected_delivery, tracking_url
from notices import services as notice_services
from notices.supply import supply_for
from citizen_portal.forms import MeasureForm
from ordering.forms import ProblemForm
from decisions import letters as decision_letters
from ordering import services as ordering
from stomi_app import transaction
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.forms import apply_errors
from grants.services import grants_in_force
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Citizen, Role
from ordering.models import DeliveryProblemKind, Order, OrderStatus
from ordering.models import OPEN_STATUSES
from ordering.steps import OrderActor, register_order_steps
from stomi_app.timeutil import local_today

restrict_blueprint(bp, Role.CITIZEN)

LETTER_LABELS = {"created": _l("Your grant"), "changed": _l("A change of your grant"), "ended": _l("Your grant ends"),
                 "end_withdrawn": _l("The ending of your grant is withdrawn")}


def _my_order(order_id: int) -> Order:
    """The citizen's own order; anybody else's id is a 404 (the query itself is scoped)."""
    order = db.session.scalar(select(Order).where(Order.id == order_id, Order.citizen_id == current_user.id))
    if order is None:
        abort(404)
    return order


@bp.route("/")
def start():
    today = local_today()
    open_orders = list(db.session.scalars(
        select(Order).where(Order.citizen_id == current_user.id, Order.status.in_(OPEN_STATUSES))
        .order_by(Order.submitted_at.desc())
    ))
    return render_template(
        "citizen_portal/start.html", citizen=current_user, orderables=ordering.orderable_for(current_user, today),
        measure=ordering.current_measure(current_user.id), open_orders=open_orders,
        last_order=ordering.last_order(current_user.id), draft=ordering.find_draft(current_user),
        has_grant=bool(grants_in_force([current_user.id], today)),
        supplies=[s for s in supply_for(current_user.id, today) if s.runs_out is not None and s.runs_out >= today],
        unread_notices=notice_services.unread_count(current_user.id),
    )


class CitizenOrdering(OrderActor):
    """The signed-in citizen orders for herself, her own drafts only."""

    templates = "citizen_portal"

    def citizen(self) -> Citizen:
        return current_user._get_current_object()


_order_steps = register_order_steps(bp, CitizenOrdering(), expected_delivery=expected_delivery)


def _already_sent(exc: ordering.DraftAlreadySent):
    return _order_steps.already_sent(exc)


@bp.route("/ordrer")
def orders():
    history = list(db.session.scalars(
        select(Order).where(Order.citizen_id == current_user.id, Order.status != OrderStatus.DRAFT)
        .order_by(Order.submitted_at.desc(), Order.id.desc()).limit(100)
    ))
    return render_template("citizen_portal/orders.html", orders=history)


@bp.route("/ordrer/<int:order_id>")
def order_detail(order_id: int):
    order = _my_order(order_id)
    if order.status is OrderStatus.DRAFT:
        return redirect(url_for(".order_check"))
    problems = ordering.problems_of(order)
    return render_template("citizen_portal/order_detail.html", order=order, just_sent=request.args.get("sent") == "1",
                           expected=expected_delivery(order), tracking=tracking_url(order), problems=problems,
                           problem_open=any(p.is_open for p in problems),
                           routing_reasons=ordering.ROUTING_REASONS, order_reasons=ordering.ORDER_REASONS,
                           order_level_reasons=ordering.order_reasons_of(order),
                           cancellable=ordering.cancellable(order), has_letter=decision_letters.has_order_letter(order))


@bp.route("/ordrer/<int:order_id>/annuller", methods=["GET", "POST"])
def order_cancel(order_id: int):
    """GET asks to confirm (a cancel is not undone, and one click on a phone is easily a mistake); POST cancels."""
    order = _my_order(order_id)
    if request.method == "GET":
        if not ordering.cancellable(order):
            return redirect(url_for(".order_detail", order_id=order.id))
        return render_template("ordering/cancel_confirm.html", order=order,
                               action=url_for(".order_cancel", order_id=order.id),
                               back=url_for(".order_detail", order_id=order.id))
    try:
        ordering.cancel(order, reason=_("Cancelled by the citizen"))
    except ordering.OrderError as exc:
        transaction.discard()
        flash(next(iter(exc.errors.values())), "error")
    else:
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for(".order_detail", order_id=order.id))


@bp.route("/ordrer/<int:order_id>/bestil-igen", methods=["POST"])
def order_again(order_id: int):
    previous = _my_order(order_id)
    try:
        ordering.reorder(previous)
    except ordering.DraftAlreadySent as exc:
        return _already_sent(exc)
    except ordering.OrderError as exc:
        transaction.discard()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for(".order_products"))
    return redirect(url_for(".order_check"))


@bp.route("/ordrer/<int:order_id>/problem", methods=["GET", "POST"])
def order_problem(order_id: int):
    order = _my_order(order_id)
    form = ProblemForm()
    if order.status is not OrderStatus.DELIVERED:
        flash(_("You can report a problem once the order has been delivered."), "info")
        return redirect(url_for(".order_detail", order_id=order.id))
    if ordering.has_open_problem(order):
        flash(_("You have already reported a problem with this order. The callcenter will contact you."), "info")
        return redirect(url_for(".order_detail", order_id=order.id) + "#problems")
    if form.validate_on_submit():
        try:
            ordering.report_problem(order, kind=DeliveryProblemKind(form.kind.data), description=form.description.data, once=True)
        except ordering.OrderError as exc:
            form.description.errors = list(exc.errors.values())
        else:
            flash(_("Thank you. The callcenter will contact you about the problem."), "success")
            return redirect(url_for(".order_detail", order_id=order.id))
    return render_template("citizen_portal/order_problem.html", order=order, form=form), (422 if form.errors else 200)


@bp.route("/maal", methods=["GET", "POST"])
def measure():
    form = MeasureForm()
    current = ordering.current_measure(current_user.id)
    if request.method == "GET" and current is not None:
        form.shape.data = current.shape.value
        form.diameter_mm.data, form.width_mm.data, form.height_mm.data = current.diameter_mm, current.width_mm, current.height_mm
    if form.validate_on_submit():
        try:
            values = ordering.parse_measure(form.shape.data, form.diameter_mm.data, form.width_mm.data,
                                            form.height_mm.data)
        except ordering.OrderError as exc:
            apply_errors(form, exc.errors)
        else:
            saved = ordering.record_measure(current_user, **values)
            misfits = ordering.products_not_fitting(current_user.id, saved)
            flash(_("Your measure was saved. A stoma nurse will confirm it."), "success")
            # A measure her baseplates cannot be cut to: she stays here and reads which ones, now, not at her next order.
            return redirect(url_for(".measure" if misfits else ".start"))
    misfits = ordering.products_not_fitting(current_user.id, current) if current is not None else []
    return render_template("citizen_portal/measure.html", form=form, current=current, misfits=misfits), \
        (422 if form.errors else 200)


@bp.route("/afgoerelser")
def letters():
    """The municipality's decisions about the citizen's grants and orders, each a letter with how to complain."""
    return render_template("citizen_portal/letters.html", grant_letters=decision_letters.grant_letters(current_user.id),
                           order_letters=decision_letters.order_letters(current_user.id),
                           action_labels=LETTER_LABELS)


@bp.route("/afgoerelser/bevilling/<int:change_id>.pdf")
def grant_letter(change_id: int):
    change = decision_letters.grant_letter_of(change_id, citizen_id=current_user.id)
    if change is None:
        abort(404)
    return decision_letters.pdf_response(decision_letters.grant_letter(change), "bevilling", change.id)


@bp.route("/afgoerelser/ordre/<int:order_id>.pdf")
def order_letter(order_id: int):
    order = decision_letters.order_letter_of(order_id, citizen_id=current_user.id)
    if order is None:
        abort(404)
    return decision_letters.pdf_response(decision_letters.order_letter(order), "ordre", order.id)
