"""Hospital to home: a hospital nurse registers the citizen, recommended products and cutting measure at discharge;
the home municipality's grant officer turns the recommendation into a grant with the same products."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import Variant
from stomi_app import audit, cpr
from stomi_app.extensions import db
from stomi_app.grants import MAX_QUANTITY, GrantLineInput, create_grant
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import (
    Citizen, CutShape, CuttingMeasure, DischargeRecommendation, Grant, GrantPeriod, GrantRecommendation, Municipality, RecommendationLine,
    RecommendationStatus, StomaType, User,
)
from stomi_app.nursing import NursingError, is_hospital_nurse, parse_measure, set_measure
from stomi_app.ordering import measure_fits
from stomi_app.timeutil import local_today
from stomi_app.userinput import whole_number


class NotAHospitalNurse(PermissionError):
    """Only a hospital (region) nurse registers discharges."""


@dataclass
class DischargeInput:
    """What the discharge form holds, as typed (the service validates every field at once)."""

    cpr: str = ""
    name: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    municipality_id: int | None = None
    stoma_type: str = ""
    operation_date: date | None = None
    products: list[tuple[str, str]] = field(default_factory=list)  # (article number, packs per month) per row
    shape: str = "round"
    diameter_mm: str = ""
    width_mm: str = ""
    height_mm: str = ""
    note: str = ""


def _identity_errors(data: DischargeInput) -> dict:
    errors = {}
    if not data.name.strip():
        errors["name"] = _l("Enter the citizen's full name.")
    if not data.address.strip():
        errors["address"] = _l("Enter the street and number.")
    postcode = data.postcode.strip()
    if not (postcode.isascii() and postcode.isdigit() and len(postcode) == 4 and postcode[0] != "0"):
        errors["postcode"] = _l("A Danish postcode is 4 digits, e.g. 8000.")
    if not data.city.strip():
        errors["city"] = _l("Enter the town.")
    municipality = db.session.get(Municipality, data.municipality_id) if data.municipality_id else None
    if municipality is None or not municipality.active:
        errors["municipality_id"] = _l("Choose the citizen's home municipality.")
    return errors


def _products(rows: list[tuple[str, str]], errors: dict) -> list[tuple[Variant, int]]:
    chosen: list[tuple[Variant, int]] = []
    for index, (article, quantity) in enumerate(rows):
        article, quantity = (article or "").strip(), (quantity or "").strip()
        if not article and not quantity:
            continue
        variant = db.session.scalar(select(Variant).where(Variant.article_number == article)) if article else None
        if variant is None or not variant.active:
            errors[f"article-{index}"] = _l("No product in the catalogue has the article number %(article)s.", article=article or "–")
        elif any(v.id == variant.id for v, _ in chosen):
            errors[f"article-{index}"] = _l("The product is already on another line.")
        packs = whole_number(quantity, low=1, high=MAX_QUANTITY)
        if packs is None:
            errors[f"qty-{index}"] = _l("Enter a whole number of packs from 1 to %(max)s.", max=MAX_QUANTITY)
        elif variant is not None and variant.active and f"article-{index}" not in errors:
            chosen.append((variant, packs))
    if not chosen and not any(key.startswith(("article-", "qty-")) for key in errors):
        errors["article-0"] = _l("Recommend at least one product.")
    return chosen


def register_discharge(nurse: User, data: DischargeInput) -> tuple[DischargeRecommendation, bool]:
    """Register the citizen (or find them by CPR: no duplicates), the measure and the recommended products.

    Returns the recommendation and whether an existing citizen was used. Nothing is saved if any field is wrong.
    """
    if not is_hospital_nurse(nurse):
        raise NotAHospitalNurse()
    errors: dict = {}
    existing = None
    try:
        digits = cpr.normalise(data.cpr)
        existing = db.session.scalar(select(Citizen).where(Citizen.cpr_hash == cpr.lookup_hash(digits)))
    except cpr.InvalidCPR:
        digits = None
        errors["cpr"] = _l("Enter a valid CPR number: 10 digits, e.g. 010150-1234.")
    if existing is None:
        errors.update(_identity_errors(data))
    try:
        stoma_type = StomaType(data.stoma_type)
    except ValueError:
        stoma_type = None
        errors["stoma_type"] = _l("Choose the type of stoma.")
    if data.operation_date is None:
        errors["operation_date"] = _l("Enter the date of operation, e.g. 2026-11-02.")
    elif data.operation_date > local_today():
        errors["operation_date"] = _l("The date of operation cannot be in the future.")
    products = _products(data.products, errors)
    measure = None
    measure_given = any((data.diameter_mm, data.width_mm, data.height_mm))
    cut_to_fit = [v for v, _ in products if v.is_cut_to_fit]
    if measure_given or cut_to_fit:
        try:
            measure = parse_measure(data.shape, data.diameter_mm, data.width_mm, data.height_mm)
        except NursingError as exc:
            errors.update(exc.errors)
    if measure is not None:
        probe = CuttingMeasure(**measure)  # transient, never added: only for the cutting-range check
        for variant in cut_to_fit:
            if not measure_fits(probe, variant):
                errors.setdefault("diameter_mm" if probe.shape is CutShape.ROUND else "width_mm", _l(
                    "%(product)s is cut from %(min)s to %(max)s mm; the measure does not fit.",
                    product=variant.display_name, min=variant.cut_min_mm, max=variant.cut_max_mm))
    if errors:
        raise NursingError(errors)

    attached = existing is not None
    citizen = existing or Citizen(
        cpr_encrypted=cpr.encrypt(digits), cpr_hash=cpr.lookup_hash(digits), cpr_masked=cpr.mask(digits),
        name=data.name.strip()[:200], address=data.address.strip()[:200], postcode=data.postcode.strip(),
        city=data.city.strip()[:100], phone=data.phone.strip()[:20] or None, municipality_id=data.municipality_id,
        stoma_type=stoma_type,
    )
    # The hospital knows the operation best: its stoma type and date are the newest clinical facts.
    citizen.stoma_type, citizen.operation_date = stoma_type, data.operation_date
    db.session.add(citizen)
    db.session.flush()
    recommendation = DischargeRecommendation(
        citizen_id=citizen.id, municipality_id=citizen.municipality_id, status=RecommendationStatus.OPEN,
        note=data.note.strip()[:2000], created_by_id=nurse.id, hospital=nurse.workplace or (nurse.region.name if nurse.region else None),
        lines=[RecommendationLine(variant_id=v.id, quantity=q, period=GrantPeriod.MONTH) for v, q in products],
    )
    db.session.add(recommendation)
    db.session.flush()
    if measure is not None:
        set_measure(nurse, citizen, measure)
    audit.record(nurse, "change", "nurse: discharge registration", citizen,
                 detail=f"recommendation {recommendation.id}" + (", existing citizen" if attached else ", new citizen"))
    db.session.flush()
    return recommendation, attached


def open_discharge_recommendations(municipality_id: int) -> list[DischargeRecommendation]:
    """Discharges waiting for a grant in one municipality, oldest first: the grant officer's task list."""
    return list(db.session.scalars(
        select(DischargeRecommendation)
        .where(DischargeRecommendation.municipality_id == municipality_id,
               DischargeRecommendation.status == RecommendationStatus.OPEN)
        .options(selectinload(DischargeRecommendation.lines).selectinload(RecommendationLine.variant).selectinload(Variant.product),
                 selectinload(DischargeRecommendation.citizen), selectinload(DischargeRecommendation.created_by))
        .order_by(DischargeRecommendation.created_at, DischargeRecommendation.id)
    ))


def discharges_by(nurse: User, limit: int = 50) -> list[DischargeRecommendation]:
    return list(db.session.scalars(
        select(DischargeRecommendation).where(DischargeRecommendation.created_by_id == nurse.id)
        .options(selectinload(DischargeRecommendation.citizen))
        .order_by(DischargeRecommendation.created_at.desc(), DischargeRecommendation.id.desc()).limit(limit)
    ))


def grant_lines(recommendation: GrantRecommendation) -> list[GrantLineInput]:
    """The recommendation's products as grant lines: the same variants, so nothing is swapped on the way."""
    return [GrantLineInput(quantity=line.quantity, period=line.period, variant_id=line.variant_id)
            for line in recommendation.lines]


def grant_from_discharge(officer: User, recommendation: DischargeRecommendation, *, legal_basis: str, valid_from: date,
                         reason: str, valid_to: date | None = None) -> Grant:
    """The grant officer's one click: a grant with the recommended products; the recommendation is then done."""
    from stomi_app.approvals import close_recommendation

    if recommendation.status is not RecommendationStatus.OPEN:
        raise NursingError({"state": _l("The recommendation has already been handled.")})
    grant = create_grant(officer, recommendation.citizen, legal_basis=legal_basis, valid_from=valid_from, valid_to=valid_to,
                         lines=grant_lines(recommendation), reason=reason)
    close_recommendation(officer, recommendation, done=True, grant=grant)
    return grant
