"""Bad paths at the login pages, as a person sees them: the message is next to the form or the field."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e import steps


def test_wrong_password_shows_the_message_and_keeps_the_user_out(page: Page):
    steps.login_staff(page, "callcenter@stomi-demo.dk", "not-the-password")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
    expect(page.get_by_role("alert")).to_have_text("E-mail eller adgangskode er forkert.")
    # The e-mail is kept so the person only retypes the password; nobody is shown as logged in.
    expect(page.get_by_label("E-mail")).to_have_value("callcenter@stomi-demo.dk")
    expect(page.get_by_label("Adgangskode")).to_have_value("")
    expect(steps.who_is_logged_in(page)).to_have_count(0)


def test_empty_staff_login_names_each_missing_field(page: Page):
    page.goto("/login")
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page.get_by_label("E-mail")).to_have_accessible_description(re.compile("Indtast din e-mailadresse"))
    expect(page.get_by_label("Adgangskode")).to_have_accessible_description(re.compile("Indtast din adgangskode"))


def test_malformed_cpr_shows_the_error_next_to_the_field(page: Page):
    steps.login_citizen(page, "3113-12")
    expect(page).to_have_url(re.compile(r"/login/borger$"))
    cpr_field = page.get_by_label("CPR-nummer")
    message = "Et CPR-nummer har 10 cifre og begynder med en gyldig fødselsdato (DDMMÅÅ)."
    # Next to the field (and read out with it), and summarised at the top with a link to the field.
    expect(cpr_field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(cpr_field).to_have_value("3113-12")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Ret venligst følgende")
    summary.get_by_role("link", name=message).click()
    expect(cpr_field).to_be_focused()


def test_unknown_cpr_is_told_apart_from_a_malformed_one(page: Page):
    steps.login_citizen(page, "010101-1111")
    expect(page.get_by_label("CPR-nummer")).to_have_accessible_description(
        re.compile(re.escape("Der er ingen borger med dette CPR-nummer i løsningen."))
    )


def test_a_page_of_another_role_says_no_access(page: Page):
    steps.login_citizen(page, "020756-2345")
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
    expect(page.get_by_text("Din rolle giver ikke adgang til denne side.")).to_be_visible()
    expect(steps.who_is_logged_in(page)).to_have_text("Jens Mikkelsen, Borger")


def test_a_staff_page_asks_for_login_and_then_opens(page: Page):
    page.goto("/kommune/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
    page.get_by_label("E-mail").fill("bevilling.odense@stomi-demo.dk")
    page.get_by_label("Adgangskode").fill(steps.DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page).to_have_url(re.compile(r"/kommune/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommuneportal")
    expect(page.get_by_role("main").get_by_text("Odense Kommune")).to_be_visible()
