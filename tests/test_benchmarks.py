"""Smoke test of the benchmark runner on tiny sizes (benchmarks are not tests: nothing is timed
against a limit here; this only keeps the runner from rotting)."""

from __future__ import annotations

import pytest
from benchmarks import run as bench
from benchmarks.workloads import WORKLOADS


@pytest.mark.parametrize(
    "name, n, libs",
    [
        ("cascade", 400, ["diffusion_sim", "cynetdiff", "ndlib"]),
        ("simple_contagion", 300, ["diffusion_sim", "mesa", "ndlib"]),
        ("threshold", 400, ["diffusion_sim", "ndlib"]),
        ("ties_step_1m", 500, ["diffusion_sim", "numba_full_scan"]),
        ("social_commerce", 2000, ["diffusion_sim", "engine_only"]),
    ],
)
def test_worker_runs_every_library_or_says_why_not(name, n, libs):
    out = bench.worker(name, n, 2, libs, memory_only=False, cap=1.0)
    ours = out["libs"]["diffusion_sim"]
    assert len(ours["times"]) == 2 and all(t > 0 for t in ours["times"])
    for lib in libs:
        r = out["libs"][lib]
        assert "skipped" in r or len(r["times"]) == 2


def test_markdown_table_renders():
    report = {
        "date": "today",
        "machine": "test",
        "mode": "quick",
        "results": [
            {
                "workload": "cascade",
                "sizes": [
                    {
                        "n": 400,
                        "libs": {
                            "diffusion_sim": {
                                "median": 0.002,
                                "min": 0.001,
                                "max": 0.003,
                                "ratio_to_ours": 1.0,
                                "arcs_per_s": 1e7,
                                "mean_outcome": 300.0,
                                "peak_mb": 200.0,
                            },
                            "ndlib": {"skipped": "not installed"},
                        },
                    }
                ],
            }
        ],
    }
    text = bench.to_markdown(report)
    assert "| 400 | diffusion_sim | 2.0 ms" in text and "not installed" in text
    assert {w["name"] for w in WORKLOADS} >= {"cascade", "graph_generation", "cold_start"}
