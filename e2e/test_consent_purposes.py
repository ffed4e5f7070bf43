"""Journey for consent per purpose (issue 19): a new citizen gives her consent purpose by purpose, sees what a
withdrawal changes, withdraws one and finds each purpose's state and history on "Mine data"; the callcenter then
sees that the nurses' notes are withheld. Every page axe-scanned.

The citizen is a new one of this journey's own (registered at discharge, e2e/handover.py): no other journey reads
her consent."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e import handover, steps
from e2e.handover import NewCitizen

AGENT = "callcenter@stomi-demo.dk"
CITIZEN = NewCitizen(cpr="150492-1315", name="Lise Damgaard")


def test_citizen_gives_consent_per_purpose_and_withdraws_one(page: Page):
    handover.register_discharge(page, CITIZEN)

    steps.login_citizen(page, CITIZEN.cpr)
    page.goto("/borger/mine-data")
    status = page.get_by_test_id("consent-status")
    expect(status.get_by_test_id("consent-courier")).to_contain_text("ikke givet")
    page.get_by_test_id("change-consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit samtykke")
    # Before she gives any, each purpose says what happens without it; what the law requires is listed apart.
    expect(page.get_by_test_id("effect-callcenter_notes")).to_contain_text("Uden dit samtykke:")
    expect(page.get_by_test_id("no-consent-needed")).to_contain_text("Fakturaen til din kommune")

    page.get_by_label("Dit telefonnummer til chaufføren").check()
    page.get_by_label("Callcenteret må læse stomisygeplejerskernes notater").check()
    page.get_by_role("button", name="Gem mine valg").click()
    expect(page.get_by_text("Dine valg er gemt. Hvert formål er registreret for sig.")).to_be_visible()
    expect(status.get_by_test_id("consent-courier")).to_contain_text("givet den")
    expect(status.get_by_test_id("consent-callcenter_notes")).to_contain_text("givet den")
    expect(status.get_by_test_id("consent-discharge")).to_contain_text("ikke givet")

    # Back on the page, a given consent says what withdrawing it changes, in plain words.
    page.get_by_test_id("change-consent").click()
    effect = page.get_by_test_id("effect-callcenter_notes")
    expect(effect).to_contain_text("Hvis du trækker det tilbage:")
    expect(effect).to_contain_text("men ikke sygeplejerskernes notater")
    notes = page.get_by_label("Callcenteret må læse stomisygeplejerskernes notater")
    expect(notes).to_be_checked()
    notes.uncheck()
    page.get_by_role("button", name="Gem mine valg").click()

    # Only that purpose changed; the history keeps the withdrawn period.
    expect(status.get_by_test_id("consent-callcenter_notes")).to_contain_text("ikke givet")
    expect(status.get_by_test_id("consent-courier")).to_contain_text("givet den")
    history = page.get_by_test_id("consent-history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr", has_text="Callcenteret må læse")).not_to_contain_text("–")
    steps.logout(page)

    # What the withdrawal changes, seen from the callcenter: the nurses' notes are not shown, and the agent is told
    # why; the phone number to the driver is still consented to, so the header has no warning.
    steps.login_staff(page, AGENT)
    page.get_by_label("Find borgeren").fill(CITIZEN.cpr)
    page.get_by_role("button", name="Søg", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CITIZEN.name)
    expect(page.get_by_test_id("clinical-notes-no-consent")).to_contain_text("Borgeren har ikke givet samtykke")
    expect(page.get_by_test_id("no-consent")).to_have_count(0)
    steps.logout(page)
