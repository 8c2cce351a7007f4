#!/usr/bin/env bash
# Set up (first time) and serve the browser app: strategist page at http://127.0.0.1:8765/,
# lessons at /educator. Bound to 127.0.0.1 only; telemetry off; works offline (solara-assets).
# PORT=8800 bash scripts/app.sh to use another port; extra arguments go to `solara run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
export SOLARA_TELEMETRY_MIXPANEL_ENABLE=False
exec .venv/bin/solara run diffusion_sim.app --host 127.0.0.1 --port "${PORT:-8765}" \
    --production --no-open --no-check-version "$@"
