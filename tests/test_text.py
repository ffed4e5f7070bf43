"""stomi_app.text.clean_text at its boundaries: what is dropped, what is kept."""
from __future__ import annotations

import pytest

from stomi_app.text import clean_text


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x85",
                                     "\x9f", "\u200b", "\u200e", "\u202e", "\u2028", "\ufeff"])
def test_control_and_format_characters_are_dropped(control):
    assert clean_text(f"Bir{control}the") == "Birthe"


@pytest.mark.parametrize("kept", ["a\nb", "a\tb", "a b", "a\xa0b", "a\u2009b", "a\u202fb"])
def test_line_breaks_tabs_and_spaces_are_kept(kept):
    assert clean_text(kept) == kept


def test_letters_of_any_script_and_signs_are_kept():
    text = "Æble øl på Ålborgvej, Ø 32 mm – 1.385,00 kr. ½ ® € Müller Ñandú Łódź Χ Ж 東京 🙂 ~"
    assert clean_text(text) == text


def test_no_text_is_empty_and_nothing_is_trimmed():
    assert clean_text(None) == "" and clean_text("") == "" and clean_text("\x00") == ""
    assert clean_text("  hej \n") == "  hej \n"
    assert clean_text("hej\r\nmed dig\x00") == "hej\nmed dig"
    assert clean_text("\x1f\x20\x7e\x7f") == " ~"  # the printable ASCII range begins with space and ends with ~
