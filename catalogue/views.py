"""Catalogue pages (browsing for citizens and staff, administration for the FSC)."""
from __future__ import annotations

from catalogue import bp  # noqa: F401
