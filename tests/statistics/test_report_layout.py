"""The statistics report PDF as read (issue 24, 'PDFs'): table headers that never break inside a word, and a table per
month that always shows all 12 months up to the report's month, a month without orders as zeros."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from stomi_app.extensions import db
from stomi_app.models import Municipality
from usage_statistics.models import StatisticsReport
from usage_statistics.report import PAGE_WIDTH, _column_widths, report_inputs, report_tables, run_month
from tests.statistics import dataset

TWELVE_TO_OCTOBER = ["nov. 2025", "dec. 2025", "jan. 2026", "feb. 2026", "mar. 2026", "apr. 2026", "maj 2026",
                     "jun. 2026", "jul. 2026", "aug. 2026", "sep. 2026", "okt. 2026"]
MONTHS_TITLE = "Bestillinger, pakninger og udgifter pr. måned, de seneste 12 måneder"


@pytest.fixture
def history(world, shop):
    return dataset.build(world, shop)


def _text(code: int, month: date) -> str:
    run_month(month, [code], today=date(2026, 11, 23))
    report = db.session.scalar(select(StatisticsReport).join(Municipality).where(Municipality.code == code,
                                                                                 StatisticsReport.month == month))
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages)


def _months_table(text: str) -> list[str]:
    """The lines of the table per month: from its title to the next table's title."""
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index(MONTHS_TITLE)
    end = lines.index("Udgift pr. produktkategori", start)
    return lines[start + 1:end]


def test_the_table_per_month_shows_all_twelve_months_with_zeros(history):
    lines = _months_table(_text(751, date(2026, 10, 1)))
    months = [line for line in lines if re.fullmatch(r"[a-zæøå]{3}\.? \d{4}", line)]
    assert months == TWELVE_TO_OCTOBER  # in order, each once, in the table itself (not only the chart's axis)
    row = lines[lines.index("nov. 2025") + 1:lines.index("dec. 2025")]
    assert row == ["0", "0", "0,00 kr.", "0", "0", "0,00 kr."]  # no orders: zeros, not a missing row
    october = lines[lines.index("okt. 2026") + 1:]
    assert october[:3] == ["3", "6", "3.110,00 kr."]  # the report's own month, as on the dashboard


def test_a_month_long_before_any_order_still_has_twelve_rows(history):
    lines = _months_table(_text(751, date(2025, 3, 1)))
    months = [line for line in lines if re.fullmatch(r"[a-zæøå]{3}\.? \d{4}", line)]
    assert len(months) == 12 and months[0] == "apr. 2024" and months[-1] == "mar. 2025"
    figures = [line for line in lines if re.fullmatch(r"[\d.,]+( kr\.)?", line)]
    assert len(figures) == 12 * 6 and set(figures) == {"0", "0,00 kr."}  # six zero figures in each of 12 rows


def test_no_header_word_is_broken(app, history):
    text = _text(751, date(2026, 10, 1))
    words = set(text.split())
    with force_locale("da"):
        data = next(report_inputs(date(2026, 10, 1), [751]))
        headers = [h for table in report_tables(data) for h in table.headers]
    assert "Ekspresbestillinger" in " ".join(headers) and "Leveringsoverholdelse" in " ".join(headers)
    broken = sorted({w for h in headers for w in h.split() if w not in words})
    assert broken == []  # each header word is found whole in the PDF's text, never as 'Ekspresbest' + 'illinger'


def test_widths_give_each_header_word_room_and_fill_the_page():
    headers = ["Periode", "Leveret", "Til tiden", "Leveringsoverholdelse", "Ekspres leveret", "Ekspres til tiden",
               "Gns. arbejdsdage"]
    widths = _column_widths(headers, 7.5)
    assert widths is not None and abs(sum(widths) - PAGE_WIDTH) < 0.01
    assert widths[3] > 7.5 * 0.6 * len("Leveringsoverholdelse") * 0.9  # wide enough for the long word in bold
    # Words that can never fit side by side: None, so the caller chooses a smaller font, never a split word.
    assert _column_widths(["Ord" * 30] * 8, 7.5) is None
