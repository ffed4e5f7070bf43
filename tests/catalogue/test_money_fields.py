"""The catalogue's money fields (a variant's price, a price list's price_dkk) read "1.500" as 1.500,00 kr."""
from __future__ import annotations

from datetime import date

import pytest

from catalogue import services
from catalogue.importer import export_catalogue, import_price_list
from stomi_app.extensions import db
from tests.fixtures.catalogue import csv_bytes, row

ADMIN = "admin@test.dk"


@pytest.fixture(autouse=True)
def _english_messages():
    """Unlike the folder's service tests, these read the Danish pages and messages (the default language)."""
    yield


@pytest.fixture
def variant(build):
    variant = build.variant(article="MF-1", price_oere=None)
    db.session.commit()
    return variant


def _price(client, variant, typed):
    return client.post(f"/katalog/admin/variant/{variant.id}/pris", data={
        "valid_from": "2026-01-01", "contract_reference": "FSC-2026", "price": typed, "vat_rate_pct": "25"})


@pytest.mark.parametrize("typed, oere", [("1.500", 150_000), ("1.500,5", 150_050), ("1,5", 150), ("412,50 kr.", 41_250)])
def test_a_price_typed_in_danish_notation(client, auth, world, variant, typed, oere):
    auth.staff(ADMIN)
    assert _price(client, variant, typed).status_code == 302
    assert services.price_in_force(variant.id, date(2026, 5, 1)).price_oere == oere


@pytest.mark.parametrize("typed, says", [("1.50", "150 eller 1,5"), ("-5", "Prisen kan ikke være negativ"),
                                         ("412,505", "højst to decimaler"), ("10.000.000,01", "højst være")])
def test_a_price_that_cannot_be_read(client, auth, world, variant, typed, says):
    auth.staff(ADMIN)
    response = _price(client, variant, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="price-error"' in page and says in page, page[:300]
    with pytest.raises(services.NoPriceInForce):
        services.price_in_force(variant.id, date(2026, 5, 1))


@pytest.mark.parametrize("typed, oere", [("1.500", 150_000), ("1.500,5", 150_050), ("1,5", 150), ("1 049,95", 104_995)])
def test_a_price_list_is_read_in_danish_notation(categories, typed, oere):
    report = import_price_list(csv_bytes([row(article_number="MF-2", price_dkk=typed)]))
    assert report.ok, report.errors
    db.session.commit()
    assert services.price_in_force(services.variant_by_article_number("MF-2"), date(2026, 1, 1)).price_oere == oere


@pytest.mark.parametrize("typed", ["1.50", "412.50", "1,500", "1e5", "NaN"])
def test_a_price_list_price_that_cannot_be_read(categories, typed):
    report = import_price_list(csv_bytes([row(price_dkk=typed)]))
    db.session.rollback()
    assert [e.column for e in report.errors] == ["price_dkk"]


def test_the_export_reads_back(categories):
    import_price_list(csv_bytes([row(article_number="MF-3", price_dkk="1.500,50")]))
    db.session.commit()
    exported = export_catalogue(date(2026, 1, 1))
    assert ";1500,50;" in exported
    report = import_price_list(exported.encode("utf-8"))
    assert report.ok and report.prices_unchanged == 1, report.errors
