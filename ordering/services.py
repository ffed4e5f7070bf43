"""Ordering rules: drafts, cut measures, routing against the grant, submission, status moves, reorders."""
from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from catalogue.models import Product, Variant
from catalogue.models import ContractPrice
from catalogue.services import price_in_force_on
from stomi_app import signals
from citizens.cut import MAX_MM as MEASURE_MAX_MM, MIN_MM as MEASURE_MIN_MM, Cut
from stomi_app.db import UTCDateTime, utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l  # values escaped in pages: names come from the catalogue
from grants.services import NOT_YET_SENT, LineUse, consumption, grants_in_force, last_ordinary_order, line_usage, matching_line
from stomi_app.metrics import ORDERS as ORDERS_SENT
from stomi_app.models import Citizen, User
from stomi_app.models.citizen import lock_citizen
from citizens.clinical import CutShape, CuttingMeasure
from grants.models import Grant, GrantPeriod, OrderRules
from ordering.models import (
    CITIZEN_CANCELLABLE, COUNTING_STATUSES, ORDER_FLOW, DeliveryProblem, DeliveryProblemKind, Order, OrderChannel, OrderEvent, OrderEventReason,
    OrderLine, OrderStatus, RoutingReason,
)
from stomi_app.text import clean_text
from stomi_app.userinput import record_id
from stomi_app.timeutil import add_months, local_date, local_today, start_of_local_day_utc
from grants.models import GrantLine

# How far ahead a temporary address may start, and how long it may last: a stay with family or at a summer house is
# planned weeks or months ahead, not years; a date years off is a typing error that would hold the order back.
TEMPORARY_ADDRESS_MAX_MONTHS_AHEAD = 6
TEMPORARY_ADDRESS_MAX_MONTHS = 6
MAX_QUANTITY = 99  # packs of one variant in one order; more is surely a typing error

R = RoutingReason
# Each reason's wording, in one table: to the citizen ("your grant"), to staff speaking of the citizen (the
# callcenter, nurses), and the short form after a product name in the grant officer's lists.
_REASON_WORDING = {
    R.WITHIN_GRANT: (_l("Within your grant"), _l("Within the grant"), _l("within the grant")),
    R.NOT_GRANTED: (_l("This product is not in your grant: a stoma nurse must approve it"),
                    _l("This product is not in the citizen's grant: a stoma nurse must approve it"), _l("not in the grant")),
    R.GRANT_EXPIRED: (_l("Your grant for this product has expired: the municipality must renew it"),
                      _l("The citizen's grant for this product has expired: the municipality must renew it"),
                      _l("the grant has expired")),
    R.OVER_GRANT: (_l("More than what is left of your grant this period: it must be approved"),
                   _l("More than what is left of the citizen's grant this period: it must be approved"),
                   _l("beyond the grant this period")),
    R.OVER_PRICE_CEILING: (_l("Above the price ceiling of your grant this period: it must be approved"),
                           _l("Above the price ceiling of the citizen's grant this period: it must be approved"),
                           _l("above the price ceiling")),
    R.OVER_ORDER_LIMIT: (_l("More than the largest quantity allowed in one order: it must be approved"),
                         _l("More than the largest quantity allowed in one order: it must be approved"),
                         _l("more than one order may hold")),
    R.EXPRESS_BEYOND_GRANT: (_l("Express delivery beyond what your grant allows this year: it must be approved"),
                             _l("Express delivery beyond what the citizen's grant allows this year: it must be approved"),
                             _l("express beyond the grant")),
    R.TOO_SOON: (_l("Less time than usual since your last order: it must be approved"),
                 _l("Less time than usual since the citizen's last order: it must be approved"),
                 _l("soon after the last order")),
}
_ORDER_LEVEL = (R.EXPRESS_BEYOND_GRANT, R.TOO_SOON)


def _wording(which: int, order_level: bool) -> dict[str, object]:
    return {r.value: words[which] for r, words in _REASON_WORDING.items() if (r in _ORDER_LEVEL) == order_level}


ROUTING_REASONS, ORDER_REASONS = _wording(0, False), _wording(0, True)  # the citizen's pages
STAFF_ROUTING_REASONS, STAFF_ORDER_REASONS = _wording(1, False), _wording(1, True)  # the callcenter's pages
SHORT_ROUTING_REASONS = _wording(2, False)  # after a product name in the grant officer's lists
SHORT_ORDER_REASONS = _wording(2, True)


def _can_stop(order: Order, *, stop: bool) -> bool:
    """Whether every package that started work for the accepted order can still stop it (signals.order_stopping)."""
    return all(answer for _receiver, answer in signals.order_stopping.send(order, stop=stop))


class OrderError(DomainError):
    """Input that cannot become (part of) an order; `errors` maps form field → message."""


class DraftAlreadySent(OrderError):
    """A change that reached the draft after it was sent (another tab, a double press): nothing was changed."""

    def __init__(self, order: Order):
        super().__init__({"order": _l("Your order was already sent, so it was not changed. You can see it here.")})
        self.order = order


@dataclass
class LineRouting:
    line: OrderLine
    reason: str


@dataclass
class Routing:
    lines: list[LineRouting] = field(default_factory=list)
    order_reasons: list[str] = field(default_factory=list)
    free_from: date | None = None  # with "too_soon": the first day the same order would not need approval for it

    @property
    def within_grant(self) -> bool:
        return not self.order_reasons and all(r.reason == "within_grant" for r in self.lines)

    @property
    def only_too_soon(self) -> bool:
        """Every product fits the grant; only the time since the last order needs approval."""
        return self.order_reasons == ["too_soon"] and all(r.reason == "within_grant" for r in self.lines)


# --- the status machine -------------------------------------------------------------------------

def set_status(order: Order, target: OrderStatus, *, by: User | None = None, by_citizen: bool = False,
               reason: str | None = None, routing_reasons: Iterable[RoutingReason] = ()) -> None:
    """The only way an order changes status: checked against ORDER_FLOW and recorded on the timeline (with the
    routing reasons of a move to approval)."""
    ORDER_FLOW.check(order.status, target)
    previous = order.status
    routing_reasons = sorted({RoutingReason(r) for r in routing_reasons}, key=lambda r: r.value)
    event = OrderEvent(from_status=order.status, to_status=target, by_id=getattr(by, "id", None),
                       by_citizen=by_citizen, reason=reason, routing_reasons=routing_reasons)
    if "events" in order.__dict__:
        order.events.append(event)
    else:  # the timeline is not loaded: add the event without reading the whole timeline first
        event.order = order
        db.session.add(event)
    order.status = target
    if target is OrderStatus.DELIVERED:
        order.delivered_at = utcnow()
    if target is OrderStatus.ACCEPTED:
        signals.order_accepted.send(order)
    signals.order_status_changed.send(order, from_status=previous, to_status=target, reason=reason,
                                      routing_reasons=routing_reasons)


def lock_order(order: Order) -> Order:
    """Take the order's row lock (held to the end of the transaction) and read the order and its lines again.

    Every change of a draft and every status decision starts here, so two requests on one order take turns and
    the second sees what the first committed (a send, an edit, a cancel, a decision) instead of what it read
    before it waited. A submit locks its draft, then the citizen; a request holding the citizen's lock locks only
    orders that are no drafts, so the two cannot wait for each other. SQLite serialises writers anyway; there it only reads again.
    """
    db.session.flush()  # what this request changed is written first, then everything else is read again
    for line in order.__dict__.get("lines", ()):
        db.session.expire(line)
    db.session.expire(order, [name for name in ("lines", "events") if name in order.__dict__])
    # One round trip: the lock and the order's columns as committed by whoever held the lock before.
    db.session.scalars(select(Order).where(Order.id == order.id).with_for_update()
                       .execution_options(populate_existing=True)).one()  # fetched: only then is it read into `order`
    return order


def _lock_draft(order: Order) -> None:
    """Lock the draft before changing it; a draft that has been sent meanwhile is refused, unchanged."""
    if order.status is not OrderStatus.DRAFT or lock_order(order).status is not OrderStatus.DRAFT:
        raise DraftAlreadySent(order)


# --- cutting measure ------------------------------------------------------------------------------

# Statements every order runs are built once, with bound parameters: building a statement and its cache key
# costs SQLAlchemy about as much as PostgreSQL takes to run it.
def _current_measure_id(citizen_id):
    """The citizen's current measure: versions are append-only, so the newest row is current."""
    version = aliased(CuttingMeasure)  # its own name: the outer statement may read cutting_measure too
    return select(func.max(version.id)).where(version.citizen_id == citizen_id).correlate_except(version).scalar_subquery()


_CURRENT_MEASURE = select(CuttingMeasure).where(CuttingMeasure.id == _current_measure_id(bindparam("citizen_id")))


def current_measure(citizen_id: int) -> CuttingMeasure | None:
    return db.session.scalar(_CURRENT_MEASURE, {"citizen_id": citizen_id})


def _parse_mm(text) -> tuple[int | None, str | None]:
    """Whole millimetres from user input, or the message: '25', '25,0' and '25.0' are 25; '25,5' is refused."""
    raw = str(text or "").strip().replace(",", ".")
    if not raw:
        return None, _l("Enter the measure in whole millimetres, e.g. 32.")
    try:
        value = float(raw)
    except ValueError:
        return None, _l("Enter the measure in whole millimetres, e.g. 32.")
    if not math.isfinite(value) or value != int(value):
        return None, _l("The measure is in whole millimetres (no decimals), e.g. 32.")
    if not MEASURE_MIN_MM <= value <= MEASURE_MAX_MM:
        return None, _l("The measure must be between 5 and 100 mm.")
    return int(value), None


def parse_measure(shape: str, diameter: str | None, width: str | None, height: str | None) -> dict:
    """Validated keyword arguments for a measure, for every form that takes one (citizen, nurse, discharge):
    every field's message at once, whole mm within 5–100; raises OrderError."""
    try:
        shape = CutShape(shape)
    except ValueError:
        raise OrderError({"shape": _l("Choose round or oval.")}) from None
    names = {"diameter_mm": diameter} if shape is CutShape.ROUND else {"width_mm": width, "height_mm": height}
    values, errors = {"shape": shape}, {}
    for name, raw in names.items():
        values[name], message = _parse_mm(raw)
        if message is not None:
            errors[name] = message
    if errors:
        raise OrderError(errors)
    return values


def record_measure(citizen: Citizen, *, shape: CutShape, diameter_mm: int | None = None, width_mm: int | None = None,
                   height_mm: int | None = None, by: User | None = None, note: str | None = None) -> CuttingMeasure:
    """A new version of the citizen's measure (entered by the citizen unless `by` is a member of staff)."""
    if shape is CutShape.ROUND and diameter_mm is None:
        raise OrderError({"diameter_mm": _l("Enter the diameter.")})
    if shape is CutShape.OVAL and (width_mm is None or height_mm is None):
        raise OrderError({"width_mm": _l("Enter both width and height for an oval measure.")})
    measure = CuttingMeasure(
        citizen_id=citizen.id, shape=shape,
        diameter_mm=diameter_mm if shape is CutShape.ROUND else None,
        width_mm=width_mm if shape is CutShape.OVAL else None,
        height_mm=height_mm if shape is CutShape.OVAL else None,
        entered_by_citizen=by is None, entered_by_id=getattr(by, "id", None), note=note,
    )
    db.session.add(measure)
    db.session.flush()
    return measure


def measure_fits(measure: Cut, variant: Variant) -> bool:
    return measure.fits(variant.cut_min_mm, variant.cut_max_mm)


def products_not_fitting(citizen_id: int, measure: CuttingMeasure, on: date | None = None) -> list[Variant]:
    """The citizen's cut-to-fit products the measure is outside the cutting range of: those granted by name and those
    ordered in the last two years (what she uses). Told at once when she saves a measure, not at her next order."""
    on = on or local_today()
    ids = recently_ordered_variants(citizen_id, on)
    ids |= {line.variant_id for grant in grants_in_force([citizen_id], on) for line in grant.lines if line.variant_id}
    if not ids:
        return []
    variants = db.session.scalars(select(Variant).where(Variant.id.in_(ids), Variant.active.is_(True), Variant.cut_min_mm.is_not(None))
                                  .options(joinedload(Variant.product)).order_by(Variant.article_number))
    return [v for v in variants if not measure_fits(measure.cut, v)]


# --- drafts ---------------------------------------------------------------------------------------

def new_draft(citizen: Citizen, *, placed_by: User | None = None) -> Order:
    order = Order(
        citizen=citizen, status=OrderStatus.DRAFT, idempotency_key=secrets.token_urlsafe(24),
        channel=OrderChannel.PHONE if placed_by is not None else OrderChannel.WEB, placed_by=placed_by,
        delivery_name=citizen.name, delivery_address=citizen.address, delivery_postcode=citizen.postcode,
        delivery_city=citizen.city, lines=[], events=[],  # known empty: no query to find that out later
    )
    db.session.add(order)
    db.session.flush()
    return order


def open_draft(citizen: Citizen, *, placed_by: User | None = None) -> Order:
    """The citizen's unfinished order if there is one (nothing typed is lost), else a new one."""
    return find_draft(citizen, placed_by=placed_by) or new_draft(citizen, placed_by=placed_by)


def quantities_from(form, prefix: str = "qty-") -> dict[int, str]:
    """The packs typed per variant id in fields named `prefix` + id; a field whose id no record can have (a forged
    `qty-2147483648`, five thousand digits) is left out, as a product that does not exist."""
    found = {}
    for name, value in form.items():
        if name.startswith(prefix) and (variant_id := record_id(name[len(prefix):])) is not None:
            found[variant_id] = value
    return found


def parse_quantity(text, field_name: str) -> int:
    raw = str(text if text is not None else "").strip()
    if raw == "":
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise OrderError({field_name: _l("Enter a whole number of packs, e.g. 2.")})
    value = int(raw) if len(raw) <= 9 else MAX_QUANTITY + 1  # int() refuses thousands of digits outright
    if value > MAX_QUANTITY:
        raise OrderError({field_name: _l("At most %(max)s packs of one product in an order.", max=MAX_QUANTITY)})
    return value


def _snapshot_line(line: OrderLine, variant: Variant, price, measure: CuttingMeasure | None) -> None:
    line.article_number = variant.article_number
    line.product_name = variant.display_name
    line.unit_price_oere = price.price_oere
    line.vat_rate_pct = price.vat_rate_pct
    line.cut = measure.cut if variant.is_cut_to_fit and measure is not None else None


def _check_variant(variant: Variant | None, field_name: str, on: date, measure: CuttingMeasure | None,
                   prices: dict) -> dict[str, str]:
    if variant is None:
        return {field_name: _l("This product does not exist in the catalogue.")}
    name = variant.display_name
    if not variant.active or (variant.discontinued_at is not None and variant.discontinued_at <= on):
        return {field_name: _l("%(name)s is discontinued and can no longer be ordered. Ask a stoma nurse for an alternative.",
                               name=name)}
    if variant.id not in prices:
        return {field_name: _l("%(name)s has no contract price today and cannot be ordered.", name=name)}
    if variant.is_cut_to_fit:
        if measure is None:
            return {field_name: _l("%(name)s is cut to your measure, but we have no measure for you. Enter your measure first.",
                                   name=name)}
        if not measure_fits(measure.cut, variant):
            return {field_name: _l("Your measure %(measure)s is outside what %(name)s can be cut to (%(min)s–%(max)s mm). "
                                   "Choose another size or ask a stoma nurse.",
                                   measure=measure.cut.label, name=name, min=variant.cut_min_mm, max=variant.cut_max_mm)}
    return {}


# A variant's contract price on the day `on` (at most one: overlapping prices are refused), for an outer join.
_PRICE_ON_THE_DAY = and_(ContractPrice.variant_id == Variant.id, price_in_force_on(bindparam("on", type_=Date)))

_VARIANTS_WITH_PRICES = (
    select(Variant, ContractPrice)
    .outerjoin(ContractPrice, _PRICE_ON_THE_DAY)
    .where(Variant.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(Variant.product).joinedload(Product.category))
)


def _load_variants(ids: list[int], on: date) -> tuple[dict[int, Variant], dict[int, ContractPrice]]:
    """Variants with their product, category and contract price in force on `on`, in one round trip (order pages and
    submit use all four); a variant without a price in force is left out of the prices."""
    if not ids:
        return {}, {}
    return _by_variant(db.session.execute(_VARIANTS_WITH_PRICES, {"ids": list(set(ids)), "on": on}))


def _by_variant(pairs) -> tuple[dict[int, Variant], dict[int, ContractPrice]]:
    variants, prices = {}, {}
    for variant, price in pairs:
        if variant is None:
            continue
        variants[variant.id] = variant
        if price is not None:
            prices[variant.id] = price
    return variants, prices


def _checked_quantities(quantities: dict[int, object], on: date, measure: CuttingMeasure | None,
                        variants: dict[int, Variant], prices: dict) -> dict[int, int]:
    """Packs wanted per variant id (zero and empty left out); every field is checked, all problems raised together."""
    errors: dict[str, str] = {}
    wanted: dict[int, int] = {}
    for variant_id, raw in quantities.items():
        name = f"qty-{variant_id}"
        try:
            qty = parse_quantity(raw, name)
        except OrderError as exc:
            errors.update(exc.errors)
            continue
        if qty == 0:
            continue
        problem = _check_variant(variants.get(int(variant_id)), name, on, measure, prices)
        if problem:
            errors.update(problem)
            continue
        wanted[int(variant_id)] = qty
    if errors:
        raise OrderError(errors)
    return wanted


def set_draft_lines(order: Order, quantities: dict[int, object], on: date | None = None) -> Order:
    """Replace the draft's lines with these quantities per variant id (0 or empty removes a line).

    Every field is checked before anything changes, so a bad quantity saves nothing.
    """
    _lock_draft(order)
    on = on or local_today()
    measure = current_measure(order.citizen_id)
    variants, prices = _load_variants([int(k) for k in quantities], on)
    wanted = _checked_quantities(quantities, on, measure, variants, prices)
    existing = {line.variant_id: line for line in order.lines}
    for variant_id, line in existing.items():
        if variant_id not in wanted:
            order.lines.remove(line)
    with db.session.no_autoflush:  # a half-filled line must not be flushed by the price look-up
        for variant_id, qty in wanted.items():
            line = existing.get(variant_id) or OrderLine(variant_id=variant_id)
            line.quantity = qty
            _snapshot_line(line, variants[variant_id], prices[variant_id], measure)
            if line not in order.lines:
                order.lines.append(line)
    db.session.flush()
    return order


def add_to_draft(order: Order, variant_id: int, quantity: int = 1, on: date | None = None) -> Order:
    quantities = {line.variant_id: line.quantity for line in order.lines}
    quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    return set_draft_lines(order, quantities, on)


DRIVER_NOTE_MAX = 200


def set_delivery(order: Order, *, express: bool, temporary: bool, name: str = "", address: str = "", postcode: str = "",
                 city: str = "", temporary_from: date | None = None, temporary_to: date | None = None,
                 driver_note: str | None = None, on: date | None = None) -> Order:
    _lock_draft(order)
    on = on or local_today()
    citizen = order.citizen
    problems = {}  # reported with the address's, all at once; a refused delivery step saves nothing
    if driver_note is not None:
        driver_note = " ".join(clean_text(driver_note).split())
        if len(driver_note) > DRIVER_NOTE_MAX:
            problems["driver_note"] = _l("The note to the driver can be at most %(max)s characters.", max=DRIVER_NOTE_MAX)
    if not temporary:
        if problems:
            raise OrderError(problems)
        order.temporary_address = False
        order.temporary_from = order.temporary_to = None
        order.delivery_name, order.delivery_address = citizen.name, citizen.address
        order.delivery_postcode, order.delivery_city = citizen.postcode, citizen.city
    else:
        errors = dict(problems)
        postcode = (postcode or "").strip()
        if not (address or "").strip():
            errors["address"] = _l("Enter the street and number.")
        if not (postcode.isascii() and postcode.isdigit() and len(postcode) == 4 and postcode[0] != "0"):
            errors["postcode"] = _l("A Danish postcode is 4 digits, e.g. 8000.")
        if not (city or "").strip():
            errors["city"] = _l("Enter the town.")
        if temporary_from is None:
            errors["temporary_from"] = _l("Enter the first day you are at this address.")
        elif temporary_from < on:
            errors["temporary_from"] = _l("The first day cannot be in the past.")
        elif temporary_from > add_months(on, TEMPORARY_ADDRESS_MAX_MONTHS_AHEAD):
            errors["temporary_from"] = _l("The first day can be at most %(months)s months ahead. Order again nearer the time.",
                                          months=TEMPORARY_ADDRESS_MAX_MONTHS_AHEAD)
        if temporary_to is None:
            errors["temporary_to"] = _l("Enter the last day you are at this address.")
        elif temporary_from is not None and temporary_to < temporary_from:
            errors["temporary_to"] = _l("The last day must be on or after the first day.")
        elif temporary_from is not None and temporary_to > add_months(temporary_from, TEMPORARY_ADDRESS_MAX_MONTHS):
            errors["temporary_to"] = _l("A temporary address can be used for at most %(months)s months.",
                                        months=TEMPORARY_ADDRESS_MAX_MONTHS)
        if errors:
            raise OrderError(errors)
        order.temporary_address = True
        order.delivery_name = (name or "").strip()[:200] or citizen.name
        order.delivery_address, order.delivery_postcode, order.delivery_city = address.strip()[:200], postcode, city.strip()[:100]
        order.temporary_from, order.temporary_to = temporary_from, temporary_to
    order.express = express
    if driver_note is not None:
        order.driver_note = driver_note or None
    db.session.flush()
    return order


# --- routing against the grant ------------------------------------------------------------------

_RULES = select(OrderRules).where(OrderRules.municipality_id == bindparam("municipality_id"))


def default_rules(municipality_id: int) -> OrderRules:
    """The order rules of a municipality that has set none of its own."""
    return OrderRules(municipality_id=municipality_id, intro_months=6, intro_max_months_per_order=1,
                      max_months_per_order=3, min_days_between_orders=14)


def rules_for(municipality_id: int) -> OrderRules:
    return db.session.scalar(_RULES, {"municipality_id": municipality_id}) or default_rules(municipality_id)


def _had_grant_for(citizen_id: int, variant: Variant, on: date) -> bool:
    """Whether a grant that covered this product has run out (to explain the routing plainly): its last day is
    before `on`. An ending decided for a later day has not run out (Grant.in_force_on)."""
    query = (
        select(func.count(GrantLine.id)).join(Grant, Grant.id == GrantLine.grant_id)
        .where(Grant.citizen_id == citizen_id, GrantLine.replaced_at.is_(None), Grant.valid_to < on,
               or_(GrantLine.variant_id == variant.id, GrantLine.category_id == variant.product.category_id))
    )
    return bool(db.session.scalar(query))


def counting_day(order: Order) -> date:
    """The day an order is judged on: the local date it was sent (its grant period is the one that day lies in, as
    consumption counts it), or today for a draft. An order sent on 30 November and decided on 2 December is judged
    against November's period, never against December's."""
    return _local_date_of(order.submitted_at) if order.submitted_at is not None else local_today()


def evaluate(order: Order, on: date | None = None, rules: OrderRules | None = None) -> Routing:
    """Route each line: within the grant, or why it needs approval. Reads only; changes nothing.

    The grant lines in force and what is used of them come as plain rows (`line_usage`) from the SQL twin
    of consumption_for (a test keeps the two equal): one round trip, whatever the citizen's history.
    """
    on = on or local_today()
    citizen = order.citizen
    # An order already sent (reevaluated while it waits) is judged by the orders sent before it.
    grant_lines = line_usage(citizen.id, on, exclude_order_id=order.id, sent_before=order.submitted_at)
    rules = rules or rules_for(citizen.municipality_id)
    in_order: dict[int, tuple[int, int]] = {}  # grant line id → (quantity, øre) already routed in this order
    routing = Routing()
    for line in order.lines:
        variant = line.variant
        grant_line = matching_line(grant_lines, variant.id, variant.product.category_id)
        if grant_line is None:
            reason = "grant_expired" if _had_grant_for(citizen.id, variant, on) else "not_granted"
            routing.lines.append(LineRouting(line, reason))
            continue
        before_qty, before_oere = in_order.get(grant_line.line_id, (0, 0))
        qty, oere = before_qty + line.quantity, before_oere + line.total_oere
        in_order[grant_line.line_id] = (qty, oere)
        reason = line_reason(qty, oere, granted=grant_line.granted, used=int(grant_line.used),
                             used_oere=int(grant_line.used_oere), ceiling_oere=grant_line.price_ceiling_oere,
                             per_order=per_order_limit(grant_line.granted, grant_line.period, grant_line.valid_from,
                                                       on, rules))
        routing.lines.append(LineRouting(line, reason))
    if order.express and not order.is_replacement:
        grants = grants_in_force([citizen.id], on)
        allowance = min((g.express_per_year for g in grants), default=0)
        if _express_orders_this_year(citizen.id, on, order.id) >= allowance:
            routing.order_reasons.append("express_beyond_grant")
    if not order.is_replacement:
        # Read with the grant's use, after the citizen's lock: an order sent while this one waited for it counts.
        last = (_local_date_of(grant_lines[0].last_ordinary_at) if grant_lines
                else _last_ordinary_order_date(citizen.id, order.id, order.submitted_at))
        free_from = too_soon_until(last, on, rules)
        if free_from is not None:
            routing.order_reasons.append("too_soon")
            routing.free_from = free_from
    return routing


# The decisions of evaluate on plain values, so that whatever else routes orders (the demo history, made in bulk
# without a session per order) routes them by the same rule, not a copy of it.

def per_order_limit(granted: int, period: str, grant_valid_from: date, on: date, rules: OrderRules) -> int:
    """The most packs of one grant line one order may hold: a month's share of the grant times the months an order
    may cover (fewer in the first months after the grant began)."""
    intro = on < add_months(grant_valid_from, rules.intro_months)
    months = rules.intro_max_months_per_order if intro else rules.max_months_per_order
    return math.ceil(granted / GrantPeriod(period).months) * months


def line_reason(quantity: int, oere: int, *, granted: int, used: int, used_oere: int, ceiling_oere: int | None,
                per_order: int) -> str:
    """How one grant line's share of an order is routed: `quantity` packs worth `oere` in this order, against what
    is granted and already used this period."""
    # What is left never goes below zero (LineUse.remaining_*): a free line still fits an exhausted ceiling.
    if quantity > max(granted - used, 0):
        return "over_grant"
    if ceiling_oere is not None and oere > max(ceiling_oere - used_oere, 0):
        return "over_price_ceiling"
    if quantity > per_order:
        return "over_order_limit"
    return "within_grant"


def too_soon_until(last_sent: date | None, on: date, rules: OrderRules) -> date | None:
    """With the local date the citizen's previous ordinary order was sent: the first day an order is not "too
    soon" after it, when `on` is before that day; else None."""
    if last_sent is None:
        return None
    free_from = last_sent + timedelta(days=rules.min_days_between_orders)
    return free_from if on < free_from else None

def _express_orders_this_year(citizen_id: int, on: date, exclude_order_id: int) -> int:

    return db.session.scalar(
        select(func.count(Order.id)).where(
            Order.citizen_id == citizen_id, Order.express.is_(True), Order.is_replacement.is_(False),
            Order.status.in_(COUNTING_STATUSES), Order.id != exclude_order_id,
            Order.submitted_at >= start_of_local_day_utc(date(on.year, 1, 1)),
            Order.submitted_at < start_of_local_day_utc(date(on.year + 1, 1, 1)),
        )
    ) or 0


_LAST_ORDINARY_ORDER = last_ordinary_order(bindparam("citizen_id"), bindparam("exclude_order_id"),
                                           bindparam("sent_before", type_=UTCDateTime()))


def _last_ordinary_order_date(citizen_id: int, exclude_order_id: int | None,
                              sent_before: datetime | None = None) -> date | None:
    # Order ids start at 1: 0 excludes nothing (an order not yet written has no id).
    return _local_date_of(db.session.scalar(
        _LAST_ORDINARY_ORDER, {"citizen_id": citizen_id, "exclude_order_id": exclude_order_id or 0,
                               "sent_before": sent_before or NOT_YET_SENT}))


def _local_date_of(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # aggregate results bypass the column type on some engines: stored times are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return local_date(moment)


# --- submission and what follows ----------------------------------------------------------------

ORDER_NOTE_MAX = 2000


def set_note(order: Order, note: str | None) -> Order:
    """The note for whoever decides an order beyond the grant (the citizen's "why I need more", or the agent's); kept
    with the order, never sent to the warehouse. Empty clears it."""
    _lock_draft(order)
    note = clean_text(note or "").strip()
    if len(note) > ORDER_NOTE_MAX:
        raise OrderError({"note": _l("The note can be at most %(max)s characters.", max=ORDER_NOTE_MAX)})
    order.note = note or None
    return order


def submit(order: Order, *, by: User | None = None, on: date | None = None) -> Order:
    """Send the draft: accepted at once when within the grant, otherwise awaiting approval.

    Idempotent: an order that was already sent is returned unchanged (double click, replayed POST).
    """
    if order.status is not OrderStatus.DRAFT or lock_order(order).status is not OrderStatus.DRAFT:
        return order  # sent before, or by a concurrent request while this one waited for the lock
    lock_citizen(order.citizen_id)  # serialises grant decisions: what is used of the grant is read after it
    on = on or local_today()
    if not order.lines:
        raise OrderError({"order": _l("Your order is empty. Choose at least one product.")})
    measure = current_measure(order.citizen_id)
    variants, prices = _load_variants([line.variant_id for line in order.lines], on)
    errors: dict[str, str] = {}
    for line in order.lines:
        errors.update(_check_variant(variants.get(line.variant_id), f"qty-{line.variant_id}", on, measure, prices))
    if errors:
        raise OrderError(errors)
    for line in order.lines:
        _snapshot_line(line, variants[line.variant_id], prices[line.variant_id], measure)
    if order.temporary_address and order.temporary_to is not None and order.temporary_to < on:
        raise OrderError({"temporary_to": _l("The temporary address has expired. Choose your home address or new dates.")})
    _send(order, evaluate(order, on), by)
    db.session.flush()
    return order


def _send(order: Order, routing: Routing, by: User | None) -> None:
    """Record the routing and move the draft on: accepted when all is within the grant, else awaiting approval."""
    for item in routing.lines:
        item.line.routing = item.reason
    order.submitted_at = utcnow()
    citizen_acts = by is None
    if routing.within_grant:
        set_status(order, OrderStatus.ACCEPTED, by=by, by_citizen=citizen_acts, reason="within_grant")
    else:
        reasons = [r.reason for r in routing.lines if r.reason != "within_grant"] + routing.order_reasons
        set_status(order, OrderStatus.AWAITING_APPROVAL, by=by, by_citizen=citizen_acts, routing_reasons=reasons)
    ORDERS_SENT.labels(order.status.value).inc()


def order_reasons_of(order: Order) -> list[str]:
    """The order-level reasons recorded when it went to approval."""
    for event in order.events:
        if event.to_status is OrderStatus.AWAITING_APPROVAL and event.routing_reasons:
            return [r.value for r in event.routing_reasons if r.value in ORDER_REASONS]
    return []


def waiting_reasons(order_ids: list[int]) -> dict[int, list[str]]:
    """Why each order waits for approval, in short words for a work queue ("beyond the grant this period", "soon after
    the last order"): its lines' routing and the order-level reasons recorded when it was sent. Two queries."""
    found: dict[int, list[str]] = {i: [] for i in order_ids}
    if not order_ids:
        return found
    for order_id, reason in db.session.execute(
            select(OrderEvent.order_id, OrderEventReason.reason).join(OrderEventReason, OrderEventReason.event_id == OrderEvent.id)
            .where(OrderEvent.order_id.in_(order_ids), OrderEvent.to_status == OrderStatus.AWAITING_APPROVAL,
                   OrderEventReason.reason.in_([RoutingReason(r) for r in SHORT_ORDER_REASONS]))
            .order_by(OrderEvent.id, OrderEventReason.reason)):
        found[order_id].append(str(SHORT_ORDER_REASONS[reason.value]))
    for order_id, routing in db.session.execute(
            select(OrderLine.order_id, OrderLine.routing).where(OrderLine.order_id.in_(order_ids)).order_by(OrderLine.id)):
        words = SHORT_ROUTING_REASONS.get(routing or "")
        if words is not None and routing != RoutingReason.WITHIN_GRANT.value and str(words) not in found[order_id]:
            found[order_id].append(str(words))
    return found


def reevaluate_waiting_orders(citizen: Citizen, on: date | None = None) -> list[Order]:
    """After a grant change: accept waiting orders that now fit entirely, oldest first, each judged in the period it
    counts in (counting_day: the day it was sent) unless `on` is given."""
    lock_citizen(citizen.id)
    accepted = []
    # Locked and read again: an order the citizen cancelled or a nurse decided meanwhile is no longer waiting.
    waiting = db.session.scalars(
        select(Order).where(Order.citizen_id == citizen.id, Order.status == OrderStatus.AWAITING_APPROVAL).order_by(Order.id)
        .with_for_update(of=Order).execution_options(populate_existing=True)
    )
    for order in waiting:
        routing = evaluate(order, on or counting_day(order))
        if routing.within_grant:
            for item in routing.lines:
                item.line.routing = item.reason
            set_status(order, OrderStatus.ACCEPTED, reason="grant_changed")
            accepted.append(order)
    db.session.flush()
    return accepted


def cancellable(order: Order) -> bool:
    """Whether the citizen (or an agent for them) can still cancel the order: not yet decided, or accepted and
    its warehouse instruction not yet on its way to the provider."""
    if order.status not in CITIZEN_CANCELLABLE:
        return False
    return order.status is not OrderStatus.ACCEPTED or _can_stop(order, stop=False)


def cancel(order: Order, *, by: User | None = None, reason: str | None = None) -> Order:
    """Cancel under the order's lock: an accepted order only while its instruction can be stopped, so goods the
    provider ships always belong to an order that is delivered and invoiced."""
    lock_order(order)
    if order.status is OrderStatus.CANCELLED:
        return order  # a second press, or cancelled in another tab meanwhile
    if order.status not in CITIZEN_CANCELLABLE or (
            order.status is OrderStatus.ACCEPTED and not _can_stop(order, stop=True)):
        raise OrderError({"order": _l("The order has been sent to the warehouse and can no longer be cancelled. Call the callcenter.")})
    set_status(order, OrderStatus.CANCELLED, by=by, by_citizen=by is None, reason=reason or "cancelled")
    db.session.flush()
    return order


def reorder(previous: Order, *, placed_by: User | None = None, on: date | None = None) -> Order:
    """A new draft with the same products and quantities ("Bestil igen"); prices and measure are today's."""
    draft = open_draft(previous.citizen, placed_by=placed_by)
    set_draft_lines(draft, {line.variant_id: line.quantity for line in previous.lines}, on)
    return draft


def last_order(citizen_id: int) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.citizen_id == citizen_id, Order.status != OrderStatus.DRAFT, Order.is_replacement.is_(False))
        .order_by(Order.submitted_at.desc(), Order.id.desc()).limit(1)
    )


def problems_of(order: Order) -> list[DeliveryProblem]:
    """The problems reported about an order, oldest first."""
    return list(db.session.scalars(select(DeliveryProblem).where(DeliveryProblem.order_id == order.id)
                                   .order_by(DeliveryProblem.reported_at, DeliveryProblem.id)))


def has_open_problem(order: Order) -> bool:
    return any(p.is_open for p in problems_of(order))


def report_problem(order: Order, *, kind: DeliveryProblemKind, description: str, by: User | None = None,
                   once: bool = False) -> DeliveryProblem:
    """A problem with a delivered order; with `once` (the citizen on the web) not while another is still open,
    so the same report is not sent again and again."""
    if order.status is not OrderStatus.DELIVERED:
        raise OrderError({"kind": _l("You can report a problem once the order has been delivered.")})
    if once and has_open_problem(order):
        raise OrderError({"kind": _l("You have already reported a problem with this order. The callcenter will contact you.")})
    description = (description or "").strip()
    if not description:
        raise OrderError({"description": _l("Describe the problem, e.g. which product is missing.")})
    problem = DeliveryProblem(order=order, kind=kind, description=description[:2000], reported_by_id=getattr(by, "id", None))
    db.session.add(problem)
    db.session.flush()
    return problem


def find_draft(citizen: Citizen, *, placed_by: User | None = None) -> Order | None:
    query = select(Order).where(Order.citizen_id == citizen.id, Order.status == OrderStatus.DRAFT)
    query = query.where(Order.placed_by_id == placed_by.id) if placed_by else query.where(Order.placed_by_id.is_(None))
    return db.session.scalar(query.order_by(Order.id.desc()).limit(1))


RECENT_ORDERS_DAYS = 730


def recently_ordered_variants(citizen_id: int, on: date) -> set[int]:
    """The variants the citizen has ordered in the last two years: what they use now, read through the
    (citizen, submitted_at) index so the cost does not grow with years of history."""
    since = start_of_local_day_utc(on - timedelta(days=RECENT_ORDERS_DAYS))
    return set(db.session.scalars(
        select(OrderLine.variant_id).join(Order, Order.id == OrderLine.order_id)
        .where(Order.citizen_id == citizen_id, Order.submitted_at >= since).distinct()))


@dataclass
class Orderable:
    """A grant line with its use this period and the variants the citizen can order against it."""

    use: LineUse
    variants: list[Variant]


def orderable_for(citizen: Citizen, on: date | None = None) -> list[Orderable]:
    """What the citizen can order within the grant: a variant line's variant, or for a category line the
    variants of that category the citizen has ordered before (else the category's active variants, A–Z)."""

    on = on or local_today()
    result = []
    uses = consumption(citizen.id, on)
    ordered: set[int] | None = None
    for use in uses:
        if use.line.variant_id is not None:
            variants = [use.line.variant]
        else:
            if ordered is None:
                ordered = recently_ordered_variants(citizen.id, on)
            base = (select(Variant).join(Product).where(Product.category_id == use.line.category_id, Variant.active.is_(True))
                    .order_by(Product.name, Variant.article_number))
            variants = list(db.session.scalars(base.where(Variant.id.in_(ordered)))) if ordered else []
            if not variants:
                variants = list(db.session.scalars(base.limit(12)))
        result.append(Orderable(use, variants))
    return result
