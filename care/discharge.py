"""Hospital to home: a hospital nurse registers the citizen, recommended products and cutting measure at discharge;
the home municipality's grant officer turns the recommendation into a grant with the same products."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from stdnum.dk import cpr as stdnum_cpr

from catalogue.models import Variant
from stomi_app import audit, cpr
from citizens.cut import Cut
from stomi_app.db import utcnow
from stomi_app.extensions import db
from grants.services import MAX_QUANTITY, GrantLineInput, create_grant
from stomi_app.i18n import lazy_gettext as _l
from stomi_app.models import Citizen, Municipality, StomaType, User
from citizens.clinical import CutShape
from care.models import (
    DischargeProposal, DischargeRecommendation, GrantRecommendation, ProposalStatus, RecommendationLine, RecommendationStatus, TaskKind,
)
from grants.models import Grant, GrantPeriod
from care.nursing import NursingError, check_free, finish_task, is_hospital_nurse, own_care_citizens, set_measure, set_stoma
from ordering.services import OrderError, current_measure, measure_fits, parse_measure
from stomi_app.timeutil import local_today
from stomi_app.userinput import whole_number
from care.models import DISCHARGE_PROPOSAL_FLOW
from care.approvals import close_recommendation


class NotAHospitalNurse(PermissionError):
    """Only a hospital (region) nurse registers discharges."""


class NotOwnCare(PermissionError):
    """Only a nurse of the citizen's own care decides what a discharge proposes."""


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


def normalised_name(name: str) -> str:
    """A name as compared at discharge: case, accents, hyphens and extra spaces do not count; æ, ø and å are
    spelt out (ae, oe, aa) so "Søren Aagaard" and "soeren ågaard" are the same name."""
    text = (name or "").casefold()
    for letter, spelt in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        text = text.replace(letter, spelt)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").split())


def masked_name(name: str) -> str:
    """The name shown to confirm a registered citizen: each part's first letter and a fixed "***".

    Enough for a nurse to recognise the patient in front of her (initials, with the birth date and home
    municipality beside them), while the length of the parts is not told: a stranger's name cannot be read off.
    """
    return " ".join("-".join(f"{piece[:1]}***" for piece in part.split("-") if piece) for part in name.split())


@dataclass
class IdentityToConfirm:
    """What the hospital nurse is shown of a registered citizen before the discharge is added to them."""

    citizen_id: int
    masked_name: str
    born: date
    municipality: str


class IdentityMismatch(NursingError):
    """The CPR number is registered to someone whose name is not the one typed: nothing is saved; the refusal
    itself is audited (the view commits the audit event, the only thing the service added)."""


class ConfirmIdentity(NursingError):
    """The CPR number is registered and the name matches: the nurse must confirm the (masked) person first. The
    look-up is audited; nothing else is saved."""

    def __init__(self, identity: IdentityToConfirm):
        super().__init__({"confirm_identity": _l("Confirm that this is the citizen being discharged.")})
        self.identity = identity


def register_discharge(nurse: User, data: DischargeInput, *, confirmed_citizen_id: int | None = None
                       ) -> tuple[DischargeRecommendation, bool]:
    """Register the citizen (or find them by CPR: no duplicates), the measure and the recommended products.

    For a CPR number already registered the typed name must match the register's, and the nurse must have
    confirmed the person (`confirmed_citizen_id`, after ConfirmIdentity showed them masked). The recommendation
    is then added to that citizen, but their stoma type, date of operation and cutting measure are not changed:
    what differs becomes a DischargeProposal for a nurse of the citizen's own care.

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
    mismatch = False
    if existing is None:
        errors.update(_identity_errors(data))
    elif not data.name.strip():
        errors["name"] = _l("Enter the citizen's full name.")
    elif normalised_name(data.name) != normalised_name(existing.name):
        # A mistyped CPR number must not reach another person's record: the same message whatever the name is.
        mismatch = True
        errors["name"] = _l("The name does not match the citizen registered with this CPR number. Check the CPR number "
                            "and the name.")
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
        except OrderError as exc:
            errors.update(exc.errors)
    if measure is not None:
        probe = Cut(**measure)
        for variant in cut_to_fit:
            if not measure_fits(probe, variant):
                errors.setdefault("diameter_mm" if probe.shape is CutShape.ROUND else "width_mm", _l(
                    "%(product)s is cut from %(min)s to %(max)s mm; the measure does not fit.",
                    product=variant.display_name, min=variant.cut_min_mm, max=variant.cut_max_mm))
    if mismatch:
        audit.record(nurse, "search", "nurse: discharge identity refused", existing, detail="the name did not match")
        raise IdentityMismatch(errors)
    if errors:
        raise NursingError(errors)
    if existing is not None and existing.id != confirmed_citizen_id:
        audit.record(nurse, "read", "nurse: discharge identity check", existing, detail="masked name and birth date shown")
        raise ConfirmIdentity(IdentityToConfirm(existing.id, masked_name(existing.name), stdnum_cpr.get_birth_date(digits),
                                                existing.municipality.name))

    attached = existing is not None
    citizen = existing or Citizen(
        cpr_encrypted=cpr.encrypt(digits), cpr_hash=cpr.lookup_hash(digits), cpr_masked=cpr.mask(digits),
        name=data.name.strip()[:200], address=data.address.strip()[:200], postcode=data.postcode.strip(),
        city=data.city.strip()[:100], phone=data.phone.strip()[:20] or None, municipality_id=data.municipality_id,
        stoma_type=stoma_type, operation_date=data.operation_date,
    )
    db.session.add(citizen)
    db.session.flush()
    recommendation = DischargeRecommendation(
        citizen_id=citizen.id, municipality_id=citizen.municipality_id, status=RecommendationStatus.OPEN,
        note=data.note.strip()[:2000], created_by_id=nurse.id, hospital=nurse.workplace or (nurse.region.name if nurse.region else None),
        lines=[RecommendationLine(variant_id=v.id, quantity=q, period=GrantPeriod.MONTH) for v, q in products],
    )
    db.session.add(recommendation)
    db.session.flush()
    proposal = None
    if not attached:
        if measure is not None:
            set_measure(nurse, citizen, measure)
    else:
        proposal = _propose(nurse, citizen, recommendation, stoma_type, data.operation_date, measure)
    audit.record(nurse, "change", "nurse: discharge registration", citizen,
                 detail=f"recommendation {recommendation.id}" + (", new citizen" if not attached else
                                                                 ", existing citizen, identity confirmed"
                                                                 + (f", proposal {proposal.id}" if proposal else "")))
    db.session.flush()
    return recommendation, attached


def _propose(nurse: User, citizen: Citizen, recommendation: DischargeRecommendation, stoma_type: StomaType,
             operation_date: date, measure: dict | None) -> DischargeProposal | None:
    """What the discharge says that differs from the citizen's profile, as a proposal (None when nothing differs).

    The profile is what the citizen's orders are cut and packed by: the warehouse cuts to the current measure, so a
    hospital's different measure waits for a nurse who knows the citizen.
    """
    current = current_measure(citizen.id)
    new_measure = None
    if measure is not None:
        if current is None or current.cut != Cut(**measure):
            new_measure = measure
    proposal = DischargeProposal(
        recommendation_id=recommendation.id, citizen_id=citizen.id, proposed_by_id=nurse.id,
        stoma_type=stoma_type if stoma_type is not citizen.stoma_type else None,
        operation_date=operation_date if operation_date != citizen.operation_date else None,
        **(new_measure or {}),
    )
    if proposal.stoma_type is None and proposal.operation_date is None and proposal.shape is None:
        return None
    db.session.add(proposal)
    db.session.flush()
    audit.record(nurse, "change", "nurse: discharge proposal", citizen, detail=f"proposal {proposal.id}: " + ", ".join(
        name for name, value in (("stoma type", proposal.stoma_type), ("operation date", proposal.operation_date),
                                 ("cutting measure", proposal.shape)) if value is not None))
    return proposal


def proposal_for(recommendation_id: int) -> DischargeProposal | None:
    return db.session.scalar(select(DischargeProposal).where(DischargeProposal.recommendation_id == recommendation_id))


def open_proposals_of(citizen_id: int) -> list[DischargeProposal]:
    """The discharge proposals waiting on a citizen's profile, oldest first."""
    return list(db.session.scalars(
        select(DischargeProposal).where(DischargeProposal.citizen_id == citizen_id, DischargeProposal.status == ProposalStatus.OPEN)
        .order_by(DischargeProposal.created_at, DischargeProposal.id)
    ))


def decide_proposal(nurse: User, proposal: DischargeProposal, *, accept: bool, note: str = "") -> DischargeProposal:
    """A nurse of the citizen's own care, not the proposing one, accepts the proposed clinical facts (the profile
    changes: stoma type, date of operation, a new confirmed measure version) or declines them with a reason."""
    citizen = proposal.citizen
    if db.session.scalar(select(Citizen.id).where(Citizen.id == citizen.id, own_care_citizens(nurse))) is None:
        raise NotOwnCare()
    if proposal.proposed_by_id == nurse.id:
        raise NursingError({"state": _l("Another nurse of the citizen's own care decides the changes you proposed.")})
    if proposal.status is not ProposalStatus.OPEN:
        raise NursingError({"state": _l("The proposal has already been decided.")})
    check_free(nurse, TaskKind.DISCHARGE_PROPOSAL, proposal.id)
    note = (note or "").strip()[:2000]
    if not accept and not note:
        raise NursingError({"note": _l("Write why the changes are declined.")})
    if accept:
        if proposal.stoma_type is not None or proposal.operation_date is not None:
            set_stoma(nurse, citizen, stoma_type=(proposal.stoma_type or citizen.stoma_type).value,
                      operation_date=proposal.operation_date or citizen.operation_date)
        if proposal.measure is not None:
            set_measure(nurse, citizen, proposal.measure, note=note or None)
    DISCHARGE_PROPOSAL_FLOW.move(proposal, ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED)
    proposal.decided_at, proposal.decided_by_id, proposal.decision_note = utcnow(), nurse.id, note or None
    finish_task(TaskKind.DISCHARGE_PROPOSAL, proposal.id)
    if accept:
        audit.record(nurse, "change", "nurse: accept a discharge proposal", citizen, detail=f"proposal {proposal.id}")
    else:
        audit.record(nurse, "change", "nurse: decline a discharge proposal", citizen, detail=f"proposal {proposal.id}")
    db.session.flush()
    return proposal


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


def grant_lines(recommendation: GrantRecommendation, quantities: dict[int, int] | None = None) -> list[GrantLineInput]:
    """The recommendation's products as grant lines: the same variants, so nothing is swapped on the way; the grant
    officer may grant another number of packs (`quantities` by recommendation line id), the budget being hers."""
    quantities = quantities or {}
    return [GrantLineInput(quantity=quantities.get(line.id, line.quantity), period=line.period, variant_id=line.variant_id)
            for line in recommendation.lines if line.variant_id is not None]


def grant_from_discharge(officer: User, recommendation: DischargeRecommendation, *, legal_basis: str, valid_from: date,
                         reason: str, valid_to: date | None = None, quantities: dict[int, int] | None = None) -> Grant:
    """The grant officer's one click: a grant with the recommended products (her own numbers of packs and last day, if
    she gives them); the recommendation is then done."""
    if recommendation.status is not RecommendationStatus.OPEN:
        raise NursingError({"state": _l("The recommendation has already been handled.")})
    grant = create_grant(officer, recommendation.citizen, legal_basis=legal_basis, valid_from=valid_from, valid_to=valid_to,
                         lines=grant_lines(recommendation, quantities), reason=reason)
    close_recommendation(officer, recommendation, done=True, grant=grant, follows_anyway=True)
    return grant
