"""Fixtures for the catalogue: the standard categories, a variant builder, CSV files and a table snapshot."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from stdnum import ean

from catalogue import services
from catalogue.models import ContractPrice, Product, Variant
from catalogue.reference import ensure_stoma_categories
from stomi_app.extensions import db

_serial = itertools.count(1)


def gtin(n: int | None = None) -> str:
    body = f"57{(n if n is not None else next(_serial)):010d}"
    return body + ean.calc_check_digit(body)


class Builder:
    """Makes products and variants through the services, so the rules hold for test data too."""

    def __init__(self, categories):
        self.categories = categories

    def product(self, name="Testpose lukket", category="bag_one_piece_closed", manufacturer="Testfabrikken", **kw):
        return services.create_product(category_id=self.categories[category].id, manufacturer=manufacturer, name=name, **kw)

    def variant(self, product=None, *, article=None, price_oere=45000, valid_from=date(2026, 1, 1), **kw):
        product = product or self.product()
        n = next(_serial)
        values = {"article_number": article or f"T-{n:05d}", "gtin": gtin(n), "pack_size": 30, "unit": "box"}
        values.update(kw)
        variant = services.create_variant(product, **values)
        if price_oere is not None:
            services.add_contract_price(variant, valid_from=valid_from, valid_to=None, contract_reference="TEST-2026",
                                        price_oere=price_oere)
        return variant


@pytest.fixture(autouse=True)
def _english_messages(request):
    """Service-level tests read the (English) messages; pages are checked by element ids instead."""
    if "ctx" not in request.fixturenames or request.module.__name__.endswith("test_views"):
        yield  # the pages are tested in Danish, the default language
        return
    request.getfixturevalue("ctx")
    with force_locale("en"):
        yield


@pytest.fixture
def categories(ctx):
    cats = ensure_stoma_categories()
    db.session.commit()
    return cats


@pytest.fixture
def build(categories):
    return Builder(categories)


def snapshot() -> tuple:
    """Everything the import may touch, to prove that a failed import changed nothing."""
    products = db.session.execute(select(Product.id, Product.name, Product.category_id, Product.active).order_by(Product.id)).all()
    variants = db.session.execute(select(Variant.id, Variant.article_number, Variant.gtin, Variant.pack_size, Variant.cut_min_mm,
                                         Variant.cut_max_mm, Variant.active).order_by(Variant.id)).all()
    prices = db.session.execute(select(ContractPrice.id, ContractPrice.variant_id, ContractPrice.valid_from, ContractPrice.valid_to,
                                       ContractPrice.price_oere).order_by(ContractPrice.id)).all()
    return products, variants, prices


HEADER = ["category_code", "manufacturer", "product_name", "article_number", "gtin", "pack_size", "unit", "price_dkk",
          "valid_from", "valid_to", "contract_reference", "cut_min_mm", "cut_max_mm", "convex", "system"]


def row(**overrides) -> dict:
    n = next(_serial)
    values = {"category_code": "bag_one_piece_closed", "manufacturer": "Havtorn Ostomi", "product_name": "Havtorn Soft lukket",
              "article_number": f"HV-{n:05d}", "gtin": gtin(n), "pack_size": "30", "unit": "box", "price_dkk": "512,50",
              "valid_from": "2026-01-01", "valid_to": "", "contract_reference": "FSC-2026", "cut_min_mm": "10",
              "cut_max_mm": "45", "convex": "nej", "system": "one_piece"}
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], *, delimiter=";", encoding="utf-8", header=None, bom=False) -> bytes:
    header = header or HEADER
    lines = [delimiter.join(header)]
    for r in rows:
        lines.append(delimiter.join(str(r.get(h, "")) for h in header))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
