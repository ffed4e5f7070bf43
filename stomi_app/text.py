"""Cleaning typed and imported text before it is stored or searched: no control characters."""
from __future__ import annotations

import unicodedata


def clean_text(text: str | None) -> str:
    """The text without control and invisible format characters: a NUL is refused by PostgreSQL, and the others
    (C0, DEL, C1, zero-width and bidi marks, a stray carriage return) are never meant and only break a search or an
    export. Line breaks and tabs are kept, and so is every kind of space (a no-break space pasted from a document
    stays a space between two words). Nothing else is touched: not trimmed, letters of any script kept."""
    return "".join(ch for ch in (text or "") if ch.isprintable() or ch in "\n\t" or unicodedata.category(ch) == "Zs")
