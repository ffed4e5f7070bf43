"""Fixtures for grants and ordering: a tiny catalogue, a citizen with a measure, a grant officer."""
from __future__ import annotations

from datetime import date

import pytest

from catalogue.models import Category, ContractPrice, Product, ProductArea, Variant
from stomi_app.extensions import db
from grants.services import GrantLineInput, create_grant
from citizens.clinical import CutShape
from grants.models import GrantPeriod
from ordering.services import record_measure
from tests import factories


class Shop:
    """A tiny catalogue: bags (a category with two variants) and a cut-to-fit baseplate."""

    def __init__(self):
        area = ProductArea(code="stoma", name_da="Stomi", name_en="Stoma")
        self.bags = Category(product_area=area, code="bag_closed", name_da="Lukket pose", name_en="Closed bag", sort_order=1)
        self.plates = Category(product_area=area, code="baseplate", name_da="Basisplade", name_en="Baseplate", sort_order=2)
        bag = Product(category=self.bags, manufacturer="Nordlys Medical", name="Calma lukket pose", system="one_piece")
        plate = Product(category=self.plates, manufacturer="Fjord Care", name="Hudvenlig basisplade", system="two_piece")
        self.bag_a = Variant(product=bag, article_number="NL-100", gtin="5701234000013", pack_size=30, unit="box")
        self.bag_b = Variant(product=bag, article_number="NL-101", gtin="5701234000020", pack_size=30, unit="box")
        self.plate = Variant(product=plate, article_number="FC-200", gtin="5701234000037", pack_size=10, unit="box",
                             cut_min_mm=15, cut_max_mm=55)
        self.old = Variant(product=bag, article_number="NL-099", gtin="5701234000044", pack_size=30, unit="box",
                           active=False, discontinued_at=date(2025, 1, 1))
        db.session.add_all([area, self.bags, self.plates, bag, plate, self.bag_a, self.bag_b, self.plate, self.old])
        db.session.flush()
        for variant, price in [(self.bag_a, 45000), (self.bag_b, 47000), (self.plate, 80000), (self.old, 40000)]:
            db.session.add(ContractPrice(variant_id=variant.id, valid_from=date(2024, 1, 1), valid_to=None,
                                         contract_reference="SKI-2024", price_oere=price, vat_rate_pct=25))
        db.session.flush()


@pytest.fixture
def shop(world):
    s = Shop()
    db.session.commit()
    return s


@pytest.fixture
def citizen(world):
    return world["citizen"]


@pytest.fixture
def officer(world):
    return world[factories.Role.GRANT_OFFICER]


@pytest.fixture
def measured(citizen, shop):
    record_measure(citizen, shape=CutShape.ROUND, diameter_mm=32)
    db.session.commit()
    return citizen


def grant_for(officer, citizen, *lines, valid_from=date(2026, 1, 1), valid_to=None, express_per_year=2):
    with factories.decided_on(valid_from):
        grant = create_grant(officer, citizen, legal_basis="Serviceloven § 112", valid_from=valid_from, valid_to=valid_to,
                             lines=list(lines), reason="Udskrevet fra AUH", express_per_year=express_per_year)
        db.session.commit()
    return grant


def line(quantity, period=GrantPeriod.MONTH, variant=None, category=None, ceiling=None):
    return GrantLineInput(quantity=quantity, period=period, variant_id=variant.id if variant else None,
                          category_id=category.id if category else None, price_ceiling_oere=ceiling)
