"""stomi_app.money at its boundaries: what each notation reads as, what is refused and why, and each output format."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given, strategies as st

from stomi_app.money import (MAX_AMOUNT_OERE, AmountError, csv_amount, document_kr, format_money, input_text, kroner,
                             parse_basis_points, parse_oere, ubl_amount, whole_kroner)


@pytest.mark.parametrize("text, oere", [
    ("1.500", 150_000),  # the point separates thousands in Danish
    ("1.500,5", 150_050), ("1.500,50", 150_050), ("1,5", 150), ("1,50", 150), (",5", 50),
    ("1500", 150_000), ("1500,00", 150_000), ("0", 0), ("0,01", 1), ("00012,30", 1230),
    ("1.350.000,00", 135_000_000), ("1 350 000,00", 135_000_000), ("1\u00a0385,00", 138_500),
    ("1.385,00 kr.", 138_500), ("1.385,00\u00a0kr.", 138_500), ("412,50 kr", 41_250), ("412,50 DKK", 41_250),
    ("  412,50  ", 41_250), ("10.000.000,00", MAX_AMOUNT_OERE),
])
def test_danish_notation(text, oere):
    assert parse_oere(text, locale="da") == oere


@pytest.mark.parametrize("text, oere", [
    ("1,500", 150_000), ("1,500.5", 150_050), ("1.5", 150), ("1.50", 150), ("1500.50", 150_050), ("1500", 150_000),
    ("DKK 1,385.00".removeprefix("DKK "), 138_500), ("1,350,000.00", 135_000_000),
])
def test_english_notation(text, oere):
    assert parse_oere(text, locale="en") == oere


@pytest.mark.parametrize("text, reason", [
    ("1.50", "format"),  # ambiguous in Danish: 1,50 or 150? Babel's strict mode refuses it, and so do we
    ("1.5", "format"), ("1500.50", "format"), ("12.3456", "format"), ("1.2.3", "format"), ("1.500,", "format"),
    ("15.00.000", "format"), ("1,500.50", "format"), (".5", "format"), ("1,5,5", "format"), ("1 5", "format"),
    ("abc", "format"), ("mange", "format"), ("NaN", "format"), ("Infinity", "format"), ("5e3", "format"),
    ("1e3x", "format"), ("+5", "format"), ("٣", "format"), ("１２", "format"), ("--5", "format"), ("5-", "format"),
    ("1,500", "decimals"), ("12,345", "decimals"), ("0,005", "decimals"), ("1,50000", "decimals"),
    ("", "empty"), ("   ", "empty"), (None, "empty"), ("kr.", "empty"),
    ("-5", "negative"), ("-0,01", "negative"),
    ("10.000.000,01", "too_large"), ("99999999", "too_large"), ("21.474.837,00", "too_large"),
    ("999999999999999999999999", "too_large"),
])
def test_danish_refusals(text, reason):
    with pytest.raises(AmountError) as caught:
        parse_oere(text, locale="da")
    assert caught.value.reason == reason


@pytest.mark.parametrize("text", ["1,5", "1.500,5", "1.385,00", "1,50000"])
def test_english_refuses_danish_notation(text):
    with pytest.raises(AmountError):
        parse_oere(text, locale="en")


def test_bounds_are_the_callers():
    assert parse_oere("-12,50", locale="da", minimum=-MAX_AMOUNT_OERE) == -1250
    with pytest.raises(AmountError) as caught:
        parse_oere("0", locale="da", minimum=1)
    assert caught.value.reason == "too_small"
    with pytest.raises(AmountError) as caught:
        parse_oere("100,01", locale="da", maximum=100_00)
    assert caught.value.reason == "too_large"
    assert parse_basis_points("5,25", locale="da") == 525 and parse_basis_points("100", locale="da") == 100_00
    with pytest.raises(AmountError) as caught:
        parse_basis_points("1.500", locale="da")  # 1.500 %: read as Danish, then refused at 100 %
    assert caught.value.reason == "too_large"


def test_messages_say_what_to_write(app):
    with app.test_request_context():
        with pytest.raises(AmountError) as ambiguous:
            parse_oere("1.50", locale="da")
        assert "150 eller 1,5" in str(ambiguous.value.message) and "“,”" in str(ambiguous.value.message)
        with pytest.raises(AmountError) as unreadable:
            parse_oere("mange", locale="da")
        assert "1.250,50" in str(unreadable.value.message)
        with pytest.raises(AmountError) as large:
            parse_oere("10.000.000,01", locale="da")
        assert "10.000.000,00\u00a0kr." in str(large.value.message)


def test_a_typed_value_in_the_message_is_escaped_in_a_page(app):
    with app.test_request_context():
        with pytest.raises(AmountError) as caught:
            parse_oere("1.50", locale="da")
        assert "1.50" in caught.value.message.__html__()


def test_the_locale_is_the_persons(app):
    with app.test_request_context():
        from flask import session

        assert parse_oere("1.500") == 150_000 and format_money(138_500) == "1.385,00\xa0kr."
        session["lang"] = "en"
        from flask_babel import refresh

        refresh()
        assert parse_oere("1,500") == 150_000 and parse_oere("1.5") == 150 and format_money(138_500) == "DKK1,385.00"
        with pytest.raises(AmountError):  # three decimals in English: not read as 1,50 kr. nor as 1.500 kr.
            parse_oere("1.500")
        assert input_text(138_500) == "1385.00"


def test_outputs():
    assert format_money(138_500, "da") == "1.385,00\xa0kr." and format_money(None) == ""
    assert format_money(-5, "da") == "-0,05\xa0kr." and format_money(138_500, "en") == "DKK1,385.00"
    assert document_kr(138_500) == "1.385,00\xa0kr." and document_kr(0) == "0,00\xa0kr."
    assert csv_amount(138_500) == "1385,00" and csv_amount(-5) == "-0,05" and csv_amount(None) == ""
    assert ubl_amount(138_500) == "1385.00" and ubl_amount(-5) == "-0.05" and ubl_amount(0) == "0.00"
    assert input_text(138_500, "da") == "1385,00" and input_text(None) == ""
    assert kroner(138_505) == Decimal("1385.05")


def test_whole_kroner(app):
    with app.test_request_context():
        assert whole_kroner(138_549) == "1.385\xa0kr." and whole_kroner(138_550) == "1.386\xa0kr."


amounts = st.integers(min_value=-MAX_AMOUNT_OERE, max_value=MAX_AMOUNT_OERE)


@given(amounts)
def test_each_output_is_babels_own_format(oere):
    exact = Decimal(oere) / 100
    assert csv_amount(oere) == format_decimal(exact, "0.00", locale="da")
    assert ubl_amount(oere) == format_decimal(exact, "0.00", locale="en")
    assert document_kr(oere) == format_currency(exact, "DKK", locale="da_DK")


@given(amounts, st.sampled_from(["da", "en"]))
def test_what_is_written_reads_back(oere, locale):
    bounds = {"minimum": -MAX_AMOUNT_OERE}
    assert parse_oere(input_text(oere, locale), locale=locale, **bounds) == oere
    assert parse_oere(format_money(oere, locale).replace("DKK", ""), locale=locale, **bounds) == oere
    assert parse_oere(csv_amount(oere), locale="da", **bounds) == oere
