"""Journeys of the citizen's self-service ordering: reorder within the grant, order beyond it, a bad quantity.

The demo data (devtools/demo/history.py) promises that Birthe Nielsen's last order can be reordered within her
grant today, and that one pack more than what is left of Jens Mikkelsen's grant goes to approval. Jens's journey
reads what is left from the page and cancels its order at the end, so the grant officer's journey (which also
orders for Jens) may run before or after it.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps

BIRTHE = "150348-1234"
JENS = "020756-2345"
ORDER_NUMBER = re.compile(r"Dit bestillingsnummer er (\d+)\.")
# A Danish weekday and date, as the pages give the day an order should arrive: "fredag 4. december 2026".
EXPECTED_DAY = re.compile(r"Forventet levering: (mandag|tirsdag|onsdag|torsdag|fredag) \d{1,2}\. [a-zæøå]+ \d{4}")


def log_in_citizen(page: Page, cpr: str) -> None:
    """Log in and land on the start page in Danish (the citizen's stored choice may be English after another journey)."""
    steps.login_citizen(page, cpr)
    expect(page).to_have_url(re.compile(r"/borger/$"))
    steps.use_language(page, "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")


def sent_order_number(page: Page, heading: str = "Tak – din bestilling er sendt") -> str:
    """The confirmation after "Send bestilling": the order page, thanking and giving the order number."""
    confirmation = page.get_by_role("status").filter(has_text=heading)
    expect(confirmation).to_contain_text(ORDER_NUMBER)
    number = ORDER_NUMBER.search(confirmation.inner_text()).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bestilling {number}")
    expect(page).to_have_url(re.compile(r"/borger/ordrer/\d+\?sent=1$"))
    return number


def test_citizen_reorders_within_the_grant_and_the_order_is_accepted(page: Page):
    log_in_citizen(page, BIRTHE)
    page.get_by_role("button", name="Bestil igen").click()

    # "Bestil igen" goes straight to the check page: the same products, home address, normal delivery.
    expect(page).to_have_url(re.compile(r"/borger/bestil/tjek$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek din bestilling, før du sender den")
    expect(page.get_by_test_id("routing-summary")).to_have_text(
        "Alt er inden for din bevilling. Bestillingen godkendes, så snart du sender den.")
    lines = page.get_by_role("table", name="Produkterne i din bestilling")
    expect(lines.get_by_role("row")).not_to_have_count(1)  # at least one product under the header
    for row in lines.get_by_role("row").all()[1:]:
        expect(row).to_contain_text("Inden for din bevilling")
    # Her closed bags are cut to her measure.
    expect(lines).to_contain_text("Ø 32 mm")
    expect(page.get_by_text("Vestergade 12, 2. th")).to_be_visible()
    # She is told the day it should arrive (a working day), before she sends and after.
    expect(page.get_by_test_id("expected-delivery")).to_have_text(EXPECTED_DAY)
    promised = page.get_by_test_id("expected-delivery").inner_text()

    page.get_by_role("button", name="Send bestilling").click()
    number = sent_order_number(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_test_id("expected-delivery")).to_have_text(promised)
    expect(page.get_by_test_id("approval-reasons")).to_have_count(0)

    # The start page lists it among the open orders.
    page.get_by_role("link", name="Tilbage til mine stomiprodukter").click()
    expect(page.get_by_test_id("open-orders").get_by_role("listitem").filter(has_text=f"Bestilling {number}")).to_contain_text("Godkendt")


def test_citizen_orders_beyond_the_grant_sees_why_and_the_order_awaits_approval(page: Page):
    log_in_citizen(page, JENS)
    product, quantity = steps.order_one_pack_more_than_left(page, "1-dels tømbar pose")

    # Before sending, the citizen is told the order goes to approval, and why for this line.
    expect(page.get_by_test_id("routing-summary")).to_contain_text("En del af bestillingen er uden for din bevilling")
    row = page.get_by_role("table", name="Produkterne i din bestilling").get_by_role("row").filter(has_text=product)
    # The product names the row (a row header); the first cell is the number of packs.
    expect(row.get_by_role("rowheader")).to_have_text(product)
    expect(row.get_by_role("cell").nth(0)).to_have_text(str(quantity))
    expect(row).to_contain_text("Mere end der er tilbage af din bevilling i denne periode: det skal godkendes")

    page.get_by_role("button", name="Send bestilling").click()
    # Waiting for approval is not "sent": she is told who decides and where she will see it.
    number = sent_order_number(page, "Tak – din bestilling er modtaget og venter på godkendelse")
    expect(page.get_by_role("status")).to_contain_text("En stomisygeplejerske ser på den")
    expect(page.get_by_test_id("order-status")).to_have_text("Afventer godkendelse")
    expect(page.get_by_text("Din bestilling afventer godkendelse. Hvorfor:")).to_be_visible()
    expect(page.get_by_test_id("approval-reasons").get_by_role("listitem").filter(has_text=product)).to_have_text(
        f"{product}: Mere end der er tilbage af din bevilling i denne periode: det skal godkendes")

    # Jens changes his mind: an order waiting for approval can still be cancelled (and then counts for nothing).
    page.get_by_role("link", name="Annullér bestillingen").click()
    # One click is not enough: he is asked to confirm, and could keep the order.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Annullér bestilling {number}?")
    page.get_by_role("button", name="Ja, annullér bestillingen").click()
    expect(page.get_by_text(f"Bestilling {number} er annulleret.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Annulleret")


def test_a_quantity_that_is_not_a_number_is_refused_next_to_the_field(page: Page):
    log_in_citizen(page, BIRTHE)  # nothing is saved, so her reorder journey is not disturbed
    page.get_by_role("link", name=re.compile(r"^(Ny bestilling|Fortsæt din bestilling)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvilke produkter har du brug for?")
    group = page.get_by_role("group", name="1-dels lukket pose", exact=True)
    product = group.locator("label").first.inner_text()
    group.get_by_label(product, exact=True).fill("to")
    page.get_by_role("button", name="Næste: levering").click()

    # Still on the first step, with the error next to the field and in the summary, linked to the field.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvilke produkter har du brug for?")
    field = page.get_by_role("group", name="1-dels lukket pose", exact=True).get_by_label(product, exact=True)
    expect(field).to_have_value("to")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Angiv et helt antal pakninger, fx 2."))
    summary = page.get_by_role("alert").filter(has_text="Ret venligst følgende")
    link = summary.get_by_role("link", name="Angiv et helt antal pakninger, fx 2.")
    expect(link).to_have_attribute("href", "#" + field.get_attribute("id"))
