"""The hospital nurse picks the recommended products from the shared catalogue in the discharge form instead of
typing article numbers (issue 24, 'a product picker in the discharge form'); what she typed survives each search."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from e2e import steps
from e2e.handover import BAG, HOSPITAL_NURSE, PLATE
from stomi_app.timeutil import local_today


def _find_and_pick(page: Page, article: str) -> None:
    page.get_by_label("Produktnavn eller varenummer").fill(article)
    page.get_by_test_id("picker-find").click()
    results = page.get_by_test_id("picker-results")
    expect(results).to_contain_text(article)
    results.get_by_role("listitem").filter(has_text=article).get_by_role("button", name="Anbefal").first.click()


def test_the_nurse_finds_and_picks_the_products_of_a_discharge(page: Page):
    steps.login_staff(page, HOSPITAL_NURSE)
    page.get_by_role("main").get_by_role("link", name="Registrér en udskrivelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrér en udskrivelse")
    page.get_by_label("CPR-nummer").fill("210996-1419")
    page.get_by_label("Fulde navn").fill("Nanna Vestergaard")
    page.get_by_label("Vej og husnummer").fill("Skovvej 3")
    page.get_by_label("Postnummer").fill("8000")
    page.get_by_label("By", exact=True).fill("Aarhus C")
    page.get_by_label("Bopælskommune").select_option(label="Aarhus")
    page.get_by_label("Stomitype").select_option(label="Kolostomi")
    page.get_by_label("Operationsdato").fill((local_today() - timedelta(days=5)).isoformat())

    _find_and_pick(page, PLATE)
    expect(page.get_by_test_id("pick-note")).to_contain_text("står nu på linje 1")
    expect(page.get_by_label("Varenummer, linje 1")).to_have_value(PLATE)
    expect(page.get_by_label("Fulde navn")).to_have_value("Nanna Vestergaard")  # the search kept what was typed
    page.get_by_label("Pakker om måneden, linje 1").fill("2")

    _find_and_pick(page, BAG)
    expect(page.get_by_label("Varenummer, linje 2")).to_have_value(BAG)
    expect(page.get_by_label("Pakker om måneden, linje 1")).to_have_value("2")
    page.get_by_label("Pakker om måneden, linje 2").fill("3")

    page.get_by_label("Diameter i mm").fill("30")
    page.get_by_role("button", name="Registrér udskrivelsen").click()
    expect(page.get_by_text("Udskrivelsen er registreret. Sagsbehandleren i Aarhus modtager anbefalingen.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nanna Vestergaard")
    steps.logout(page)
