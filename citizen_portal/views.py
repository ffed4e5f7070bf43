"""Views of the citizen portal: start page, ordering in steps, orders, cutting measure, problems."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from catalogue.services import variant_by_article_number
from citizen_portal import bp
from fulfilment.instructions import expected_delivery, tracking_url
from notices import services as notice_services
from notices.supply import supply_for
from citizen_portal.forms import MeasureForm
from stomi_app.ordering_forms import DeliveryForm, ProblemForm, product_search
from stomi_app import decision_letters, ordering, transaction
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.forms import apply_errors
from stomi_app.grants import grants_in_force
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import DeliveryProblemKind, Order, OrderStatus, Role
from stomi_app.models.orders import OPEN_STATUSES
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


@bp.route("/bestil", methods=["GET", "POST"])
def order_products():
    draft = ordering.find_draft(current_user)
    errors: dict = {}
    values = {line.variant_id: line.quantity for line in draft.lines} if draft else {}
    article = ""
    if request.method == "POST":
        quantities = ordering.quantities_from(request.form)
        # A product typed by its article number, or picked from a search's results ("pick" buttons).
        article = request.form.get("article_number", "").strip() or request.form.get("pick", "").strip()
        values.update(quantities)
        try:
            if article:
                variant = variant_by_article_number(article)
                if variant is None:
                    raise ordering.OrderError({"article_number": _("No product has the article number %(article)s.", article=article)})
                if str(quantities.get(variant.id, "")).strip() in ("", "0"):
                    quantities[variant.id] = "1"
            draft = draft or ordering.new_draft(current_user)
            ordering.set_draft_lines(draft, quantities)
        except ordering.DraftAlreadySent as exc:
            return _already_sent(exc)
        except ordering.OrderError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            if article or request.form.get("action") == "update":
                flash(_("Your order was updated."), "success")
                return redirect(url_for(".order_products"))
            if not draft.lines:
                errors = {"order": _("Your order is empty. Choose at least one product.")}
            else:
                return redirect(url_for(".order_delivery"))
    orderables = ordering.orderable_for(current_user)
    granted_ids = {v.id for o in orderables for v in o.variants}
    extra_lines = [line for line in (draft.lines if draft else []) if line.variant_id not in granted_ids]
    finder, hits = product_search(request.args)
    return render_template("citizen_portal/order_products.html", orderables=orderables, extra_lines=extra_lines,
                           values=values, errors=errors, article=article, measure=ordering.current_measure(current_user.id),
                           finder=finder, hits=hits, locale=str(get_locale())), (422 if errors else 200)


def _already_sent(exc: ordering.DraftAlreadySent):
    """An edit that lost the race with "Send" (another tab): say so and show the order as it was sent."""
    db.session.rollback()
    flash(exc.errors["order"], "info")
    return redirect(url_for(".order_detail", order_id=exc.order.id))


def _require_draft():
    draft = ordering.find_draft(current_user)
    if draft is None or not draft.lines:
        flash(_("Choose your products first."), "info")
        return None
    return draft


@bp.route("/bestil/levering", methods=["GET", "POST"])
def order_delivery():
    draft = _require_draft()
    if draft is None:
        return redirect(url_for(".order_products"))
    form = DeliveryForm()
    if request.method == "GET":
        form.address_choice.data = "temporary" if draft.temporary_address else "home"
        form.speed.data = "express" if draft.express else "normal"
        form.driver_note.data = draft.driver_note
        if draft.temporary_address:
            form.name.data, form.address.data = draft.delivery_name, draft.delivery_address
            form.postcode.data, form.city.data = draft.delivery_postcode, draft.delivery_city
            form.temporary_from.data, form.temporary_to.data = draft.temporary_from, draft.temporary_to
    elif form.validate_on_submit():
        try:
            ordering.set_delivery(
                draft, express=form.speed.data == "express", temporary=form.address_choice.data == "temporary",
                name=form.name.data, address=form.address.data, postcode=form.postcode.data, city=form.city.data,
                temporary_from=form.temporary_from.data, temporary_to=form.temporary_to.data,
                driver_note=form.driver_note.data or "",
            )
        except ordering.DraftAlreadySent as exc:
            return _already_sent(exc)
        except ordering.OrderError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            return redirect(url_for(".order_check"))
    status = 422 if form.errors else 200
    return render_template("citizen_portal/order_delivery.html", form=form, citizen=current_user), status


@bp.route("/bestil/tjek")
def order_check():
    draft = _require_draft()
    if draft is None:
        return redirect(url_for(".order_products"))
    return _render_check(draft)


def _render_check(draft, *, note: str | None = None, errors: dict | None = None):
    routing = ordering.evaluate(draft)
    return render_template("citizen_portal/order_check.html", order=draft, routing=routing, expected=expected_delivery(draft),
                           routing_reasons=ordering.ROUTING_REASONS, order_reasons=ordering.ORDER_REASONS,
                           note=draft.note if note is None else note, errors=errors or {}), (422 if errors else 200)


@bp.route("/bestil/send", methods=["POST"])
def order_send():
    key = request.form.get("idempotency_key", "")
    order = db.session.scalar(select(Order).where(Order.idempotency_key == key, Order.citizen_id == current_user.id))
    if order is None:
        abort(404)
    if order.status is not OrderStatus.DRAFT:
        # A second press of "Send" or a replayed POST: show the order that was already made.
        return redirect(url_for(".order_detail", order_id=order.id))
    note = request.form.get("note", "")
    try:
        ordering.set_note(order, note)  # "why I need more": read by whoever decides an order beyond the grant
    except ordering.DraftAlreadySent:
        # The same "Send" from another tab (or a double click) got the lock first: that one sent it.
        db.session.rollback()
        return redirect(url_for(".order_detail", order_id=order.id))
    except ordering.OrderError as exc:
        db.session.rollback()
        return _render_check(order, note=note, errors=exc.errors)
    try:
        ordering.submit(order)
    except ordering.OrderError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for(".order_products"))
    db.session.commit()
    return redirect(url_for(".order_detail", order_id=order.id, sent=1))


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
