"""Views of the callcenter: search, the citizen overview, call log, ordering on behalf, delivery problems."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from fulfilment.instructions import expected_delivery, tracking_url
from callcenter.blueprint import bp
from callcenter import queues, services
from callcenter.forms import (
    ADVICE_STATUS, OUTCOMES, REASONS, AdviceForm, AgentDeliveryForm, AgentProductChangeForm, CloseForm, ContactForm,
    ProblemForm, SearchForm,
)
from callcenter.search import KIND_LABELS, SearchError
from catalogue.services import variant_by_article_number
from stomi_app import labels
from care import nursing
from ordering import services as ordering
from privacy import services as privacy
from ordering import replacements
from stomi_app import transaction
from stomi_app.auth.roles import restrict_blueprint
from stomi_app.extensions import db
from stomi_app.forms import apply_errors
from ordering.forms import product_search
from stomi_app.models import Citizen, Role
from ordering.models import DeliveryProblem, Order, OrderStatus
from ordering.steps import OrderActor, register_order_steps
from stomi_app.i18n import lazy_gettext as _l
from notices import services as notice_services
from notices.reminders import audited_call_list
from notices.texts import CHANNEL_LABELS, DELIVERY_LABELS, body, title

restrict_blueprint(bp, Role.CALLCENTER)

SESSION_KEY = "callcenter_search"


# --- helpers ------------------------------------------------------------------------------------

def _citizen(citizen_id: int) -> Citizen:
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        abort(404)
    return citizen


def _order(citizen: Citizen, order_id: int) -> Order:
    """An order of this citizen; an id of somebody else's order under this citizen's URL is a 404."""
    order = db.session.scalar(select(Order).where(Order.id == order_id, Order.citizen_id == citizen.id))
    if order is None:
        abort(404)
    return order


def _flash_errors(exc: ordering.OrderError) -> None:
    for message in exc.errors.values():
        flash(str(message), "error")


# --- find the citizen ---------------------------------------------------------------------------

def _last_search():
    """The agent's last search (kept as the audit event id and the hit ids, never the typed text)."""
    saved = session.get(SESSION_KEY)
    if not saved:
        return None, []
    event = services.search_event(current_user, saved.get("event"))
    if event is None:
        return None, []
    ids = [int(i) for i in saved.get("ids", [])]
    found = {c.id: c for c in db.session.scalars(select(Citizen).where(Citizen.id.in_(ids)).options(joinedload(Citizen.municipality)))}
    kind, criterion = services.search_parts(event)
    return {"event": event, "kind": kind, "criterion": criterion, "truncated": saved.get("truncated", False)}, \
        [found[i] for i in ids if i in found]


@bp.route("/", methods=["GET", "POST"])
def start():
    form = SearchForm()
    error = None
    if request.method == "POST":
        try:
            result, event = services.audited_search(current_user, form.q.data or "")
        except SearchError as exc:
            transaction.keep()  # the refused search stays in the audit log although the answer is 422
            error = str(exc)
        else:
            session[SESSION_KEY] = {"event": event.id, "ids": [c.id for c in result.citizens], "truncated": result.truncated}
            # A unique key (CPR, order number) with one hit goes straight to the citizen: the caller is waiting.
            if result.kind == "order" and result.order is not None:
                return redirect(url_for(".order_detail", citizen_id=result.order.citizen_id, order_id=result.order.id, s=event.id))
            if result.kind == "cpr" and len(result.citizens) == 1:
                return redirect(url_for(".citizen", citizen_id=result.citizens[0].id, s=event.id))
            return redirect(url_for(".start"))
    search, hits = _last_search() if request.method == "GET" else (None, [])
    if search and search["kind"] != "cpr":
        # The box keeps what was searched, to refine it; a CPR number is kept only masked, so that box starts empty.
        form.q.data = search["criterion"]
    work = queues.work_queues(current_user)  # an audited reading of the queues
    return render_template("callcenter/start.html", form=form, error=error, search=search, hits=hits, queues=work,
                           reason_labels=dict(REASONS), kind_labels=KIND_LABELS,
                           open_now=services.open_now(current_app.config["CALLCENTER_HOURS"])), \
        (422 if error else 200)


# --- the work queues ----------------------------------------------------------------------------

@bp.route("/koe/<any(delivery_problem, call_back):kind>/<int:ref_id>", methods=["GET", "POST"])
def queue_item(kind: str, ref_id: int):
    """One case of a work queue: claim it, release it, take it over, or close it with a note."""
    item = queues.find_item(kind, ref_id)
    if item is None:
        flash(_("The case is already closed."), "info")
        return redirect(url_for(".start"))
    form = CloseForm()
    errors: dict = {}
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "close":
                queues.close(current_user, item, form.note.data or "")
                message = _("The case is closed.")
            elif action == "release":
                queues.release(current_user, item)
                message = _("You have released the case.")
            else:
                queues.claim(current_user, item, take_over=action == "take_over")
                message = _("The case is yours.")
        except queues.QueueError as exc:
            transaction.discard()  # the case is read again as it is; the page keeps only its audited read
            errors = apply_errors(form, exc.errors)  # the note's message at the note, the rest above the form
            item = queues.find_item(kind, ref_id)
            if item is None:  # a colleague closed it meanwhile: there is no case to show again
                flash(_("The case is already closed."), "info")
                return redirect(url_for(".start"))
        else:
            flash(message, "success")
            return redirect(url_for(".start") if action == "close" else url_for(".queue_item", kind=kind, ref_id=ref_id))
    services.open_citizen(current_user, item.citizen.id, purpose="callcenter: work queue")  # a staff read: audited
    transaction.keep()  # also when a refused action is shown again (422)
    return render_template("callcenter/queue_item.html", item=item, form=form, errors=errors, citizen=item.citizen,
                           reason_labels=dict(REASONS)), (422 if (errors or form.errors) else 200)


# --- the citizen overview and the call log -----------------------------------------------------

def _render_overview(citizen: Citizen, contact_form: ContactForm, status: int = 200, notices=None):
    data = services.overview(current_user, citizen)
    return render_template("callcenter/citizen.html", o=data, citizen=citizen, contact_form=contact_form,
                           reason_labels=dict(REASONS), outcome_labels=dict(OUTCOMES),
                           advice_status_labels=ADVICE_STATUS, notices=notices, notice_title=title,
                           note_kinds=labels.NOTE_KIND,
                           contact_changes=privacy.recent_contact_changes(citizen.id)), status


@bp.route("/borger/<int:citizen_id>")
def citizen(citizen_id: int):
    found = services.open_citizen(current_user, citizen_id, via_search=request.args.get("s"))
    if found is None:
        abort(404)
    recent = notice_services.inbox(found.id, 5)  # "what did we tell her?": part of the overview, audited with its opening
    return _render_overview(found, ContactForm(), notices=recent)


@bp.route("/borger/<int:citizen_id>/kontakt", methods=["POST"])
def log_contact(citizen_id: int):
    citizen = _citizen(citizen_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            services.log_contact(current_user, citizen, reason=form.reason.data, note=form.note.data, outcome=form.outcome.data)
        except services.ContactError as exc:
            transaction.discard()
            apply_errors(form, exc.errors)
        else:
            flash(_("The call is logged."), "success")
            return redirect(url_for(".citizen", citizen_id=citizen.id) + "#contacts")
    # Nothing was saved; the overview is shown again with the errors, and that reading is audited too.
    services.open_citizen(current_user, citizen.id)
    transaction.keep()
    return _render_overview(citizen, form, 422)


@bp.route("/borger/<int:citizen_id>/produktskift", methods=["GET", "POST"])
def product_change(citizen_id: int):
    """Ask for another product for the caller: the citizen's own request, which a stoma nurse decides."""
    citizen = _citizen(citizen_id)
    form = AgentProductChangeForm()
    granted = services.granted_variants(citizen)
    form.current.choices = [("", _("Not one of these"))] + [(key, v.display_name) for key, v in granted.items()]
    picked = request.form.get("pick", "").strip() if request.method == "POST" else ""
    if picked:  # chosen from the search's results: fill it in, send nothing yet (the reason may still be missing)
        form.wanted.data = picked[:40]
    elif form.validate_on_submit():
        try:
            services.raise_product_change(current_user, citizen, article=form.wanted.data or "",
                                          current_id=form.current.data or "", reason=form.reason.data or "")
        except nursing.NursingError as exc:
            transaction.discard()  # the page shown again keeps its audited read, never the refused request
            apply_errors(form, exc.errors)
        else:
            flash(_("The request is with the stoma nurses. Their decision will show here and in the citizen's portal."), "success")
            return redirect(url_for(".citizen", citizen_id=citizen.id) + "#open-cases")
    services.open_citizen(current_user, citizen.id, purpose="callcenter: product change request")  # a staff read: audited
    transaction.keep()  # also when a refused request is shown again (422)
    finder, hits = product_search(request.args)
    chosen = variant_by_article_number(form.wanted.data.strip()) if (form.wanted.data or "").strip() else None
    return render_template("callcenter/product_change.html", citizen=citizen, form=form,
                           open_changes=services.open_product_changes(citizen), finder=finder, hits=hits, chosen=chosen,
                           locale=str(get_locale())), (422 if form.errors else 200)


@bp.route("/borger/<int:citizen_id>/raadgivning", methods=["GET", "POST"])
def transfer_to_advice(citizen_id: int):
    citizen = _citizen(citizen_id)
    form = AdviceForm()
    if form.validate_on_submit():
        try:
            services.transfer_to_advice(current_user, citizen, question=form.question.data, summary=form.summary.data)
        except nursing.NursingError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("The question is with the stoma nurses. Their answer will show here and in the citizen's portal."), "success")
            return redirect(url_for(".citizen", citizen_id=citizen.id) + "#advice")
    return render_template("callcenter/advice.html", citizen=citizen, form=form), (422 if form.errors else 200)


# --- ordering on the citizen's behalf ------------------------------------------------------------

class AgentOrdering(OrderActor):
    """The agent orders on the caller's behalf: the citizen by the id in the URL (any municipality), a draft of the
    agent's own, the citizen's grant spoken of as hers, and a sent order logged as a change and as a contact."""

    url_prefix = "/borger/<int:citizen_id>/bestil"
    templates = "callcenter"
    delivery_form = AgentDeliveryForm
    routing_reasons = ordering.STAFF_ROUTING_REASONS
    order_reasons = ordering.STAFF_ORDER_REASONS
    updated = _l("The order was updated.")
    empty = _l("The order is empty. Choose at least one product.")
    choose_first = _l("Choose the products first.")
    already_sent = _l("The order was already sent, so it was not changed.")

    def citizen(self, citizen_id: int) -> Citizen:
        return _citizen(citizen_id)

    def placed_by(self):
        return current_user._get_current_object()

    def url_args(self, citizen: Citizen) -> dict:
        return {"citizen_id": citizen.id}

    def send(self, order: Order, note: str) -> None:
        services.send_on_behalf(current_user, order, note=note)


_order_steps = register_order_steps(bp, AgentOrdering(), expected_delivery=expected_delivery)


def _already_sent(citizen: Citizen, exc: ordering.DraftAlreadySent):
    return _order_steps.already_sent(exc)


# --- orders: where is it, cancel, again, problems ------------------------------------------------

@bp.route("/borger/<int:citizen_id>/ordre/<int:order_id>")
def order_detail(citizen_id: int, order_id: int):
    citizen = services.open_citizen(current_user, citizen_id, via_search=request.args.get("s"),
                                    purpose="callcenter: order status")
    if citizen is None:
        abort(404)
    order = _order(citizen, order_id)
    if order.status is OrderStatus.DRAFT and order.placed_by_id == current_user.id:
        return redirect(url_for(".order_check", citizen_id=citizen.id))
    problems = list(db.session.scalars(select(DeliveryProblem).where(DeliveryProblem.order_id == order.id).order_by(DeliveryProblem.id)))
    replacement_orders = list(db.session.scalars(select(Order).where(Order.replaces_order_id == order.id).order_by(Order.id)))
    return render_template(
        "callcenter/order_detail.html", citizen=citizen, order=order, just_sent=request.args.get("sent") == "1",
        expected=expected_delivery(order), tracking=tracking_url(order), problems=problems,
        replacement_orders=replacement_orders, routing_reasons=ordering.STAFF_ROUTING_REASONS,
        order_reasons=ordering.STAFF_ORDER_REASONS, order_level_reasons=ordering.order_reasons_of(order),
        cancellable=ordering.cancellable(order),
    )


@bp.route("/borger/<int:citizen_id>/ordre/<int:order_id>/annuller", methods=["GET", "POST"])
def order_cancel(citizen_id: int, order_id: int):
    """GET asks the agent to confirm with the citizen; POST cancels."""
    citizen = _citizen(citizen_id)
    order = _order(citizen, order_id)
    if request.method == "GET":
        back = url_for(".order_detail", citizen_id=citizen.id, order_id=order.id)
        if not ordering.cancellable(order):
            return redirect(back)
        services.open_citizen(current_user, citizen.id, purpose="callcenter: order status")  # a staff read: audited
        return render_template("ordering/cancel_confirm.html", order=order, citizen=citizen, layout="callcenter/layout.html",
                               action=url_for(".order_cancel", citizen_id=citizen.id, order_id=order.id), back=back)
    try:
        ordering.cancel(order, by=current_user, reason=_("Cancelled by the callcenter at the citizen's request"))
    except ordering.OrderError as exc:
        transaction.discard()
        _flash_errors(exc)
    else:
        services.record_change(current_user, citizen, "callcenter: cancel order", f"order {order.number} cancelled")
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for(".order_detail", citizen_id=citizen.id, order_id=order.id))


@bp.route("/borger/<int:citizen_id>/ordre/<int:order_id>/bestil-igen", methods=["POST"])
def order_again(citizen_id: int, order_id: int):
    citizen = _citizen(citizen_id)
    previous = _order(citizen, order_id)
    try:
        ordering.reorder(previous, placed_by=current_user)
    except ordering.DraftAlreadySent as exc:
        return _already_sent(citizen, exc)
    except ordering.OrderError as exc:
        transaction.discard()
        _flash_errors(exc)
        return redirect(url_for(".order_products", citizen_id=citizen.id))
    return redirect(url_for(".order_check", citizen_id=citizen.id))


def _replaceable_lines(order: Order):
    left = replacements.replaceable(order)
    return [(line, left.get(line.variant_id, 0)) for line in order.lines]


@bp.route("/borger/<int:citizen_id>/ordre/<int:order_id>/problem", methods=["GET", "POST"])
def order_problem(citizen_id: int, order_id: int):
    citizen = _citizen(citizen_id)
    order = _order(citizen, order_id)
    if order.status is not OrderStatus.DELIVERED:
        flash(_("A problem can be registered once the order has been delivered."), "info")
        return redirect(url_for(".order_detail", citizen_id=citizen.id, order_id=order.id))
    form = ProblemForm()
    errors: dict = {}
    values = ordering.quantities_from(request.form, "replace-")
    if form.validate_on_submit():
        try:
            problem, replacement = services.register_problem(current_user, order, kind=form.kind.data,
                                                             description=form.description.data, replace=values)
        except ordering.OrderError as exc:
            # The problem may be flushed before its replacement was refused: the page shows the order as it is.
            transaction.discard()
            errors = apply_errors(form, exc.errors)
        else:
            if replacement is not None:
                flash(_("The problem is registered and a free replacement (order %(number)s) is on its way.", number=replacement.number), "success")
            else:
                flash(_("The problem is registered."), "success")
            return redirect(url_for(".order_detail", citizen_id=citizen.id, order_id=order.id))
    status = 422 if (form.errors or errors) else 200
    return render_template("callcenter/order_problem.html", citizen=citizen, order=order, form=form, errors=errors,
                           values=values, lines=_replaceable_lines(order)), status


def _problem(citizen: Citizen, problem_id: int) -> DeliveryProblem:
    problem = db.session.scalar(select(DeliveryProblem).join(Order, Order.id == DeliveryProblem.order_id)
                                .where(DeliveryProblem.id == problem_id, Order.citizen_id == citizen.id))
    if problem is None:
        abort(404)
    return problem


@bp.route("/borger/<int:citizen_id>/problem/<int:problem_id>", methods=["GET", "POST"])
def problem_detail(citizen_id: int, problem_id: int):
    citizen = _citizen(citizen_id)
    problem = _problem(citizen, problem_id)
    errors: dict = {}
    values = ordering.quantities_from(request.form, "replace-")
    form = CloseForm()
    if request.method == "POST":
        try:
            if request.form.get("action") == "close":
                queues.close_problem(current_user, problem, form.note.data or "")
                message = _("The case is closed.")
            else:
                replacement = services.replace_for_problem(current_user, problem, values)
                message = _("A free replacement (order %(number)s) is on its way.", number=replacement.number)
        except (ordering.OrderError, queues.QueueError) as exc:
            transaction.discard()  # the page shown again keeps its audited read, never the refused action
            errors = apply_errors(form, exc.errors)  # the note's message at the note, the rest above the form
        except IntegrityError:
            # Another agent sent the replacement for this problem at the same moment: theirs stands.
            transaction.discard()
            message = _("A replacement for this problem had already been sent.")
            flash(message, "info")
            return redirect(url_for(".problem_detail", citizen_id=citizen.id, problem_id=problem.id))
        else:
            flash(message, "success")
            return redirect(url_for(".problem_detail", citizen_id=citizen.id, problem_id=problem.id))
    services.open_citizen(current_user, citizen.id, purpose="callcenter: delivery problem")  # a staff read: audited
    transaction.keep()  # also when a refused action is shown again (422)
    return render_template("callcenter/problem.html", citizen=citizen, problem=problem, errors=errors, values=values,
                           lines=_replaceable_lines(problem.order), form=form, claim=queues.problem_claim(problem),
                           replacement=replacements.replacement_for(problem)), (422 if (errors or form.errors) else 200)


# --- notices: "what did we tell her?", and the call list after reminders ----------------------------

@bp.route("/borger/<int:citizen_id>/beskeder")
def citizen_notices(citizen_id: int):
    found = _citizen(citizen_id)
    items = notice_services.told(current_user, found)
    return render_template("callcenter/notices.html", citizen=found, notices=items, title=title, body=body,
                           channel_labels=CHANNEL_LABELS, delivery_labels=DELIVERY_LABELS)


@bp.route("/paamindelser")
def reminder_call_list():
    entries = audited_call_list(current_user)
    return render_template("callcenter/reminder_call_list.html", entries=entries)
