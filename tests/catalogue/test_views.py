"""Catalogue pages over HTTP: who may see what, forms with errors next to fields, import and export, never a 500."""
from __future__ import annotations

import io
import re

import pytest

from catalogue import services
from catalogue.models import Variant
from stomi_app.extensions import db
from stomi_app.models import Role
from tests import factories
from tests.fixtures.catalogue import csv_bytes, gtin, row, snapshot

ADMIN = factories.STAFF[Role.FSC_ADMIN][0]
NURSE = factories.STAFF[Role.NURSE][0]


@pytest.fixture
def item(world, build):
    product = build.product(name="Fjordlys Soft lukket", system="one_piece")
    variant = build.variant(product, article="FL-1", cut_min_mm=15, cut_max_mm=55, price_oere=61250)
    db.session.commit()
    return variant


ADMIN_PAGES = ["/katalog/admin/", "/katalog/admin/import", "/katalog/admin/eksport.csv", "/katalog/admin/leverandoerskift",
               "/katalog/admin/produkt/ny"]


@pytest.mark.parametrize("url", ["/katalog/", "/katalog/produkt/1", *ADMIN_PAGES])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.location


def test_other_roles_get_403_on_admin_pages(client, auth, world):
    # One login per role (the world fixture is slow), every admin page for each.
    for login in (lambda: auth.citizen("1503481234"), lambda: auth.staff(NURSE), lambda: auth.staff(factories.STAFF[Role.CALLCENTER][0])):
        login()
        assert client.get("/katalog/").status_code == 200
        for url in ADMIN_PAGES:
            assert client.get(url).status_code == 403, url
        auth.logout()


def test_admin_links_and_post_refused_for_nurse(client, auth, item):
    auth.staff(NURSE)
    assert client.post(f"/katalog/admin/variant/{item.id}/udgaaet").status_code == 403
    db.session.refresh(item)
    assert item.active


def test_citizen_finds_a_product_by_cut_size(client, auth, item):
    auth.citizen("1503481234")
    page = client.get("/katalog/?cut_mm=40").get_data(as_text=True)
    assert "Fjordlys Soft lukket" in page
    assert "Fjordlys Soft lukket" not in client.get("/katalog/?cut_mm=60").get_data(as_text=True)
    product = client.get(f"/katalog/produkt/{item.product_id}").get_data(as_text=True)
    assert "FL-1" in product and item.gtin in product and "612,50" in product and "placeholder.svg" in product
    assert 'style="' not in product


BAD_QUERIES = ["cut_mm=abc", "cut_mm=1000", "category=zz", "category=99999", "system=x", "surface=x", "order=price",
               "page=abc", "page=-1", "page=99999999999999999999", "q=" + "x" * 500, "q=%25%27%22%3C", "q=%00"]


def test_bad_search_input_never_fails(client, auth, item):
    auth.staff(NURSE)
    for query in BAD_QUERIES:
        for base in ("/katalog/", "/katalog/admin/"):
            assert client.get(f"{base}?{query}").status_code in (200, 403, 422), query


def test_search_error_shown_next_to_the_field(client, auth, item):
    auth.staff(NURSE)
    page = client.get("/katalog/?cut_mm=2").get_data(as_text=True)
    assert 'id="cut_mm-error"' in page


def test_unknown_or_discontinued_product_is_404(client, auth, item):
    auth.staff(NURSE)
    assert client.get("/katalog/produkt/999999").status_code == 404
    services.discontinue_product(db.session.get(Variant, item.id).product, item.discontinued_at or __import__("datetime").date(2026, 1, 1))
    db.session.commit()
    assert client.get(f"/katalog/produkt/{item.product_id}").status_code == 404


def test_admin_creates_product_variant_and_price(client, auth, world, categories):
    auth.staff(ADMIN)
    assert "catalogue-admin-link" in client.get("/admin/").get_data(as_text=True)
    response = client.post("/katalog/admin/produkt/ny", data={"category_id": categories["baseplate_convex"].id,
                                                              "manufacturer": "Lyngbakke", "name": "Lyng konveks", "system": "two_piece"})
    assert response.status_code == 302
    product_id = int(re.search(r"/produkt/(\d+)", response.location).group(1))
    code = gtin()
    response = client.post(f"/katalog/admin/produkt/{product_id}/variant/ny", data={
        "article_number": "LY-1", "gtin": code, "pack_size": "10", "unit": "box", "cut_min_mm": "15", "cut_max_mm": "43",
        "coupling_mm": "50", "convex": "y"})
    assert response.status_code == 302
    variant = services.variant_by_article_number("LY-1")
    assert variant.convex and variant.coupling_mm == 50
    response = client.post(f"/katalog/admin/variant/{variant.id}/pris", data={
        "valid_from": "2026-01-01", "contract_reference": "FSC-2026", "price": "899,00", "vat_rate_pct": "25"})
    assert response.status_code == 302
    assert services.price_in_force(variant.id, __import__("datetime").date(2026, 5, 1)).price_oere == 89900
    # The same period again: refused, and the message is next to the field.
    response = client.post(f"/katalog/admin/variant/{variant.id}/pris", data={
        "valid_from": "2026-06-01", "contract_reference": "FSC-2026", "price": "1,00", "vat_rate_pct": "25"})
    assert response.status_code == 422
    assert 'id="valid_from-error"' in response.get_data(as_text=True)


VARIANT_ERRORS = [
    ({"gtin": "123"}, "gtin"),
    ({"pack_size": "0"}, "pack_size"),
    ({"pack_size": "ti"}, "pack_size"),
    ({"cut_min_mm": "40", "cut_max_mm": "20"}, "cut_max_mm"),
    ({"cut_min_mm": "4", "cut_max_mm": "20"}, "cut_min_mm"),
    ({"article_number": "FL-1"}, "article_number"),
    ({"unit": "barrel"}, "unit"),
]


def test_variant_form_errors_next_to_fields(client, auth, item):
    auth.staff(ADMIN)
    before = snapshot()
    for data, field in VARIANT_ERRORS:
        values = {"article_number": "NEW-1", "gtin": gtin(), "pack_size": "10", "unit": "box"}
        values.update(data)
        response = client.post(f"/katalog/admin/produkt/{item.product_id}/variant/ny", data=values)
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in response.get_data(as_text=True), data
    assert snapshot() == before


def test_editing_a_variant_refuses_bad_values(client, auth, item):
    auth.staff(ADMIN)
    before = snapshot()
    response = client.post(f"/katalog/admin/variant/{item.id}", data={"article_number": "FL-1", "gtin": item.gtin, "pack_size": "10",
                                                                       "unit": "box", "cut_min_mm": "60", "cut_max_mm": "30"})
    assert response.status_code == 422 and 'id="cut_max_mm-error"' in response.get_data(as_text=True)
    assert snapshot() == before


def test_product_form_errors(client, auth, world, categories):
    auth.staff(ADMIN)
    response = client.post("/katalog/admin/produkt/ny", data={"category_id": "", "manufacturer": "", "name": "x", "hmi_number": "12a"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("category_id", "manufacturer", "hmi_number"):
        assert f'id="{field}-error"' in page


def test_admin_discontinues_and_reactivates(client, auth, item):
    auth.staff(ADMIN)
    assert client.post(f"/katalog/admin/variant/{item.id}/udgaaet").status_code == 302
    db.session.refresh(item)
    assert not item.active and item.discontinued_at is not None
    assert client.post(f"/katalog/admin/variant/{item.id}/genaktiver").status_code == 302
    db.session.refresh(item)
    assert item.active


def _upload(client, data: bytes, **extra):
    return client.post("/katalog/admin/import", data={"file": (io.BytesIO(data), "prisliste.csv"), **extra},
                       content_type="multipart/form-data")


def test_import_page_success_and_row_report(client, auth, world, categories):
    auth.staff(ADMIN)
    response = _upload(client, csv_bytes([row(article_number="IM-1"), row(article_number="IM-2")]))
    assert response.status_code == 200 and "import-result" in response.get_data(as_text=True)
    assert services.variant_by_article_number("IM-2") is not None
    before = snapshot()
    response = _upload(client, csv_bytes([row(article_number="IM-3"), row(gtin="123"), row(price_dkk="-5")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "import-errors" in page
    assert re.search(r'<td class="numeric">3</td><td>gtin</td>', page) and re.search(r'<td class="numeric">4</td><td>price_dkk</td>', page)
    assert snapshot() == before


def test_import_refusal_is_shown_next_to_the_file_field(client, auth, world, categories):
    auth.staff(ADMIN)
    response = _upload(client, "a\tb\n".encode("utf-16"))
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)
    response = client.post("/katalog/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)


def test_a_50_mb_upload_gets_the_413_page(client, auth, world, categories):
    auth.staff(ADMIN)
    before = snapshot()
    response = _upload(client, b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert 'data-testid="error-code"' in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_6_mb_upload_is_refused_with_the_limit(client, auth, world, categories):
    auth.staff(ADMIN)
    response = _upload(client, csv_bytes([row()]) + b"x" * (6 * 1024 * 1024))
    assert response.status_code == 422 and "5 MB" in response.get_data(as_text=True)


def test_export_download(client, auth, item):
    auth.staff(ADMIN)
    response = client.get("/katalog/admin/eksport.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffcategory_code;") and "FL-1" in text and "612,50" in text


def test_admin_search_includes_discontinued(client, auth, item):
    auth.staff(ADMIN)
    services.discontinue_variant(db.session.get(Variant, item.id), __import__("datetime").date(2026, 1, 1))
    db.session.commit()
    assert "Fjordlys Soft lukket" in client.get("/katalog/admin/?q=FL-1").get_data(as_text=True)
    assert "Fjordlys Soft lukket" not in client.get("/katalog/?q=FL-1").get_data(as_text=True)
