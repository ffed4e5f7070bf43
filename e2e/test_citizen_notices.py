"""Notices (issue 21): a citizen's order waits for approval, a stoma nurse approves it, and the citizen finds both
messages in her inbox ("Beskeder"), the newest unread until she opens it; then she chooses how she is told.

The citizen is a new one from a discharge (e2e/handover.py), so no other journey changes her orders or messages.
Then Birthe Nielsen follows her supply reminder (the demo gives her one) to a pre-filled order she must confirm.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import handover, steps
from e2e.handover import BAG, NewCitizen

MUNICIPAL_NURSE = "sygeplejerske.aarhus@stomi-demo.dk"


def test_the_citizen_sees_the_nurses_approval_in_her_inbox(page: Page):
    citizen = NewCitizen(cpr="170794-1525", name="Karen Frost", products=((BAG, 3),))
    handover.new_citizen_with_grant(page, citizen)

    steps.login_citizen(page, citizen.cpr)
    number = handover.order_as_citizen(page, {BAG: 5}, expect_within_grant=False)
    expect(page.get_by_test_id("order-status")).to_have_text("Afventer godkendelse")
    steps.logout(page)

    steps.login_staff(page, MUNICIPAL_NURSE)
    page.get_by_role("link", name="Åbn arbejdskøen").click()
    page.get_by_label("Opgavetype").select_option(label="Bestilling til godkendelse")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.get_by_test_id("queue").get_by_role("row").filter(has_text=citizen.name).last.get_by_role(
        "link", name="Bestilling til godkendelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    page.get_by_role("button", name="Tag opgaven").click()
    reason = "Godkendt én gang: ekstra poser de første uger."
    decision = page.get_by_test_id("decision")
    decision.get_by_label("Godkend denne bestilling én gang", exact=True).check()
    decision.get_by_label("Begrundelse (borgeren kan læse den)").fill(reason)
    decision.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text(f"Bestilling {number} er godkendt.")).to_be_visible()
    steps.logout(page)

    steps.login_citizen(page, citizen.cpr)
    # The grant from the discharge, the order waiting, and the nurse's approval.
    expect(page.get_by_test_id("unread-count")).to_have_text("3 nye")
    page.get_by_test_id("messages-link").get_by_role("link", name="Beskeder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beskeder")
    inbox = page.get_by_test_id("notices")
    expect(inbox.get_by_test_id("notice-link").first).to_have_text(f"Din bestilling {number} er godkendt")
    expect(inbox).to_contain_text(f"Din bestilling {number} skal godkendes")
    expect(inbox).to_contain_text("Din kommune har bevilget dig stomiprodukter")
    expect(inbox.get_by_test_id("unread")).to_have_count(3)

    inbox.get_by_role("link", name=f"Din bestilling {number} er godkendt").click()
    expect(page.get_by_test_id("notice-title")).to_have_text(f"Din bestilling {number} er godkendt")
    body = page.get_by_test_id("notice-body")
    expect(body).to_contain_text("Din bestilling er godkendt og sendt til lageret.")
    expect(body).to_contain_text(f"Fra stomisygeplejersken: {reason}")
    page.get_by_role("link", name=f"Se bestilling {number}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")

    page.goto("/borger/beskeder")
    expect(page.get_by_test_id("notices").get_by_test_id("unread")).to_have_count(2)
    page.get_by_role("link", name="Hvordan og på hvilket sprog vi giver dig besked").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beskeder: sådan giver vi dig besked")
    page.get_by_label("SMS").check()
    page.get_by_label("Mobilnummer").fill("12")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Skriv et dansk mobilnummer på 8 cifre, fx 20 30 40 50.").first).to_be_visible()
    page.get_by_label("Mobilnummer").fill("20 30 40 50")
    page.get_by_label("E-mail", exact=True).uncheck()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Dine valg for beskeder er gemt.")).to_be_visible()
    expect(page.get_by_label("Mobilnummer")).to_have_value("20304050")


def test_the_reminder_opens_a_prefilled_order_to_confirm(page: Page):
    """Birthe Nielsen's supplies run out soon by the demo's order rhythm: the demo gives her tonight's reminder."""
    steps.login_citizen(page, "150348-1234")
    page.get_by_test_id("messages-link").get_by_role("link", name="Beskeder").click()
    page.get_by_role("link", name=re.compile(r"^Tid til at bestille: dine produkter rækker til ca\.")).click()
    expect(page.get_by_test_id("notice-body")).to_contain_text("Bestil det samme igen: du ser bestillingen og bekræfter den")
    page.get_by_role("button", name="Bestil det samme igen").click()
    expect(page).to_have_url(re.compile(r"/borger/bestil/tjek$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek din bestilling, før du sender den")
    expect(page.get_by_text("Der er ikke sendt noget endnu.", exact=False)).to_be_visible()
    expect(page.get_by_test_id("routing-summary")).to_have_text(
        "Alt er inden for din bevilling. Bestillingen godkendes, så snart du sender den.")
    # Nothing is sent until she presses "Send bestilling" (e2e/test_citizen_ordering.py sends her order later).
