#!/usr/bin/env bash
# Installs everything and runs the whole test suite: unit, integration and the Playwright e2e journeys.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

# The e2e journeys drive Debian's Chromium; never a browser downloaded by Playwright.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

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

.venv/bin/python -m pytest tests e2e "$@"
