"""Search and every filter in SQL, neutral ordering, pagination, and speed with 2,000 variants."""
from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import insert

from catalogue import services
from catalogue.models import ContractPrice, Product, Variant
from catalogue.services import CatalogueQuery
from stomi_app.extensions import db
from tests.fixtures.catalogue import gtin
from tests.dbutil import count_statements


def names(page) -> list[str]:
    return [hit.product.name for hit in page.items]


@pytest.fixture
def assortment(build):
    """Four products covering every filter."""
    closed = build.product(name="Bølge lukket", category="bag_one_piece_closed", system="one_piece", hmi_number="40001")
    build.variant(closed, article="BL-10", cut_min_mm=10, cut_max_mm=45)
    build.variant(closed, article="BL-30", precut_mm=30)
    convex = build.product(name="Alfa konveks plade", category="baseplate_convex", system="two_piece")
    build.variant(convex, article="AK-1", cut_min_mm=15, cut_max_mm=35, convex=True, coupling_mm=50, pack_size=5)
    flat = build.product(name="Celle basisplade", category="baseplate_two_piece", system="two_piece")
    build.variant(flat, article="CB-1", cut_min_mm=20, cut_max_mm=70, coupling_mm=70, pack_size=10)
    belt = build.product(name="Dorte bælte", category="belt")
    old = build.variant(belt, article="DB-OLD", unit="piece", pack_size=1)
    build.variant(belt, article="DB-1", unit="piece", pack_size=1)
    services.discontinue_variant(old, date(2026, 1, 1))
    db.session.commit()
    return {"closed": closed, "convex": convex, "flat": flat, "belt": belt, "old": old}


def test_everything_alphabetically(assortment):
    page = services.search(CatalogueQuery())
    assert names(page) == ["Alfa konveks plade", "Bølge lukket", "Celle basisplade", "Dorte bælte"]
    assert page.total == 4


def test_order_by_category_follows_the_category_order(assortment):
    page = services.search(CatalogueQuery(order="category"))
    # bags first, then two-piece baseplates, convex baseplates, belts (the agreed category order)
    assert names(page) == ["Bølge lukket", "Celle basisplade", "Alfa konveks plade", "Dorte bælte"]


@pytest.mark.parametrize("text,expected", [
    ("bølge", ["Bølge lukket"]),  # name, case-insensitive
    ("plade", ["Alfa konveks plade", "Celle basisplade"]),
    ("CB-1", ["Celle basisplade"]),  # article number
    ("40001", ["Bølge lukket"]),  # HMI number
    ("100%", []),  # wildcards are literal
    ("nothing-like-this", []),
])
def test_text_search(assortment, text, expected):
    assert names(services.search(CatalogueQuery(text=text))) == expected


def test_search_by_gtin(assortment):
    variant = assortment["flat"].variants[0]
    assert names(services.search(CatalogueQuery(text=variant.gtin))) == ["Celle basisplade"]


def test_filters(assortment, categories):
    assert names(services.search(CatalogueQuery(category_id=categories["belt"].id))) == ["Dorte bælte"]
    assert names(services.search(CatalogueQuery(system="one_piece"))) == ["Bølge lukket"]
    assert names(services.search(CatalogueQuery(system="two_piece"))) == ["Alfa konveks plade", "Celle basisplade"]
    assert names(services.search(CatalogueQuery(convex=True))) == ["Alfa konveks plade"]
    assert "Alfa konveks plade" not in names(services.search(CatalogueQuery(convex=False)))


@pytest.mark.parametrize("mm,expected", [
    (10, ["Bølge lukket"]),  # the smallest end of a range
    (45, ["Bølge lukket", "Celle basisplade"]),  # the largest end of one range, inside another
    (30, ["Alfa konveks plade", "Bølge lukket", "Celle basisplade"]),  # pre-cut 30 counts too
    (71, []),
])
def test_cut_size_filter(assortment, mm, expected):
    assert names(services.search(CatalogueQuery(cut_mm=mm))) == expected


def test_hits_carry_only_the_matching_variants(assortment):
    page = services.search(CatalogueQuery(cut_mm=40))
    bag = next(h for h in page.items if h.product.name == "Bølge lukket")
    assert [v.article_number for v in bag.variants] == ["BL-10"]


def test_discontinued_variants_only_for_the_administration(assortment):
    assert "DB-OLD" not in [v.article_number for h in services.search(CatalogueQuery(text="DB-OLD")).items for v in h.variants]
    admin_page = services.search(CatalogueQuery(text="DB-OLD", include_inactive=True))
    assert [v.article_number for h in admin_page.items for v in h.variants] == ["DB-OLD"]


def test_pagination(build):
    for i in range(30):
        build.variant(build.product(name=f"Produkt {i:02d}"))
    db.session.commit()
    first = services.search(CatalogueQuery(), page=1)
    second = services.search(CatalogueQuery(), page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (30, 2, 25, 5)
    assert first.has_next and not first.has_prev and second.has_prev and not second.has_next
    assert names(second)[0] == "Produkt 25"
    assert services.search(CatalogueQuery(), page=99).page == 2  # beyond the end: the last page
    assert services.search(CatalogueQuery(), page=-3).page == 1


def _bulk_catalogue(categories, products=400, variants_per_product=5):
    cats = list(categories.values())
    product_ids = db.session.scalars(insert(Product).returning(Product.id, sort_by_parameter_order=True), [
        {"category_id": cats[i % len(cats)].id, "manufacturer": f"M{i % 7}", "name": f"Produkt {i:04d}",
         "system": ("one_piece", "two_piece", None)[i % 3], "hmi_number": str(50000 + i), "active": True,
         "description_da": "", "description_en": ""}
        for i in range(products)
    ]).all()
    rows, n = [], 0
    for pid in product_ids:
        for j in range(variants_per_product):
            n += 1
            lo = 10 + (n % 4) * 5
            rows.append({"product_id": pid, "article_number": f"BULK-{n:05d}", "gtin": gtin(900000 + n), "pack_size": 30,
                         "unit": "box", "cut_min_mm": lo, "cut_max_mm": lo + 35, "convex": n % 5 == 0, "active": True,
                         "precut_mm": None, "coupling_mm": None})
    variant_ids = db.session.scalars(insert(Variant).returning(Variant.id, sort_by_parameter_order=True), rows).all()
    db.session.execute(insert(ContractPrice), [
        {"variant_id": vid, "valid_from": date(2026, 1, 1), "valid_to": None, "contract_reference": "B",
         "price_oere": 50000, "vat_rate_pct": 25} for vid in variant_ids])
    db.session.commit()
    return len(variant_ids)


def test_two_thousand_variants_stay_fast_in_few_queries(categories):
    assert _bulk_catalogue(categories) == 2000
    with count_statements(db.engine) as statements:
        queries = [CatalogueQuery(), CatalogueQuery(text="produkt 03"), CatalogueQuery(cut_mm=32, convex=False, order="category"),
                   CatalogueQuery(system="two_piece", category_id=categories["belt"].id), CatalogueQuery(text="BULK-01999")]
        started = time.perf_counter()
        for q in queries:
            statements.clear()
            page = services.search(q, page=2 if q.text == "" else 1)
            assert len(statements) <= 4  # count, products, their categories, variants: never a query per row
        elapsed = (time.perf_counter() - started) / len(queries)
    assert page.total == 1
    assert elapsed < 1.0, f"a search took {elapsed:.3f} s on average"
