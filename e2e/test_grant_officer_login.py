"""Journey: a municipal grant officer logs in, sees their municipality, switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_grant_officer_logs_in_sees_own_municipality_switches_language_and_logs_out(page: Page):
    steps.login_staff(page, "bevilling.aarhus@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/kommune/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommuneportal")
    expect(steps.who_is_logged_in(page)).to_have_text("Peter Vestergaard, Myndighedssagsbehandler")
    expect(page.get_by_role("main").get_by_text("Aarhus Kommune")).to_be_visible()

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/kommune/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Municipal portal")
    expect(page.get_by_role("main").get_by_text("Aarhus Municipality")).to_be_visible()
    expect(steps.who_is_logged_in(page)).to_have_text("Peter Vestergaard, Grant officer")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
