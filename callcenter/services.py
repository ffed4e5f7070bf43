"""The callcenter's operations: audited search and opening, the citizen overview, the call log, ordering on behalf."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from callcenter.models import Contact, ContactOutcome, ContactReason
from callcenter.search import SearchError, SearchResult, mask_cprs, search
from catalogue.services import variant_by_article_number
from stomi_app import audit
from care import approvals
from citizens import consent
from care import nursing
from ordering import services as ordering
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from grants.services import LineUse, consumption
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import AuditEvent, User
from stomi_app.models.citizen import Citizen
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order, OrderStatus
from citizens.clinical import CuttingMeasure
from citizens.consent_models import ConsentPurpose
from care.models import ClinicalNote
from care.models import AdviceQuestion, AdviceStatus, ProductChangeRequest, RequestStatus
from ordering.models import OPEN_STATUSES
from ordering.replacements import create_replacement
from stomi_app.db import utcnow
from stomi_app.text import clean_text
from stomi_app.timeutil import TZ, local_today
from stomi_app.userinput import record_id
from ordering.models import ProblemStatus

MAX_NOTE = 2000
RECENT_ORDERS = 10
RECENT_CONTACTS = 10


class ContactError(DomainError):
    """A call-log entry that cannot be saved; `errors` maps form field → message."""


# --- search and opening, both audited -----------------------------------------------------------

def audited_search(agent: User, query: str) -> tuple[SearchResult, AuditEvent]:
    """Search, and log who searched for what (CPR numbers masked) and whom it showed.

    A refused search is logged too (as `search_refused`) before SearchError reaches the agent.
    """
    try:
        result = search(query)
    except SearchError as exc:
        audit.record(agent, "search_refused", "callcenter: find citizen",
                     detail=f"input: {mask_cprs(' '.join((query or '').split()))[:120]} | {exc}")
        raise
    ids = ",".join(str(c.id) for c in result.citizens)
    event = audit.record(agent, "search", "callcenter: find citizen",
                         detail=f"{result.kind}: {result.criterion} | hits={len(result.citizens)}"
                                f"{'+' if result.truncated else ''} ids={ids}")
    db.session.flush()
    return result, event


def search_label(event: AuditEvent) -> str:
    """The criterion part of a search audit event ("cpr: 150348-****")."""
    return (event.detail or "").split(" | ", 1)[0]


def search_parts(event: AuditEvent) -> tuple[str, str]:
    """(kind, criterion) of a search audit event, to show the agent what they searched for."""
    kind, _, criterion = search_label(event).partition(": ")
    return kind, criterion


def search_event(agent: User, event_id) -> AuditEvent | None:
    """The agent's own search, by the id carried in a result link; anybody else's is ignored."""
    event_id = record_id(event_id)
    if event_id is None:
        return None
    return db.session.scalar(select(AuditEvent).where(AuditEvent.id == event_id, AuditEvent.user_id == agent.id,
                                                      AuditEvent.action == "search"))


def open_citizen(agent: User, citizen_id: int, *, via_search=None, purpose: str = "callcenter: citizen overview") -> Citizen | None:
    """The citizen (any municipality), with the opening logged together with the search that found them."""
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        return None
    event = search_event(agent, via_search) if via_search is not None else None
    detail = f"from search #{event.id} ({search_label(event)})" if event is not None else "opened directly"
    audit.record(agent, "read", purpose, citizen=citizen, detail=detail)
    return citizen


def record_change(agent: User, citizen: Citizen, purpose: str, detail: str) -> None:
    audit.record(agent, "change", purpose, citizen=citizen, detail=detail)


# --- opening hours -----------------------------------------------------------------------------

def open_now(hours: str, now: datetime | None = None) -> bool:
    """Whether the phones are staffed now (Europe/Copenhagen); `hours` as configured, e.g. "07:00–16:00".

    Informational only: the console works around the clock, and the web is always open.
    """
    start, end = (time.fromisoformat(part.strip()) for part in hours.replace("–", "-").split("-", 1))
    local = (now or utcnow()).astimezone(TZ).time()
    return start <= local < end


# --- the overview -------------------------------------------------------------------------------

def expected_delivery_dates(order_ids: list[int]) -> dict[int, date]:
    """The delivery date fulfilment asked the warehouse for, per order, where fulfilment provides one."""
    try:  # fulfilment is a separate package that an installation may leave out: then there is simply no date
        from fulfilment.models import WarehouseInstruction
    except ImportError:
        return {}
    if not order_ids:
        return {}
    rows = db.session.execute(select(WarehouseInstruction.order_id, WarehouseInstruction.requested_delivery_date)
                              .where(WarehouseInstruction.order_id.in_(order_ids)))
    return {order_id: day for order_id, day in rows if day is not None}


def advice_questions(citizen: Citizen, limit: int = 10) -> list[AdviceQuestion]:
    """The citizen's advice threads with the nurses, newest first: the agent sees the nurse's answer too."""
    return nursing.citizen_questions(citizen.id)[:limit]


@dataclass
class Overview:
    citizen: Citizen
    uses: list[LineUse]
    measure: CuttingMeasure | None
    open_orders: list[Order]
    earlier_orders: list[Order]
    expected: dict[int, date]
    problems: list[DeliveryProblem]
    contacts: list[Contact]
    draft: Order | None
    advice: list[AdviceQuestion] = field(default_factory=list)
    notes: list[Order] = field(default_factory=list)
    product_changes: list[ProductChangeRequest] = field(default_factory=list)
    # The stoma nurses' clinical notes, or None when the citizen has not consented to the callcenter reading them.
    clinical_notes: list[ClinicalNote] | None = None

    @property
    def open_advice(self) -> list[AdviceQuestion]:
        return [q for q in self.advice if q.status is not AdviceStatus.CLOSED]


def overview(agent: User, citizen: Citizen, on: date | None = None) -> Overview:
    on = on or local_today()
    orders = list(db.session.scalars(
        select(Order).where(Order.citizen_id == citizen.id, Order.status != OrderStatus.DRAFT)
        .order_by(Order.submitted_at.desc(), Order.id.desc()).limit(100)
    ))
    open_orders = [o for o in orders if o.status in OPEN_STATUSES]
    earlier = [o for o in orders if o.status not in OPEN_STATUSES][:RECENT_ORDERS]
    problems = list(db.session.scalars(
        select(DeliveryProblem).join(Order, Order.id == DeliveryProblem.order_id)
        .where(Order.citizen_id == citizen.id, DeliveryProblem.status == ProblemStatus.OPEN)
        .options(joinedload(DeliveryProblem.order)).order_by(DeliveryProblem.reported_at.desc())
    ))
    contacts = list(db.session.scalars(
        select(Contact).where(Contact.citizen_id == citizen.id).options(joinedload(Contact.agent))
        .order_by(Contact.at.desc(), Contact.id.desc()).limit(RECENT_CONTACTS)
    ))
    return Overview(
        citizen=citizen, uses=consumption(citizen.id, on), measure=ordering.current_measure(citizen.id),
        open_orders=open_orders, earlier_orders=earlier,
        expected=expected_delivery_dates([o.id for o in open_orders + earlier]),
        problems=problems, contacts=contacts, draft=ordering.find_draft(citizen, placed_by=agent),
        advice=advice_questions(citizen), notes=[o for o in open_orders if o.note],
        product_changes=open_product_changes(citizen), clinical_notes=clinical_notes_for_agent(agent, citizen),
    )


CLINICAL_NOTES_SHOWN = 10


def clinical_notes_for_agent(agent: User, citizen: Citizen) -> list[ClinicalNote] | None:
    """The nurses' newest clinical notes for the agent on the phone, only with the citizen's consent to that purpose
    (ConsentPurpose.CALLCENTER_NOTES): without it the notes are never read, and None says why there are none. A read
    that shows notes is audited."""
    if not consent.has(citizen.id, ConsentPurpose.CALLCENTER_NOTES):
        return None
    notes = nursing.notes_of(citizen.id)[:CLINICAL_NOTES_SHOWN]
    if notes:
        audit.record(agent, "read", "callcenter: nurses' clinical notes", citizen=citizen, detail=f"notes={len(notes)}")
    return notes


def open_product_changes(citizen: Citizen) -> list[ProductChangeRequest]:
    """The citizen's product-change requests still waiting for a nurse, asked on the web or by phone."""
    return [r for r in approvals.product_changes_of(citizen.id) if r.status is RequestStatus.OPEN]


# --- the call log -------------------------------------------------------------------------------

def log_contact(agent: User, citizen: Citizen, *, reason: str, note: str, outcome: str) -> Contact:
    errors: dict[str, str] = {}
    try:
        reason_value = ContactReason(reason)
    except ValueError:
        errors["reason"] = _l("Choose why the citizen called.")
    try:
        outcome_value = ContactOutcome(outcome)
    except ValueError:
        errors["outcome"] = _l("Choose how the call ended.")
    note = clean_text(note).strip()
    if not note:
        errors["note"] = _l("Write a short note about the call.")
    elif len(note) > MAX_NOTE:
        errors["note"] = _l("The note can be at most %(max)s characters.", max=MAX_NOTE)
    if errors:
        raise ContactError(errors)
    contact = Contact(citizen_id=citizen.id, agent_id=agent.id, reason=reason_value, note=note, outcome=outcome_value)
    db.session.add(contact)
    record_change(agent, citizen, "callcenter: call log", f"contact {reason_value.value} → {outcome_value.value}")
    db.session.flush()
    return contact


def auto_log(agent: User, citizen: Citizen, reason: ContactReason, outcome: ContactOutcome, note: str) -> Contact:
    """A call-log entry for what the agent did in the system (an order, a problem, a transfer), so the call log
    shows it without the agent typing it again. The action itself is audited where it is done."""
    contact = Contact(citizen_id=citizen.id, agent_id=agent.id, reason=reason, outcome=outcome, note=note[:MAX_NOTE])
    db.session.add(contact)
    db.session.flush()
    return contact


# --- ordering on the citizen's behalf -----------------------------------------------------------

def send_on_behalf(agent: User, order: Order, *, note: str | None) -> Order:
    """Submit the agent's draft with the same rules as the web; beyond the grant the agent's note is required."""
    if order.status is not OrderStatus.DRAFT:
        return order  # a second press of "Send" or the same order sent from another tab
    ordering.set_note(order, note)
    if not order.note and not ordering.evaluate(order).within_grant:
        raise ordering.OrderError({"note": _l("Part of the order needs approval: write a note for the stoma nurse or grant officer.")})
    db.session.flush()
    ordering.submit(order, by=agent)
    if order.status is not OrderStatus.DRAFT:
        record_change(agent, order.citizen, "callcenter: order on behalf",
                      f"order {order.number} sent by phone → {order.status.value}")
        auto_log(agent, order.citizen, ContactReason.ORDER, ContactOutcome.ORDER_PLACED,
                 str(_l("Order %(number)s placed by phone.", number=order.number)))
    return order


# --- delivery problems and free replacements ----------------------------------------------------

def register_problem(agent: User, order: Order, *, kind: str, description: str,
                     replace: dict[int, object]) -> tuple[DeliveryProblem, Order | None]:
    """Register a problem with a delivered order and, when packs are given, send them again for free."""
    try:
        kind_value = DeliveryProblemKind(kind)
    except ValueError:
        raise ordering.OrderError({"kind": _l("Choose what is wrong.")}) from None
    problem = ordering.report_problem(order, kind=kind_value, description=clean_text(description), by=agent)
    replacement = None
    if any(str(v).strip() not in ("", "0") for v in replace.values()):
        replacement = create_replacement(problem, replace, by=agent)
    record_change(agent, order.citizen, "callcenter: delivery problem",
                  f"problem on order {order.number}: {kind_value.value}"
                  + (f"; free replacement {replacement.number}" if replacement else ""))
    note = (_l("Problem with order %(number)s registered; free replacement %(replacement)s sent.",
               number=order.number, replacement=replacement.number) if replacement
            else _l("Problem with order %(number)s registered.", number=order.number))
    auto_log(agent, order.citizen, ContactReason.COMPLAINT, ContactOutcome.PROBLEM_REGISTERED, str(note))
    return problem, replacement


def replace_for_problem(agent: User, problem: DeliveryProblem, replace: dict[int, object]) -> Order:
    """A free replacement for a problem already registered (e.g. by the citizen on the web)."""
    replacement = create_replacement(problem, replace, by=agent)
    record_change(agent, problem.order.citizen, "callcenter: free replacement",
                  f"replacement {replacement.number} for order {problem.order.number}")
    auto_log(agent, problem.order.citizen, ContactReason.COMPLAINT, ContactOutcome.PROBLEM_REGISTERED,
             str(_l("Free replacement %(replacement)s sent for order %(number)s.",
                    replacement=replacement.number, number=problem.order.number)))
    return replacement


# --- transfer to a stoma nurse ------------------------------------------------------------------

def transfer_to_advice(agent: User, citizen: Citizen, *, question: str, summary: str) -> AdviceQuestion:
    """An advice question for a nurse in the citizen's name (their words), with the agent's summary for the nurse.

    The nurse console owns advice (care.nursing.ask_advice, which also writes the audit entry); the
    callcenter only adds that a double press of "Transfer" gives one question, not two in the nurses' queue.
    """
    question, summary = clean_text(question).strip(), clean_text(summary).strip()
    errors: dict[str, str] = {}
    if not question:
        errors["question"] = _l("Write the citizen's question.")
    if not summary:
        errors["summary"] = _l("Write a short summary for the nurse.")
    elif len(summary) > MAX_NOTE:
        errors["summary"] = _l("The summary can be at most %(max)s characters.", max=MAX_NOTE)
    if errors:
        raise nursing.NursingError(errors)
    last = db.session.scalar(
        select(AdviceQuestion).where(AdviceQuestion.citizen_id == citizen.id, AdviceQuestion.transferred_by_id == agent.id,
                                     AdviceQuestion.status == AdviceStatus.OPEN)
        .order_by(AdviceQuestion.id.desc()).limit(1)
    )
    if last is not None and last.summary == summary and last.messages and last.messages[0].text == question:
        return last
    try:
        asked = nursing.ask_advice(citizen, question, transferred_by=agent, summary=summary)
    except nursing.NursingError as exc:
        # The nurse console names the citizen's words "text"; on the agent's form the field is "question".
        raise nursing.NursingError({("question" if k == "text" else k): v for k, v in exc.errors.items()}) from None
    auto_log(agent, citizen, ContactReason.PRODUCT_QUESTION, ContactOutcome.TRANSFERRED_TO_NURSE,
             str(_l("Transferred to a stoma nurse: %(summary)s", summary=summary)))
    return asked


# --- product change on the citizen's behalf -----------------------------------------------------

def granted_variants(citizen: Citizen, on: date | None = None) -> dict[str, object]:
    """The variants the citizen's grant names (by id as text): what "the product you have now" may be."""
    return {str(use.line.variant.id): use.line.variant for use in consumption(citizen.id, on or local_today())
            if use.line.variant is not None}


def raise_product_change(agent: User, citizen: Citizen, *, article: str, current_id: str, reason: str) -> ProductChangeRequest:
    """Ask for another product for the caller, through the citizen's own service (a nurse decides)."""
    article = clean_text(article).strip()
    before = {r.id for r in open_product_changes(citizen)}
    change = approvals.request_product_change(
        citizen, wanted_variant=variant_by_article_number(article) if article else None, reason=clean_text(reason),
        current_variant=granted_variants(citizen).get(current_id or ""), requested_by=agent)
    if change.id not in before:  # asked again for the same product: one request, one entry in the call log
        auto_log(agent, citizen, ContactReason.PRODUCT_QUESTION, ContactOutcome.TRANSFERRED_TO_NURSE,
                 str(_l("Product change to %(product)s asked for; a stoma nurse decides.",
                        product=change.wanted_variant.display_name)))
    return change
