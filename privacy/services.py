"""The citizen's own data: contact details, and everything we hold about them, for download."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from catalogue.models import Variant
from stomi_app import cpr
from citizens import consent
from stomi_app.audit import lookups_of, record
from stomi_app.db import utcnow
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.labels import audit_purpose_label
from care.models import AdviceMessage, AdviceQuestion, ProductChangeRequest
from stomi_app.models import AuditEvent
from stomi_app.models.citizen import Citizen
from citizens.clinical import CuttingMeasure
from ordering.models import DeliveryProblem, Order, OrderStatus
from grants.models import Grant, GrantLine
from stomi_app.text import clean_text
from stomi_app.userinput import normalised_email
from notices.models import Notice
from notices.texts import body, title
from sqlalchemy.orm import selectinload as load

CONTACT_FIELDS = ("phone", "email", "address", "postcode", "city")
CONTACT_CHANGE_PURPOSE = "citizen: own contact details"  # written as a literal below (tests/test_audit_purposes.py)
# The callcenter's overview tells the agent of a change the citizen made herself for this long.
CONTACT_CHANGE_SHOWN_DAYS = 30


def change_contact_details(citizen: Citizen, *, phone: str, email: str, address: str, postcode: str, city: str) -> list[str]:
    """The citizen changes her own phone, e-mail and (permanent) address: every field checked before any is kept, the
    change audited (which fields, never the values) so the callcenter is told on her overview. Returns the fields
    changed. The home municipality is not changed: a move to another municipality comes from the CPR register."""
    values = {k: " ".join(clean_text(v or "").split()) for k, v in
              {"phone": phone, "email": email, "address": address, "postcode": postcode, "city": city}.items()}
    errors = {}
    digits = values["phone"].replace(" ", "").removeprefix("+45").removeprefix("0045")
    if digits and not (digits.isascii() and digits.isdigit() and len(digits) == 8):
        errors["phone"] = _l("A Danish phone number has 8 digits, e.g. 20 30 40 50.")
    values["phone"] = digits or None
    if values["email"]:
        email = normalised_email(values["email"])
        if email is None:
            errors["email"] = _l("Enter an e-mail address like name@example.dk.")
        else:
            values["email"] = email
    values["email"] = values["email"] or None
    if not values["address"]:
        errors["address"] = _l("Enter the street and number.")
    elif len(values["address"]) > 200:
        errors["address"] = _l("At most %(max)d characters.", max=200)
    if not (values["postcode"].isascii() and values["postcode"].isdigit() and len(values["postcode"]) == 4
            and values["postcode"][0] != "0"):
        errors["postcode"] = _l("A Danish postcode is 4 digits, e.g. 8000.")
    if not values["city"]:
        errors["city"] = _l("Enter the town.")
    elif len(values["city"]) > 100:
        errors["city"] = _l("At most %(max)d characters.", max=100)
    if errors:
        raise DomainError(errors)
    changed = [k for k in CONTACT_FIELDS if getattr(citizen, k) != values[k]]
    for name in changed:
        setattr(citizen, name, values[name])
    if changed:
        record(citizen, "change", "citizen: own contact details", citizen=citizen, detail="changed: " + ",".join(changed))
    db.session.flush()
    return changed


def recent_contact_changes(citizen_id: int, days: int = CONTACT_CHANGE_SHOWN_DAYS) -> list:
    """The citizen's own changes of her contact details in the last `days`, newest first: (when, [fields])."""
    since = utcnow() - timedelta(days=days)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.citizen_id == citizen_id, AuditEvent.purpose == CONTACT_CHANGE_PURPOSE, AuditEvent.at >= since)
        .order_by(AuditEvent.at.desc()))
    return [(e.at, (e.detail or "").removeprefix("changed: ").split(",")) for e in events]


def json_default(value):
    """Dates and times in the export, for json.dumps: ISO 8601 (times in UTC, with their offset)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def export(citizen: Citizen) -> dict:
    """The citizen's data for "Download my data", in plain terms (GDPR art. 15): JSON-ready but for dates and times,
    which stay `date`/`datetime` so the printable page can show them in Copenhagen time (see json_default).

    What it holds: what the citizen sees in the portal and what they or the callcenter for them wrote (orders with
    the note placed with them and the decision's reason, product change requests, the questions to a stoma nurse
    with every answer), and when and why staff looked at their data. What it leaves out on purpose: the notes staff
    write to each other about the citizen (a nurse's clinical notes and measure notes, the callcenter's summary for
    the nurse, a nurse's recommendation to the grant officer) and which employee looked. They are personal data
    too, but a working note is weighed before it is handed out, so they come by a request for access to the FSC,
    as the page says; the portal never shows them either.
    """
    # Every relation the export reads is loaded up front, a statement per kind rather than one per row: a citizen
    # with years of orders gets the same handful of statements as one with two (tests/test_privacy.py counts them).
    grants = db.session.scalars(
        select(Grant).where(Grant.citizen_id == citizen.id).order_by(Grant.valid_from)
        .options(selectinload(Grant.lines).options(selectinload(GrantLine.variant).selectinload(Variant.product),
                                                   selectinload(GrantLine.category)))
    )
    orders = db.session.scalars(
        select(Order).where(Order.citizen_id == citizen.id, Order.status != OrderStatus.DRAFT).order_by(Order.id)
        .options(selectinload(Order.lines), selectinload(Order.events))
    )
    measures = db.session.scalars(select(CuttingMeasure).where(CuttingMeasure.citizen_id == citizen.id).order_by(CuttingMeasure.id))
    problems = db.session.scalars(
        select(DeliveryProblem).join(DeliveryProblem.order).where(Order.citizen_id == citizen.id)
        .options(contains_eager(DeliveryProblem.order)).order_by(DeliveryProblem.id)
    )
    changes = db.session.scalars(
        select(ProductChangeRequest).where(ProductChangeRequest.citizen_id == citizen.id).order_by(ProductChangeRequest.id)
        .options(selectinload(ProductChangeRequest.current_variant).selectinload(Variant.product),
                 selectinload(ProductChangeRequest.wanted_variant).selectinload(Variant.product))
    )
    questions = db.session.scalars(
        select(AdviceQuestion).where(AdviceQuestion.citizen_id == citizen.id).order_by(AdviceQuestion.id)
        .options(selectinload(AdviceQuestion.messages).selectinload(AdviceMessage.author))
    )
    return {
        "exported_at": utcnow(),
        "person": {
            "cpr": cpr.decrypt(citizen.cpr_encrypted),
            "name": citizen.name, "address": citizen.address, "postcode": citizen.postcode, "city": citizen.city,
            "phone": citizen.phone, "email": citizen.email, "municipality": citizen.municipality.name,
            "stoma_type": citizen.stoma_type.value, "operation_date": citizen.operation_date, "language": citizen.language,
        },
        # Every period of consent, per purpose, newest first: a withdrawal closes a period, giving again opens one.
        "consent": [
            {"purpose": c.purpose.value, "title": str(consent.PURPOSES[c.purpose].title), "given_at": c.given_at,
             "withdrawn_at": c.withdrawn_at, "text_version": c.text_version}
            for c in consent.history(citizen.id)
        ],
        "grants": [
            {
                "legal_basis": g.legal_basis, "valid_from": g.valid_from, "valid_to": g.valid_to,
                "status": g.status.value, "version": g.version,
                "lines": [
                    {"product": l.variant.display_name if l.variant else None,
                     "category": l.category.name_da if l.category else None,
                     "quantity": l.quantity, "period": l.period.value, "price_ceiling_oere": l.price_ceiling_oere}
                    for l in g.lines
                ],
            }
            for g in grants
        ],
        "orders": [
            {
                "number": o.number, "status": o.status.value, "submitted_at": o.submitted_at,
                "channel": o.channel.value, "express": o.express, "replacement": o.is_replacement,
                "delivery": {"name": o.delivery_name, "address": o.delivery_address, "postcode": o.delivery_postcode,
                             "city": o.delivery_city, "temporary_address": o.temporary_address,
                             "temporary_from": o.temporary_from, "temporary_to": o.temporary_to},
                # The note the callcenter writes with an order placed by phone is the citizen's reasons, in their
                # words where possible, for the stoma nurse or grant officer who decides; it never goes to the
                # logistics provider (fulfilment/instructions.py). Not a note among staff, so it is the citizen's to
                # see. So is the reason for an approval or rejection (the order page shows it).
                "note": o.note, "decision_reason": o.decision_reason, "decided_at": o.decided_at,
                "tracking_reference": o.tracking_reference, "carrier": o.carrier, "delivered_at": o.delivered_at,
                "lines": [
                    {"article_number": l.article_number, "product": l.product_name, "quantity": l.quantity,
                     "unit_price_oere": l.unit_price_oere, "vat_rate_pct": l.vat_rate_pct, "cut": l.cut.label if l.cut else None}
                    for l in o.lines
                ],
                "timeline": [{"status": e.to_status.value, "at": e.at} for e in o.events],
            }
            for o in orders
        ],
        "cutting_measures": [
            {"measure": m.cut.label, "entered_at": m.created_at, "confirmed_at": m.confirmed_at, "remeasure_on": m.remeasure_on}
            for m in measures
        ],
        "delivery_problems": [
            {"order": p.order.number, "kind": p.kind.value, "description": p.description, "reported_at": p.reported_at,
             "status": p.status}
            for p in problems
        ],
        "product_change_requests": [
            {"asked_at": c.created_at, "via_callcenter": c.requested_by_id is not None,
             "current_product": c.current_variant.display_name if c.current_variant else None,
             "wanted_product": c.wanted_variant.display_name, "reason": c.reason, "status": c.status.value,
             "decided_at": c.decided_at, "decision_reason": c.decision_reason, "effect": c.effect}
            for c in changes
        ],
        "questions_to_a_stoma_nurse": [
            {"asked_at": q.created_at, "status": q.status.value, "closed_at": q.closed_at,
             "messages": [
                 {"at": m.at, "from": "stoma_nurse" if m.from_nurse else "you",
                  # As the conversation shows it in the portal: the answering nurse by name, the citizen's words
                  # taken down by the callcenter marked as such.
                  "nurse": m.author.name if m.from_nurse and m.author else None,
                  "via_callcenter": not m.from_nurse and m.author_id is not None, "text": m.text}
                 for m in q.messages
             ]}
            for q in questions
        ],
        # What the platform told the citizen (the portal's inbox), and on which channels it said there was a message.
        "messages": _messages(citizen),
        # When and why staff looked at the citizen's data, the purpose in the citizen's language; never who.
        "lookups": [{"at": e.at, "purpose": audit_purpose_label(e.purpose), "purpose_code": e.purpose, "action": e.action}
                    for e in lookups_of(citizen.id, limit=10_000)],
    }


def _messages(citizen: Citizen) -> list[dict]:
    notices = db.session.scalars(select(Notice).where(Notice.citizen_id == citizen.id).order_by(Notice.id)
                                 .options(load(Notice.deliveries)))
    return [{"at": n.created_at, "title": title(n.kind, n.params), "text": body(n.kind, n.params), "read_at": n.read_at,
             "told_by": [{"channel": d.channel, "status": d.status.value, "sent_at": d.sent_at} for d in n.deliveries]}
            for n in notices]
