#!/usr/bin/env bash
# Installs, migrates, loads the demo data and starts the dev server on http://127.0.0.1:5000, with the
# logistics simulator (http://127.0.0.1:5050) and the fulfilment dispatcher running beside it, so that
# accepted orders move on to delivered by themselves. Ctrl-C, or a `kill` of this script's PID, stops all three.
# Settings (environment): PORT (5000), SIMULATOR_PORT (5050), DEMO_SCALE (region; small, region or national),
# SIMULATOR_STEP_DELAY (5 seconds between the simulator's steps of an order).
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
echo "Logistics simulator on $STOMI_LOGISTICS_URL, dispatcher running; API docs at http://127.0.0.1:${PORT}/api/v1/docs"
# The server runs in the background too and the script waits for it: bash runs a trap only between commands, so with
# the server in the foreground a `kill` of this script waited for the server to end by itself (only Ctrl-C, sent to
# the whole terminal's process group, stopped it). `wait` is interrupted by the signal; the EXIT trap stops all three.
.venv/bin/stomi run --host 127.0.0.1 --port "$PORT" &
helpers+=($!)
wait "$!"
