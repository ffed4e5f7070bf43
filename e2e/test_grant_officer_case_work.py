"""Journey: Odense's grant officer writes a case note on Jens Mikkelsen and finds it at the top, with a too-long note
told at the field first; Jens finds the municipality's decision letters (with how to complain) from his start page."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps
from e2e.test_grant_officer_grants import JENS, OFFICER, log_in_citizen


def test_case_note_and_decision_letters(page: Page):
    steps.login_staff(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/kommune/$"))
    steps.use_language(page, "da")
    page.get_by_role("navigation", name="Kommuneportal").get_by_role("link", name="Find en borger").click()
    page.get_by_label("Navn eller CPR-nummer").fill(JENS)
    page.get_by_role("search").get_by_role("button", name="Søg").click()
    page.get_by_role("table", name="Borgere, der matcher søgningen").get_by_role("link", name="Jens Mikkelsen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jens Mikkelsen")
    expect(page.get_by_test_id("grant-history").get_by_role("link", name=re.compile("Brev \\(PDF\\)")).first).to_be_visible()

    page.get_by_label("Ny sagsnote").fill("x" * 1001)
    page.get_by_role("button", name="Gem notatet").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Skriv højst 1000 tegn")
    page.get_by_label("Ny sagsnote").fill("Ringede om levering; ny kontakt om 3 måneder.")
    page.get_by_role("button", name="Gem notatet").click()
    expect(page.get_by_text("Sagsnoten er gemt.")).to_be_visible()
    expect(page.get_by_test_id("case-notes").get_by_role("listitem").first).to_contain_text("Ringede om levering")
    steps.logout(page)
    steps.expect_front_page_after_logout(page, "da")

    log_in_citizen(page, JENS)
    page.get_by_test_id("letters-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Afgørelser fra kommunen")
    expect(page.get_by_test_id("decision-letters").get_by_role("link").first).to_be_visible()
