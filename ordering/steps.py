"""The order steps (products, delivery, check, send): one flow for the citizen and for an agent ordering on her behalf."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from catalogue.services import variant_by_article_number
from stomi_app import transaction
from ordering import services as ordering
from stomi_app.forms import apply_errors
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Citizen, User
from ordering.models import Order, OrderStatus
from ordering.forms import DeliveryForm, product_search
from stomi_app.text import clean_text

ARTICLE_NUMBER_MAX = 50
IDEMPOTENCY_KEY_MAX = 64


class OrderActor:
    """Who orders, and all that differs by it; an audience subclasses it and registers the steps with it
    (`register_order_steps`). The endpoints are the same in every blueprint: order_products, order_delivery,
    order_check, order_send, and the order's own page order_detail."""

    url_prefix = "/bestil"  # the products step; the others below it
    templates = ""  # the folder of the audience's order_products.html, order_delivery.html, order_check.html
    delivery_form = DeliveryForm
    routing_reasons = ordering.ROUTING_REASONS
    order_reasons = ordering.ORDER_REASONS
    updated = _l("Your order was updated.")
    empty = _l("Your order is empty. Choose at least one product.")
    choose_first = _l("Choose your products first.")
    already_sent = _l("Your order was already sent, so it was not changed. You can see it here.")

    def citizen(self, **view_args) -> Citizen:
        """The citizen whose order it is, from the URL's arguments; one the actor may not order for is a 404."""
        raise NotImplementedError

    def placed_by(self) -> User | None:
        """Whose drafts these are: None for the citizen's own, the agent for an order by phone."""
        return None

    def url_args(self, citizen: Citizen) -> dict:
        """The arguments of the steps' URLs besides the endpoint."""
        return {}

    def send(self, order: Order, note: str) -> None:
        """Send the draft with the note for whoever decides an order beyond the grant; raises OrderError."""
        ordering.set_note(order, note)
        ordering.submit(order)


class OrderSteps:
    """The four steps' views for one actor."""

    def __init__(self, actor: OrderActor, expected_delivery):
        self.actor = actor
        # (order) → the day it is expected: the warehouse's promise, which fulfilment keeps and the audience wires in.
        self.expected_delivery = expected_delivery

    # --- where the steps lead --------------------------------------------------------------------

    def _url(self, endpoint: str, citizen: Citizen, **more) -> str:
        return url_for(f".{endpoint}", **self.actor.url_args(citizen), **more)

    def _step_urls(self, citizen: Citizen) -> dict[str, str]:
        return {step: self._url(f"order_{step}", citizen) for step in ("products", "delivery", "check", "send")}

    def _render(self, step: str, citizen: Citizen, status: int, **context):
        return render_template(f"{self.actor.templates}/order_{step}.html", citizen=citizen,
                               step_urls=self._step_urls(citizen), **context), status

    def already_sent(self, exc: ordering.DraftAlreadySent):
        """An edit that lost the race with "Send" (another tab): nothing of it is kept, and the order is shown as sent."""
        transaction.discard()
        flash(str(self.actor.already_sent), "info")
        return redirect(self._url("order_detail", exc.order.citizen, order_id=exc.order.id))

    def _draft(self, citizen: Citizen) -> Order | None:
        return ordering.find_draft(citizen, placed_by=self.actor.placed_by())

    def _require_draft(self, citizen: Citizen) -> Order | None:
        draft = self._draft(citizen)
        if draft is None or not draft.lines:
            flash(str(self.actor.choose_first), "info")
            return None
        return draft

    # --- 1. products -------------------------------------------------------------------------------

    def products(self, **view_args):
        citizen = self.actor.citizen(**view_args)
        draft = self._draft(citizen)
        errors: dict = {}
        values = {line.variant_id: line.quantity for line in draft.lines} if draft else {}
        article = ""
        if request.method == "POST":
            quantities = ordering.quantities_from(request.form)
            # A product typed by its article number, or picked from a search's results ("pick" buttons); typed text
            # reaches the database and the page again, so it is cleaned first.
            article = (clean_text(request.form.get("article_number", "")).strip()
                       or clean_text(request.form.get("pick", "")).strip())[:ARTICLE_NUMBER_MAX]
            values.update(quantities)
            try:
                if article:
                    variant = variant_by_article_number(article)
                    if variant is None:
                        raise ordering.OrderError({"article_number": _l("No product has the article number %(article)s.",
                                                                        article=article)})
                    if str(quantities.get(variant.id, "")).strip() in ("", "0"):
                        quantities[variant.id] = "1"
                draft = draft or ordering.new_draft(citizen, placed_by=self.actor.placed_by())
                ordering.set_draft_lines(draft, quantities)
            except ordering.DraftAlreadySent as exc:
                return self.already_sent(exc)
            except ordering.OrderError as exc:
                errors = exc.errors  # answered 422: the framework rolls back what the refused lines flushed
            else:
                if article or request.form.get("action") == "update":
                    flash(str(self.actor.updated), "success")
                    return redirect(self._url("order_products", citizen))
                if not draft.lines:
                    errors = {"order": self.actor.empty}
                else:
                    return redirect(self._url("order_delivery", citizen))
        orderables = ordering.orderable_for(citizen)
        granted_ids = {v.id for o in orderables for v in o.variants}
        extra_lines = [line for line in (draft.lines if draft else []) if line.variant_id not in granted_ids]
        finder, hits = product_search(request.args)
        return self._render("products", citizen, 422 if errors else 200, orderables=orderables, extra_lines=extra_lines,
                            values=values, errors=errors, article=article, measure=ordering.current_measure(citizen.id),
                            finder=finder, hits=hits, locale=str(get_locale()))

    # --- 2. delivery -------------------------------------------------------------------------------

    def delivery(self, **view_args):
        citizen = self.actor.citizen(**view_args)
        draft = self._require_draft(citizen)
        if draft is None:
            return redirect(self._url("order_products", citizen))
        form = self.actor.delivery_form()
        if request.method == "GET":
            form.fill_from(draft)
        elif form.validate_on_submit():
            try:
                ordering.set_delivery(draft, **form.delivery_arguments())
            except ordering.DraftAlreadySent as exc:
                return self.already_sent(exc)
            except ordering.OrderError as exc:
                apply_errors(form, exc.errors)
            else:
                return redirect(self._url("order_check", citizen))
        return self._render("delivery", citizen, 422 if form.errors else 200, form=form)

    # --- 3. check, and send ------------------------------------------------------------------------

    def _render_check(self, citizen: Citizen, draft: Order, *, note: str | None = None, errors: dict | None = None):
        return self._render("check", citizen, 422 if errors else 200, order=draft, routing=ordering.evaluate(draft),
                            expected=self.expected_delivery(draft), routing_reasons=self.actor.routing_reasons,
                            order_reasons=self.actor.order_reasons, note=draft.note if note is None else note,
                            errors=errors or {})

    def check(self, **view_args):
        citizen = self.actor.citizen(**view_args)
        draft = self._require_draft(citizen)
        if draft is None:
            return redirect(self._url("order_products", citizen))
        return self._render_check(citizen, draft)

    def send(self, **view_args):
        citizen = self.actor.citizen(**view_args)
        key = clean_text(request.form.get("idempotency_key", ""))[:IDEMPOTENCY_KEY_MAX]
        # The row lock makes a second tab (or a double click) wait for the first, then see the order already sent.
        order = db.session.scalar(select(Order).where(Order.idempotency_key == key, Order.citizen_id == citizen.id)
                                  .with_for_update())
        if order is None:
            abort(404)
        if order.status is not OrderStatus.DRAFT:
            # A second press of "Send" or a replayed POST: show the order that was already made.
            return redirect(self._url("order_detail", citizen, order_id=order.id))
        placed_by = self.actor.placed_by()
        if order.placed_by_id != (placed_by.id if placed_by else None):
            abort(404)  # another agent's draft, or the citizen's own from the web: theirs to send
        note = request.form.get("note", "")
        try:
            self.actor.send(order, note)
        except ordering.DraftAlreadySent:
            transaction.discard()
            return redirect(self._url("order_detail", citizen, order_id=order.id))
        except ordering.OrderError as exc:
            if set(exc.errors) <= {"note"}:
                return self._render_check(citizen, order, note=note, errors=exc.errors)
            transaction.discard()  # the order could not go (a product ran out, an expired address): back to the products
            for message in exc.errors.values():
                flash(str(message), "error")
            return redirect(self._url("order_products", citizen))
        return redirect(self._url("order_detail", citizen, order_id=order.id, sent=1))


def register_order_steps(bp, actor: OrderActor, *, expected_delivery) -> OrderSteps:
    """Add the four steps to an audience's blueprint, at the actor's addresses; the steps, for the audience's other
    views that end like them (an edit that lost the race with "Send"). `expected_delivery`: (order) → the day it
    would arrive (fulfilment.instructions.expected_delivery; ordering sits below fulfilment)."""
    steps = OrderSteps(actor, expected_delivery)
    prefix = actor.url_prefix
    bp.add_url_rule(prefix, "order_products", steps.products, methods=["GET", "POST"])
    bp.add_url_rule(f"{prefix}/levering", "order_delivery", steps.delivery, methods=["GET", "POST"])
    bp.add_url_rule(f"{prefix}/tjek", "order_check", steps.check)
    bp.add_url_rule(f"{prefix}/send", "order_send", steps.send, methods=["POST"])
    return steps
