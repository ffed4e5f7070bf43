"""Clinical decisions: orders beyond the grant, product changes, supplier-change reviews, and recommendations to
the grant officer (a nurse never changes a grant herself)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalogue.models import Product, ReviewStatus, SupplierChangeReview, Variant
from stomi_app import audit, signals
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.labels import ORDER_STATUS, label
from grants.services import MAX_QUANTITY, GrantAccessDenied, consumption, grants_in_force
from stomi_app.models.citizen import Citizen
from grants.models import GrantLine, GrantPeriod
from care.models import (
    GrantRecommendation, ProductChangeRequest, RecommendationKind, RecommendationLine, RecommendationStatus, RequestStatus, TaskKind,
)
from ordering.models import Order, OrderStatus
from stomi_app.models import Role, User
from care.nursing import NursingError, check_free, finish_task, needs_nurse
from ordering.services import lock_order, set_status
from stomi_app.timeutil import local_today
from stomi_app.userinput import whole_number
from care.models import PRODUCT_CHANGE_FLOW, RECOMMENDATION_FLOW
from catalogue.supplier_change import complete_review

# --- orders that wait for approval ----------------------------------------------------------------


def _undecided(order: Order) -> None:
    """Refuse a decision on an order that is no longer waiting, read under its lock (a cancel or another
    decision may have come first)."""
    if lock_order(order).status is not OrderStatus.AWAITING_APPROVAL:
        raise NursingError({"state": _l("The order has already been decided (%(status)s).",
                                           status=label(ORDER_STATUS, order.status))})


def _reason(text: str | None, *, required: bool, field_name: str = "reason") -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise NursingError({field_name: _l("Write the reason. The citizen will read it.")})
    if len(text) > 2000:
        raise NursingError({field_name: _l("Write at most %(max)s characters.", max=2000)})
    return text or None


def _quantity(raw, field_name: str) -> int:
    quantity = whole_number(raw, low=1, high=MAX_QUANTITY)
    if quantity is None:
        raise NursingError({field_name: _l("Enter a whole number of packs from 1 to %(max)s.", max=MAX_QUANTITY)})
    return quantity


def approve_order(nurse: User, order: Order, *, reason: str | None = None, recommend: bool = False,
                  quantities: dict[int, object] | None = None, note: str | None = None) -> GrantRecommendation | None:
    """Approve this order once; with `recommend`, also recommend the grant officer to change the grant.

    `quantities` maps an order line's variant id to the packs per month to recommend (default: as ordered).
    """
    check_free(nurse, TaskKind.ORDER, order.id)
    _undecided(order)
    reason = _reason(reason, required=False)
    recommendation = None
    if recommend:
        beyond = [line for line in order.lines if line.routing != "within_grant"]
        quantities = quantities or {}
        lines = [RecommendationLine(variant_id=line.variant_id, period=GrantPeriod.MONTH,
                                    quantity=_quantity(quantities.get(line.variant_id, line.quantity), f"qty-{line.variant_id}"))
                 for line in beyond]
        if not lines:
            raise NursingError({"recommend": _l("Every line is within the grant: there is nothing to recommend.")})
        recommendation = _recommend(nurse, order.citizen, RecommendationKind.ORDER, lines, note or reason, order_id=order.id)
    _decided(nurse, order, OrderStatus.ACCEPTED, reason, reason or "approved_by_nurse")
    audit.record(nurse, "change", "nurse: approve an order", order.citizen,
                 detail=f"order {order.id}" + (f", recommendation {recommendation.id}" if recommendation else ""))
    db.session.flush()
    return recommendation


def reject_order(nurse: User, order: Order, *, reason: str) -> Order:
    check_free(nurse, TaskKind.ORDER, order.id)
    _undecided(order)
    reason = _reason(reason, required=True)
    _decided(nurse, order, OrderStatus.REJECTED, reason, reason)
    audit.record(nurse, "change", "nurse: reject an order", order.citizen, detail=f"order {order.id}")
    db.session.flush()
    return order


def _decided(by: User, order: Order, target: OrderStatus, reason: str | None, event_reason: str) -> None:
    # One way a waiting order is decided, by a nurse or a grant officer: who, when, why, and the status machine.
    order.decided_by_id, order.decided_at, order.decision_reason = by.id, utcnow(), reason
    set_status(order, target, by=by, reason=event_reason)
    finish_task(TaskKind.ORDER, order.id)


def officer_decide_order(officer: User, order: Order, *, approve: bool, reason: str | None = None) -> Order:
    """The grant officer decides a waiting order on budget (a lapsed grant, a price ceiling, express beyond the
    grant): approved once, or rejected with a reason the citizen reads. A clinical question stays the nurse's."""
    if officer.role is not Role.GRANT_OFFICER or officer.municipality_id != order.citizen.municipality_id:
        raise GrantAccessDenied()
    _undecided(order)
    if needs_nurse(order):
        raise NursingError({"state": _l("This order asks a clinical question: a stoma nurse decides it, not the "
                                        "municipality.")})
    reason = _reason(reason, required=not approve)
    if approve:
        _decided(officer, order, OrderStatus.ACCEPTED, reason, reason or "approved_by_municipality")
    else:
        _decided(officer, order, OrderStatus.REJECTED, reason, reason)
    if approve:
        audit.record(officer, "change", "grant officer: approve an order", order.citizen, detail=f"order {order.id}")
    else:
        audit.record(officer, "change", "grant officer: reject an order", order.citizen, detail=f"order {order.id}")
    db.session.flush()
    return order


# --- recommendations to the grant officer ---------------------------------------------------------

def _recommend(nurse: User, citizen: Citizen, kind: RecommendationKind, lines: list[RecommendationLine], note: str | None,
               **source) -> GrantRecommendation:
    recommendation = GrantRecommendation(kind=kind, citizen_id=citizen.id, municipality_id=citizen.municipality_id,
                                         status=RecommendationStatus.OPEN, note=(note or "").strip(), created_by_id=nurse.id,
                                         lines=lines, **source)
    db.session.add(recommendation)
    db.session.flush()
    return recommendation


def _pending_for(municipality_id: int) -> tuple:
    # One definition of "waiting for this municipality's grant officer", shared by the list and its count.
    return (GrantRecommendation.municipality_id == municipality_id, GrantRecommendation.status == RecommendationStatus.OPEN,
            GrantRecommendation.kind != RecommendationKind.DISCHARGE)


def recommendation_details() -> list:
    """Loader options for what a grant officer's page shows of a recommendation, so a list costs a few queries, not a
    few per row: the products with their category, the products they replace, the citizen, the nurse and the order."""
    line = selectinload(GrantRecommendation.lines)
    return [line.selectinload(RecommendationLine.variant).selectinload(Variant.product).selectinload(Product.category),
            line.selectinload(RecommendationLine.replaces_variant).selectinload(Variant.product),
            selectinload(GrantRecommendation.citizen), selectinload(GrantRecommendation.created_by),
            selectinload(GrantRecommendation.order)]


def pending_recommendations(municipality_id: int, citizen_id: int | None = None) -> list[GrantRecommendation]:
    """Open recommendations (orders, product and supplier changes) for one municipality's grant officers, oldest first;
    only one citizen's when `citizen_id` is given. Discharges are listed by
    `care.discharge.open_discharge_recommendations`."""
    query = select(GrantRecommendation).where(*_pending_for(municipality_id))
    if citizen_id is not None:
        query = query.where(GrantRecommendation.citizen_id == citizen_id)
    return list(db.session.scalars(
        query
        .options(*recommendation_details())
        .order_by(GrantRecommendation.created_at, GrantRecommendation.id)
    ))


def count_pending_recommendations(municipality_id: int) -> int:
    """How many recommendations `pending_recommendations` lists, counted in the database (for the start page)."""
    return db.session.scalar(select(func.count(GrantRecommendation.id)).where(*_pending_for(municipality_id))) or 0


def recommendations_for_citizen(citizen_id: int) -> list[GrantRecommendation]:
    return list(db.session.scalars(
        select(GrantRecommendation).where(GrantRecommendation.citizen_id == citizen_id)
        .order_by(GrantRecommendation.created_at.desc(), GrantRecommendation.id.desc())
    ))


def close_recommendation(officer: User, recommendation: GrantRecommendation, *, done: bool, note: str | None = None,
                         grant=None, follows_anyway: bool = False) -> GrantRecommendation:
    """The grant officer's answer: done (the grant was made or changed) or dismissed (with a note why).

    `follows_anyway`: the grant was just made from the recommendation itself (a discharge), with the officer's own
    numbers and dates: done without comparing it with the recommendation."""
    if officer.role is not Role.GRANT_OFFICER or officer.municipality_id != recommendation.municipality_id:
        raise GrantAccessDenied()
    if recommendation.status is not RecommendationStatus.OPEN:
        raise NursingError({"state": _l("The recommendation has already been handled.")})
    note = (note or "").strip() or None
    if not done and not note:
        raise NursingError({"note": _l("Write why the recommendation is not followed.")})
    if done and not follows_anyway and (unmet := recommendation_unmet(recommendation)):
        raise NursingError({"done": _l("The grant does not yet follow the recommendation: %(problems)s. Change the grant "
                                       "first, or dismiss the recommendation with a note why.", problems="; ".join(unmet))})
    RECOMMENDATION_FLOW.move(recommendation, RecommendationStatus.DONE if done else RecommendationStatus.DISMISSED)
    recommendation.handled_at, recommendation.handled_by_id, recommendation.handled_note = utcnow(), officer.id, note
    recommendation.grant_id = getattr(grant, "id", None)
    audit.record(officer, "change", "grant officer: handle a nurse's recommendation", recommendation.citizen,
                 detail=f"recommendation {recommendation.id} {recommendation.status.value}")
    db.session.flush()
    return recommendation


def recommendation_unmet(recommendation: GrantRecommendation, on: date | None = None) -> list[str]:
    """What of the recommendation the grants in force on `on` do not hold yet: a recommended product not granted (by
    itself, or by its category), granted fewer packs per the same period than recommended, or a replaced product
    still granted by itself. Empty when "done (grant changed)" is true (issue 24 item 10)."""
    lines = _lines_in_force(recommendation.citizen_id, on or local_today())
    unmet = []
    for rec in recommendation.lines:
        granted = _variant_line(lines, rec.variant_id)
        if rec.stops:
            pass  # only the product it ends, below
        elif granted is None and not _category_covers(lines, rec.variant):
            unmet.append(str(_l("%(product)s is not granted", product=rec.variant.display_name)))
        elif granted is not None and granted.period is rec.period and granted.quantity < rec.quantity:
            unmet.append(str(_l("%(product)s is granted %(granted)s, not %(recommended)s", product=rec.variant.display_name,
                                granted=granted.quantity, recommended=rec.quantity)))
        if rec.replaces_variant_id is not None and rec.replaces_variant_id != rec.variant_id \
                and _variant_line(lines, rec.replaces_variant_id) is not None:
            unmet.append(str(_l("%(product)s is still granted", product=rec.replaces_variant.display_name)))
    return unmet


def _only_line_of_category(lines: list[GrantLine], variant: Variant) -> GrantLine | None:
    """The granted variant a wanted one replaces when the citizen did not say: the only one granted of its category."""
    same = [line for line in lines if line.variant_id is not None and line.variant_id != variant.id
            and line.variant.product.category_id == variant.product.category_id]
    return same[0] if len(same) == 1 else None


def _two_piece_left_behind(lines: list[GrantLine], wanted: Variant, replaces: int | None) -> list[GrantLine]:
    """A change from a two-piece product to a one-piece one leaves nothing for the other two-piece products (the
    baseplate, other bags) to join: they are recommended stopped, or the old baseplate stays granted beside the new
    bag (issue 24 item 10). Only when the product replaced is known to be two-piece: nothing is guessed."""
    replaced = _variant_line(lines, replaces)
    if wanted.product.system != "one_piece" or replaced is None or replaced.variant.product.system != "two_piece":
        return []
    return [line for line in lines if line.variant_id is not None and line.variant_id != replaces
            and line.variant.product.system == "two_piece"]


def _lines_in_force(citizen_id: int, on: date) -> list[GrantLine]:
    return [line for grant in grants_in_force([citizen_id], on) for line in grant.lines]


def _category_covers(lines: list[GrantLine], variant: Variant) -> bool:
    return any(line.category_id == variant.product.category_id for line in lines)


def _variant_line(lines: list[GrantLine], variant_id: int | None) -> GrantLine | None:
    return next((line for line in lines if variant_id is not None and line.variant_id == variant_id), None)


# --- product change -------------------------------------------------------------------------------

def request_product_change(citizen: Citizen, *, wanted_variant: Variant | None, reason: str,
                           current_variant: Variant | None = None, requested_by: User | None = None) -> ProductChangeRequest:
    """The citizen (or the callcenter for them) asks for another product; a nurse decides."""
    errors = {}
    if wanted_variant is None or not wanted_variant.active:
        errors["wanted"] = _l("Choose the product you would like (an article number from the catalogue).")
    elif (current_variant is not None and wanted_variant.id == current_variant.id) or wanted_variant.id in {
            use.line.variant_id for use in consumption(citizen.id, local_today())}:
        errors["wanted"] = _l("That is the product you have now. Choose another one.")
    text = (reason or "").strip()
    if not text:
        errors["reason"] = _l("Write why you would like another product, e.g. leaks or sore skin.")
    elif len(text) > 2000:
        errors["reason"] = _l("Write at most %(max)s characters.", max=2000)
    if errors:
        raise NursingError(errors)
    existing = db.session.scalar(select(ProductChangeRequest).where(
        ProductChangeRequest.citizen_id == citizen.id, ProductChangeRequest.wanted_variant_id == wanted_variant.id,
        ProductChangeRequest.status == RequestStatus.OPEN))
    if existing is not None:
        return existing  # asked twice (double click, or again by phone): one request
    change = ProductChangeRequest(citizen_id=citizen.id, wanted_variant_id=wanted_variant.id, reason=text,
                                  current_variant_id=getattr(current_variant, "id", None),
                                  requested_by_id=getattr(requested_by, "id", None), status=RequestStatus.OPEN)
    db.session.add(change)
    db.session.flush()
    if requested_by is not None:
        audit.record(requested_by, "change", "callcenter: product change request", citizen, detail=f"request {change.id}")
    return change


def _undecided_request(change: ProductChangeRequest) -> None:
    if change.status is not RequestStatus.OPEN:
        raise NursingError({"state": _l("The request has already been decided.")})


def _decided_request(nurse: User, change: ProductChangeRequest, target: RequestStatus, reason: str | None) -> None:
    # One way a product change is decided, approved or rejected: the status machine, who, when, why, the task, the signal.
    PRODUCT_CHANGE_FLOW.move(change, target)
    change.decided_by_id, change.decided_at, change.decision_reason = nurse.id, utcnow(), reason
    finish_task(TaskKind.PRODUCT_CHANGE, change.id)
    signals.product_change_decided.send(change)


def approve_product_change(nurse: User, change: ProductChangeRequest, *, reason: str | None = None, quantity=None,
                           on: date | None = None) -> GrantRecommendation | None:
    """Approve the change: at once when a category grant already covers the product, else as a recommendation to
    the grant officer (same quantity as the product it replaces unless the nurse gives one)."""
    check_free(nurse, TaskKind.PRODUCT_CHANGE, change.id)
    _undecided_request(change)
    reason = _reason(reason, required=False)
    lines = _lines_in_force(change.citizen_id, on or local_today())
    recommendation = None
    if _category_covers(lines, change.wanted_variant):
        change.effect = "at_once"
    else:
        replaced = _variant_line(lines, change.current_variant_id) or _only_line_of_category(lines, change.wanted_variant)
        if quantity in (None, "") and replaced is None:
            raise NursingError({"quantity": _l("Enter how many packs per month to recommend.")})
        packs = _quantity(quantity, "quantity") if quantity not in (None, "") else replaced.quantity
        period = replaced.period if replaced is not None and quantity in (None, "") else GrantPeriod.MONTH
        replaces = change.current_variant_id or (replaced.variant_id if replaced is not None else None)
        recommendation = _recommend(
            nurse, change.citizen, RecommendationKind.PRODUCT_CHANGE,
            [RecommendationLine(variant_id=change.wanted_variant_id, quantity=packs, period=period,
                                replaces_variant_id=replaces),
             *[RecommendationLine(variant_id=None, quantity=0, period=line.period, replaces_variant_id=line.variant_id)
               for line in _two_piece_left_behind(lines, change.wanted_variant, replaces)]],
            reason or change.reason, product_change_id=change.id)
        change.effect = "recommended"
    _decided_request(nurse, change, RequestStatus.APPROVED, reason)
    audit.record(nurse, "change", "nurse: approve a product change", change.citizen, detail=f"request {change.id} {change.effect}")
    db.session.flush()
    return recommendation


def reject_product_change(nurse: User, change: ProductChangeRequest, *, reason: str) -> ProductChangeRequest:
    check_free(nurse, TaskKind.PRODUCT_CHANGE, change.id)
    _undecided_request(change)
    reason = _reason(reason, required=True)
    _decided_request(nurse, change, RequestStatus.REJECTED, reason)
    audit.record(nurse, "change", "nurse: reject a product change", change.citizen, detail=f"request {change.id}")
    db.session.flush()
    return change


def product_changes_of(citizen_id: int) -> list[ProductChangeRequest]:
    return list(db.session.scalars(
        select(ProductChangeRequest).where(ProductChangeRequest.citizen_id == citizen_id)
        .order_by(ProductChangeRequest.created_at.desc(), ProductChangeRequest.id.desc())
    ))


# --- supplier change ------------------------------------------------------------------------------

def decide_supplier_review(nurse: User, review: SupplierChangeReview, *, successor_id: int | None, note: str | None = None,
                           on: date | None = None) -> GrantRecommendation | None:
    """Choose the ending product's successor for this citizen. A granted variant is replaced by recommendation to the
    grant officer; a category grant already covers a successor of the same category."""
    check_free(nurse, TaskKind.SUPPLIER_REVIEW, review.id)
    if review.status is not ReviewStatus.OPEN:
        raise NursingError({"state": _l("The review has already been done.")})
    note = (note or "").strip() or None
    citizen = db.session.get(Citizen, review.citizen_id)
    recommendation = None
    if successor_id is None:
        if not note:
            raise NursingError({"successor": _l("Choose the successor, or write why none of them is right.")})
    else:
        successor = next((v for v in review.suggested_variants if v.id == successor_id), None)
        if successor is None:
            raise NursingError({"successor": _l("Choose one of the suggested products.")})
        lines = _lines_in_force(review.citizen_id, on or local_today())
        replaced = _variant_line(lines, review.old_variant_id)
        if replaced is not None or not _category_covers(lines, successor):
            recommendation = _recommend(
                nurse, citizen, RecommendationKind.SUPPLIER_CHANGE,
                [RecommendationLine(variant_id=successor.id, quantity=replaced.quantity if replaced else 1,
                                    period=replaced.period if replaced else GrantPeriod.MONTH,
                                    replaces_variant_id=review.old_variant_id)],
                note, supplier_review_id=review.id)
        note = f"{successor.article_number}: {note}" if note else successor.article_number
    complete_review(review, by=nurse, note=note)
    finish_task(TaskKind.SUPPLIER_REVIEW, review.id)
    audit.record(nurse, "change", "nurse: supplier-change review", citizen, detail=f"review {review.id}")
    db.session.flush()
    return recommendation
