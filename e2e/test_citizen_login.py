"""Journey: a citizen logs in with the demo login (stand-in for MitID), switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_citizen_logs_in_sees_own_page_switches_language_and_logs_out(page: Page):
    steps.login_citizen(page, "150348-1234")
    expect(page).to_have_url(re.compile(r"/borger/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")
    expect(steps.who_is_logged_in(page)).to_have_text("Birthe Nielsen, Borger")
    expect(page.get_by_role("main").get_by_text("Vestergade 12, 2. th")).to_be_visible()
    # The CPR number typed at the login is never shown in full afterwards.
    expect(page.get_by_text("150348-1234")).to_have_count(0)

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/borger/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My stoma supplies")
    expect(steps.who_is_logged_in(page)).to_have_text("Birthe Nielsen, Citizen")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
