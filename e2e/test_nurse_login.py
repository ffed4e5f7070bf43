"""Journey: a stoma nurse logs in, sees the nurse console, switches to English and logs out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_nurse_logs_in_sees_console_switches_language_and_logs_out(page: Page):
    steps.login_staff(page, "sygeplejerske.aarhus@stomi-demo.dk")
    expect(page).to_have_url(re.compile(r"/sygeplejerske/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sygeplejerskekonsol")
    expect(steps.who_is_logged_in(page)).to_have_text("Mette Lauridsen, Stomisygeplejerske")
    expect(page.get_by_role("main").get_by_text("Aarhus Kommune, Sundhed og Omsorg")).to_be_visible()

    steps.switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/sygeplejerske/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nurse console")
    expect(steps.who_is_logged_in(page)).to_have_text("Mette Lauridsen, Stoma nurse")

    steps.logout(page)
    steps.expect_front_page_after_logout(page, "en")
