"""Journey: a citizen's order beyond the grant waits; the grant officer raises the grant line and it is accepted.

Jens Mikkelsen (Odense) orders one pack more than is left (read from the page, so earlier journeys do not
matter); Odense's grant officer finds him, raises that grant line to cover what he has ordered, and the waiting
order is accepted at once (ordering.services.reevaluate_waiting_orders).
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps

JENS = "020756-2345"
OFFICER = "bevilling.odense@stomi-demo.dk"
ORDER_NUMBER = re.compile(r"Dit bestillingsnummer er (\d+)\.")
ARTICLE = re.compile(r"\(([^()]+)\)$")  # a variant's name ends with its article number


def log_in_citizen(page: Page, cpr: str) -> None:
    """Log in and land on the start page in Danish (the citizen's stored choice may be English after another journey)."""
    steps.login_citizen(page, cpr)
    expect(page).to_have_url(re.compile(r"/borger/$"))
    steps.use_language(page, "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")


def test_grant_officer_raises_the_grant_and_the_waiting_order_is_accepted(page: Page):
    log_in_citizen(page, JENS)
    product, _quantity = steps.order_one_pack_more_than_left(page, "1-dels tømbar pose")
    page.get_by_role("button", name="Send bestilling").click()
    number = ORDER_NUMBER.search(page.get_by_role("status").filter(has_text=ORDER_NUMBER).inner_text()).group(1)
    expect(page.get_by_test_id("order-status")).to_have_text("Afventer godkendelse")
    steps.logout(page)
    steps.expect_front_page_after_logout(page, "da")

    steps.login_staff(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/kommune/$"))
    steps.use_language(page, "da")
    page.get_by_role("navigation", name="Kommuneportal").get_by_role("link", name="Find en borger").click()
    page.get_by_label("Navn eller CPR-nummer").fill(JENS)
    page.get_by_role("search").get_by_role("button", name="Søg").click()
    expect(page.get_by_test_id("result-count")).to_have_text("Fundne borgere: 1")
    page.get_by_role("table", name="Borgere, der matcher søgningen").get_by_role("link", name="Jens Mikkelsen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jens Mikkelsen")

    # The officer sees the order waiting, and the line used beyond what is granted.
    orders = page.get_by_role("table", name=re.compile("seneste bestillinger", re.IGNORECASE))
    expect(orders.get_by_role("row").filter(has_text=number)).to_contain_text("Afventer godkendelse")
    grant = page.get_by_role("region").filter(has=page.get_by_role("heading", name=re.compile("Bevilling fra")))
    grant = grant.filter(has=page.get_by_text("Gældende", exact=True))
    line = grant.get_by_role("row").filter(has=page.get_by_role("rowheader", name=product, exact=True))
    granted = int(re.match(r"\d+", line.get_by_role("cell").nth(0).inner_text()).group())
    used = int(re.match(r"\d+", line.get_by_test_id("used").inner_text()).group())
    assert used > granted, (used, granted)
    grant.get_by_role("link", name="Ret bevillingen").click()

    # Raise the line for this product so it covers what he has ordered this period.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ret bevillingen")
    article = ARTICLE.search(product).group(1)
    rows = page.get_by_role("group", name=re.compile(r"^Linje \d+$"))
    row = next(r for r in rows.all() if r.get_by_label("Varenummer").input_value() == article)
    expect(row.get_by_label("Antal (pakninger)")).to_have_value(str(granted))
    row.get_by_label("Antal (pakninger)").fill(str(used))
    page.get_by_label("Begrundelse").fill("Øget forbrug efter hudproblemer; aftalt med borgeren.")
    page.get_by_role("button", name="Gem bevillingen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jens Mikkelsen")
    expect(page.get_by_text("Bevillingen er ændret. Bestillinger, der ventede på godkendelse og nu passer i "
                            "bevillingen, er godkendt.")).to_be_visible()
    expect(line.get_by_role("cell").nth(0)).to_contain_text(f"{used} ")
    expect(orders.get_by_role("row").filter(has_text=number)).to_contain_text("Godkendt")
    steps.logout(page)
    steps.expect_front_page_after_logout(page, "da")

    # And Jens sees his order accepted.
    log_in_citizen(page, JENS)
    page.get_by_test_id("open-orders").get_by_role("link", name=f"Bestilling {number}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Godkendt")
    expect(page.get_by_test_id("approval-reasons")).to_have_count(0)
