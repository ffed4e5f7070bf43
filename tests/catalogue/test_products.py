"""Creating, editing and discontinuing products and variants: each rule refuses bad values with a field error."""
from __future__ import annotations

from datetime import date

import pytest

from catalogue import services
from catalogue.services import CatalogueValidationError
from tests.fixtures.catalogue import gtin


def test_create_product_and_variant(build):
    product = build.product(name="Klitrose Soft", system="one_piece", hmi_number="12345")
    variant = build.variant(product, article="KR-1", cut_min_mm=10, cut_max_mm=45, convex=True)
    assert variant.is_cut_to_fit and variant.convex
    assert variant.display_name == "Klitrose Soft, 10–45 mm (KR-1)"
    assert variant.product.category.code == "bag_one_piece_closed"


@pytest.mark.parametrize("values,field", [
    ({"gtin": "5701234567890"}, "gtin"),  # wrong check digit
    ({"gtin": "570123456789"}, "gtin"),  # 12 digits
    ({"gtin": "abc"}, "gtin"),
    ({"pack_size": 0}, "pack_size"),
    ({"pack_size": -5}, "pack_size"),
    ({"cut_min_mm": 30, "cut_max_mm": 20}, "cut_max_mm"),
    ({"cut_min_mm": 30, "cut_max_mm": 30}, "cut_max_mm"),
    ({"cut_min_mm": 2, "cut_max_mm": 40}, "cut_min_mm"),
    ({"cut_min_mm": 10, "cut_max_mm": 120}, "cut_min_mm"),
    ({"cut_min_mm": 10}, "cut_max_mm"),
    ({"cut_min_mm": 10, "cut_max_mm": 40, "precut_mm": 30}, "precut_mm"),
    ({"precut_mm": 200}, "precut_mm"),
    ({"article_number": " "}, "article_number"),
    ({"unit": ""}, "unit"),
])
def test_variant_rules(build, values, field):
    product = build.product()
    base = {"article_number": "X-1", "gtin": gtin(), "pack_size": 10, "unit": "box"}
    base.update(values)
    with pytest.raises(CatalogueValidationError) as info:
        services.create_variant(product, **base)
    assert field in info.value.errors


def test_duplicate_article_number_and_gtin_are_refused(build):
    first = build.variant(article="DUP-1")
    with pytest.raises(CatalogueValidationError) as info:
        services.create_variant(first.product, article_number="DUP-1", gtin=gtin(), pack_size=10, unit="box")
    assert "article_number" in info.value.errors
    with pytest.raises(CatalogueValidationError) as info:
        services.create_variant(first.product, article_number="DUP-2", gtin=first.gtin, pack_size=10, unit="box")
    assert "gtin" in info.value.errors


def test_editing_a_variant_keeps_its_own_numbers(build):
    variant = build.variant(article="ED-1")
    services.update_variant(variant, article_number="ED-1", gtin=variant.gtin, pack_size=20, unit="box",
                            cut_min_mm=15, cut_max_mm=55)
    assert variant.pack_size == 20 and variant.cut_max_mm == 55


@pytest.mark.parametrize("values,field", [
    ({"category_id": None}, "category_id"),
    ({"category_id": 999999}, "category_id"),
    ({"manufacturer": ""}, "manufacturer"),
    ({"name": " "}, "name"),
    ({"system": "three_piece"}, "system"),
    ({"hmi_number": "12a"}, "hmi_number"),
])
def test_product_rules(categories, values, field):
    base = {"category_id": categories["belt"].id, "manufacturer": "M", "name": "N"}
    base.update(values)
    with pytest.raises(CatalogueValidationError) as info:
        services.create_product(**base)
    assert field in info.value.errors


def test_discontinue_product_takes_its_variants_out(build):
    variant = build.variant()
    services.discontinue_product(variant.product, date(2026, 3, 1))
    assert not variant.active and variant.discontinued_at == date(2026, 3, 1)
    assert services.product_with_variants(variant.product_id) is None
    assert services.product_with_variants(variant.product_id, include_inactive=True)[1] == [variant]
    services.reactivate_variant(variant)
    assert variant.active and variant.product.active and variant.discontinued_at is None
