"""Free replacements: re-sending what a delivery problem shows was missing, wrong, damaged or cut wrongly.

The rule, decided once here so invoicing, statistics and consumption control can rely on it:

- A replacement is an ordinary `Order` with `is_replacement=True` and `replaces_order_id` pointing at the
  delivered order the problem was reported on. It is accepted at once, without routing against the grant,
  and never counts against the grant (`grants.services.consumption_for` skips replacement orders).
- Its lines are priced at **0 øre** (VAT rate kept from the original line). The municipality does not pay
  for goods again that it already paid for; a sum over order lines is therefore right by construction, and
  invoicing shows the order as a replacement by reading `is_replacement`. The value of the goods re-sent
  (e.g. to claim it from the logistics provider) is the original line's snapshot price, reached through
  `replaces_order_id`.
- Only products of the original order can be replaced, and in total (over every replacement of that order
  that was not cancelled) never more packs of a product than were delivered.
- One replacement per delivery problem: its idempotency key is derived from the problem, so a double
  click or a second agent on the same case gets the replacement that already exists.
- Cut-to-fit products are cut to the citizen's current measure (a cutting error may have been a wrong
  measure that has since been corrected); without a measure on file, to the original line's measure.
- A replacement settles the problem (status "replaced"), except a cutting error: that case stays open for
  a stoma nurse, who checks whether the measure itself was wrong (care.nursing resolves it).
"""
from __future__ import annotations

from datetime import date

from flask_babel import ngettext
from sqlalchemy import func, select

from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import User
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order, OrderChannel, OrderLine, OrderStatus
from ordering.services import OrderError, current_measure, parse_quantity, set_status
from stomi_app.timeutil import local_today
from ordering.models import PROBLEM_FLOW, ProblemStatus



def replacement_key(problem: DeliveryProblem) -> str:
    return f"replacement-problem-{problem.id}"


def replacement_for(problem: DeliveryProblem) -> Order | None:
    """The replacement already made for this problem, if any."""
    return db.session.scalar(select(Order).where(Order.idempotency_key == replacement_key(problem)))


def already_replaced(order: Order) -> dict[int, int]:
    """Packs per variant already re-sent for `order` by replacements that were not cancelled."""
    rows = db.session.execute(
        select(OrderLine.variant_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.replaces_order_id == order.id, Order.is_replacement.is_(True),
               Order.status.not_in((OrderStatus.CANCELLED, OrderStatus.REJECTED)))
        .group_by(OrderLine.variant_id)
    )
    return {variant_id: int(total) for variant_id, total in rows}


def replaceable(order: Order) -> dict[int, int]:
    """Packs per variant of `order` that can still be replaced."""
    done = already_replaced(order)
    return {line.variant_id: line.quantity - done.get(line.variant_id, 0) for line in order.lines}


def create_replacement(problem: DeliveryProblem, quantities: dict[int, object], *, by: User | None = None,
                       on: date | None = None) -> Order:
    """An accepted, free replacement order for the packs in `quantities` (variant id → packs; blank or 0 skips).

    Raises OrderError with the form field of each bad quantity; nothing is saved then.
    """
    existing = replacement_for(problem)
    if existing is not None:
        return existing
    if not problem.is_open:
        raise OrderError({"problem": _l("The case is closed. Report a new problem if something is still wrong.")})
    original = problem.order
    on = on or local_today()
    if original.status is not OrderStatus.DELIVERED:
        raise OrderError({"order": _l("Only a delivered order can be replaced.")})
    left = replaceable(original)
    originals = {line.variant_id: line for line in original.lines}
    errors: dict[str, str] = {}
    wanted: dict[int, int] = {}
    for raw_id, raw_qty in quantities.items():
        name = f"replace-{raw_id}"
        try:
            variant_id = int(raw_id)
            qty = parse_quantity(raw_qty, name)
        except (OrderError, ValueError) as exc:
            errors.update(getattr(exc, "errors", {name: _l("Enter a whole number of packs, e.g. 2.")}))
            continue
        if qty == 0:
            continue
        if variant_id not in originals:
            errors[name] = _l("Only products from the original order can be replaced.")
        elif qty > left[variant_id]:
            # Plural rules by Babel: "1 pakning", "3 pakninger" (a plain string: a page escapes it).
            errors[name] = ngettext("At most %(num)s pack of %(name)s can be replaced.",
                                    "At most %(num)s packs of %(name)s can be replaced.", left[variant_id],
                                    name=originals[variant_id].product_name)
        else:
            wanted[variant_id] = qty
    if errors:
        raise OrderError(errors)
    if not wanted:
        raise OrderError({"order": _l("Choose how many packs to send again.")})
    measure = current_measure(original.citizen_id)
    citizen = original.citizen
    # The original's temporary address is used again only while it is still valid.
    keep_address = not original.temporary_address or (original.temporary_to is not None and original.temporary_to >= on)
    source = original if keep_address else None
    replacement = Order(
        citizen=citizen, status=OrderStatus.DRAFT, idempotency_key=replacement_key(problem),
        channel=OrderChannel.PHONE if by is not None else OrderChannel.WEB, placed_by=by,
        is_replacement=True, replaces_order_id=original.id, express=False,
        delivery_name=source.delivery_name if source else citizen.name,
        delivery_address=source.delivery_address if source else citizen.address,
        delivery_postcode=source.delivery_postcode if source else citizen.postcode,
        delivery_city=source.delivery_city if source else citizen.city,
        temporary_address=bool(source and source.temporary_address),
        temporary_from=source.temporary_from if source else None, temporary_to=source.temporary_to if source else None,
        note=problem.description[:2000],  # the problem as the citizen told it, for whoever handles the parcel
    )
    for variant_id, qty in wanted.items():
        old = originals[variant_id]
        line = OrderLine(variant_id=variant_id, quantity=qty, article_number=old.article_number,
                         product_name=old.product_name, unit_price_oere=0, vat_rate_pct=old.vat_rate_pct)
        line.cut = measure.cut if old.cut is not None and measure is not None else old.cut
        replacement.lines.append(line)
    db.session.add(replacement)
    db.session.flush()
    replacement.submitted_at = utcnow()
    set_status(replacement, OrderStatus.ACCEPTED, by=by, by_citizen=by is None, reason="replacement")
    if problem.kind is not DeliveryProblemKind.CUTTING:
        PROBLEM_FLOW.move(problem, ProblemStatus.REPLACED)
    db.session.flush()
    return replacement
