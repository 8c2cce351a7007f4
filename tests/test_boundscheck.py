"""The market tests once more, with every kernel compiled with numba's bounds checks.

A normal build writes past the end of an array silently; ``NUMBA_BOUNDSCHECK=1`` turns such a
write into an ``IndexError``. The checked kernels are compiled into a cache folder of their
own, so the normal cache is never mixed with them. Statistical tests and the golden digest
are left out (slow, and they exercise the same code paths).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.environ.get("NUMBA_BOUNDSCHECK") == "1", reason="already checking bounds")
def test_market_tests_pass_with_numba_bounds_checks(boundscheck_env):
    """``pytest tests/market`` in a subprocess with ``NUMBA_BOUNDSCHECK=1``."""
    cmd = [sys.executable, "-m", "pytest", "tests/market", "-q", "-x", "-m", "not statistical",
           "-k", "not golden", "-p", "no:cacheprovider"]  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, env=boundscheck_env, capture_output=True, text=True,
                         timeout=900)  # fmt: skip
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in out.stdout
