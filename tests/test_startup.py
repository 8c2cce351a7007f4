"""Start-up (issue 9 item 9): a run whose passes all stay serial compiles no threaded kernel.

numba compiles a dispatcher on its first call, and a threaded variant costs more to compile
(and to load from the cache) than its serial twin; a run with one thread, or with passes below
``PARALLEL_MIN`` consumers, must therefore never call one. Checked in a fresh process, where no
other test has called a threaded variant. Nothing is timed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numba
from benchmarks import run as bench

_CODE = """
import json, sys, tempfile
import numba
from diffusion_sim import cli
from diffusion_sim.contagion import TiesRule
from diffusion_sim.graph import clustered
from diffusion_sim.kernels._variants import PARALLEL_VARIANTS
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES

threads = int(sys.argv[1])
g = clustered(3000, seed=2)
numba.set_num_threads(threads)
# every play funded: each play's kernels run
MarketModel(g, TiesRule(0.01, 0.1, 0.05), None, dict.fromkeys(STRATEGIES, 2e3), horizon=4,
            seed=0).run()
with tempfile.TemporaryDirectory() as d:  # the default job (compare), shortened
    sys.argv = ["diffusion-sim", f"hydra.run.dir={d}", "sim.progress=false", "graph.n=3000",
                "sim.steps=4", "sim.replications=1", f"sim.threads={threads}",
                "market.value.long_horizon=0", "plot=false"]
    try:
        cli.main()
    except SystemExit as e:
        assert not e.code, e.code
print(json.dumps({"variants": len(PARALLEL_VARIANTS),
                  "compiled": [d.py_func.__name__ for d in PARALLEL_VARIANTS if d.signatures]}))
"""


def _compiled_parallel(threads: int) -> dict:
    res = subprocess.run([sys.executable, "-c", _CODE, str(threads)], capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_small_runs_compile_no_threaded_variant():
    # 1 thread; and 2 threads on a market below PARALLEL_MIN (where threads do not pay)
    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        out = _compiled_parallel(threads)
        assert out["variants"] >= 5  # the registry saw the kernels (engine, market, bridges)
        assert out["compiled"] == [], (threads, out["compiled"])


def test_cold_start_report_renders_the_default_jobs_compile_time():
    run = {"wall_s": 20.0, "cpu_s": 13.0, "compile_cpu_s": 8.5, "compiles": 50,
           "functions": 29, "threads": 1, "load": [1.0, 1.2],
           "top": [["diffusion_sim.market._kernels._prepare_range", 1.5, 1]]}  # fmt: skip
    res = {"workload": "cold_start", "n": 1000, "runs": [],
           "default_job_cold": [{"empty_cache": run, "warm_cache": run}]}  # fmt: skip
    text = bench.to_markdown({"date": "d", "machine": "m", "mode": "full", "results": [res]})
    assert "of which compiling 8.5 s CPU (50 compilations of 29 functions)" in text
    assert "`_prepare_range` 1.50" in text
