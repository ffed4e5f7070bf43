"""Fill translations into a catalogue from a tab-separated file: `msgid<TAB>msgstr` per line.

Usage: .venv/bin/python scripts/po_fill.py da path/to/file.tsv   (then ./scripts/i18n.sh to compile)
Only empty or changed entries are written; entries not in the catalogue are reported.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(lang: str, tsv: str) -> int:
    path = Path(__file__).resolve().parent.parent / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = []
    for line in Path(tsv).read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        msgid, msgstr = line.split("\t", 1)
        message = catalog.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        message.string = msgstr
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=100)
    for msgid in missing:
        print(f"not in catalogue (run ./scripts/i18n.sh first?): {msgid}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
