"""Steps the journeys share (log in, log out, switch language), done the way a person does them."""
from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from devtools.demo import DEMO_PASSWORD

LANGUAGE_BUTTONS = {"da": "Dansk", "en": "English"}
# The steps work in either language, so a journey can log out after switching to English.
LOG_IN = {"da": "Log ind", "en": "Log in"}
LOG_OUT = re.compile(r"^(Log af|Log out)$")
EMAIL = {"da": "E-mail", "en": "E-mail"}
PASSWORD = {"da": "Adgangskode", "en": "Password"}
CPR = {"da": "CPR-nummer", "en": "CPR number"}


def language(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or ""


def switch_language(page: Page, lang: str) -> None:
    """Press the language switch in the header and wait for the page to come back in `lang`."""
    page.get_by_role("button", name=LANGUAGE_BUTTONS[lang], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def use_language(page: Page, lang: str) -> None:
    """Make sure the page is in `lang`: a user's stored choice may differ after an earlier journey."""
    if language(page) != lang:
        switch_language(page, lang)


def choose_language_before_login(page: Page, lang: str) -> None:
    """Press the language button on the login page even when the page already shows `lang`.

    Anonymous pages show Danish by default, but logging in then applies the user's stored choice, which
    an earlier journey may have left at English; a choice made before logging in is kept instead."""
    switch_language(page, lang)


def settled(page: Page) -> None:
    """Let the page shown now finish loading before the journey leaves it by address: a navigation started while a
    document still loads makes the browser abandon it, and its accessibility scan would never start (seen on a loaded
    machine after a logout's redirect)."""
    page.wait_for_load_state("load")


def login_staff(page: Page, email: str, password: str = DEMO_PASSWORD, *, lang: str = "da") -> None:
    """Fill in and send the staff login form in `lang`; the journey asserts where it lands."""
    settled(page)
    page.goto("/login")
    choose_language_before_login(page, lang)
    page.get_by_label(EMAIL[lang]).fill(email)
    page.get_by_label(PASSWORD[lang]).fill(password)
    page.get_by_role("button", name=LOG_IN[lang], exact=True).click()


def login_citizen(page: Page, cpr: str, *, lang: str = "da") -> None:
    """Fill in and send the citizen demo login (the stand-in for MitID) in `lang`."""
    settled(page)
    page.goto("/login/borger")
    choose_language_before_login(page, lang)
    page.get_by_label(CPR[lang]).fill(cpr)
    page.get_by_role("button", name=LOG_IN[lang], exact=True).click()


def who_is_logged_in(page: Page) -> Locator:
    """The header's line with the user's name and role."""
    return page.get_by_role("banner").get_by_test_id("who")


def logout(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name=LOG_OUT).click()


def expect_front_page_after_logout(page: Page, lang: str) -> None:
    """Back on the front page, told so, and nobody shown as logged in."""
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    heading = {"da": "Stomiprodukter fra ét sted", "en": "Stoma supplies from one place"}[lang]
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text({"da": "Du er logget af.", "en": "You are logged out."}[lang])).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name=LOG_OUT)).to_have_count(0)


LEFT_THIS_PERIOD = re.compile(r"Bevilget (\d+) .*, (\d+) tilbage i denne periode\.")


def order_one_pack_more_than_left(page: Page, category: str) -> tuple[str, int]:
    """As a logged-in citizen: order one pack more than is left of the grant line for `category` (its heading on
    the order's first step), with home address and normal delivery, and stop on the check page.

    Reads what is left from the page, so it works whatever earlier journeys ordered. Returns the product's name
    (as its field is labelled, with the article number) and the packs ordered."""
    if not re.search(r"/borger/$", page.url):
        page.goto("/borger/")
    page.get_by_role("link", name=re.compile(r"^(Ny bestilling|Fortsæt din bestilling)$")).click()
    group = page.get_by_role("group", name=category, exact=True)
    granted_and_left = LEFT_THIS_PERIOD.search(group.get_by_text(LEFT_THIS_PERIOD).inner_text())
    quantity = int(granted_and_left.group(2)) + 1
    product = group.locator("label").first.inner_text()
    group.get_by_label(product, exact=True).fill(str(quantity))
    page.get_by_role("button", name="Næste: levering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Levering")
    page.get_by_role("button", name="Næste: tjek din bestilling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek din bestilling, før du sender den")
    return product, quantity
