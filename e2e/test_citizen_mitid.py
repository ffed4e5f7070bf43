"""Journey: a citizen logs in with MitID through the local test IdP (a real pysaml2 IdP), and logs out of both."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def _log_in_at_the_idp(page: Page, user: str) -> None:
    page.goto("/login/borger")
    steps.choose_language_before_login(page, "da")
    page.get_by_role("link", name="Log ind med MitID").click()
    # The IdP's own page (axe-scanned like ours).
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med test-MitID")
    page.get_by_label(user, exact=True).check()
    page.get_by_role("button", name="Log ind").click()


def test_citizen_logs_in_with_mitid_lands_on_the_start_page_and_logs_out_everywhere(page: Page):
    _log_in_at_the_idp(page, "Birthe Nielsen")
    expect(page).to_have_url(re.compile(r"/borger/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine stomiprodukter")
    expect(steps.who_is_logged_in(page)).to_have_text("Birthe Nielsen, Borger")
    expect(page.get_by_text("150348-1234")).to_have_count(0)

    # Single logout: the platform sends the browser to the IdP, which answers back to /saml/slo.
    steps.logout(page)
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_text("Du er logget af stomiforsyningen og MitID.")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name=steps.LOG_OUT)).to_have_count(0)
    page.goto("/borger/")
    expect(page).to_have_url(re.compile(r"/login/borger"))


def test_a_person_with_no_record_is_told_to_call_the_callcenter(page: Page):
    _log_in_at_the_idp(page, "Ulla Ukendt (ikke tilmeldt)")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er ikke tilmeldt stomiforsyningen")
    expect(page.get_by_role("alert")).to_contain_text("Du er ikke tilmeldt stomiforsyningen — ring til 70 20 30 40")
    expect(page.get_by_role("banner").get_by_role("button", name=steps.LOG_OUT)).to_have_count(0)


def test_a_login_below_substantial_is_refused(page: Page):
    _log_in_at_the_idp(page, "Birthe Nielsen, kun sikringsniveau Lav")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dit MitID-login var ikke stærkt nok")
    page.get_by_role("link", name="Tilbage til login").click()
    expect(page.get_by_role("link", name="Log ind med MitID")).to_be_visible()
