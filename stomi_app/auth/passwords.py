"""The staff password rule (NIST 800-63B 5.1.1.2, ASVS 5 V6.2 at L2): length and a check against common passwords."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from stomi_app.i18n import lazy_gettext as _l

# At least 12 characters for staff (ASVS 5 6.2.1); at least 64 must be allowed (6.2.9): we take 128, long enough for
# any passphrase, short enough that hashing a pasted megabyte is refused before it costs anything.
MIN_LENGTH = 12
MAX_LENGTH = 128
# Words of this service that people build passwords from (NIST: "context-specific words").
CONTEXT_WORDS = ("stomi", "stomiforsyning", "stomisygeplejerske")


class PasswordRejected(ValueError):
    """The chosen password breaks the rule; the message says why, for the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (stomi_app/data/common_passwords.txt, lower-case; its source is in data/README.md)."""
    text = resources.files("stomi_app").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _is_common(password: str) -> bool:
    """In the list, or one listed password (or a context word) repeated, or one character repeated: the shapes an
    attacker's dictionary tries first. Compared without case and surrounding spaces."""
    folded = password.strip().casefold()
    listed = common_passwords()
    if folded in listed or len(set(folded)) <= 2:
        return True
    for size in range(1, len(folded) // 2 + 1):
        if len(folded) % size == 0 and folded[:size] * (len(folded) // size) == folded:
            unit = folded[:size]
            if unit in listed or unit in CONTEXT_WORDS or size <= 4:
                return True
    return False


def check_password(password: str | None, *, email: str | None = None, name: str | None = None) -> None:
    """Raise PasswordRejected when `password` may not be chosen; no composition rules (NIST: they make passwords
    weaker and harder to remember). Spaces and any Unicode character count."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(_l("The password must have at least %(min)s characters.", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_l("The password may have at most %(max)s characters.", max=MAX_LENGTH))
    if _is_common(password):
        raise PasswordRejected(_l("This password is on a list of common or leaked passwords. Choose another one."))
    folded = password.strip().casefold()
    personal = {email.strip().casefold(), email.split("@")[0].strip().casefold()} if email else set()
    if name:
        personal.add("".join(name.split()).casefold())
    if folded in personal or "".join(folded.split()) in personal:
        raise PasswordRejected(_l("The password must not be your e-mail address or your name."))
