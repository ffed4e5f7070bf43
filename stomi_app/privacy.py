"""The citizen's own data: consent to data sharing, and everything we hold about them, for download."""
from __future__ import annotations

from sqlalchemy import select

from stomi_app import cpr
from stomi_app.audit import lookups_of
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import Citizen, CuttingMeasure, DeliveryProblem, Grant, Order

# The consent text the citizen agrees to; bump the version when the wording changes.
CONSENT_TEXT_VERSION = "2026-1"


def give_consent(citizen: Citizen, text_version: str = CONSENT_TEXT_VERSION) -> None:
    citizen.consent_given_at = utcnow()
    citizen.consent_withdrawn_at = None
    citizen.consent_text_version = text_version


def withdraw_consent(citizen: Citizen) -> None:
    """From now on only what delivery needs is shared with the logistics provider."""
    citizen.consent_withdrawn_at = utcnow()


def _iso(value):
    return value.isoformat() if value is not None else None


def export(citizen: Citizen) -> dict:
    """Everything the platform holds about the citizen, in plain terms (GDPR art. 15)."""
    grants = db.session.scalars(select(Grant).where(Grant.citizen_id == citizen.id).order_by(Grant.valid_from))
    orders = db.session.scalars(select(Order).where(Order.citizen_id == citizen.id).order_by(Order.id))
    measures = db.session.scalars(select(CuttingMeasure).where(CuttingMeasure.citizen_id == citizen.id).order_by(CuttingMeasure.id))
    problems = db.session.scalars(
        select(DeliveryProblem).join(Order).where(Order.citizen_id == citizen.id).order_by(DeliveryProblem.id)
    )
    return {
        "exported_at": _iso(utcnow()),
        "person": {
            "cpr": cpr.decrypt(citizen.cpr_encrypted),
            "name": citizen.name, "address": citizen.address, "postcode": citizen.postcode, "city": citizen.city,
            "phone": citizen.phone, "email": citizen.email, "municipality": citizen.municipality.name,
            "stoma_type": citizen.stoma_type.value, "language": citizen.language,
        },
        "consent": {
            "given_at": _iso(citizen.consent_given_at), "withdrawn_at": _iso(citizen.consent_withdrawn_at),
            "text_version": citizen.consent_text_version,
        },
        "grants": [
            {
                "legal_basis": g.legal_basis, "valid_from": _iso(g.valid_from), "valid_to": _iso(g.valid_to),
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
                "number": o.number, "status": o.status.value, "submitted_at": _iso(o.submitted_at),
                "channel": o.channel.value, "express": o.express, "replacement": o.is_replacement,
                "delivery": {"name": o.delivery_name, "address": o.delivery_address, "postcode": o.delivery_postcode,
                             "city": o.delivery_city},
                "tracking_reference": o.tracking_reference,
                "lines": [
                    {"article_number": l.article_number, "product": l.product_name, "quantity": l.quantity,
                     "unit_price_oere": l.unit_price_oere, "vat_rate_pct": l.vat_rate_pct, "cut": l.cut_label()}
                    for l in o.lines
                ],
                "timeline": [{"status": e.to_status.value, "at": _iso(e.at)} for e in o.events],
            }
            for o in orders if o.status.value != "draft"
        ],
        "cutting_measures": [
            {"measure": m.label(), "entered_at": _iso(m.created_at), "confirmed_at": _iso(m.confirmed_at),
             "remeasure_on": _iso(m.remeasure_on)}
            for m in measures
        ],
        "delivery_problems": [
            {"order": p.order.number, "kind": p.kind.value, "description": p.description, "reported_at": _iso(p.reported_at),
             "status": p.status}
            for p in problems
        ],
        # When and why staff looked at the citizen's data; which employee is not disclosed.
        "lookups": [{"at": _iso(e.at), "purpose": e.purpose, "action": e.action} for e in lookups_of(citizen.id, limit=10_000)],
    }
