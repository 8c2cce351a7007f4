"""Shared fixtures. Tests marked ``statistical`` compare with theory at fixed seeds; they run
in CI too (``-m "not statistical"`` skips them locally)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from diffusion_sim.graph import SocialGraph


def graph_from(n, strong=(), weak=(), community=None):
    """Small hand-made graph from lists of strong and weak (u, v) pairs."""
    pairs = list(strong) + list(weak)
    u = [a for a, _ in pairs]
    v = [b for _, b in pairs]
    cls = [1] * len(strong) + [0] * len(weak)
    return SocialGraph.from_edges(n, u, v, cls, community=community)


@pytest.fixture
def path_graph():
    """0-1-2-...-9, all strong."""
    return graph_from(10, strong=[(i, i + 1) for i in range(9)])


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def run_cli(cwd, *args) -> subprocess.CompletedProcess:
    """``diffusion-sim *args`` in this process, in folder ``cwd``, as the console script runs
    it (``cli.main`` with ``sys.argv``): stdout, stderr and the exit code, without the
    seconds a new process spends importing and loading the compiled kernels."""
    from diffusion_sim import cli

    err, out = io.StringIO(), io.StringIO()
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = ["diffusion-sim", *args]
    code = 0
    try:
        os.chdir(cwd)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            cli.main()
    except SystemExit as e:
        code = e.code
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def boundscheck_env(tmp_path_factory):
    """Environment for a subprocess whose kernels are compiled with numba's bounds checks,
    cached in a folder of its own (shared by the tests of one session)."""
    cache = tmp_path_factory.mktemp("numba-boundscheck")
    return {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(cache)}
