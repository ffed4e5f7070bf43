"""The grant officer's look-ups, each scoped to one municipality in the query itself (a foreign id finds nothing)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalogue.models import Product, Variant
from stomi_app import cpr
from stomi_app.extensions import db
from care.approvals import pending_recommendations, recommendation_details
from grants.services import awaiting_approval, citizen_of, consumption, grant_of, grants_in_force, waiting_order_of  # noqa: F401  (scoped once)
from stomi_app.models.citizen import Citizen
from grants.models import Grant, GrantChange, GrantLine
from stomi_app.models import Municipality
from care.models import GrantRecommendation, RecommendationKind
from ordering.models import Order, OrderStatus
from ordering.services import current_measure
from stomi_app.paging import Capped

SEARCH_LIMIT = 50
RECENT_ORDERS = 10


class CriterionError(ValueError):
    """A search criterion that cannot be used: `kind` is "empty" or "cpr" (digits that are no CPR number)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass
class StartFigures:
    citizens: int
    with_active_grant: int
    awaiting_approval: int


def start_figures(municipality_id: int, on: date) -> StartFigures:
    citizens = db.session.scalar(select(func.count(Citizen.id)).where(Citizen.municipality_id == municipality_id))
    with_grant = db.session.scalar(
        select(func.count(func.distinct(Grant.citizen_id))).join(Citizen, Citizen.id == Grant.citizen_id)
        .where(Citizen.municipality_id == municipality_id, Grant.in_force_on(on))
    )
    waiting = db.session.scalar(
        select(func.count(Order.id)).join(Citizen, Citizen.id == Order.citizen_id)
        .where(Citizen.municipality_id == municipality_id, Order.status == OrderStatus.AWAITING_APPROVAL)
    )
    return StartFigures(citizens or 0, with_grant or 0, waiting or 0)


def looks_like_cpr(text: str) -> bool:
    """Digits (with an optional dash or spaces) are meant as a CPR number, anything else as a name."""
    compact = text.replace("-", "").replace(" ", "")
    return bool(compact) and compact.isascii() and compact.isdigit()


def search_citizens(municipality_id: int, text: str) -> tuple[Capped, str]:
    """Citizens of the municipality by part of the name or by full CPR number (the first SEARCH_LIMIT, with how many
    matched in all); also the criterion for the audit log."""
    text = (text or "").strip()
    if not text:
        raise CriterionError("empty")
    base = select(Citizen).where(Citizen.municipality_id == municipality_id)
    if looks_like_cpr(text):
        try:
            digits = cpr.normalise(text)
        except cpr.InvalidCPR:
            raise CriterionError("cpr") from None
        found = list(db.session.scalars(base.where(Citizen.cpr_hash == cpr.lookup_hash(digits))))
        return Capped(found, len(found)), f"cpr={cpr.mask(digits)}"
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matching = base.where(func.lower(Citizen.name).like(pattern, escape="\\"))
    found = list(db.session.scalars(matching.order_by(Citizen.name, Citizen.id).limit(SEARCH_LIMIT)))
    # "Citizens found: 50" when hundreds match would mislead: the total is counted when the list is cut.
    total = len(found) if len(found) < SEARCH_LIMIT else db.session.scalar(
        select(func.count()).select_from(matching.subquery()))
    return Capped(found, total), f"name={text[:100]}"


def citizens_of(municipality_id: int, ids: list[int]) -> list[Citizen]:
    """The citizens with these ids who live in the municipality, in the order given (a search's hits, again)."""
    found = {c.id: c for c in db.session.scalars(
        select(Citizen).where(Citizen.id.in_([int(i) for i in ids]), Citizen.municipality_id == municipality_id))}
    return [found[int(i)] for i in ids if int(i) in found]


@dataclass
class CitizenOverview:
    citizen: Citizen
    measure: object
    grants: list[Grant]
    uses: dict  # grant line id → LineUse this period
    changes: list[GrantChange]
    orders: list[Order]
    recommendations: list[GrantRecommendation]  # stoma nurses' open recommendations to this municipality


def citizen_overview(citizen: Citizen, on: date) -> CitizenOverview:
    grants = list(db.session.scalars(
        select(Grant).where(Grant.citizen_id == citizen.id)
        .options(selectinload(Grant.lines).selectinload(GrantLine.variant).selectinload(Variant.product),
                 selectinload(Grant.lines).selectinload(GrantLine.category))
        .order_by(Grant.valid_from.desc(), Grant.id.desc())
    ))
    uses = {use.line.id: use for use in consumption(citizen.id, on)}
    changes = list(db.session.scalars(
        select(GrantChange).join(Grant, Grant.id == GrantChange.grant_id).where(Grant.citizen_id == citizen.id)
        .options(selectinload(GrantChange.by), selectinload(GrantChange.grant)).order_by(GrantChange.at.desc(), GrantChange.id.desc())
    ))
    orders = list(db.session.scalars(
        select(Order).where(Order.citizen_id == citizen.id, Order.status != OrderStatus.DRAFT)
        .options(selectinload(Order.lines)).order_by(Order.submitted_at.desc(), Order.id.desc()).limit(RECENT_ORDERS)
    ))
    recommendations = pending_recommendations(citizen.municipality_id, citizen.id)
    return CitizenOverview(citizen, current_measure(citizen.id), grants, uses, changes, orders, recommendations)


def recommendation_of(municipality_id: int, recommendation_id: int, *, lock: bool = False) -> GrantRecommendation | None:
    """A stoma nurse's recommendation to the municipality (open or handled); a discharge has its own page, and another
    municipality's id finds nothing. `lock` holds the row until commit, so two officers answering at once are told
    in turn rather than both recorded."""
    query = (select(GrantRecommendation)
             .where(GrantRecommendation.id == recommendation_id, GrantRecommendation.municipality_id == municipality_id,
                    GrantRecommendation.kind != RecommendationKind.DISCHARGE)
             .options(*recommendation_details()))
    if lock:  # and read it afresh: a copy already in the session may predate a colleague's answer
        query = query.with_for_update(of=GrantRecommendation).execution_options(populate_existing=True)
    return db.session.scalar(query)


def grant_in_force(citizen_id: int, on: date) -> Grant | None:
    """The citizen's newest grant in force: the one a followed recommendation is recorded against."""
    grants = grants_in_force([citizen_id], on)
    return max(grants, key=lambda g: (g.valid_from, g.id)) if grants else None


def variant_choices() -> list[Variant]:
    """Every active variant, for the list of article numbers offered in the grant form."""
    return list(db.session.scalars(
        select(Variant).join(Product, Product.id == Variant.product_id).where(Variant.active.is_(True))
        .options(selectinload(Variant.product)).order_by(Product.name, Variant.article_number)
    ))


def municipalities() -> list[Municipality]:
    """Every municipality, by name: the choices of a grant's paying municipality."""
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
