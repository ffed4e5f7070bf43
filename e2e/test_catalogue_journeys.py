"""Journeys of the shared catalogue: the FSC administrator imports a price list; a citizen filters by stoma size."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e import steps

ADMIN = "admin@stomi-demo.dk"
COLUMNS = ("category_code;manufacturer;product_name;article_number;gtin;pack_size;unit;price_dkk;valid_from;"
           "contract_reference;cut_min_mm;cut_max_mm;convex")


def _price_list(tmp_path: Path, name: str, *rows: str) -> Path:
    """A supplier's price list as the administrator would save it from Excel (UTF-8, semicolons)."""
    path = tmp_path / name
    path.write_text("\n".join([COLUMNS, *rows]) + "\n", encoding="utf-8")
    return path


def _open_import_page(page: Page) -> None:
    steps.login_staff(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    steps.use_language(page, "da")  # an earlier journey may have left the administrator's choice at English
    page.goto("/katalog/admin/")
    page.get_by_role("link", name="Importér en prisliste (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importér en prisliste")


def _search_catalogue(page: Page, text: str = "", cut_mm: str = "") -> None:
    page.goto("/katalog/")
    search = page.get_by_role("search")
    search.get_by_label("Søg", exact=True).fill(text)
    search.get_by_label("Stomiens størrelse i mm").fill(cut_mm)
    search.get_by_role("button", name="Søg", exact=True).click()


def test_fsc_admin_imports_a_price_list_and_finds_the_new_product(page: Page, tmp_path: Path):
    # A new product with one cut-to-fit variant: GTIN 2990000000019 has a valid check digit (GS1 prefix 2:
    # restricted circulation, never a real product).
    csv_file = _price_list(
        tmp_path, "prisliste-e2e.csv",
        "bag_one_piece_closed;Testfjord Medical (fiktiv);Testfjord Import lukket pose;E2E-IMP-00001;2990000000019;"
        "30;box;612,50;2026-01-01;FSC-E2E-2026;25;48;nej",
    )
    _open_import_page(page)
    page.get_by_label("Prisliste (CSV-fil)").set_input_files(csv_file)
    page.get_by_role("button", name="Kontrollér og importér").click()

    expect(page.get_by_text("Prislisten er importeret: 1 rækker.")).to_be_visible()
    result = page.get_by_test_id("import-result")
    expect(result.get_by_text("Prislisten er importeret", exact=True)).to_be_visible()
    expect(result.get_by_text("Nye produkter: 1")).to_be_visible()
    expect(result.get_by_text("Nye varianter: 1")).to_be_visible()

    # The product is in the shared catalogue, with its cutting range and its price.
    _search_catalogue(page, "Testfjord Import")
    expect(page.get_by_test_id("result-count")).to_have_text("Fundne produkter: 1")
    results = page.get_by_role("table", name=re.compile("Produkter, der passer til søgningen"))
    expect(results.get_by_role("cell", name="Kan klippes 25–48 mm (E2E-IMP-00001)")).to_be_visible()
    results.get_by_role("link", name="Testfjord Import lukket pose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Testfjord Import lukket pose")
    row = page.get_by_role("row").filter(has_text="E2E-IMP-00001")
    expect(row).to_contain_text("2990000000019")
    expect(row).to_contain_text("612,50")


def test_price_list_with_a_bad_gtin_is_refused_with_a_row_report_and_imports_nothing(page: Page, tmp_path: Path):
    # Line 2 is sound, line 3 has a wrong check digit: all or nothing, so neither is imported.
    csv_file = _price_list(
        tmp_path, "prisliste-fejl.csv",
        "bag_one_piece_closed;Testfjord Medical (fiktiv);Testfjord Afvist lukket pose;E2E-BAD-00001;2990000000026;"
        "30;box;500,00;2026-01-01;FSC-E2E-2026;20;40;nej",
        "bag_one_piece_closed;Testfjord Medical (fiktiv);Testfjord Afvist lukket pose;E2E-BAD-00002;2990000000034;"
        "30;box;500,00;2026-01-01;FSC-E2E-2026;30;60;nej",
    )
    _open_import_page(page)
    page.get_by_label("Prisliste (CSV-fil)").set_input_files(csv_file)
    page.get_by_role("button", name="Kontrollér og importér").click()

    expect(page.get_by_role("alert").filter(has_text="Intet blev importeret")).to_be_visible()
    report = page.get_by_role("table", name="Fejl pr. linje")
    expect(report.get_by_role("row")).to_have_count(2)  # the header and the one bad line
    bad = report.get_by_role("row").nth(1)
    expect(bad.get_by_role("cell").nth(0)).to_have_text("3")
    expect(bad.get_by_role("cell").nth(1)).to_have_text("gtin")
    expect(bad.get_by_role("cell").nth(2)).to_have_text("2990000000034")
    expect(bad.get_by_role("cell").nth(3)).to_have_text("GTIN skal være 13 cifre med et gyldigt kontrolciffer.")

    # Not even the sound line reached the catalogue.
    _search_catalogue(page, "Testfjord Afvist")
    expect(page.get_by_test_id("result-count")).to_have_text("Fundne produkter: 0")


def test_citizen_filters_the_catalogue_by_stoma_size(page: Page):
    # Demo catalogue (seed 1): the Soft closed bags of Bølge, Fjordlys, Havtorn and Nordkyst come in a
    # 20–70 mm cutting range; Lyngbakke's largest range ends at 60 mm and none is pre-cut to 65 mm.
    steps.login_citizen(page, "150348-1234")
    expect(page).to_have_url(re.compile(r"/borger/$"))
    steps.use_language(page, "da")  # her stored choice may be English after another journey
    _search_catalogue(page, "Soft 1-dels lukket")
    results = page.get_by_role("table", name=re.compile("Produkter, der passer til søgningen"))
    expect(results.get_by_role("link", name="Lyngbakke Soft 1-dels lukket")).to_be_visible()

    _search_catalogue(page, "Soft 1-dels lukket", "65")
    expect(page).to_have_url(re.compile(r"cut_mm=65"))
    expect(results.get_by_role("link", name="Nordkyst Soft 1-dels lukket")).to_be_visible()
    expect(results.get_by_role("link", name="Havtorn Soft 1-dels lukket")).to_be_visible()
    expect(results.get_by_role("link", name="Lyngbakke Soft 1-dels lukket")).to_have_count(0)
    # Only the variants that fit are listed, and each one's range holds 65 mm.
    sizes = results.get_by_role("listitem")
    expect(sizes.first).to_be_visible()
    for text in sizes.all_inner_texts():
        low, high = map(int, re.match(r"Kan klippes (\d+)–(\d+) mm", text).groups())
        assert low <= 65 <= high, text

    # A size outside every cutting range is refused next to the field, not silently ignored.
    _search_catalogue(page, "", "250")
    size_field = page.get_by_label("Stomiens størrelse i mm")
    expect(size_field).to_have_attribute("aria-invalid", "true")
    expect(size_field).to_have_accessible_description(re.compile("Indtast en størrelse mellem 5 og 100 mm"))
