"""Redirects to a target the visitor gave (`next`): a path on this site, never another host, never a broken header."""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

# Longer than any page of ours; a longer `next` is not a page we sent the visitor from.
MAX_TARGET_LENGTH = 2000
# Control characters (a newline would split the Location header) and invisible format characters (direction
# overrides, zero-width spaces) that make a target look like something it is not.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def local_target(target: str | None, default: str) -> str:
    """`target` when it is a same-origin path ("/…"), otherwise `default`.

    Browsers forgive a lot: they drop tabs and newlines from a URL and read a backslash as a slash, so a slash, a
    tab and "/evil.example", or a slash, a backslash and "evil.example", lead to another host. Such targets are
    refused, as written and once percent-decoded ("/%2F%2Fevil.example"), rather than repaired.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_LENGTH:
        return default
    if _is_plain_path(target) and _is_plain_path(unquote(target)):
        return target
    return default


def _is_plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
