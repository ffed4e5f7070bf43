"""Journeys: the FSC administrator creates a staff account, the new colleague chooses a password through the e-mailed
link and logs in, and deactivation ends her open session; a role that requires a second factor makes its staff set up
TOTP at their first login and type a code at every login after."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from e2e import steps
from e2e.conftest import A11yScanner, _run_cli
from devtools.demo import DEMO_TOTP_SECRET, DEMO_TOTP_USER

NEW_PASSWORD = "blå cykel ved åen om morgenen"


@pytest.fixture
def second_browser(browser, live_server, axe_source):
    """Another person's browser (own cookies), watched by axe-core like the journey's own."""
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900})
    scanner = A11yScanner(context, axe_source)
    yield scanner
    scanner.finish()
    scanner.page.unroute_all(behavior="ignoreErrors")
    context.close()


@pytest.fixture
def policy_restored(live_server):
    """The journey changes which roles need a second factor; later journeys log in with the demo's default again."""
    yield
    engine = create_engine(live_server.env["STOMI_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM two_factor_policy"))
    engine.dispose()


def _open_staff_accounts(page: Page) -> None:
    page.get_by_role("link", name="Medarbejderkonti: opret, ret, deaktivér, nulstil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medarbejderkonti")


def test_admin_creates_an_account_the_link_sets_the_password_and_deactivation_ends_the_session(
        page: Page, second_browser, mail_sink):
    email = f"mette.leder.{int(time.time())}@aarhus.dk"
    steps.login_staff(page, "admin@stomi-demo.dk")
    _open_staff_accounts(page)
    page.get_by_role("link", name="Opret en konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opret en konto")
    page.get_by_label("Navn").fill("Mette Leder")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Rolle").select_option(label="Kommunal leder")
    # Without a municipality the service says so next to the field, and nothing is created.
    page.get_by_role("button", name="Opret og send linket").click()
    expect(page.get_by_label("Kommune")).to_have_accessible_description(re.compile("arbejder for én kommune"))
    page.get_by_label("Kommune").select_option(label="Aarhus")
    sent_before = len(mail_sink.messages)
    page.get_by_role("button", name="Opret og send linket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mette Leder")
    expect(page.get_by_text(f"Et link til at vælge en adgangskode er sendt til {email}.")).to_be_visible()
    expect(page.get_by_test_id("user-role")).to_have_text("Kommunal leder")
    expect(page.get_by_test_id("user-history")).to_contain_text("Konto oprettet")

    # The colleague's e-mail: a one-time link, never a password.
    mail = mail_sink.wait_for(email, after=sent_before)
    assert mail["Subject"] == "Din konto til stomiforsyningen"
    body = mail.get_content()
    link = re.search(r"http://\S+/adgangskode/\S+", body).group(0)
    colleague = second_browser.page
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Vælg din adgangskode")
    colleague.get_by_label("Ny adgangskode").fill("for kort 11")
    colleague.get_by_label("Gentag adgangskoden").fill("for kort 11")
    colleague.get_by_role("button", name="Gem adgangskode").click()
    expect(colleague.get_by_label("Ny adgangskode")).to_have_accessible_description(re.compile("mindst 12 tegn"))
    colleague.get_by_label("Ny adgangskode").fill(NEW_PASSWORD)
    colleague.get_by_label("Gentag adgangskoden").fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="Gem adgangskode").click()
    expect(colleague.get_by_text("Din adgangskode er gemt. Log ind med den nu.")).to_be_visible()
    notice = mail_sink.wait_for(email, after=mail_sink.messages.index(mail) + 1)
    assert notice["Subject"] == "Dit login til stomiforsyningen er blevet ændret"
    assert "Hvis det ikke var dig" in notice.get_content() and "/adgangskode/" not in notice.get_content()
    steps.login_staff(colleague, email, NEW_PASSWORD)
    expect(steps.who_is_logged_in(colleague)).to_have_text("Mette Leder, Kommunal leder")
    # The link worked once.
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Linket kan ikke bruges")
    colleague.go_back()

    # The administrator deactivates the account: the colleague's open session is refused at her next click.
    page.reload()
    expect(page.get_by_test_id("user-history")).to_contain_text("Adgangskode valgt")
    page.get_by_role("button", name="Deaktivér kontoen").click()
    expect(page.get_by_text("Kontoen er deaktiveret; dens sessioner er afsluttet.")).to_be_visible()
    expect(page.get_by_test_id("user-status")).to_have_text("Deaktiveret")
    colleague.reload()
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Log ind for medarbejdere")
    expect(steps.who_is_logged_in(colleague)).to_have_count(0)


def test_first_login_sets_up_the_second_factor_and_later_logins_ask_for_the_code(
        page: Page, second_browser, live_server, policy_restored):
    email = f"leder.totp.{int(time.time())}@aarhus.dk"
    _run_cli(["create-user", "--email", email, "--name", "Tove Totp", "--role", "municipal_manager",
              "--municipality", "751", "--password", NEW_PASSWORD], live_server.env)
    steps.login_staff(page, "admin@stomi-demo.dk")
    _open_staff_accounts(page)
    page.get_by_role("link", name="Anden faktor pr. rolle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anden faktor pr. rolle")
    page.get_by_role("group", name="Kommunal leder").get_by_label("Påkrævet").check()
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Reglerne for anden faktor er gemt.")).to_be_visible()

    person = second_browser.page
    steps.login_staff(person, email, NEW_PASSWORD)
    expect(person.get_by_role("heading", level=1)).to_have_text("Opsæt login med kode")
    expect(person.get_by_role("img", name="QR-kode til godkendelsesappen")).to_be_visible()
    secret = person.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    person.get_by_label("Kode fra appen").fill("000000" if totp.now() != "000000" else "111111")
    person.get_by_role("button", name="Bekræft og log ind").click()
    expect(person.get_by_label("Kode fra appen")).to_have_accessible_description(re.compile("Koden passer ikke"))
    person.get_by_label("Kode fra appen").fill(totp.now())
    person.get_by_role("button", name="Bekræft og log ind").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Dine gendannelseskoder")
    expect(person.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    person.get_by_role("link", name="Jeg har gemt koderne – fortsæt").click()
    expect(steps.who_is_logged_in(person)).to_have_text("Tove Totp, Kommunal leder")
    steps.logout(person)

    # The next login asks for the code after the password; the enrolment's code is spent, so the next step's.
    steps.login_staff(person, email, NEW_PASSWORD)
    expect(person.get_by_role("heading", level=1)).to_have_text("Kode fra din godkendelsesapp")
    person.get_by_label("Kode").fill(totp.at(time.time() + 30))
    person.get_by_role("button", name="Log ind", exact=True).click()
    expect(steps.who_is_logged_in(person)).to_have_text("Tove Totp, Kommunal leder")

    # The administrator sees it on the account's page.
    page.get_by_role("link", name="Alle medarbejderkonti").click()
    page.get_by_label("Navn eller e-mail").fill(email)
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name="Tove Totp").click()
    expect(page.get_by_test_id("user-2fa")).to_contain_text("10 gendannelseskoder tilbage")
    expect(page.get_by_test_id("user-history")).to_contain_text("Anden faktor sat op")


def test_the_demo_user_with_a_published_secret_logs_in_with_a_code(page: Page):
    steps.login_staff(page, DEMO_TOTP_USER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kode fra din godkendelsesapp")
    page.get_by_label("Kode").fill("12345")
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page.get_by_label("Kode")).to_have_accessible_description(re.compile("Koden er forkert"))
    page.get_by_label("Kode").fill(pyotp.TOTP(DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(steps.who_is_logged_in(page)).to_have_text("Tove Faktor, Callcenter-medarbejder")
