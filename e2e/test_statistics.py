"""Journeys: a grant officer reads the statistics, changes the period and downloads the tables as XLSX; a bad
period is explained next to its field; the municipal manager lands on the statistics; the FSC sees everyone."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from e2e import steps


def test_grant_officer_changes_the_period_and_downloads_xlsx(page: Page):
    steps.login_staff(page, "bevilling.aarhus@stomi-demo.dk")
    page.get_by_role("link", name="Statistik: forbrug, udgifter, godkendelser og leveringer").click()
    expect(page).to_have_url(re.compile(r"/kommune/statistik/751$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik for Aarhus Kommune")
    expect(page.get_by_role("img", name="Udgift pr. måned")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Nøgletal"))).to_be_visible()

    page.get_by_role("radio", name="Kvartal", exact=True).check()
    quarter = page.get_by_label("Hvilket kvartal")
    quarter.fill("2026-Q3")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"kind=quarter&.*quarter=2026-Q3"))
    expect(page.get_by_test_id("period-heading")).to_have_text("3. kvartal 2026 sammenlignet med 3. kvartal 2025")

    with page.expect_download() as caught:
        page.get_by_role("link", name="XLSX (ét ark pr. tabel)").click()
    download = caught.value
    assert download.suggested_filename == "statistik-751-2026-Q3-alle.xlsx"
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    assert "Nøgletal" in book.sheetnames and len(book.sheetnames) == 8
    steps.logout(page)


def test_a_bad_period_is_explained_next_to_its_field(page: Page):
    steps.login_staff(page, "bevilling.aarhus@stomi-demo.dk")
    page.goto("/kommune/statistik/751")
    page.get_by_role("radio", name="Egen periode").check()
    page.get_by_label("Fra").fill("2026-03-31")
    page.get_by_label("Til og med").fill("2026-03-01")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.locator("#to-error")).to_contain_text("Slutdatoen skal være samme dag som eller efter startdatoen.")
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto("/kommune/statistik/461")
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    steps.logout(page)


def test_municipal_manager_lands_on_the_statistics(page: Page):
    steps.login_staff(page, "leder.aarhus@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/kommune/statistik/751$"))
    expect(page.get_by_test_id("role")).to_have_text("Kommunal leder")
    expect(page.get_by_text("Udnyttelse pr. borger (personoplysninger")).to_have_count(0)
    page.get_by_role("navigation", name="Kommuneportal").get_by_role("link", name="Modtagne rapporter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modtagne rapporter")
    steps.logout(page)


def test_fsc_admin_sees_every_municipality(page: Page):
    steps.login_staff(page, "admin@stomi-demo.dk")
    page.get_by_role("link", name="Statistik for alle kommuner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik for alle kommuner")
    expect(page.get_by_role("table", name=re.compile("^Kommunerne side om side"))).to_contain_text("Aarhus")
    expect(page.get_by_role("table", name=re.compile("^Totaler"))).to_contain_text("Hele landet")
    steps.logout(page)
