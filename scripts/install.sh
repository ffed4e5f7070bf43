#!/usr/bin/env bash
# Installs everything the project needs into .venv and node_modules; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"  # exact versions (scripts/pin.sh)

# Front-end assets (DKFDS) and axe-core, exactly as locked.
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

# Message catalogues are compiled, not committed.
.venv/bin/pybabel compile -d translations
