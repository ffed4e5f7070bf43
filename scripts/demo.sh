#!/usr/bin/env bash
# Installs, migrates, loads the demo data and starts the dev server on http://127.0.0.1:5000, with the
# logistics simulator (http://127.0.0.1:5050), the fulfilment dispatcher and a background-job worker (RQ on the
# Redis at STOMI_REDIS_URL, default redis://127.0.0.1:6379/0) running beside it, so that accepted orders move on to
# delivered by themselves and the invoice run and statistics reports started from the pages are run, and a local
# test IdP (http://127.0.0.1:5060) standing in for NemLog-in, so citizens log in with "Log ind med MitID".
# Ctrl-C, or a `kill` of this script's PID, stops them all.
# Settings (environment): PORT (5000), SIMULATOR_PORT (5050), IDP_PORT (5060), DEMO_SCALE (region; small, region or
# national), SIMULATOR_STEP_DELAY (5 seconds between the simulator's steps of an order).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/apt_needs.sh xmlsec1:/usr/bin/xmlsec1  # pysaml2 signs and checks SAML messages with it
./scripts/install.sh
export STOMI_INSTANCE_PATH="${STOMI_INSTANCE_PATH:-$PWD/instance}"
PORT="${PORT:-5000}"
SIMULATOR_PORT="${SIMULATOR_PORT:-5050}"
export STOMI_LOGISTICS_URL="http://127.0.0.1:${SIMULATOR_PORT}"
export STOMI_FULFILMENT_EVENTS_URL="http://127.0.0.1:${PORT}/api/v1/fulfilment/events"
IDP_PORT="${IDP_PORT:-5060}"
export STOMI_SAML_IDP_METADATA="http://127.0.0.1:${IDP_PORT}/metadata"
export STOMI_SAML_BASE_URL="http://127.0.0.1:${PORT}"
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
# The test IdP (devtools/, never installed in production) with a key generated at start-up.
.venv/bin/python -m devtools.saml_idp --port "$IDP_PORT" --sp-metadata "http://127.0.0.1:${PORT}/saml/metadata" \
  --key-dir "$STOMI_INSTANCE_PATH/test-idp" &
helpers+=($!)
echo "Test IdP for \"Log ind med MitID\" on http://127.0.0.1:${IDP_PORT} (test users: the demo citizens)"
.venv/bin/stomi worker &
helpers+=($!)
echo "Logistics simulator on $STOMI_LOGISTICS_URL, dispatcher and job worker running; API docs at http://127.0.0.1:${PORT}/api/v1/docs"
# The server runs in the background too and the script waits for it: bash runs a trap only between commands, so with
# the server in the foreground a `kill` of this script waited for the server to end by itself (only Ctrl-C, sent to
# the whole terminal's process group, stopped it). `wait` is interrupted by the signal; the EXIT trap stops them all.
.venv/bin/stomi run --host 127.0.0.1 --port "$PORT" &
helpers+=($!)
wait "$!"
