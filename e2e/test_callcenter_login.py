"""Journey: a callcenter agent logs in, sees the callcenter page, switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_callcenter_agent_logs_in_switches_language_and_logs_out(page: Page):
    steps.login_staff(page, "callcenter@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/callcenter/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Callcenter")
    expect(steps.who_is_logged_in(page)).to_have_text("Camilla Dahl, Callcenter-medarbejder")
    expect(page.get_by_role("main").get_by_text("Åbent alle dage 07:00–16:00")).to_be_visible()

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/callcenter/$"))
    expect(page.get_by_role("main").get_by_text("Open every day 07:00–16:00")).to_be_visible()
    expect(steps.who_is_logged_in(page)).to_have_text("Camilla Dahl, Callcenter agent")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
