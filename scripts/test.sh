#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, statistical checks included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
# The browser tests drive Debian's chromium (Playwright's own browser download fails
# offline). As root with apt-get (CI), install it when it is missing; otherwise they skip
# with the reason (and fail when CI=true).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "scripts/test.sh: installing chromium for the browser tests (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium > /dev/null 2>&1 \
    || { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q chromium > /dev/null 2>&1; } \
    || echo "scripts/test.sh: could not install chromium" >&2
fi
exec .venv/bin/python -m pytest "$@"
