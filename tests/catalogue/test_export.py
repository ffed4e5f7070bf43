"""CSV export: every variant with its price in force, formulas neutralised, and readable by the import."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from catalogue import importer
from catalogue.importer import export_catalogue
from stomi_app.safecsv import neutralise
from stomi_app.extensions import db


@pytest.mark.parametrize("cell,expected", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("-1", "-1"), ("-12,50", "-12,50"), ("-1+2", "'-1+2"),
    ("\nx", "'\nx"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Soft pose", "Soft pose"), ("", ""), ("a=b", "a=b"),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_export_neutralises_formulas_and_carries_prices(build):
    # A formula can reach the catalogue through the admin form (only the import refuses it).
    product = build.product(name="=HYPERLINK(\"http://evil\")", manufacturer="@evil", description_da="-rm -rf")
    build.variant(product, article="EX-1", cut_min_mm=10, cut_max_mm=45, price_oere=41250)
    db.session.commit()
    rows = _rows(export_catalogue(date(2026, 6, 1)))
    assert len(rows) == 1
    r = rows[0]
    assert r["product_name"].startswith("'=") and r["manufacturer"] == "'@evil" and r["description_da"] == "'-rm -rf"
    assert (r["article_number"], r["price_dkk"], r["cut_min_mm"], r["cut_max_mm"], r["convex"], r["active"]) == \
        ("EX-1", "412,50", "10", "45", "nej", "ja")


def test_export_can_be_imported_again(build):
    build.variant(build.product(name="Rundtur"), article="RT-1", price_oere=99900)
    db.session.commit()
    text = export_catalogue(date(2026, 6, 1))
    data = text.replace("RT-1", "RT-2").replace(_rows(text)[0]["gtin"], "2000000000008").replace("2026-01-01", "2027-01-01")
    report = importer.import_price_list(("\ufeff" + data).encode("utf-8"))
    assert report.ok, report.errors
    assert report.variants_created == 1
