"""Journeys: the FSC administrator adds a product area (urology) with a category, imports its price list, and a grant
officer grants from it — no code change; and she changes a municipality's ordering rules."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e import steps
from stomi_app.timeutil import local_today

COLUMNS = "category_code;manufacturer;product_name;article_number;gtin;pack_size;unit;price_dkk;valid_from;contract_reference"


def test_a_new_product_area_is_imported_and_granted_from(page: Page, tmp_path: Path):
    steps.login_staff(page, "admin@stomi-demo.dk")
    steps.use_language(page, "da")
    page.get_by_test_id("catalogue-admin-link").click()
    page.get_by_role("link", name="Produktområder og kategorier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Produktområder og kategorier")

    area = page.get_by_role("form", name="Nyt produktområde")
    area.get_by_label("Kode").fill("urologi")
    area.get_by_label("Navn på dansk").fill("Urologi og kontinens")
    area.get_by_label("Navn på engelsk").fill("Urology and continence")
    area.get_by_role("button", name="Opret produktområdet").click()
    expect(page.get_by_text("Produktområdet er oprettet. Tilføj dets kategorier nedenfor.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Urologi og kontinens"))).to_be_visible()

    category = page.get_by_role("form", name="Ny kategori")
    category.get_by_label("Produktområde").select_option(label="Urologi og kontinens")
    category.get_by_label("Kode").fill("Urologi katetre")  # a space: refused at the field
    category.get_by_label("Navn på dansk").fill("Katetre")
    category.get_by_label("Navn på engelsk").fill("Catheters")
    category.get_by_role("button", name="Opret kategorien").click()
    category = page.get_by_role("form", name="Ny kategori")
    expect(category.get_by_label("Kode")).to_have_accessible_description(re.compile("En kode har 2 til 60 tegn"))
    category.get_by_label("Kode").fill("urologi_katetre")
    category.get_by_role("button", name="Opret kategorien").click()
    expect(page.get_by_text("Kategorien er oprettet: prislister kan nu angive den med dens kode.")).to_be_visible()
    expect(page.get_by_role("table", name="Kategorier under Urologi og kontinens")).to_contain_text("urologi_katetre")

    # Its price list, imported as any other (GTIN 2990000000026: GS1 prefix 2, never a real product).
    csv_file = tmp_path / "urologi.csv"
    csv_file.write_text(COLUMNS + "\nurologi_katetre;Testfjord Medical (fiktiv);Testfjord Kateter CH12;E2E-URO-0001;"
                        "2990000000026;30;box;845,00;2026-01-01;FSC-E2E-URO\n", encoding="utf-8")
    page.goto("/katalog/admin/")
    page.get_by_role("link", name="Importér en prisliste (CSV)").click()
    page.get_by_label("Prisliste (CSV-fil)").set_input_files(csv_file)
    page.get_by_role("button", name="Kontrollér og importér").click()
    expect(page.get_by_text("Prislisten er importeret: 1 rækker.")).to_be_visible()
    steps.logout(page)

    # The grant officer grants the catheter to a citizen of her municipality.
    steps.login_staff(page, "bevilling.aarhus@stomi-demo.dk")
    page.get_by_role("navigation", name="Kommuneportal").get_by_role("link", name="Find en borger").click()
    page.get_by_label("Navn eller CPR-nummer").fill("Aase Christensen")
    page.get_by_role("search").get_by_role("button", name="Søg").click()
    page.get_by_role("table", name="Borgere, der matcher søgningen").get_by_role("link", name="Aase Christensen").click()
    page.get_by_test_id("new-grant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opret en bevilling")
    page.get_by_label("Gælder fra").fill(local_today().isoformat())
    first = page.get_by_test_id("grant-line-row").first
    first.get_by_label("Varenummer").fill("E2E-URO-0001")
    first.get_by_label("Antal (pakninger)").fill("2")
    page.get_by_label("Begrundelse").fill("Kateter efter urostomi-operation; aftalt med borgeren.")
    page.get_by_role("button", name="Gem bevillingen").click()
    expect(page.get_by_role("main")).to_contain_text("Testfjord Kateter CH12")


def test_the_administrator_changes_a_municipality_s_ordering_rules(page: Page):
    steps.login_staff(page, "admin@stomi-demo.dk")
    steps.use_language(page, "da")
    table = page.get_by_role("table", name="Kommuner i løsningen")
    table.get_by_role("link", name="Horsens", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Horsens")
    page.get_by_label("Mindst så mange dage mellem to bestillinger").fill("91")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_label("Mindst så mange dage mellem to bestillinger")).to_have_accessible_description(
        re.compile("Indtast et helt tal fra 0 til 90"))
    page.get_by_label("Mindst så mange dage mellem to bestillinger").fill("21")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Horsens er gemt.")).to_be_visible()
    page.get_by_role("link", name="Horsens", exact=True).click()
    expect(page.get_by_label("Mindst så mange dage mellem to bestillinger")).to_have_value("21")
