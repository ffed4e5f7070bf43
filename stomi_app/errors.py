"""The domain's refusals: one base, so every service says no the same way and every view maps it the same way
(stomi_app.forms.apply_errors)."""
from __future__ import annotations


class DomainError(ValueError):
    """A rule said no; `errors` maps a form field (or a key that belongs to the page) to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(str(m) for m in errors.values()))
        self.errors = errors
