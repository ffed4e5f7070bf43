"""The nurse's work: which citizens she sees, one queue of tasks with claims, advice threads, the clinical profile."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import and_, delete, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from catalogue.models import ReviewStatus, SupplierChangeReview
from stomi_app import audit, signals
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from care.models import (
    AdviceMessage, AdviceQuestion, AdviceStatus, ClinicalNote, DischargeProposal, DischargeRecommendation, NoteKind, ProductChangeRequest,
    ProposalStatus, RecommendationStatus, RequestStatus, TaskClaim, TaskKind,
)
from stomi_app.models.citizen import Citizen, StomaType
from citizens.clinical import CuttingMeasure
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order, OrderEvent, OrderLine, OrderStatus
from stomi_app.models import Municipality, Role, User
from stomi_app.models.users import is_hospital_nurse
from ordering.services import record_measure
from stomi_app.paging import Capped
from stomi_app.timeutil import local_date, local_today
from care.models import ADVICE_FLOW
from ordering.models import PROBLEM_FLOW, OrderEventReason, ProblemStatus, RoutingReason
from citizens import consent
from citizens.consent_models import ConsentPurpose
from stomi_app import cpr
from stomi_app.workdays import working_days_between

MAX_TEXT = 4000
# A stoma shrinks for 6–8 weeks after the operation: measures taken in that time are checked again 6 weeks later.
NEW_STOMA_DAYS = 56
REMEASURE_AFTER = timedelta(weeks=6)
# How long a hospital nurse still sees a citizen she discharged (who may live outside her region), at most: the
# handover ends when the home municipality acts on the recommendation, or after these days if it has not. Four
# weeks covers the supplies a citizen goes home with (about two) and the municipality's handling, and ends before
# the 6-week re-measure, which is the citizen's own care's.
HANDOVER_DAYS = 28
# Lines routed for these reasons need a clinical decision; a lapsed grant or a price ceiling is the municipality's.
CLINICAL_ROUTING = ("not_granted", "over_grant", "over_order_limit")
CLINICAL_ORDER_REASONS = (RoutingReason.TOO_SOON,)


class NursingError(DomainError):
    """Input or a state that a nurse's action cannot accept; `errors` maps form field → message."""


class TaskClaimed(NursingError):
    """Another nurse has claimed the task: deciding it needs an explicit take-over."""

    def __init__(self, claim: TaskClaim):
        super().__init__({"claim": _l("%(name)s is working on this task. Take it over first if you are to decide it.",
                                      name=claim.nurse.name)})
        self.claim = claim


# --- which citizens a nurse sees ------------------------------------------------------------------

def own_care_citizens(nurse: User):
    """A condition on Citizen: the citizens in the nurse's own care (a municipal nurse: her municipality; a hospital
    nurse: her region's municipalities). Only these nurses decide what changes a citizen's clinical profile."""
    conditions = []
    if nurse.municipality_id is not None:
        conditions.append(Citizen.municipality_id == nurse.municipality_id)
    if nurse.region_id is not None:
        conditions.append(Citizen.municipality_id.in_(select(Municipality.id).where(Municipality.region_id == nurse.region_id)))
    return or_(*conditions) if conditions else false()


def in_handover(nurse: User):
    """A condition on Citizen: the citizens the nurse discharged whose handover is still going on: the home
    municipality has not acted on the recommendation yet, and it is at most HANDOVER_DAYS old."""
    return Citizen.id.in_(select(DischargeRecommendation.citizen_id).where(
        DischargeRecommendation.created_by_id == nurse.id, DischargeRecommendation.status == RecommendationStatus.OPEN,
        DischargeRecommendation.created_at >= utcnow() - timedelta(days=HANDOVER_DAYS)))


def visible_citizens(nurse: User):
    """A condition on Citizen: her own care, and for a hospital nurse also those she discharged (who may live
    elsewhere) while the handover lasts; not for ever, or a discharge would open anyone's record to her."""
    if nurse.region_id is None:
        return own_care_citizens(nurse)
    return or_(own_care_citizens(nurse), in_handover(nurse))


def visible_citizen(nurse: User, citizen_id: int) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.id == citizen_id, visible_citizens(nurse)))


def visible(nurse: User, model, ref_id: int):
    """A record about a citizen (it has `citizen_id`) if the nurse may see that citizen, else None (→ 404)."""
    return db.session.scalar(
        select(model).join(Citizen, Citizen.id == model.citizen_id).where(model.id == ref_id, visible_citizens(nurse))
    )


def visible_problem(nurse: User, problem_id: int) -> DeliveryProblem | None:
    return db.session.scalar(
        select(DeliveryProblem).join(Order, Order.id == DeliveryProblem.order_id).join(Citizen, Citizen.id == Order.citizen_id)
        .where(DeliveryProblem.id == problem_id, visible_citizens(nurse))
    )


def municipalities_for(nurse: User) -> list[Municipality]:
    """The municipalities a nurse can filter her queue by."""
    if nurse.region_id is not None:
        query = select(Municipality).where(or_(Municipality.region_id == nurse.region_id, Municipality.id == nurse.municipality_id))
    else:
        query = select(Municipality).where(Municipality.id == nurse.municipality_id)
    return list(db.session.scalars(query.order_by(Municipality.name)))


def hospitals_for(nurse: User) -> list[str]:
    """The hospitals that discharged citizens the nurse sees (to filter the queue by)."""
    return list(db.session.scalars(
        select(DischargeRecommendation.hospital).join(Citizen, Citizen.id == DischargeRecommendation.citizen_id)
        .where(DischargeRecommendation.hospital.is_not(None), visible_citizens(nurse))
        .distinct().order_by(DischargeRecommendation.hospital)
    ))


def search_citizens(nurse: User, text: str, limit: int = 50) -> Capped:
    """Find a visible citizen by full CPR number or by name (the first `limit`, a paging.Capped with how many
    matched in all); the search itself is audited."""
    text = (text or "").strip()
    if not text:
        return Capped([], 0)
    try:
        condition = Citizen.cpr_hash == cpr.lookup_hash(cpr.normalise(text))
    except cpr.InvalidCPR:
        if len(text) < 2:
            return Capped([], 0)
        condition = func.lower(Citizen.name).contains(text.lower()[:100], autoescape=True)
    matching = select(Citizen).where(condition, visible_citizens(nurse))
    found = list(db.session.scalars(matching.order_by(Citizen.name, Citizen.id).limit(limit)))
    # The first `limit` are shown; how many matched in all is counted when the list is cut, so the page can say so.
    total = len(found) if len(found) < limit else db.session.scalar(select(func.count()).select_from(matching.subquery()))
    audit.record(nurse, "search", "nurse: find a citizen", detail=f"{len(found)} found")
    return Capped(found, total)


def visible_citizens_by_id(nurse: User, ids: list[int]) -> list[Citizen]:
    """The citizens with these ids the nurse may still see, in the order given (a search's hits, again)."""
    found = {c.id: c for c in db.session.scalars(
        select(Citizen).where(Citizen.id.in_([int(i) for i in ids]), visible_citizens(nurse)))}
    return [found[int(i)] for i in ids if int(i) in found]


# --- the work queue -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Where one kind of task comes from: the open records (with their citizen) and how long they have waited."""

    model: type
    since: object  # the column that says since when the task has waited
    query: Callable  # (scope condition on Citizen) → select(model, Citizen)
    # Who may see the task: (nurse) → condition; the citizens she may see, unless the kind says otherwise.
    audience: Callable | None = None


def _clinical_order():
    return or_(
        Order.lines.any(OrderLine.routing.in_(CLINICAL_ROUTING)),
        Order.events.any(and_(OrderEvent.to_status == OrderStatus.AWAITING_APPROVAL,
                              OrderEvent.reason_rows.any(OrderEventReason.reason.in_(CLINICAL_ORDER_REASONS)))),
    )


def needs_nurse(order: Order) -> bool:
    """The Python twin of `_clinical_order`: whether the waiting order asks a clinical question (a stoma nurse
    decides it), or only the municipality's (a lapsed grant, a price ceiling, express beyond the grant)."""
    if any(line.routing in CLINICAL_ROUTING for line in order.lines):
        return True
    return any(event.to_status is OrderStatus.AWAITING_APPROVAL and not set(event.routing_reasons).isdisjoint(CLINICAL_ORDER_REASONS)
               for event in order.events)


def _measure_query(scope):
    newer = db.aliased(CuttingMeasure)
    is_newest = ~select(newer.id).where(newer.citizen_id == CuttingMeasure.citizen_id, newer.id > CuttingMeasure.id).exists()
    return (select(CuttingMeasure, Citizen).join(Citizen, Citizen.id == CuttingMeasure.citizen_id)
            .where(CuttingMeasure.entered_by_citizen.is_(True), CuttingMeasure.confirmed_at.is_(None), is_newest, scope))


SOURCES: dict[TaskKind, Source] = {
    TaskKind.ORDER: Source(Order, Order.submitted_at, lambda scope: (
        select(Order, Citizen).join(Citizen, Citizen.id == Order.citizen_id)
        .where(Order.status == OrderStatus.AWAITING_APPROVAL, _clinical_order(), scope))),
    TaskKind.PRODUCT_CHANGE: Source(ProductChangeRequest, ProductChangeRequest.created_at, lambda scope: (
        select(ProductChangeRequest, Citizen).join(Citizen, Citizen.id == ProductChangeRequest.citizen_id)
        .where(ProductChangeRequest.status == RequestStatus.OPEN, scope))),
    TaskKind.ADVICE: Source(AdviceQuestion, AdviceQuestion.waiting_since, lambda scope: (
        select(AdviceQuestion, Citizen).join(Citizen, Citizen.id == AdviceQuestion.citizen_id)
        .where(AdviceQuestion.status == AdviceStatus.OPEN, scope))),
    TaskKind.MEASURE: Source(CuttingMeasure, CuttingMeasure.created_at, _measure_query),
    TaskKind.SUPPLIER_REVIEW: Source(SupplierChangeReview, SupplierChangeReview.created_at, lambda scope: (
        select(SupplierChangeReview, Citizen).join(Citizen, Citizen.id == SupplierChangeReview.citizen_id)
        .where(SupplierChangeReview.status == ReviewStatus.OPEN, scope))),
    TaskKind.CUTTING_PROBLEM: Source(DeliveryProblem, DeliveryProblem.reported_at, lambda scope: (
        select(DeliveryProblem, Citizen).join(Order, Order.id == DeliveryProblem.order_id)
        .join(Citizen, Citizen.id == Order.citizen_id)
        .where(DeliveryProblem.kind == DeliveryProblemKind.CUTTING, DeliveryProblem.status == ProblemStatus.OPEN, scope))),
    # What a discharge proposes for a registered citizen is decided by her own care, never by the proposing nurse.
    TaskKind.DISCHARGE_PROPOSAL: Source(DischargeProposal, DischargeProposal.created_at, lambda scope: (
        select(DischargeProposal, Citizen).join(Citizen, Citizen.id == DischargeProposal.citizen_id)
        .where(DischargeProposal.status == ProposalStatus.OPEN, scope)),
        audience=lambda nurse: and_(own_care_citizens(nurse), DischargeProposal.proposed_by_id != nurse.id)),
}


@dataclass
class Task:
    kind: TaskKind
    record: object
    citizen: Citizen
    since: datetime
    claim: TaskClaim | None = None

    @property
    def ref_id(self) -> int:
        return self.record.id

    def working_days_waiting(self, today: date) -> int:
        """Working days since the task arrived (0 on its first day): the citizen waits in working days."""
        return working_days_between(local_date(self.since), today)

    def is_due(self, today: date) -> bool:
        return self.working_days_waiting(today) >= TASK_DUE_WORKING_DAYS


# A citizen waiting for a nurse (an order beyond the grant, a question, a measure) should have an answer within this
# many working days; the queue flags a task waiting that long.
TASK_DUE_WORKING_DAYS = 2


def _audience(nurse: User, source: Source):
    return source.audience(nurse) if source.audience is not None else visible_citizens(nurse)


def _scope(nurse: User, source: Source, municipality_id: int | None = None, hospital: str | None = None):
    conditions = [_audience(nurse, source)]
    if municipality_id:
        conditions.append(Citizen.municipality_id == municipality_id)
    if hospital:
        conditions.append(Citizen.id.in_(
            select(DischargeRecommendation.citizen_id).where(DischargeRecommendation.hospital == hospital)))
    return and_(*conditions)


QUEUE_LIMIT = 300  # the oldest tasks the queue reads; the page says so when more wait


def queue(nurse: User, *, kind: TaskKind | None = None, municipality_id: int | None = None, hospital: str | None = None,
          limit: int = QUEUE_LIMIT) -> list[Task]:
    """Everything waiting for a nurse that she may see, oldest first (at most `limit` tasks)."""
    tasks: list[Task] = []
    for task_kind, source in SOURCES.items():
        if kind is not None and task_kind is not kind:
            continue
        query = (source.query(_scope(nurse, source, municipality_id, hospital)).options(selectinload(Citizen.municipality))
                 .order_by(source.since, source.model.id).limit(limit))
        for record, citizen in db.session.execute(query):
            tasks.append(Task(task_kind, record, citizen, getattr(record, source.since.key)))
    tasks.sort(key=lambda t: (t.since, t.kind.value, t.ref_id))
    tasks = tasks[:limit]
    _attach_claims(tasks)
    return tasks


def queue_counts(nurse: User, *, municipality_id: int | None = None, hospital: str | None = None) -> dict[TaskKind, int]:
    return {kind: db.session.scalar(select(func.count()).select_from(
                source.query(_scope(nurse, source, municipality_id, hospital)).subquery())) or 0
            for kind, source in SOURCES.items()}


def _attach_claims(tasks: list[Task]) -> None:
    by_kind: dict[TaskKind, dict[int, Task]] = {}
    for task in tasks:
        by_kind.setdefault(task.kind, {})[task.ref_id] = task
    for kind, items in by_kind.items():
        claims = db.session.scalars(select(TaskClaim).options(selectinload(TaskClaim.nurse))
                                    .where(TaskClaim.kind == kind, TaskClaim.ref_id.in_(list(items))))
        for claim in claims:
            items[claim.ref_id].claim = claim


def open_task(nurse: User, kind: TaskKind, ref_id: int) -> Task | None:
    """One task if it is still open and the nurse may see its citizen, else None."""
    source = SOURCES[kind]
    row = db.session.execute(source.query(_audience(nurse, source)).where(source.model.id == ref_id)).first()
    if row is None:
        return None
    task = Task(kind, row[0], row[1], getattr(row[0], source.since.key))
    _attach_claims([task])
    return task


def my_claims(nurse: User) -> list[TaskClaim]:
    """The nurse's claimed tasks that are still open (a grant change or a colleague's portal may have settled one)."""
    claims = db.session.scalars(select(TaskClaim).where(TaskClaim.nurse_id == nurse.id).order_by(TaskClaim.claimed_at))
    return [claim for claim in claims if open_task(nurse, claim.kind, claim.ref_id) is not None]


# --- claims ---------------------------------------------------------------------------------------

def claim_of(kind: TaskKind, ref_id: int) -> TaskClaim | None:
    return db.session.scalar(select(TaskClaim).where(TaskClaim.kind == kind, TaskClaim.ref_id == ref_id))


def claim_task(nurse: User, task: Task, *, take_over: bool = False) -> TaskClaim:
    """Mark the task as hers; a task another nurse holds is only taken with `take_over` (and audited)."""
    claim = claim_of(task.kind, task.ref_id)
    if claim is not None and claim.nurse_id == nurse.id:
        return claim
    if claim is not None and not take_over:
        raise TaskClaimed(claim)
    if claim is None:
        claim = TaskClaim(kind=task.kind, ref_id=task.ref_id, nurse_id=nurse.id)
        try:
            with db.session.begin_nested():  # two nurses pressing at once: the unique constraint picks one
                db.session.add(claim)
        except IntegrityError:
            raise TaskClaimed(claim_of(task.kind, task.ref_id)) from None
        audit.record(nurse, "change", "nurse: claim a task", task.citizen, detail=f"{task.kind.value} {task.ref_id}")
    else:
        previous = claim.nurse.name
        claim.nurse_id, claim.claimed_at = nurse.id, utcnow()
        db.session.flush()
        db.session.refresh(claim, ["nurse"])
        audit.record(nurse, "change", "nurse: take over a task", task.citizen,
                     detail=f"{task.kind.value} {task.ref_id} from {previous}")
    db.session.flush()
    return claim


def colleagues_for(nurse: User, task: Task) -> list[User]:
    """The active nurses of her workplace (her municipality, or her hospital) who may see the task's citizen: those she
    can give the task to. Few rows: a workplace has a handful of nurses, each checked by the queue's own rule."""
    same_place = User.workplace == nurse.workplace if nurse.workplace else User.municipality_id == nurse.municipality_id
    candidates = db.session.scalars(select(User).where(User.role == Role.NURSE, User.active.is_(True), User.id != nurse.id,
                                                       same_place).order_by(User.name))
    return [u for u in candidates if open_task(u, task.kind, task.ref_id) is not None]


def assign_task(nurse: User, task: Task, colleague_id: int) -> TaskClaim:
    """Give the task to a colleague of her workplace who may see its citizen (audited); she need not hold it first."""
    colleague = next((u for u in colleagues_for(nurse, task) if u.id == colleague_id), None)
    if colleague is None:
        raise NursingError({"colleague": _l("Choose a colleague from the list.")})
    claim = claim_of(task.kind, task.ref_id)
    if claim is None:
        claim = TaskClaim(kind=task.kind, ref_id=task.ref_id, nurse_id=colleague.id)
        db.session.add(claim)
    else:
        claim.nurse_id, claim.claimed_at = colleague.id, utcnow()
    db.session.flush()
    db.session.refresh(claim, ["nurse"])
    audit.record(nurse, "change", "nurse: assign a task", task.citizen,
                 detail=f"{task.kind.value} {task.ref_id} to {colleague.name}")
    return claim


def release_task(nurse: User, task: Task) -> None:
    claim = claim_of(task.kind, task.ref_id)
    if claim is None:
        return
    if claim.nurse_id != nurse.id:
        raise TaskClaimed(claim)
    db.session.delete(claim)
    db.session.flush()


def check_free(nurse: User, kind: TaskKind, ref_id: int) -> None:
    """Before a decision: the task must be unclaimed or claimed by this nurse."""
    claim = claim_of(kind, ref_id)
    if claim is not None and claim.nurse_id != nurse.id:
        raise TaskClaimed(claim)


def finish_task(kind: TaskKind, ref_id: int) -> None:
    """The task is decided: its claim has served its purpose."""
    db.session.execute(delete(TaskClaim).where(TaskClaim.kind == kind, TaskClaim.ref_id == ref_id))


# --- advice -----------------------------------------------------------------------------------------

def _text(value, field_name: str, empty_message) -> str:
    text = (value or "").strip()
    if not text:
        raise NursingError({field_name: empty_message})
    if len(text) > MAX_TEXT:
        raise NursingError({field_name: _l("Write at most %(max)s characters.", max=MAX_TEXT)})
    return text


def ask_advice(citizen: Citizen, text: str, *, transferred_by: User | None = None, summary: str | None = None) -> AdviceQuestion:
    """A new question for a stoma nurse, from the portal or transferred by a callcenter agent with a summary."""
    text = _text(text, "text", _l("Write your question."))
    now = utcnow()
    question = AdviceQuestion(citizen_id=citizen.id, status=AdviceStatus.OPEN, created_at=now, waiting_since=now,
                              transferred_by_id=getattr(transferred_by, "id", None),
                              summary=(summary or "").strip()[:MAX_TEXT] or None)
    question.messages.append(AdviceMessage(at=now, from_nurse=False, author_id=getattr(transferred_by, "id", None), text=text))
    db.session.add(question)
    db.session.flush()
    if transferred_by is not None:
        audit.record(transferred_by, "change", "callcenter: transfer to a stoma nurse", citizen, detail=f"advice {question.id}")
    return question


def citizen_reply(citizen: Citizen, question: AdviceQuestion, text: str) -> AdviceMessage:
    """The citizen writes again in the thread: it waits for a nurse again."""
    if question.citizen_id != citizen.id:
        raise LookupError("not the citizen's question")
    if question.status is AdviceStatus.CLOSED:
        raise NursingError({"state": _l("This conversation is closed. Ask a new question.")})
    text = _text(text, "text", _l("Write your message."))
    last = question.messages[-1] if question.messages else None
    if last is not None and not last.from_nurse and last.text == text:
        return last  # the same message sent twice (double click): keep one
    message = AdviceMessage(at=utcnow(), from_nurse=False, text=text)
    question.messages.append(message)
    if question.status is not AdviceStatus.OPEN:
        ADVICE_FLOW.move(question, AdviceStatus.OPEN)
        question.waiting_since = message.at
    db.session.flush()
    return message


def answer_advice(nurse: User, question: AdviceQuestion, text: str) -> AdviceMessage:
    """The nurse's answer: the citizen sees it in the thread and is told on the start page."""
    check_free(nurse, TaskKind.ADVICE, question.id)
    if question.status is AdviceStatus.CLOSED:
        raise NursingError({"state": _l("The conversation is closed.")})
    text = _text(text, "text", _l("Write your answer."))
    last = question.messages[-1] if question.messages else None
    if last is not None and last.from_nurse and last.text == text:
        return last  # double click
    message = AdviceMessage(at=utcnow(), from_nurse=True, author_id=nurse.id, text=text)
    question.messages.append(message)
    if question.status is not AdviceStatus.ANSWERED:  # a second message before the citizen writes back
        ADVICE_FLOW.move(question, AdviceStatus.ANSWERED)
    question.citizen_unread = True
    finish_task(TaskKind.ADVICE, question.id)
    db.session.flush()  # the message's id, for the notice's key
    signals.advice_answered.send(question, message=message)
    audit.record(nurse, "change", "nurse: answer a question", question.citizen, detail=f"advice {question.id}")
    db.session.flush()
    return message


def close_advice(nurse: User, question: AdviceQuestion) -> AdviceQuestion:
    check_free(nurse, TaskKind.ADVICE, question.id)
    if question.status is not AdviceStatus.CLOSED:
        ADVICE_FLOW.move(question, AdviceStatus.CLOSED)
        question.closed_at, question.closed_by_id = utcnow(), nurse.id
        finish_task(TaskKind.ADVICE, question.id)
        audit.record(nurse, "change", "nurse: close a conversation", question.citizen, detail=f"advice {question.id}")
        db.session.flush()
    return question


def citizen_questions(citizen_id: int) -> list[AdviceQuestion]:
    return list(db.session.scalars(
        select(AdviceQuestion).where(AdviceQuestion.citizen_id == citizen_id).order_by(AdviceQuestion.created_at.desc())
    ))


def citizen_question(citizen_id: int, question_id: int) -> AdviceQuestion | None:
    return db.session.scalar(select(AdviceQuestion).where(AdviceQuestion.id == question_id,
                                                          AdviceQuestion.citizen_id == citizen_id))


def mark_read(question: AdviceQuestion) -> None:
    question.citizen_unread = False


def unread_answers(citizen_id: int) -> int:
    return db.session.scalar(select(func.count(AdviceQuestion.id)).where(
        AdviceQuestion.citizen_id == citizen_id, AdviceQuestion.citizen_unread.is_(True))) or 0


# --- the clinical profile -------------------------------------------------------------------------

def measure_history(citizen_id: int) -> list[CuttingMeasure]:
    return list(db.session.scalars(
        select(CuttingMeasure).where(CuttingMeasure.citizen_id == citizen_id).order_by(CuttingMeasure.id.desc())
    ))


def default_remeasure_on(citizen: Citizen, measured_on: date) -> date | None:
    """Six weeks after a measure taken while the stoma is new (it is still shrinking); otherwise none."""
    if citizen.operation_date is None or (measured_on - citizen.operation_date).days > NEW_STOMA_DAYS:
        return None
    return measured_on + REMEASURE_AFTER


def set_measure(nurse: User, citizen: Citizen, measure: dict, *, remeasure_on: date | None = None,
                note: str | None = None) -> CuttingMeasure:
    """A new version of the measure set by a nurse: confirmed at once, with a re-measure date."""
    _check_remeasure(remeasure_on)
    version = record_measure(citizen, by=nurse, note=(note or "").strip()[:500] or None, **measure)
    version.confirmed_by_id, version.confirmed_at = nurse.id, utcnow()
    version.remeasure_on = remeasure_on or default_remeasure_on(citizen, local_today())
    audit.record(nurse, "change", "nurse: set the cutting measure", citizen, detail=version.cut.label)
    db.session.flush()
    return version


def confirm_measure(nurse: User, measure: CuttingMeasure, *, remeasure_on: date | None = None) -> CuttingMeasure:
    """The nurse confirms the measure the citizen entered (the newest version only; once)."""
    check_free(nurse, TaskKind.MEASURE, measure.id)
    _check_remeasure(remeasure_on)
    if measure.confirmed_at is not None:
        raise NursingError({"state": _l("The measure is already confirmed.")})
    newest = db.session.scalar(select(func.max(CuttingMeasure.id)).where(CuttingMeasure.citizen_id == measure.citizen_id))
    if newest != measure.id:
        raise NursingError({"state": _l("A newer measure has been entered since. Confirm that one instead.")})
    measure.confirmed_by_id, measure.confirmed_at = nurse.id, utcnow()
    measure.remeasure_on = remeasure_on or default_remeasure_on(measure.citizen, local_date(measure.created_at))
    finish_task(TaskKind.MEASURE, measure.id)
    audit.record(nurse, "change", "nurse: confirm the cutting measure", measure.citizen, detail=measure.cut.label)
    db.session.flush()
    return measure


def _check_remeasure(remeasure_on: date | None) -> None:
    if remeasure_on is not None and remeasure_on < local_today():
        raise NursingError({"remeasure_on": _l("The re-measure date cannot be in the past.")})


def set_stoma(nurse: User, citizen: Citizen, *, stoma_type: str, operation_date: date | None) -> Citizen:
    errors = {}
    try:
        kind = StomaType(stoma_type)
    except ValueError:
        errors["stoma_type"] = _l("Choose the type of stoma.")
    if operation_date is not None and operation_date > local_today():
        errors["operation_date"] = _l("The date of operation cannot be in the future.")
    if errors:
        raise NursingError(errors)
    citizen.stoma_type, citizen.operation_date = kind, operation_date
    audit.record(nurse, "change", "nurse: stoma type and date of operation", citizen,
                 detail=f"{kind.value} {operation_date.isoformat() if operation_date else '-'}")
    db.session.flush()
    return citizen


def add_note(nurse: User, citizen: Citizen, *, kind: str, text: str) -> ClinicalNote:
    try:
        note_kind = NoteKind(kind)
    except ValueError:
        raise NursingError({"kind": _l("Choose what the note is about.")}) from None
    note = ClinicalNote(citizen_id=citizen.id, kind=note_kind, author_id=nurse.id,
                        text=_text(text, "text", _l("Write the note.")))
    db.session.add(note)
    audit.record(nurse, "change", "nurse: clinical note", citizen, detail=note_kind.value)
    db.session.flush()
    return note


def notes_of(citizen_id: int) -> list[ClinicalNote]:
    return list(db.session.scalars(
        select(ClinicalNote).where(ClinicalNote.citizen_id == citizen_id).order_by(ClinicalNote.at.desc(), ClinicalNote.id.desc())
    ))


def notes_for_nurse(nurse: User, citizen_id: int) -> tuple[list[ClinicalNote], int]:
    """The clinical notes a nurse may read, newest first, and how many were left out. Notes by a nurse of the other
    sector (hospital ↔ municipality) are shared only with the citizen's consent to that purpose
    (ConsentPurpose.DISCHARGE); without it the query leaves them out. The stoma type, measure and recommended
    products still pass, as the grant needs them."""
    everyone = select(ClinicalNote).where(ClinicalNote.citizen_id == citizen_id)
    if not consent.has(citizen_id, ConsentPurpose.DISCHARGE):
        author_is_hospital = (select(User.region_id).where(User.id == ClinicalNote.author_id)
                              .scalar_subquery().is_not(None))
        shared = everyone.where(author_is_hospital if is_hospital_nurse(nurse) else ~author_is_hospital)
        own = list(db.session.scalars(shared.order_by(ClinicalNote.at.desc(), ClinicalNote.id.desc())))
        total = db.session.scalar(select(func.count()).select_from(everyone.subquery()))
        return own, total - len(own)
    return notes_of(citizen_id), 0


def resolve_cutting_problem(nurse: User, problem: DeliveryProblem, note: str) -> DeliveryProblem:
    """The nurse has handled a wrongly cut delivery (new measure, advice): her note goes in the journal."""
    check_free(nurse, TaskKind.CUTTING_PROBLEM, problem.id)
    if problem.status is not ProblemStatus.OPEN:
        raise NursingError({"state": _l("The case is already closed.")})
    citizen = problem.order.citizen
    db.session.add(ClinicalNote(citizen_id=citizen.id, kind=NoteKind.CUTTING, author_id=nurse.id,
                                text=_text(note, "note", _l("Write what you did about the problem."))))
    PROBLEM_FLOW.move(problem, ProblemStatus.RESOLVED)
    finish_task(TaskKind.CUTTING_PROBLEM, problem.id)
    signals.delivery_problem_answered.send(problem)
    audit.record(nurse, "change", "nurse: cutting problem handled", citizen, detail=f"problem {problem.id}")
    db.session.flush()
    return problem
