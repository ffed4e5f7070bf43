"""CPR validation, encryption and masking at their boundaries."""
from __future__ import annotations

import pytest

from stomi_app import cpr


@pytest.mark.parametrize("text,digits", [
    ("150348-1234", "1503481234"), ("1503481234", "1503481234"), (" 150348 1234 ", "1503481234"),
    # No modulus-11 check: numbers issued since 2007 need not pass it.
    ("0101401235", "0101401235"),
])
def test_valid_numbers(text, digits):
    assert cpr.normalise(text) == digits


@pytest.mark.parametrize("text", ["", "12345", "150348-12345", "abcdefghij", "3202501234", "0013501234", "2902011234"])
def test_invalid_numbers(text):
    with pytest.raises(cpr.InvalidCPR):
        cpr.normalise(text)


def test_leap_day_is_valid_in_a_leap_year():
    assert cpr.normalise("290248-1234") == "2902481234"


def test_encrypt_roundtrip_and_no_plain_text(ctx):
    blob = cpr.encrypt("1503481234")
    assert b"1503481234" not in blob
    assert cpr.decrypt(blob) == "1503481234"
    assert cpr.encrypt("1503481234") != blob  # a fresh nonce each time


def test_lookup_hash_is_stable_and_keyed(ctx):
    assert cpr.lookup_hash("1503481234") == cpr.lookup_hash("1503481234")
    assert "1503481234" not in cpr.lookup_hash("1503481234")


def test_mask():
    assert cpr.mask("1503481234") == "150348-****"
