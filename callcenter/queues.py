"""The callcenter's work queues: open delivery problems, call-backs and product-change requests, claimed and closed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from callcenter.models import Contact, ContactOutcome, ContactReason, QueueClaim, QueueKind
from callcenter.services import MAX_NOTE, auto_log
from stomi_app import audit, signals
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models.citizen import Citizen
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order
from care.models import ProductChangeRequest, RequestStatus
from stomi_app.models import User
from stomi_app.text import clean_text
from ordering.models import PROBLEM_FLOW, ProblemStatus

QUEUE_LIMIT = 50  # per queue; the count says how many there are in all


class QueueError(DomainError):
    """A claim or a close that cannot be done; `errors` maps form field → message."""


class QueueClaimed(QueueError):
    def __init__(self, claim: QueueClaim):
        super().__init__({"claim": _l("%(name)s is working on this case. Take it over first if you are to close it.",
                                      name=claim.agent.name)})
        self.claim = claim


@dataclass
class QueueItem:
    kind: str  # a QueueKind value, or "product_change" (a nurse decides it; the agent only sees it)
    ref_id: int
    citizen: Citizen
    since: datetime
    target: object  # the DeliveryProblem, Contact or ProductChangeRequest
    claim: QueueClaim | None = None


@dataclass
class Queue:
    items: list[QueueItem] = field(default_factory=list)
    count: int = 0


@dataclass
class Queues:
    problems: Queue
    call_backs: Queue
    product_changes: Queue


def _open_problems():
    # A cutting error is the nurses' (their queue); every other problem is the callcenter's.
    return (select(DeliveryProblem).join(Order, Order.id == DeliveryProblem.order_id)
            .where(DeliveryProblem.status == ProblemStatus.OPEN, DeliveryProblem.kind != DeliveryProblemKind.CUTTING))


def _open_call_backs():
    closed = select(QueueClaim.id).where(QueueClaim.kind == QueueKind.CALL_BACK, QueueClaim.ref_id == Contact.id,
                                         QueueClaim.closed_at.is_not(None))
    return select(Contact).where(Contact.outcome == ContactOutcome.CALL_BACK, ~closed.exists())


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _attach_claims(kind: QueueKind, items: list[QueueItem]) -> None:
    if not items:
        return
    by_id = {item.ref_id: item for item in items}
    for claim in db.session.scalars(select(QueueClaim).options(joinedload(QueueClaim.agent))
                                    .where(QueueClaim.kind == kind, QueueClaim.ref_id.in_(list(by_id)))):
        by_id[claim.ref_id].claim = claim


def work_queues(agent: User) -> Queues:
    """The three queues, oldest first, with counts; the reading is audited (one event naming the cases shown)."""
    problems = [QueueItem(QueueKind.DELIVERY_PROBLEM.value, p.id, p.order.citizen, p.reported_at, p)
                for p in db.session.scalars(_open_problems().options(joinedload(DeliveryProblem.order).joinedload(Order.citizen))
                                            .order_by(DeliveryProblem.reported_at, DeliveryProblem.id).limit(QUEUE_LIMIT))]
    _attach_claims(QueueKind.DELIVERY_PROBLEM, problems)
    call_backs = [QueueItem(QueueKind.CALL_BACK.value, c.id, c.citizen, c.at, c)
                  for c in db.session.scalars(_open_call_backs().options(joinedload(Contact.citizen))
                                              .order_by(Contact.at, Contact.id).limit(QUEUE_LIMIT))]
    _attach_claims(QueueKind.CALL_BACK, call_backs)
    open_changes = select(ProductChangeRequest).where(ProductChangeRequest.status == RequestStatus.OPEN)
    changes = [QueueItem("product_change", r.id, r.citizen, r.created_at, r)
               for r in db.session.scalars(open_changes.options(joinedload(ProductChangeRequest.citizen))
                                           .order_by(ProductChangeRequest.created_at, ProductChangeRequest.id).limit(QUEUE_LIMIT))]
    queues = Queues(problems=Queue(problems, _count(_open_problems())), call_backs=Queue(call_backs, _count(_open_call_backs())),
                    product_changes=Queue(changes, _count(open_changes)))
    shown = "; ".join(f"{name}={','.join(str(i.ref_id) for i in q.items)}" for name, q in
                      (("problems", queues.problems), ("call_backs", queues.call_backs), ("product_changes", queues.product_changes)))
    audit.record(agent, "read", "callcenter: work queue", detail=shown)
    db.session.flush()
    return queues


# --- one item -----------------------------------------------------------------------------------

def _kind(kind: str) -> QueueKind | None:
    try:
        return QueueKind(kind)
    except ValueError:
        return None


def find_item(kind: str, ref_id: int) -> QueueItem | None:
    """An open queue item by kind and id (None for an unknown kind or id, or one already closed)."""
    kind_value = _kind(kind)
    if kind_value is QueueKind.DELIVERY_PROBLEM:
        problem = db.session.scalar(_open_problems().where(DeliveryProblem.id == ref_id))
        item = problem and QueueItem(kind, problem.id, problem.order.citizen, problem.reported_at, problem)
    elif kind_value is QueueKind.CALL_BACK:
        contact = db.session.scalar(_open_call_backs().where(Contact.id == ref_id))
        item = contact and QueueItem(kind, contact.id, contact.citizen, contact.at, contact)
    else:
        return None
    if item:
        _attach_claims(kind_value, [item])
    return item or None


def _claim_of(kind: QueueKind, ref_id: int) -> QueueClaim | None:
    return db.session.scalar(select(QueueClaim).where(QueueClaim.kind == kind, QueueClaim.ref_id == ref_id))


def claim(agent: User, item: QueueItem, *, take_over: bool = False) -> QueueClaim:
    """Mark the case as the agent's; a case another agent holds is only taken with `take_over` (audited)."""
    kind = QueueKind(item.kind)
    existing = _claim_of(kind, item.ref_id)
    if existing is not None and existing.agent_id == agent.id:
        return existing
    if existing is not None and not take_over:
        raise QueueClaimed(existing)
    if existing is None:
        existing = QueueClaim(kind=kind, ref_id=item.ref_id, agent_id=agent.id)
        try:
            with db.session.begin_nested():  # two agents pressing at once: the unique constraint picks one
                db.session.add(existing)
        except IntegrityError:
            raise QueueClaimed(_claim_of(kind, item.ref_id)) from None
        audit.record(agent, "change", "callcenter: work queue", item.citizen, detail=f"claim {kind.value} {item.ref_id}")
    else:
        previous = existing.agent.name
        existing.agent_id, existing.claimed_at = agent.id, utcnow()
        db.session.flush()
        db.session.refresh(existing, ["agent"])
        audit.record(agent, "change", "callcenter: work queue", item.citizen,
                     detail=f"take over {kind.value} {item.ref_id} from {previous}")
    db.session.flush()
    return existing


def release(agent: User, item: QueueItem) -> None:
    existing = _claim_of(QueueKind(item.kind), item.ref_id)
    if existing is None:
        return
    if existing.agent_id != agent.id:
        raise QueueClaimed(existing)
    db.session.delete(existing)
    audit.record(agent, "change", "callcenter: work queue", item.citizen, detail=f"release {item.kind} {item.ref_id}")
    db.session.flush()


def close(agent: User, item: QueueItem, note: str) -> QueueClaim:
    """Close the case with a short note of what was done; it leaves the queue and the call log shows it."""
    note = clean_text(note).strip()
    if not note:
        raise QueueError({"note": _l("Write a short note of what was done.")})
    if len(note) > MAX_NOTE:
        raise QueueError({"note": _l("The note can be at most %(max)s characters.", max=MAX_NOTE)})
    kind = QueueKind(item.kind)
    held = claim(agent, item)  # closing an unclaimed case claims it; one held by a colleague is refused
    held.closed_at, held.note = utcnow(), note
    if kind is QueueKind.DELIVERY_PROBLEM:
        problem: DeliveryProblem = item.target
        if problem.is_open:  # else a colleague replaced it meanwhile: the claim closes, the case stays as it is
            PROBLEM_FLOW.move(problem, ProblemStatus.RESOLVED)
            signals.delivery_problem_answered.send(problem)
        audit.record(agent, "change", "callcenter: delivery problem", item.citizen,
                     detail=f"problem on order {problem.order.number} closed without replacement")
        auto_log(agent, item.citizen, ContactReason.COMPLAINT, ContactOutcome.ANSWERED,
                 str(_l("Delivery problem with order %(number)s closed: %(note)s", number=problem.order.number, note=note)))
    else:
        contact: Contact = item.target
        audit.record(agent, "change", "callcenter: work queue", item.citizen, detail=f"call-back {contact.id} done")
        auto_log(agent, item.citizen, contact.reason, ContactOutcome.ANSWERED,
                 str(_l("Called back: %(note)s", note=note)))
    db.session.flush()
    return held


def close_problem(agent: User, problem: DeliveryProblem, note: str) -> QueueClaim:
    """Close a delivery problem from its own page (the same as from the queue)."""
    if problem.kind is DeliveryProblemKind.CUTTING:
        raise QueueError({"order": _l("A cutting error is resolved by a stoma nurse, who checks the measure.")})
    item = find_item(QueueKind.DELIVERY_PROBLEM.value, problem.id)
    if item is None:
        raise QueueError({"order": _l("The case is already closed.")})
    return close(agent, item, note)


def problem_claim(problem: DeliveryProblem) -> QueueClaim | None:
    """Who works on (or closed) a delivery problem, for its page."""
    return db.session.scalar(select(QueueClaim).options(joinedload(QueueClaim.agent))
                             .where(and_(QueueClaim.kind == QueueKind.DELIVERY_PROBLEM, QueueClaim.ref_id == problem.id)))
