"""CSV for people who open it in a spreadsheet: semicolons as Danish Excel expects, and no text it would run as a formula.

Every export (invoice specification, catalogue, statistics) writes through `writer`, so a citizen's or a product's
name starting with "=" reaches the bookkeeper's spreadsheet as text, whoever wrote the export.
"""
from __future__ import annotations

import csv
import re

# A cell starting with one of these is read as a formula (or DDE) by Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")  # an amount such as -12,50 is a number to sum, not a formula


def neutralise(text: str) -> str:
    """OWASP's advice for CSV injection: a leading apostrophe makes formula-like text plain text."""
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer's writerow/writerows with every text cell neutralised (numbers are left as they are)."""

    def __init__(self, out):
        self._writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def writer(out) -> SafeWriter:
    return SafeWriter(out)
