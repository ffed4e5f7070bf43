"""The FSC administrator's month at once (issue 24, 'bulk mark-as-sent / ZIP download of a month's documents'): on
last month's invoices (issued by the demo data) nothing ticked is told at the list, then all of the month is
downloaded as one ZIP and marked sent in one step."""
from __future__ import annotations

import re
import zipfile
from datetime import date

from playwright.sync_api import Page, expect

from e2e import steps


def _last_month() -> str:
    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def test_the_administrator_zips_and_sends_a_whole_month(page: Page):
    month = _last_month()
    steps.login_staff(page, "admin@stomi-demo.dk")
    page.get_by_role("link", name="Fakturering: kørsler, fakturaer, gebyrer og fællesudgifter").click()
    page.get_by_role("link", name=month, exact=True).click()
    expect(page.get_by_role("heading", name=f"Fakturaer og kreditnotaer for {month}")).to_be_visible()

    page.get_by_test_id("bulk-sent").click()  # nothing ticked
    expect(page.get_by_test_id("error-summary")).to_contain_text("Vælg mindst én faktura eller hele måneden.")

    page.get_by_label(f"Alle fakturaer og kreditnotaer for {month}").check()
    with page.expect_download() as caught:
        page.get_by_test_id("bulk-zip").click()
    assert caught.value.suggested_filename == f"fakturaer-{month}.zip"
    names = zipfile.ZipFile(caught.value.path()).namelist()
    assert names and {name.rsplit(".", 1)[1] for name in names} == {"pdf", "xml", "csv"}
    assert all(re.fullmatch(rf"(faktura|kreditnota)-\d+-\d+-{month}\.(pdf|xml|csv)", name) for name in names)

    page.get_by_label(f"Alle fakturaer og kreditnotaer for {month}").check()
    page.get_by_test_id("bulk-sent").click()
    expect(page.get_by_text(re.compile(r"(markeret som sendt|var sendt før)"))).to_be_visible()
    expect(page.get_by_test_id("invoices")).not_to_contain_text("Ikke sendt")
    steps.logout(page)
