"""Demo work for the stoma nurses: questions, citizen-entered measures, product changes, cutting problems, discharges,
and the municipal nurses' recommendations waiting for the grant officer."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalogue.models import Product, ReviewStatus, SupplierChangeReview, Variant
from devtools.demo.people import DEMO_CITIZENS
from stomi_app import cpr
from care import approvals
from care import nursing
from ordering import services as ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from grants.services import consumption, grants_in_force
from stomi_app.models.citizen import Citizen
from citizens.clinical import CutShape
from ordering.models import DeliveryProblem, DeliveryProblemKind, Order, OrderStatus
from care.models import DischargeRecommendation, RecommendationLine, RecommendationStatus
from grants.models import GrantLine, GrantPeriod
from stomi_app.models import Municipality, Region, Role, User
from stomi_app.timeutil import local_today

QUESTIONS = [
    "Min hud er rød og klør under pladen. Hvad kan jeg gøre?",
    "Posen lækker om natten, især når jeg ligger på siden.",
    "Må jeg gå i svømmehallen med min stomi?",
    "Pladen sidder dårligt efter jeg har tabt mig. Skal jeg måles igen?",
    "Hvor tit bør jeg skifte basispladen?",
]
CHANGE_REASONS = ["Lækager flere gange om ugen", "Huden tåler ikke klæberen", "Posen er for stor under tøjet"]
CUTTING_PROBLEMS = ["Hullet er klippet for stort, huden bliver rød", "Hullet er ovalt, men min stomi er rund"]
PER_REGION = 12  # citizens per region with something waiting: enough to fill a queue, few enough to read
RECOMMENDATION_NOTES = {
    "order": "Højt forbrug siden operationen; anbefaler at hæve bevillingen med en pakning om måneden.",
    "product_change": "Lækager med det nuværende produkt; det anbefalede sidder bedre.",
    "supplier_change": "Efterfølgeren er afprøvet med borgeren og passer til klippemålet.",
}


def generate_nursing(ctx) -> None:
    """Open tasks for the demo nurses among random citizens (never the fixed demo citizens, whose journeys are known)."""

    hospital_nurses = list(db.session.scalars(select(User).where(User.role == Role.NURSE, User.region_id.is_not(None))))
    own_ids = {m: set(db.session.scalars(select(Citizen.id).where(Citizen.municipality_id == m)))
               for m in db.session.scalars(select(User.municipality_id).where(User.role == Role.NURSE,
                                                                              User.municipality_id.is_not(None)))}
    agent = db.session.scalar(select(User).where(User.role == Role.CALLCENTER).order_by(User.id))
    fixed = set(db.session.scalars(select(Citizen.id).where(
        Citizen.cpr_hash.in_([cpr.lookup_hash(digits) for digits, *_ in DEMO_CITIZENS]))))
    variants = list(db.session.scalars(select(Variant).join(Product).where(Variant.active.is_(True)).order_by(Variant.id).limit(200)))
    if not variants:
        return
    rng, made = ctx.rng, 0
    for region_id in list(db.session.scalars(select(Region.id).order_by(Region.code))):
        ids = [i for i in db.session.scalars(
            select(Citizen.id).join(Municipality, Municipality.id == Citizen.municipality_id)
            .where(Municipality.region_id == region_id).order_by(Citizen.id)) if i not in fixed]
        for citizen_id in rng.sample(ids, min(PER_REGION, len(ids))):
            _one_task(rng, made, db.session.get(Citizen, citizen_id), variants, agent)
            made += 1
        # The municipal demo nurses get a full queue of their own too.
        for members in own_ids.values():
            own = [i for i in ids if i in members]
            for citizen_id in rng.sample(own, min(5, len(own))):
                _one_task(rng, made, db.session.get(Citizen, citizen_id), variants, agent)
                made += 1
        nurse = next((n for n in hospital_nurses if n.region_id == region_id), None)
        if nurse is not None and ids:
            _discharge(rng, db.session.get(Citizen, rng.choice(ids)), nurse, variants)
    db.session.flush()
    ctx.echo(f"{made} open tasks for the stoma nurses")
    recommended = sum(_recommendations(rng, nurse, fixed) for nurse in db.session.scalars(
        select(User).where(User.role == Role.NURSE, User.municipality_id.is_not(None)).order_by(User.id)))
    ctx.echo(f"{recommended} open recommendations for the grant officers")


def _one_task(rng, index: int, citizen: Citizen, variants: list[Variant], agent: User | None) -> None:
    kind = index % 5
    if kind == 0:
        nursing.ask_advice(citizen, rng.choice(QUESTIONS))
    elif kind == 1 and agent is not None:
        nursing.ask_advice(citizen, rng.choice(QUESTIONS), transferred_by=agent, summary="Ringede til callcenteret; ønsker opkald.")
    elif kind == 2:
        ordering.record_measure(citizen, shape=CutShape.ROUND, diameter_mm=rng.randint(22, 45))
    elif kind == 3:
        # A product she is not granted already (asking for one she has is refused, as on the page).
        granted = {use.line.variant_id for use in consumption(citizen.id, local_today())}
        wanted = [v for v in variants if v.id not in granted]
        if wanted:
            approvals.request_product_change(citizen, wanted_variant=rng.choice(wanted), reason=rng.choice(CHANGE_REASONS))
    else:
        order = db.session.scalar(select(Order).where(Order.citizen_id == citizen.id, Order.status == OrderStatus.DELIVERED)
                                  .order_by(Order.id.desc()).limit(1))
        if order is None:
            nursing.ask_advice(citizen, rng.choice(QUESTIONS))
            return
        db.session.add(DeliveryProblem(order=order, kind=DeliveryProblemKind.CUTTING, description=rng.choice(CUTTING_PROBLEMS),
                                       reported_at=utcnow() - timedelta(hours=rng.randint(1, 72))))


def _discharge(rng, citizen: Citizen, nurse: User, variants: list[Variant]) -> None:
    """A recent discharge waiting for the home municipality's grant officer."""
    citizen.operation_date = local_today() - timedelta(days=rng.randint(3, 10))
    chosen = rng.sample(variants, 2)
    db.session.add(DischargeRecommendation(
        citizen_id=citizen.id, municipality_id=citizen.municipality_id, status=RecommendationStatus.OPEN, created_by_id=nurse.id,
        hospital=nurse.workplace, note="Udskrevet efter anlæggelse af stomi.",
        lines=[RecommendationLine(variant_id=v.id, quantity=rng.randint(1, 4), period=GrantPeriod.MONTH) for v in chosen],
    ))



def _recommendations(rng, nurse: User, fixed: set[int]) -> int:
    """Open recommendations for the grant officer of the municipal nurse's municipality: one after an order beyond the
    grant, one for a product change and one for a supplier change, each decided by the nurse through the service her
    console calls. Among citizens with a product granted by name; never the fixed demo citizens, nor the municipality's
    newest citizen (e2e/test_grant_officer_recommendations.py makes and dismisses one of its own for that citizen)."""
    ids = list(db.session.scalars(select(Citizen.id).where(Citizen.municipality_id == nurse.municipality_id).order_by(Citizen.id)))
    today = local_today()
    granted: dict[int, list[GrantLine]] = {}
    for grant in grants_in_force([i for i in ids[:-1] if i not in fixed], today):
        granted.setdefault(grant.citizen_id, []).extend(
            line for line in grant.lines if line.variant is not None and line.variant.active and line.period is GrantPeriod.MONTH)
    candidates = [i for i in sorted(granted) if granted[i]]
    if not candidates:
        return 0
    rng.shuffle(candidates)
    makers = (_order_recommendation, _product_change_recommendation, _supplier_change_recommendation)
    made = 0
    for index, make in enumerate(makers):
        citizen_id = candidates[index % len(candidates)]
        made += make(rng, nurse, db.session.get(Citizen, citizen_id), granted[citizen_id]) is not None
    db.session.flush()
    return made


def _alternatives(variant: Variant, lines: list[GrantLine]) -> list[Variant]:
    """Other active variants of the granted variant's category that the citizen is not granted already."""
    taken = {line.variant_id for line in lines}
    return [v for v in db.session.scalars(
        select(Variant).join(Product).where(Product.category_id == variant.product.category_id, Variant.active.is_(True))
        .order_by(Variant.id)) if v.id not in taken]


def _order_recommendation(rng, nurse: User, citizen: Citizen, lines: list[GrantLine]):
    """The citizen orders one pack more of a granted product than is left this month; the nurse approves the order
    once and recommends raising the grant."""
    line = lines[0]
    use = next(u for u in consumption(citizen.id, local_today()) if u.line.id == line.id)
    order = ordering.new_draft(citizen)
    ordering.set_draft_lines(order, {line.variant_id: min(use.remaining_quantity + 1, ordering.MAX_QUANTITY)})
    ordering.submit(order)
    if not order.needs_approval:
        return None
    return approvals.approve_order(nurse, order, reason="Godkendt én gang.", recommend=True,
                                   quantities={line.variant_id: line.quantity + 1}, note=RECOMMENDATION_NOTES["order"])


def _product_change_recommendation(rng, nurse: User, citizen: Citizen, lines: list[GrantLine]):
    """The citizen asks for another product of the same kind; the nurse approves, which the grant must follow."""
    line = rng.choice(lines)
    wanted = _alternatives(line.variant, lines)
    if not wanted:
        return None
    change = approvals.request_product_change(citizen, wanted_variant=rng.choice(wanted), current_variant=line.variant,
                                              reason=rng.choice(CHANGE_REASONS))
    return approvals.approve_product_change(nurse, change, reason=RECOMMENDATION_NOTES["product_change"])


def _supplier_change_recommendation(rng, nurse: User, citizen: Citizen, lines: list[GrantLine]):
    """A granted product is ending and the nurse chooses its successor with the citizen. The review task is made here
    for this one citizen: the catalogue's own mapping (catalogue.supplier_change.map_successors) would open one for every
    citizen granted that product, all over the country."""
    line = rng.choice(lines)
    successors = _alternatives(line.variant, lines)
    if not successors:
        return None
    successor = rng.choice(successors)
    review = SupplierChangeReview(citizen_id=citizen.id, old_variant_id=line.variant_id, status=ReviewStatus.OPEN,
                                  created_at=utcnow(), suggested_variants=[successor])
    db.session.add(review)
    db.session.flush()
    return approvals.decide_supplier_review(nurse, review, successor_id=successor.id, note=RECOMMENDATION_NOTES["supplier_change"])
