#!/usr/bin/env bash
# Installs, migrates, loads the demo data and starts the dev server on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export STOMI_INSTANCE_PATH="${STOMI_INSTANCE_PATH:-$PWD/instance}"
.venv/bin/stomi db upgrade
.venv/bin/stomi demo-data --scale "${DEMO_SCALE:-region}"
exec .venv/bin/stomi run --host 127.0.0.1 --port "${PORT:-5000}"
