"""The staff password rule at its boundaries: 11/12 characters, 128/129, the shipped common-password list, no
composition rules."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from stomi_app.auth.passwords import MAX_LENGTH, MIN_LENGTH, PasswordRejected, check_password, common_passwords


def _refused(password, **kw) -> str:
    """The refusal's message, in English (the catalogue's Danish is checked by tests/test_i18n.py)."""
    with pytest.raises(PasswordRejected) as caught:
        check_password(password, **kw)
    with force_locale("en"):
        return str(caught.value.message)


def test_length_boundaries(ctx):
    assert MIN_LENGTH == 12 and MAX_LENGTH >= 64
    assert "at least 12" in _refused("kaffe og te")  # 11 characters
    check_password("kaffe og tea")  # 12
    check_password("æblegrød fly")  # Unicode letters count as characters: 12
    longest = ("en lang sætning om alt og intet, " * 4)[:MAX_LENGTH]
    assert len(longest) == MAX_LENGTH
    check_password(longest)
    assert "at most" in _refused(longest + "!")
    assert "at least" in _refused("")
    assert "at least" in _refused(None)


def test_no_composition_rules(ctx):
    # Only lower-case letters and spaces, no digit, no symbol: a good passphrase is accepted.
    check_password("hestebatteri korrekt")


def test_common_and_leaked_passwords_are_refused(ctx):
    assert len(common_passwords()) > 20_000
    # Listed ones that are long enough to pass the length rule, in any case.
    for listed in ("123qweasdzxc", "QWERTY123456", "1qaz2wsx3edc", "leavemealone"):
        assert listed.casefold() in common_passwords()
        assert "common or leaked" in _refused(listed)
    # A listed password repeated, a short pattern repeated, one character repeated.
    assert "common or leaked" in _refused("dragondragondragon")
    assert "common or leaked" in _refused("abcabcabcabc")
    assert "common or leaked" in _refused("aaaaaaaaaaaaaaaa")
    assert "common or leaked" in _refused("stomistomistomi")
    assert "common or leaked" in _refused("  LeaveMeAlone  ")


def test_the_email_or_name_is_refused(ctx):
    assert "e-mail" in _refused("birthe.nielsen@aarhus.dk", email="Birthe.Nielsen@aarhus.dk")
    assert "e-mail" in _refused("birthe.nielsen", email="birthe.nielsen@aarhus.dk", name="x")
    assert "name" in _refused("Birthe Marie Nielsen", name="Birthe Marie Nielsen")
    check_password("birthe elsker cykler", email="birthe.nielsen@aarhus.dk", name="Birthe Nielsen")
