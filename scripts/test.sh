#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, statistical checks included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
exec .venv/bin/python -m pytest "$@"
