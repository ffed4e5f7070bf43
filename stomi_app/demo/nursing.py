"""Demo work for the stoma nurses: questions, citizen-entered measures, product changes, cutting problems, discharges."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalogue.models import Product, Variant
from stomi_app import approvals, cpr, nursing, ordering
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import (
    Citizen, CutShape, DeliveryProblem, DeliveryProblemKind, DischargeRecommendation, GrantPeriod, Municipality, Order,
    OrderStatus, RecommendationLine, RecommendationStatus, Region, Role, User,
)
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


def generate_nursing(ctx) -> None:
    """Open tasks for the demo nurses among random citizens (never the fixed demo citizens, whose journeys are known)."""
    from stomi_app.demo import DEMO_CITIZENS

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


def _one_task(rng, index: int, citizen: Citizen, variants: list[Variant], agent: User | None) -> None:
    kind = index % 5
    if kind == 0:
        nursing.ask_advice(citizen, rng.choice(QUESTIONS))
    elif kind == 1 and agent is not None:
        nursing.ask_advice(citizen, rng.choice(QUESTIONS), transferred_by=agent, summary="Ringede til callcentret; ønsker opkald.")
    elif kind == 2:
        ordering.record_measure(citizen, shape=CutShape.ROUND, diameter_mm=rng.randint(22, 45))
    elif kind == 3:
        approvals.request_product_change(citizen, wanted_variant=rng.choice(variants), reason=rng.choice(CHANGE_REASONS))
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

