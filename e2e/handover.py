"""Steps of the hospital-to-home handover, for the journeys that need a citizen of their own.

The demo citizens share one database with every journey, and an order within 14 days of another goes to approval;
a journey that must see "accepted" therefore gets a new citizen the way a real one arrives: a hospital nurse
registers the discharge (fresh CPR number, products, cutting measure), and the home municipality's grant officer
grants the recommended products. Each journey passes its own CPR number: valid, and born in the 1990s, which the
demo data never uses (its citizens are born 1935–1980).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Page, expect

from e2e import steps
from stomi_app.timeutil import local_today

HOSPITAL_NURSE = "sygeplejerske.auh@stomi-demo.dk"
GRANT_OFFICER_AARHUS = "bevilling.aarhus@stomi-demo.dk"
# From the demo catalogue (fixed, seed-independent): a cut-to-fit two-piece baseplate (cut 10–43 mm, coupling
# 50 mm) and a two-piece bag for the same coupling. Journeys about catalogue changes use other products.
PLATE = "FLC-00033"
BAG = "FLC-00039"


@dataclass
class NewCitizen:
    cpr: str  # as typed at login, e.g. "120391-1234"
    name: str
    address: str = "Skovvej 3"
    postcode: str = "8000"
    city: str = "Aarhus C"
    municipality: str = "Aarhus"
    diameter_mm: int = 30
    products: tuple[tuple[str, int], ...] = ((PLATE, 2), (BAG, 3))  # (article number, packs per month)

    @property
    def masked_cpr(self) -> str:
        return f"{self.cpr[:6]}-****"


def register_discharge(page: Page, citizen: NewCitizen, note: str = "") -> None:
    """The hospital nurse registers a new citizen at discharge and lands on the citizen's clinical profile."""
    steps.login_staff(page, HOSPITAL_NURSE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sygeplejerskekonsol")
    page.get_by_role("main").get_by_role("link", name="Registrér en udskrivelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrér en udskrivelse")
    page.get_by_label("CPR-nummer").fill(citizen.cpr)
    page.get_by_label("Fulde navn").fill(citizen.name)
    page.get_by_label("Vej og husnummer").fill(citizen.address)
    page.get_by_label("Postnummer").fill(citizen.postcode)
    page.get_by_label("By", exact=True).fill(citizen.city)
    page.get_by_label("Bopælskommune").select_option(label=citizen.municipality)
    page.get_by_label("Stomitype").select_option(label="Kolostomi")
    page.get_by_label("Operationsdato").fill((local_today() - timedelta(days=5)).isoformat())
    for index, (article, packs) in enumerate(citizen.products, start=1):
        page.get_by_label(f"Varenummer, linje {index}").fill(article)
        page.get_by_label(f"Pakker om måneden, linje {index}").fill(str(packs))
    page.get_by_label("Diameter i mm").fill(str(citizen.diameter_mm))
    if note:
        page.get_by_label("Notat til sagsbehandleren (valgfrit)").fill(note)
    page.get_by_role("button", name="Registrér udskrivelsen").click()
    expect(page.get_by_text(f"Udskrivelsen er registreret. Sagsbehandleren i {citizen.municipality} modtager anbefalingen.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(citizen.name)
    expect(page.get_by_test_id("current-measure")).to_contain_text(f"Ø {citizen.diameter_mm} mm")
    steps.logout(page)


def grant_discharge(page: Page, citizen: NewCitizen, officer: str = GRANT_OFFICER_AARHUS) -> None:
    """The home municipality's grant officer finds the discharge and grants the recommended products."""
    steps.login_staff(page, officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommuneportal")
    page.get_by_role("link", name="se udskrivelserne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Udskrivelser, der venter på en bevilling")
    row = page.get_by_test_id("discharges").get_by_role("row").filter(has_text=citizen.masked_cpr)
    expect(row).to_contain_text("Aarhus Universitetshospital")
    row.get_by_role("link", name=citizen.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Udskrivelse af {citizen.name}")
    lines = page.get_by_test_id("recommended-lines")
    for article, packs in citizen.products:
        expect(lines.get_by_role("row").filter(has_text=article)).to_contain_text(f"{packs} pr. måned")
    expect(page.get_by_test_id("measure")).to_have_text(f"Ø {citizen.diameter_mm} mm")
    page.get_by_role("button", name="Bevilg de anbefalede produkter").click()
    expect(page.get_by_text("Bevillingen er oprettet med de anbefalede produkter.")).to_be_visible()
    expect(page.get_by_test_id("citizen-name")).to_have_text(citizen.name)
    granted = page.get_by_test_id("grant-lines").first
    for article, packs in citizen.products:
        expect(granted.get_by_role("row").filter(has_text=article)).to_contain_text(f"{packs} pr. måned")
    steps.logout(page)


def new_citizen_with_grant(page: Page, citizen: NewCitizen) -> None:
    register_discharge(page, citizen)
    grant_discharge(page, citizen)


def order_as_citizen(page: Page, packs: dict[str, int], *, expect_within_grant: bool) -> str:
    """The logged-in citizen orders `packs` (article number → packs) with home delivery, is told on the check page
    whether it is within the grant, sends the order and lands on it; returns the order number as shown."""
    page.get_by_role("link", name=re.compile(r"^(Ny bestilling|Fortsæt din bestilling)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvilke produkter har du brug for?")
    for article, quantity in packs.items():
        page.get_by_label(re.compile(re.escape(f"({article})"))).fill(str(quantity))
    page.get_by_role("button", name="Næste: levering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levering")
    page.get_by_role("button", name="Næste: tjek din bestilling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek din bestilling, før du sender den")
    expect(page.get_by_test_id("routing-summary")).to_contain_text(
        "Alt er inden for din bevilling." if expect_within_grant else "En del af bestillingen er uden for din bevilling.")
    page.get_by_role("button", name="Send bestilling").click()
    expect(page.get_by_text("Tak – din bestilling er sendt" if expect_within_grant
                            else "Tak – din bestilling er modtaget og venter på godkendelse")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Bestilling \d+$"))
    return heading.inner_text().removeprefix("Bestilling ")
