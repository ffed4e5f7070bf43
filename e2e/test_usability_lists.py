"""Journeys for the usability lists (issues 19 and 24): a cutting measure her baseplate cannot be cut to is told at
once; the temporary address shows only when chosen; errors are summarised at the top of the page and lead to their
field, on the citizen's pages and on the nurse's long profile page.

The citizen is a new one of this journey's own (e2e/handover.py), so changing her measure disturbs no other journey.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import handover, steps
from e2e.handover import BAG, PLATE, NewCitizen

MUNICIPAL_NURSE = "sygeplejerske.aarhus@stomi-demo.dk"
CITIZEN = NewCitizen(cpr="230694-1418", name="Maja Vestergaard")


def test_measure_misfit_conditional_address_and_error_summaries(page: Page):
    handover.new_citizen_with_grant(page, CITIZEN)  # the plate FLC-00033 is cut 10–43 mm; her measure Ø 30 mm

    steps.login_citizen(page, CITIZEN.cpr)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")
    page.get_by_role("link", name="Ret mit klippemål").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit klippemål")
    expect(page.get_by_test_id("measure-misfit")).to_have_count(0)

    # A typing slip: the summary at the top says so, has the focus, and its link leads to the field.
    page.get_by_label("Diameter i mm").fill("3o")
    page.get_by_role("button", name="Gem mit mål").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Ret venligst følgende")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Diameter i mm")).to_be_focused()

    # 50 mm is outside what her baseplate can be cut to: she is told now, with the product and where to ask.
    page.get_by_label("Diameter i mm").fill("50")
    page.get_by_role("button", name="Gem mit mål").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit klippemål")
    misfit = page.get_by_test_id("measure-misfit")
    expect(misfit).to_contain_text("Dit mål passer ikke til dette produkt")
    expect(misfit).to_contain_text(PLATE)
    expect(misfit).to_contain_text("10–43 mm")
    expect(misfit.get_by_role("link", name="Spørg en stomisygeplejerske")).to_be_visible()

    # Back to a measure that fits: no warning, and she goes on to her start page.
    page.get_by_label("Diameter i mm").fill("30")
    page.get_by_role("button", name="Gem mit mål").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")

    # The delivery step: the temporary address's fields show only once she chooses one.
    page.get_by_role("link", name=re.compile(r"^(Ny bestilling|Fortsæt din bestilling)$")).click()
    page.get_by_label(re.compile(re.escape(f"({PLATE})"))).fill("1")
    # She finds another product by searching, without the article number: each size with a button to add it.
    page.get_by_label("Produktnavn eller varenummer").fill("Fjordlys Link")
    page.get_by_role("button", name="Find produkter").click()
    results = page.get_by_test_id("picker-results")
    expect(results).to_contain_text(BAG)
    results.get_by_role("button", name=re.compile(rf"^Føj til min bestilling: .*\({BAG}\)$")).click()
    expect(page.get_by_text("Din bestilling er opdateret.")).to_be_visible()
    expect(page.get_by_label(re.compile(re.escape(f"({BAG})")))).to_have_value("1")
    page.get_by_role("button", name="Næste: levering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levering")
    street = page.get_by_label("Vej og husnummer")
    expect(street).to_be_hidden()
    page.get_by_label("En midlertidig adresse").check()
    expect(street).to_be_visible()
    page.get_by_role("button", name="Næste: tjek din bestilling").click()
    # Everything missing is listed at once, and the fields stay shown because she chose them.
    summary = page.get_by_test_id("error-summary")
    expect(summary.get_by_role("link")).not_to_have_count(0)
    expect(summary).to_contain_text("Angiv vej og husnummer.")
    expect(street).to_be_visible()
    page.get_by_label("Min bopælsadresse").check()
    expect(street).to_be_hidden()

    # Her data as a page she can print or save as PDF; the button needs script, which shows it.
    page.goto("/borger/mine-data/oversigt")
    expect(page.get_by_role("button", name="Udskriv eller gem som PDF")).to_be_visible()
    steps.logout(page)

    # The nurse's profile page is long: a refused note is summarised at the top, not half a page down.
    steps.login_staff(page, MUNICIPAL_NURSE)
    page.get_by_role("main").get_by_label(re.compile("CPR")).first.fill(CITIZEN.cpr)
    page.get_by_role("main").get_by_role("button", name="Søg").first.click()
    page.get_by_role("link", name=CITIZEN.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CITIZEN.name)
    page.get_by_role("button", name="Gem notatet").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    summary.get_by_role("link").first.click()
    expect(page.get_by_test_id("note-form").get_by_role("textbox", name="Bemærkning")).to_be_focused()

    # The accessibility statement in the Agency for Digital Government's form, with a way to give feedback.
    page.get_by_role("link", name="Tilgængelighedserklæring").click()
    expect(page.get_by_role("heading", level=2, name="Feedback og kontaktoplysninger")).to_be_visible()
    expect(page.get_by_test_id("feedback-link")).to_have_attribute("href", re.compile(r"^mailto:"))
