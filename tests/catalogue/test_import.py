"""CSV import of a supplier price list: each bad case gets a clear error, and a failed import changes nothing."""
from __future__ import annotations

from datetime import date

import pytest

from catalogue import importer, services
from catalogue.importer import ImportRefused, import_price_list
from stomi_app.extensions import db
from tests.fixtures.catalogue import csv_bytes, gtin, HEADER, row, snapshot


@pytest.fixture
def existing(build):
    """One variant already in the catalogue, priced from 2026-01-01 with no end date."""
    product = build.product(name="Havtorn Soft lukket", manufacturer="Havtorn Ostomi")
    variant = build.variant(product, article="HV-EXIST", cut_min_mm=10, cut_max_mm=45)
    db.session.commit()
    return variant


def _refused(data: bytes, **kw) -> str:
    before = snapshot()
    with pytest.raises(ImportRefused) as info:
        import_price_list(data, **kw)
    db.session.rollback()
    assert snapshot() == before
    return info.value.message


def _row_errors(data: bytes, **kw) -> list:
    before = snapshot()
    report = import_price_list(data, **kw)
    db.session.rollback()
    assert not report.ok
    assert snapshot() == before, "a failed import must change nothing"
    return report.errors


def test_a_good_price_list_is_imported(existing):
    rows = [row(article_number="HV-1", product_name="Havtorn Soft lukket"), row(article_number="HV-2", product_name="Havtorn Soft lukket"),
            row(article_number="NY-1", manufacturer="Nyt Firma", product_name="Ny plade", category_code="baseplate_two_piece",
                cut_min_mm="", cut_max_mm="", system="2-dels", price_dkk="1.049,95")]
    report = import_price_list(csv_bytes(rows))
    db.session.commit()
    assert report.ok, report.errors
    assert (report.rows, report.products_created, report.variants_created, report.prices_added) == (3, 1, 3, 3)
    plate = services.variant_by_article_number("NY-1")
    assert plate.product.system == "two_piece" and not plate.is_cut_to_fit
    assert services.price_in_force(plate, date(2026, 1, 1)).price_oere == 104995
    assert services.variant_by_article_number("HV-1").product_id == existing.product_id


@pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("utf-8", False), ("cp1252", False)])
def test_accepted_encodings_keep_danish_letters(categories, encoding, bom):
    data = csv_bytes([row(product_name="Blød pose æøå ÆØÅ")], encoding=encoding, bom=bom)
    report = import_price_list(data)
    assert report.ok, report.errors
    assert report.encoding == ("Windows-1252" if encoding == "cp1252" else "UTF-8")
    assert services.search(services.CatalogueQuery(text="Blød pose æøå")).total == 1


def test_comma_delimiter_with_quoted_decimal(categories):
    r = row(price_dkk='"412,50"')
    report = import_price_list(csv_bytes([r], delimiter=","))
    assert report.ok, report.errors
    assert report.delimiter == ","
    assert services.price_in_force(services.variant_by_article_number(r["article_number"]), date(2026, 2, 1)).price_oere == 41250


def test_unquoted_decimal_comma_is_caught(categories):
    errors = _row_errors(csv_bytes([row(price_dkk="412,50")], delimiter=","))
    assert "cells" in errors[0].message


@pytest.mark.parametrize("data,needle", [
    ("category_code;x\n".encode("utf-16"), "UTF-16"),
    (b"\xff\xfe\x00\x00" + "a;b".encode("utf-32-le"), "UTF-32"),
    (b"\xef\xbb\xbfcategory_code;\xff\xfe\n", "says it is UTF-8"),
    (b"category_code;\x81\x8d\n", "neither encoding"),
    (b"category_code;name\x01\x02\n", "control characters"),
])
def test_wrong_encoding_is_refused(categories, data, needle):
    assert needle in _refused(data)


def test_wrong_delimiter_is_refused(categories):
    message = _refused(csv_bytes([row()], delimiter="\t"))
    assert "semicolons" in message


def test_missing_columns_are_listed(categories):
    header = [h for h in HEADER if h not in ("gtin", "price_dkk")]
    message = _refused(csv_bytes([row()], header=header))
    assert "gtin, price_dkk" in message and "category_code" in message  # the missing ones, then every required one


def test_a_too_large_file_is_refused_before_reading(categories):
    data = csv_bytes([row()]) + b"x" * importer.MAX_BYTES
    assert "5 MB" in _refused(data)


@pytest.mark.parametrize("data", [b"", b"   \r\n", ";".join(HEADER).encode() + b"\r\n"])
def test_empty_files_are_refused(categories, data):
    _refused(data)


@pytest.mark.parametrize("column,value", [
    ("product_name", "=cmd|' /C calc'!A0"),
    ("manufacturer", "+SUM(A1:A9)"),
    ("contract_reference", "@HYPERLINK(\"http://x\")"),
    ("article_number", "-2+3"),
])
def test_formulas_in_text_cells_are_refused(categories, column, value):
    errors = _row_errors(csv_bytes([row(**{column: value})]))
    assert [(e.line, e.column) for e in errors] == [(2, column)]
    assert "formula" in errors[0].message


def test_bad_gtin(categories):
    errors = _row_errors(csv_bytes([row(), row(gtin="5701234567890")]))
    assert [(e.line, e.column) for e in errors] == [(3, "gtin")]


def test_unknown_category(categories):
    errors = _row_errors(csv_bytes([row(category_code="rocket_fuel")]))
    assert errors[0].column == "category_code" and "bag_one_piece_closed" in errors[0].message


@pytest.mark.parametrize("price", ["-12,00", "-0,01"])
def test_negative_price(categories, price):
    errors = _row_errors(csv_bytes([row(price_dkk=price)]))
    assert [(e.column, e.message) for e in errors] == [("price_dkk", "The price cannot be negative.")]


@pytest.mark.parametrize("price", ["abc", "12,345", "1e5", ""])
def test_unreadable_price(categories, price):
    assert _row_errors(csv_bytes([row(price_dkk=price)]))[0].column == "price_dkk"


def test_overlapping_period_with_a_stored_price(existing):
    data = csv_bytes([row(article_number="HV-EXIST", gtin=existing.gtin, valid_from="2027-01-01")])
    errors = _row_errors(data)
    assert errors[0].column == "valid_from" and "overlaps" in errors[0].message
    # Ending the open price the day before is the administrator's explicit choice.
    report = import_price_list(data, close_open_prices=True)
    assert report.ok and report.prices_closed == 1
    assert services.price_in_force(existing, date(2026, 12, 31)).valid_to == date(2026, 12, 31)
    assert services.price_in_force(existing, date(2027, 1, 1)).price_oere == 51250


def test_a_new_period_for_a_closed_price_is_just_added(build):
    variant = build.variant(article="HV-CLOSED", price_oere=None)
    services.add_contract_price(variant, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), contract_reference="A", price_oere=1)
    db.session.commit()
    report = import_price_list(csv_bytes([row(article_number="HV-CLOSED", gtin=variant.gtin, manufacturer=variant.product.manufacturer,
                                              product_name=variant.product.name, valid_from="2027-01-01")]))
    assert report.ok, report.errors
    assert (report.variants_created, report.prices_added) == (0, 1)


def test_overlapping_period_within_the_file_is_a_duplicate_article(categories):
    errors = _row_errors(csv_bytes([row(article_number="A-1"), row(article_number="A-1", valid_from="2027-01-01")]))
    assert [(e.line, e.column) for e in errors] == [(3, "article_number")]
    assert "line 2" in errors[0].message


def test_duplicate_gtin_within_the_file(categories):
    code = gtin()
    errors = _row_errors(csv_bytes([row(gtin=code), row(gtin=code)]))
    assert [(e.line, e.column) for e in errors] == [(3, "gtin")]


def test_article_number_that_belongs_to_another_variant(existing):
    errors = _row_errors(csv_bytes([row(article_number="HV-EXIST", valid_from="2030-01-01")]))  # another GTIN
    assert errors[0].column == "article_number" and existing.gtin in errors[0].message
    errors = _row_errors(csv_bytes([row(article_number="HV-EXIST", gtin=existing.gtin, product_name="Noget andet",
                                        valid_from="2030-01-01")]))
    assert any("belongs to the product" in e.message for e in errors)


def test_gtin_that_belongs_to_another_article(existing):
    errors = _row_errors(csv_bytes([row(article_number="HV-NEW", gtin=existing.gtin)]))
    assert errors[0].column == "gtin" and "HV-EXIST" in errors[0].message


def test_one_bad_row_stops_the_whole_file(categories):
    rows = [row() for _ in range(5)] + [row(pack_size="0")] + [row(cut_min_mm="50", cut_max_mm="20")]
    errors = _row_errors(csv_bytes(rows))
    assert [(e.line, e.column) for e in errors] == [(7, "pack_size"), (8, "cut_max_mm")]


def test_every_row_is_reported_not_just_the_first(categories):
    rows = [row(gtin="1"), row(category_code="x", product_name="Anden"), row(pack_size="ti"), row(valid_from="31-02-2026"), row(convex="måske")]
    errors = _row_errors(csv_bytes(rows))
    assert [(e.line, e.column) for e in errors] == [(2, "gtin"), (3, "category_code"), (4, "pack_size"), (5, "valid_from"), (6, "convex")]


def test_header_names_are_forgiving(categories):
    header = [h.upper().replace("_", " ") for h in HEADER]
    data = csv_bytes([row()]).replace(";".join(HEADER).encode(), ";".join(header).encode(), 1)
    assert import_price_list(data).ok


def test_importing_the_same_file_twice_changes_nothing_the_second_time(categories):
    data = csv_bytes([row(), row()])
    assert import_price_list(data).prices_added == 2
    db.session.commit()
    before = snapshot()
    report = import_price_list(data)
    assert report.ok and (report.prices_added, report.prices_unchanged, report.variants_created) == (0, 2, 0)
    assert snapshot() == before


def test_every_problem_of_one_row_is_reported_at_once(categories):
    # An unreadable pack size used to hide the unknown category code and the bad GTIN until it was fixed (issue 24 item 15).
    errors = _row_errors(csv_bytes([row(pack_size="ti", category_code="rocket_fuel", gtin="123", price_dkk="abc")]))
    assert sorted(e.column for e in errors) == ["category_code", "gtin", "pack_size", "price_dkk"]
    assert [e.column for e in errors].count("pack_size") == 1  # unreadable is not also reported as missing


def test_a_row_with_a_format_problem_is_still_checked_against_the_catalogue(existing):
    errors = _row_errors(csv_bytes([row(article_number="HV-EXIST", pack_size="ti", valid_from="2030-01-01")]))  # another GTIN
    assert {"article_number", "pack_size"} <= {e.column for e in errors}
