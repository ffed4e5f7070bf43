#!/usr/bin/env bash
# Extracts every user-facing string, updates the da/en catalogues and compiles them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
$PYBABEL extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o translations/messages.pot \
  --no-location --sort-output --project "stomi-platform" stomi_app catalogue citizen_portal nurse_console \
  municipal_portal callcenter fulfilment fsc_admin invoicing
for lang in da en; do
  if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
    $PYBABEL update --no-fuzzy-matching -i translations/messages.pot -d translations -l "$lang"
  else
    $PYBABEL init -i translations/messages.pot -d translations -l "$lang"
  fi
done
$PYBABEL compile -d translations
