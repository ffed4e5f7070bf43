"""Journey of the municipal statistics (issue 8): a grant officer opens the dashboard, changes the period to the last
whole quarter and downloads every table as one XLSX workbook."""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from e2e import steps
from stomi_app.timeutil import local_today

OFFICER = "bevilling.aarhus@stomi-demo.dk"


def _last_whole_quarter() -> tuple[int, int]:
    today = local_today()
    quarter = (today.month - 1) // 3  # the current quarter's number minus one: 0 means Q4 of last year
    return (today.year, quarter) if quarter else (today.year - 1, 4)


def test_grant_officer_changes_the_period_and_downloads_the_dashboard_as_xlsx(page: Page, tmp_path: Path):
    year, quarter = _last_whole_quarter()

    steps.login_staff(page, OFFICER)
    page.get_by_role("link", name="Statistik: forbrug, udgifter, godkendelser og leveringer").click()
    expect(page).to_have_url(re.compile(r"/kommune/statistik/751"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik for Aarhus Kommune")
    # It opens on the last whole month, compared with the same month last year.
    period_heading = page.get_by_test_id("period-heading")
    expect(period_heading).to_have_text(re.compile(r"^\w+ \d{4} sammenlignet med \w+ \d{4}$"))
    expect(page.get_by_role("table", name=re.compile("^Nøgletal"))).to_be_visible()

    form = page.get_by_test_id("period-form")
    form.get_by_role("radio", name="Kvartal").check()
    form.get_by_label("Hvilket kvartal").fill(f"{year}-Q{quarter}")
    form.get_by_role("button", name="Vis").click()
    expect(period_heading).to_have_text(f"{quarter}. kvartal {year} sammenlignet med {quarter}. kvartal {year - 1}")
    expect(page).to_have_url(re.compile(rf"kind=quarter.*quarter={year}-Q{quarter}"))
    expect(form.get_by_role("radio", name="Kvartal")).to_be_checked()
    summary = page.get_by_role("table", name=re.compile("^Nøgletal"))
    expect(summary.get_by_role("columnheader", name=f"{quarter}. kvartal {year}", exact=True)).to_be_visible()
    expect(summary.get_by_role("row", name=re.compile("^Bestillinger"))).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX (ét ark pr. tabel)").click()
    download = info.value
    assert download.suggested_filename == f"statistik-751-{year}-Q{quarter}-alle.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content[:2] == b"PK"  # an XLSX file is a zip archive
    workbook = load_workbook(BytesIO(content), read_only=True)
    assert len(workbook.sheetnames) > 1
    first = [cell for row in workbook[workbook.sheetnames[0]].iter_rows(values_only=True) for cell in row if cell]
    assert any(f"{quarter}. kvartal {year}" in str(cell) for cell in first), first[:10]
