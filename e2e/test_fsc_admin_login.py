"""Journey: an FSC administrator logs in, sees the municipalities in the solution, switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_fsc_admin_logs_in_sees_municipalities_switches_language_and_logs_out(page: Page):
    steps.login_staff(page, "admin@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("FSC-administration")
    expect(steps.who_is_logged_in(page)).to_have_text("Susanne Holm, FSC-administrator")
    table = page.get_by_role("table", name="Kommuner i løsningen")
    expect(table.get_by_role("cell", name="Aarhus", exact=True)).to_be_visible()
    expect(table.get_by_role("cell", name="Odense", exact=True)).to_be_visible()

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("FSC administration")
    expect(page.get_by_role("table", name="Municipalities in the solution")).to_be_visible()
    expect(steps.who_is_logged_in(page)).to_have_text("Susanne Holm, FSC administrator")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
