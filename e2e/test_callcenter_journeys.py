"""Journeys of the callcenter (issue 6): Aase Christensen phones. The agent finds her by CPR number, orders within her
grant on her behalf, and transfers her question to a stoma nurse, who sees it and answers; the agent sees the answer.
She phones again: a pack was missing; the agent finds her by name and sends a free replacement.

Aase is the fixed demo citizen whose last order is 20 days old and within her grant; no other journey orders for her
(an order within 14 days of another goes to approval), so today's order by phone is accepted. A free replacement
neither counts against the grant nor as an order for that rule, so the two journeys may run in either order.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps

AGENT = "callcenter@stomi-demo.dk"
MUNICIPAL_NURSE = "sygeplejerske.aarhus@stomi-demo.dk"
AASE_CPR, AASE = "111240-3456", "Aase Christensen"


def _find_by_cpr(page: Page, cpr: str, name: str) -> None:
    page.get_by_label("Find borgeren").fill(cpr)
    page.get_by_role("button", name="Søg", exact=True).click()
    # A full CPR number with one hit goes straight to the citizen: the caller is waiting.
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_test_id("caller")).to_contain_text(f"{cpr[:6]}-****")


def test_agent_orders_within_the_grant_by_phone_and_transfers_a_question_to_a_nurse(page: Page):
    question = "Aase spørger, om hun kan bruge en natpose til sin urostomipose. (e2e-opkald)"
    summary = "Ringede kl. 10; bruger ikke nettet, ønsker at blive ringet op."
    answer = "Ja, natposen kobles på tappen. Vi ringer dig op i morgen og viser hvordan."

    steps.login_staff(page, AGENT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Callcenter")
    _find_by_cpr(page, AASE_CPR, AASE)
    grants = page.get_by_test_id("grants")
    bag_row = grants.get_by_role("row").filter(has_text="urostomipose")
    expect(bag_row).to_contain_text("2 pr. måned")

    # Order on her behalf, within the grant.
    page.get_by_test_id("new-order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvilke produkter har borgeren brug for?")
    page.get_by_label(re.compile("urostomipose")).fill("1")
    page.get_by_role("button", name="Næste: levering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levering")
    page.get_by_role("button", name="Næste: tjek bestillingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gennemgå bestillingen med borgeren, før du sender den")
    expect(page.get_by_test_id("routing-summary")).to_have_text(
        "Alt er inden for bevillingen. Bestillingen godkendes, så snart du sender den.")
    page.get_by_role("button", name="Send bestillingen").click()
    expect(page.get_by_text("Bestillingen er sendt")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Bestilling \d+$"))
    number = heading.inner_text().removeprefix("Bestilling ")
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_text(re.compile(r"^Telefon \(Camilla Dahl\)"))).to_be_visible()

    # Back on her overview the order is open, marked as placed by phone.
    page.get_by_role("link", name=AASE, exact=True).click()
    open_row = page.get_by_test_id("open-orders").get_by_role("row").filter(has_text=number)
    expect(open_row).to_contain_text("Godkendt")
    expect(open_row).to_contain_text("Telefon")

    # Transfer her question to a stoma nurse.
    page.get_by_test_id("transfer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overfør til en stomisygeplejerske")
    page.get_by_label("Borgerens spørgsmål").fill(question)
    page.get_by_label("Dit resumé til sygeplejersken").fill(summary)
    page.get_by_role("button", name="Overfør til en stomisygeplejerske").click()
    expect(page.get_by_text("Spørgsmålet er sendt til stomisygeplejerskerne. Svaret vises her og på borgerens side.")).to_be_visible()
    transferred = page.get_by_test_id("advice").filter(has_text=question)
    expect(transferred).to_contain_text("Venter på en stomisygeplejerske")
    steps.logout(page)

    # The municipal nurse finds Aase and sees the transferred question with the agent's summary; she answers.
    steps.login_staff(page, MUNICIPAL_NURSE)
    page.get_by_label("CPR-nummer eller navn").fill(AASE_CPR)
    page.get_by_role("button", name="Søg", exact=True).click()
    page.get_by_role("link", name=AASE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(AASE)
    page.get_by_test_id("questions").get_by_role("link", name=re.compile(re.escape(question[:40]))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørgsmål om rådgivning")
    expect(page.get_by_text("Overført af callcenteret (Camilla Dahl)")).to_be_visible()
    expect(page.get_by_test_id("summary")).to_have_text(summary)
    expect(page.get_by_test_id("thread")).to_contain_text(question)
    page.get_by_role("button", name="Tag opgaven").click()
    page.get_by_label("Dit svar").fill(answer)
    page.get_by_role("button", name="Send svaret").click()
    expect(page.get_by_text("Dit svar er sendt. Borgeren får besked på sin forside.")).to_be_visible()
    steps.logout(page)

    # The agent sees the nurse's answer on Aase's overview.
    steps.login_staff(page, AGENT)
    _find_by_cpr(page, AASE_CPR, AASE)
    transferred = page.get_by_test_id("advice").filter(has_text=question)
    expect(transferred).to_contain_text("Besvaret")
    expect(transferred).to_contain_text("Stomisygeplejerske (")
    expect(transferred).to_contain_text(answer)


def test_agent_registers_a_missing_pack_and_sends_a_free_replacement(page: Page):
    steps.login_staff(page, AGENT)
    # Found by name this time: the results list her with her masked CPR number and municipality.
    page.get_by_label("Find borgeren").fill(AASE)
    page.get_by_role("button", name="Søg", exact=True).click()
    hit = page.get_by_test_id("search-results").get_by_role("row").filter(has_text=f"{AASE_CPR[:6]}-****")
    expect(hit).to_contain_text("Aarhus")
    hit.get_by_role("link", name=AASE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(AASE)

    # Her newest delivered order (she ordered about every 30 days; the last one 15 days ago).
    delivered = page.get_by_test_id("recent-orders").get_by_role("row").filter(has_text="Leveret").first
    number = delivered.get_by_role("link").first.inner_text()
    delivered.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    expect(page.get_by_test_id("order-status")).to_have_text("Leveret")
    page.get_by_role("link", name="Registrér et problem med leveringen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Registrér et problem med bestilling {number}")
    page.get_by_label("Hvad er galt?").select_option(label="Noget mangler")
    page.get_by_label("Beskriv problemet").fill("Der manglede en æske urostomiposer i pakken. (e2e-opkald)")
    page.get_by_label(re.compile("urostomipose")).fill("1")
    page.get_by_role("button", name="Registrér problemet").click()

    confirmation = page.get_by_text(re.compile(r"^Problemet er registreret, og en gratis erstatning \(bestilling (\d+)\) er på vej\.$"))
    expect(confirmation).to_be_visible()
    replacement = re.search(r"bestilling (\d+)", confirmation.inner_text()).group(1)
    expect(page.get_by_test_id("problems")).to_contain_text("Noget mangler")
    page.get_by_role("link", name=replacement).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {replacement} Gratis erstatning")
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_role("link", name=f"Bestilling {number}")).to_be_visible()  # what it replaces


def test_a_problem_aase_reports_online_reaches_the_agents_queue_who_claims_and_closes_it(page: Page):
    """Issue 19, item 1: her report reaches an agent, she sees it on her order and is not offered to send it again."""
    steps.login_citizen(page, AASE_CPR)
    page.goto("/borger/ordrer")
    # Her second-newest delivered order: the newest is the other journey's (a free replacement by phone).
    delivered = page.get_by_test_id("order-history").get_by_role("row").filter(has_text="Leveret").nth(1)
    number = delivered.get_by_role("link").first.inner_text()
    delivered.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    page.get_by_role("link", name="Meld et problem med leveringen").click()
    page.get_by_label("Hvad er galt?").select_option(label="Noget mangler")
    page.get_by_label("Beskriv problemet").fill("Der manglede en pakke basisplader. (e2e-web)")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Tak. Callcenteret kontakter dig om problemet.")).to_be_visible()
    expect(page.get_by_test_id("my-problems")).to_contain_text("Modtaget – callcenteret kontakter dig")
    expect(page.get_by_role("link", name="Meld et problem med leveringen")).to_have_count(0)
    steps.logout(page)

    steps.login_staff(page, AGENT)
    expect(page.get_by_role("heading", name="Arbejdskøer")).to_be_visible()
    row = page.get_by_test_id("queue-problems").get_by_role("row").filter(has_text=AASE).filter(has_text=number)
    expect(row).to_contain_text("meldt på nettet")
    expect(row).to_contain_text("Ikke taget")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Leveringsproblem med bestilling {number}")
    expect(page.get_by_test_id("queue-item")).to_contain_text("Der manglede en pakke basisplader.")
    page.get_by_role("button", name="Tag sagen").click()
    expect(page.get_by_text("Sagen er din.")).to_be_visible()
    expect(page.get_by_test_id("queue-claim")).not_to_contain_text("Ikke taget")
    page.get_by_role("button", name="Afslut sagen").click()  # without a note: refused
    expect(page.get_by_text("Skriv en kort note om, hvad der er gjort.").first).to_be_visible()
    page.get_by_label("Hvad der er gjort").fill("Ringet til Aase; pakken var leveret hos naboen. (e2e)")
    page.get_by_role("button", name="Afslut sagen").click()
    expect(page.get_by_text("Sagen er lukket.")).to_be_visible()
    expect(page.get_by_test_id("queue-problems").get_by_role("row").filter(has_text=number)).to_have_count(0)

    # The close is in her call log without the agent typing it again.
    _find_by_cpr(page, AASE_CPR, AASE)
    expect(page.get_by_test_id("contacts")).to_contain_text("pakken var leveret hos naboen")
    steps.logout(page)

    steps.login_citizen(page, AASE_CPR)
    page.goto("/borger/ordrer")
    page.get_by_test_id("order-history").get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_test_id("my-problems")).to_contain_text("Løst – sagen er afsluttet")
