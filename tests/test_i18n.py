"""Every user-facing string is in the catalogues: extraction finds nothing the Danish one lacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["stomi_app", "catalogue", "citizen_portal", "nurse_console", "municipal_portal", "callcenter", "fulfilment", "fsc_admin",
            "invoicing"]


def _extract(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "-k", "ngettext:1,2", "-o", str(pot), "--no-location", *PACKAGES],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def _catalogue(lang: str) -> dict:
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def test_every_string_has_a_danish_translation(tmp_path):
    extracted = _extract(tmp_path)
    danish = _catalogue("da")
    missing = sorted(s for s in extracted if s not in danish)
    untranslated = sorted(s for s in extracted if s in danish
                          and not (danish[s].string if isinstance(danish[s].string, str) else all(danish[s].string)))
    fuzzy = sorted(s for s in extracted if s in danish and danish[s].fuzzy)
    assert not missing, f"strings missing from translations/da (run ./scripts/i18n.sh): {missing[:20]}"
    assert not untranslated, f"strings without a Danish translation: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy Danish translations: {fuzzy[:20]}"


def test_english_catalogue_knows_every_string(tmp_path):
    extracted = _extract(tmp_path)
    english = _catalogue("en")
    missing = sorted(s for s in extracted if s not in english)
    assert not missing, f"strings missing from translations/en (run ./scripts/i18n.sh): {missing[:20]}"
