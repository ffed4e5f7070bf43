"""Journey: the warehouse logs in, sees its start page, switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_warehouse_logs_in_switches_language_and_logs_out(page: Page):
    steps.login_staff(page, "lager@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/lager/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lager")
    expect(steps.who_is_logged_in(page)).to_have_text("Lagerlogistik A/S, Lager")

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/lager/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Warehouse")
    expect(page.get_by_role("main").get_by_text("Pick-pack and hole-cutting instructions")).to_be_visible()
    expect(steps.who_is_logged_in(page)).to_have_text("Lagerlogistik A/S, Warehouse")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
