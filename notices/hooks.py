"""The receivers: each domain event the citizen is told of becomes a notice in the transaction of its cause."""
from __future__ import annotations

from sqlalchemy import func, select

from fulfilment.instructions import expected_delivery
from notices.models import Notice
from notices.services import notify
from notices.texts import Kind
from stomi_app import signals
from stomi_app.extensions import db
from ordering.models import OrderStatus
from care.models import RequestStatus

S = OrderStatus
# The moves a citizen hears of; the warehouse's inner steps (sent, picked, cut, packed) are not worth a message.
ORDER_KINDS = {
    (S.DRAFT, S.ACCEPTED): Kind.ORDER_RECEIVED,
    (S.DRAFT, S.AWAITING_APPROVAL): Kind.ORDER_AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, S.ACCEPTED): Kind.ORDER_APPROVED,
    (S.AWAITING_APPROVAL, S.REJECTED): Kind.ORDER_REJECTED,
    (S.PACKED, S.SHIPPED): Kind.ORDER_SHIPPED,
    (S.DELIVERY_FAILED, S.SHIPPED): Kind.ORDER_SHIPPED,
    (S.SHIPPED, S.DELIVERED): Kind.ORDER_DELIVERED,
    (S.SHIPPED, S.DELIVERY_FAILED): Kind.ORDER_DELIVERY_FAILED,
}
# A shipment can fail and go out again: each time is its own event.
REPEATABLE = {Kind.ORDER_SHIPPED, Kind.ORDER_DELIVERY_FAILED}


def _order_key(order, kind: str) -> str:
    key = f"order:{order.id}:{kind}"
    if kind in REPEATABLE:
        earlier = db.session.scalar(select(func.count(Notice.id)).where(Notice.order_id == order.id, Notice.kind == kind))
        key += f":{(earlier or 0) + 1}"
    return key


def on_order_status(order, *, from_status, to_status, reason=None, routing_reasons=(), **_) -> None:
    kind = ORDER_KINDS.get((from_status, to_status))
    if kind is None:
        return
    if kind == Kind.ORDER_RECEIVED and order.is_replacement:
        # A free replacement is arranged with the citizen on the phone ("within your grant" would be wrong); its
        # shipment and delivery are still told.
        return
    if order.id is None:
        db.session.flush()
    params = {"number": order.number}
    if to_status is S.ACCEPTED:
        expected = expected_delivery(order)
        params["expected"] = expected.isoformat() if expected else None
    if kind == Kind.ORDER_AWAITING_APPROVAL:
        params["reasons"] = sorted(r.value for r in routing_reasons)
    if kind == Kind.ORDER_APPROVED:
        params["grant_changed"] = reason == "grant_changed"
        params["reason"] = order.decision_reason
    if kind == Kind.ORDER_REJECTED:
        params["reason"] = order.decision_reason or reason
    if kind == Kind.ORDER_SHIPPED:
        params.update(tracking=order.tracking_reference, carrier=order.carrier)
    notify(order.citizen, kind, _order_key(order, kind), params=params, order_id=order.id)


def on_advice_answered(question, *, message, **_) -> None:
    notify(question.citizen, Kind.ADVICE_ANSWERED, f"advice:{question.id}:answer:{message.id}",
           params={"question_id": question.id})


def on_product_change(change, **_) -> None:
    approved = change.status is RequestStatus.APPROVED
    kind = Kind.PRODUCT_CHANGE_APPROVED if approved else Kind.PRODUCT_CHANGE_REJECTED
    notify(change.citizen, kind, f"product_change:{change.id}:{change.status.value}",
           params={"product": change.wanted_variant.display_name, "reason": change.decision_reason,
                   "effect": change.effect})


GRANT_KINDS = {"created": Kind.GRANT_CREATED, "changed": Kind.GRANT_CHANGED, "ended": Kind.GRANT_ENDED,
               "end_withdrawn": Kind.GRANT_END_WITHDRAWN}


def on_grant_changed(grant, *, action, version, **_) -> None:
    kind = GRANT_KINDS[action]
    notify(grant.citizen, kind, f"grant:{grant.id}:v{version}",
           params={"valid_to": grant.valid_to.isoformat() if grant.valid_to else None})


def on_problem_answered(problem, **_) -> None:
    order = problem.order
    notify(order.citizen, Kind.DELIVERY_PROBLEM_ANSWERED, f"problem:{problem.id}:answered",
           params={"number": order.number}, order_id=order.id)


def connect() -> None:
    """Connect the receivers once (blinker keeps module functions; connecting twice is one connection)."""
    signals.order_status_changed.connect(on_order_status)
    signals.advice_answered.connect(on_advice_answered)
    signals.product_change_decided.connect(on_product_change)
    signals.grant_changed.connect(on_grant_changed)
    signals.delivery_problem_answered.connect(on_problem_answered)
