"""CSV and XLSX files of statistics tables, with text that a spreadsheet could run as a formula neutralised.

CSV is semicolon-separated with decimal commas and a UTF-8 byte order mark, as invoicing's CSV, so Danish
spreadsheet programs open it as it is; amounts are kroner with two decimals, shares are per cent. XLSX keeps
numbers as numbers (kroner, fractions with a percentage format), one sheet per table.
"""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from stomi_app import safecsv
from stomi_app.money import csv_amount, kroner
from stomi_app.safecsv import neutralise
from usage_statistics.tables import Change, Money, Share, StatTable

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return csv_amount(value)
    if isinstance(value, (Share, Change)):
        return f"{float(value) * 100:.1f}".replace(".", ",")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _csv_header(table: StatTable, index: int, header: str) -> str:
    # The unit goes in the header, so the cells stay plain numbers a spreadsheet can sum.
    values = [row[index] for row in table.rows + table.footer if index < len(row) and row[index] is not None]
    if values and all(isinstance(v, Money) for v in values):
        return f"{header} (kr.)"
    if values and all(isinstance(v, (Share, Change)) for v in values):
        return f"{header} (%)"
    return header


def to_csv(tables: list[StatTable]) -> bytes:
    """One table, or several one after the other (each with its title row and a blank line between)."""
    out = io.StringIO()
    writer = safecsv.writer(out)
    for n, table in enumerate(tables):
        if len(tables) > 1:
            if n:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerow([_csv_header(table, i, h) for i, h in enumerate(table.headers)])
        for row in table.rows + table.footer:
            writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", title).strip("' ")[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name.lower())
    return name


def _xlsx_cell(cell, value) -> None:
    if value is None:
        return
    if isinstance(value, Money):
        cell.value = kroner(value)
        cell.number_format = '#,##0.00 "kr."'
    elif isinstance(value, (Share, Change)):
        cell.value = round(float(value), 4)
        cell.number_format = "0.0%"
    elif isinstance(value, bool):
        cell.value = int(value)
    elif isinstance(value, int):
        cell.value = int(value)
    elif isinstance(value, float):
        cell.value = round(value, 2)
        cell.number_format = "0.00"
    else:
        # Set as a string and typed as one: openpyxl would otherwise store a text starting with "=" as a formula.
        cell.value = neutralise(str(value))
        cell.data_type = "s"


def to_xlsx(tables: list[StatTable]) -> bytes:
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([neutralise(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.data_type = "s"
        for r, row in enumerate(table.rows + table.footer, start=2):
            for c, value in enumerate(row, start=1):
                _xlsx_cell(sheet.cell(row=r, column=c), value)
        for c, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = min(max(len(header) + 2, 12), 50)
        if table.note:
            sheet.cell(row=len(table.rows) + len(table.footer) + 3, column=1, value=neutralise(table.note)).data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
