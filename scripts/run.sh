#!/usr/bin/env bash
# Set up (first time) and run the default job; extra arguments are Hydra overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
exec .venv/bin/diffusion-sim "$@"
