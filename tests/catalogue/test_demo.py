"""The demo catalogue: about 300 valid, priced variants from at least five manufacturers, the same for the same seed;
today's contract prices and the previous contract's, for the years of history before it."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select
from stdnum import ean

from devtools.demo.catalogue import generate_catalogue, previous_price
from catalogue.models import ContractPrice, Product, Variant
from devtools.demo import DemoContext
from stomi_app.extensions import db


def _generate(seed: int) -> list[tuple]:
    ctx = DemoContext(rng=random.Random(seed), scale="small", today=date(2026, 6, 1), municipalities={}, echo=lambda *_: None)
    generate_catalogue(ctx)
    db.session.flush()
    rows = db.session.execute(
        select(Product.manufacturer, Product.name, Variant.article_number, Variant.gtin, Variant.pack_size, Variant.cut_min_mm,
               Variant.cut_max_mm, Variant.precut_mm, ContractPrice.price_oere)
        .join(Variant, Variant.product_id == Product.id).join(ContractPrice, ContractPrice.variant_id == Variant.id)
        .where(ContractPrice.valid_to.is_(None)).order_by(Variant.article_number)).all()
    return [tuple(r) for r in rows]


def _reset():
    for model in (ContractPrice, Variant, Product):
        db.session.execute(model.__table__.delete())


def test_demo_catalogue_is_realistic_and_deterministic(ctx):
    first = _generate(2019)
    assert 250 <= len(first) <= 360
    assert len({r[0] for r in first}) >= 5
    assert all(ean.is_valid(r[3]) and len(r[3]) == 13 for r in first)
    assert all(r[5] < r[6] for r in first if r[5] is not None)
    # every variant has exactly one price from 2026-01-01 with no end, and the previous contract's to 2025-12-31
    assert db.session.scalar(select(func.count(ContractPrice.id)).where(ContractPrice.valid_from == date(2026, 1, 1),
                                                                        ContractPrice.valid_to.is_(None))) == len(first)
    previous = {p.variant_id: p for p in db.session.scalars(select(ContractPrice).where(ContractPrice.valid_to.is_not(None)))}
    current = {p.variant_id: p for p in db.session.scalars(select(ContractPrice).where(ContractPrice.valid_to.is_(None)))}
    assert previous.keys() == current.keys() and len(previous) == len(first)
    for variant_id, price in previous.items():
        assert (price.valid_from, price.valid_to) == (date(2022, 1, 1), date(2025, 12, 31))
        assert price.price_oere == previous_price(current[variant_id].price_oere) < current[variant_id].price_oere
    bags = [r for r in first if r[4] == 30 and ("pose" in r[1] or "tømbar" in r[1]) and "Link" not in r[1]]
    assert bags and all(40000 <= r[8] <= 90095 for r in bags)
    _reset()
    assert _generate(2019) == first
