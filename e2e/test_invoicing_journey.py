"""Journey: the FSC administrator starts a month's invoicing, follows the run on its progress page while a real
worker runs it (stomi worker, started beside the e2e server) and sees the result, checks and sends Aarhus' invoice,
refuses a credit note without a reason, credits it with one and runs the month again; Aarhus' bookkeeper then finds
the invoice, the credit note and the corrected invoice, and downloads the PDF."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from e2e import steps
from e2e.conftest import A11yScanner

AARHUS = "Aarhus Kommune"


def _month_before_last() -> str:
    """The demo data has invoiced last month already; the month before is free to run."""
    today = date.today()
    year, month = (today.year, today.month - 2) if today.month > 2 else (today.year - 1, today.month + 10)
    return f"{year}-{month:02d}"


def _aarhus_row(page: Page, kind: str):
    return (page.get_by_test_id("invoices").get_by_role("row").filter(has_text=AARHUS)
            .filter(has=page.get_by_role("cell", name=kind, exact=True)))


def test_fsc_runs_a_month_credits_an_invoice_and_the_municipality_sees_both(page: Page, a11y: A11yScanner):
    month = _month_before_last()
    steps.login_staff(page, "admin@stomi-demo.dk")
    page.get_by_role("link", name="Fakturering: kørsler, fakturaer, gebyrer og fællesudgifter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fakturering")

    # A month that is not over yet is refused next to the field, and nothing is issued.
    page.get_by_role("textbox", name="Måned").fill("2999-01")
    page.get_by_role("button", name="Udsted månedens fakturaer").click()
    expect(page.locator("#month-error")).to_contain_text("2999-01")
    expect(page.get_by_role("link", name="2999-01", exact=True)).to_have_count(0)  # no month of invoices made

    page.get_by_role("textbox", name="Måned").fill(month)
    page.get_by_role("button", name="Udsted månedens fakturaer").click()
    # The progress page: a <progress> bar on a page that reloads itself until the worker has finished the run.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fakturakørsel for {month}")
    expect(page).to_have_url(re.compile(r"/admin/fakturering/koersel/\d+$"))
    expect(page.get_by_test_id("run-progress")).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_have_text("Færdig.", timeout=60_000)
    a11y.scan()  # the result arrived in the page (job-progress.js), not as a new document: scan it as it is now
    result = page.get_by_test_id("run-result")
    expect(result).to_contain_text(re.compile(r"\d+ fakturaer udstedt"))
    expect(result).to_contain_text("0 kommuner stoppet")
    page.get_by_test_id("run-invoices-link").click()
    expect(page).to_have_url(re.compile(rf"month={month}"))
    expect(page.get_by_role("heading", name=f"Fakturaer og kreditnotaer for {month}")).to_be_visible()
    row = _aarhus_row(page, "Faktura")
    expect(row).to_contain_text("Ikke sendt")
    number = row.get_by_role("rowheader").inner_text()

    # The invoice: its lines add up to a total in Danish kroner, and its documents download.
    row.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {number}")
    expect(page.get_by_test_id("invoice-total")).to_have_text(re.compile(r"^[\d.]+,\d\d\xa0kr\.$"))
    with page.expect_download() as caught:
        page.get_by_role("link", name="Hent PDF").click()
    assert caught.value.suggested_filename == f"faktura-{number}-751-{month}.pdf"
    with open(caught.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_test_id("mark-sent").click()
    expect(page.get_by_text("Markeret som sendt.")).to_be_visible()
    expect(page.get_by_test_id("invoice-facts")).not_to_contain_text("Ikke sendt")

    # A credit note needs a reason: refused next to the field, then issued with one.
    page.get_by_role("button", name="Udsted kreditnota").click()
    expect(page.locator("#reason-error")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {number}")
    page.get_by_label("Begrundelse").fill("En levering blev registreret for sent.")
    page.get_by_role("button", name="Udsted kreditnota").click()
    expect(page.get_by_text(re.compile(r"^Kreditnota \d+ er udstedt\. Kør måneden igen"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Kreditnota \d+$"))
    credit_number = page.get_by_role("heading", level=1).inner_text().split()[-1]
    expect(page.get_by_test_id("invoice-facts")).to_contain_text("En levering blev registreret for sent.")

    # Running the month again issues only Aarhus' corrected invoice.
    page.get_by_role("link", name="Tilbage til fakturering").click()
    page.get_by_role("textbox", name="Måned").fill(month)
    page.get_by_role("button", name="Udsted månedens fakturaer").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Færdig.", timeout=60_000)
    expect(page.get_by_test_id("run-result")).to_contain_text("1 faktura udstedt")
    page.get_by_test_id("run-invoices-link").click()
    expect(_aarhus_row(page, "Kreditnota")).to_contain_text(f"Krediterer {number}")
    corrected = _aarhus_row(page, "Faktura").filter(has_text="Ikke sendt")
    expect(corrected).to_have_count(1)
    corrected_number = corrected.get_by_role("rowheader").inner_text()
    steps.logout(page)

    # Aarhus' bookkeeper sees the invoice, the credit note and the corrected invoice, and only Aarhus'.
    steps.login_staff(page, "bevilling.aarhus@stomi-demo.dk")
    page.get_by_test_id("invoices-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fakturaer fra servicecentret")
    table = page.get_by_test_id("municipal-invoices")
    for shown in (number, credit_number, corrected_number):
        expect(table.get_by_role("rowheader", name=shown, exact=True)).to_be_visible()
    expect(table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=credit_number, exact=True))
           ).to_contain_text(f"Kreditnota til {number}")
    with page.expect_download() as caught:
        table.get_by_role("link", name=f"PDF {corrected_number}").click()
    assert caught.value.suggested_filename == f"faktura-{corrected_number}-751-{month}.pdf"
    steps.logout(page)
