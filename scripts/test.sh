#!/usr/bin/env bash
# Installs everything and runs the whole test suite: unit, integration and the Playwright e2e journeys.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

# The e2e journeys drive Debian's Chromium; never a browser downloaded by Playwright. NemLog-in's SAML signatures
# and encryption (pysaml2) need Debian's xmlsec1.
./scripts/apt_needs.sh chromium:/usr/bin/chromium xmlsec1:/usr/bin/xmlsec1

# PostgreSQL when a server answers on 127.0.0.1:5432 (as in CI), SQLite otherwise.
if [ -z "${STOMI_TEST_DATABASE_URL:-}" ] && .venv/bin/python - <<'PY'
import sys, psycopg
try:
    psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
then
  export STOMI_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi
if [ -n "${STOMI_TEST_DATABASE_URL:-}" ]; then
  echo "Test database engine: PostgreSQL (${STOMI_TEST_DATABASE_URL%%@*}@…)"
else
  echo "Test database engine: SQLite"
fi

# The unit and integration tests on two processes (pytest-xdist; each its own throw-away database), then the e2e
# journeys on one (they share one live server). A selection that leaves one of the two empty (exit 5) is no failure.
run() { .venv/bin/python -m pytest "$@" || { rc=$?; [ "$rc" -eq 5 ] || exit "$rc"; }; }
run tests -n "${STOMI_TEST_WORKERS:-2}" "$@"
run e2e "$@"
