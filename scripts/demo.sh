#!/usr/bin/env bash
# Installs, migrates, loads the demo data and starts the dev server on http://127.0.0.1:5000, with the
# logistics simulator (http://127.0.0.1:5050), the fulfilment dispatcher and a background-job worker (RQ on the
# Redis at STOMI_REDIS_URL, default redis://127.0.0.1:6379/0) running beside it, so that accepted orders move on to
# delivered by themselves and the invoice run and statistics reports started from the pages are run. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export STOMI_INSTANCE_PATH="${STOMI_INSTANCE_PATH:-$PWD/instance}"
PORT="${PORT:-5000}"
SIMULATOR_PORT="${SIMULATOR_PORT:-5050}"
export STOMI_LOGISTICS_URL="http://127.0.0.1:${SIMULATOR_PORT}"
export STOMI_FULFILMENT_EVENTS_URL="http://127.0.0.1:${PORT}/api/v1/fulfilment/events"
.venv/bin/stomi db upgrade
.venv/bin/stomi demo-data --scale "${DEMO_SCALE:-region}"

# The helpers run in the background and are stopped whenever this script ends, however it ends.
helpers=()
stop_helpers() {
  for pid in "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${helpers[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_helpers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
.venv/bin/stomi logistics-simulator --port "$SIMULATOR_PORT" --step-delay "${SIMULATOR_STEP_DELAY:-5}" &
helpers+=($!)
.venv/bin/stomi fulfilment dispatch --loop --interval 2 &
helpers+=($!)
.venv/bin/stomi worker &
helpers+=($!)
echo "Logistics simulator on $STOMI_LOGISTICS_URL, dispatcher and job worker running; API docs at http://127.0.0.1:${PORT}/api/v1/docs"
# The server stays in the foreground (no exec: the trap above must outlive it to stop the helpers).
.venv/bin/stomi run --host 127.0.0.1 --port "$PORT"
