"""Cascade vs cynetdiff in one process: the benchmark's cascade workload, its adapters, more
repetitions, interleaved, so that a ratio is measured under one load.

    NUMBA_NUM_THREADS=1 .venv/bin/python -m benchmarks.cascade_ab 10000 100000 --reps 31

Prints the load (``uptime``), then per size the median time of one full cascade of each
library and the ratio cynetdiff / ours (above 1: ours is faster). Meant for A/B checks of the
cascade kernels (run the old and the new code back to back); the benchmark suite
(``python -m benchmarks.run --only cascade``) stays the reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess

import numba

from benchmarks import libs
from benchmarks.run import _graph
from benchmarks.workloads import WORKLOADS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--reps", type=int, default=31)
    a = ap.parse_args()
    w = next(x for x in WORKLOADS if x["name"] == "cascade")
    p = w["params"]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"threads={numba.get_num_threads()} src={os.path.dirname(libs.__file__)} | {load}")
    for n in a.sizes:
        g = _graph(w["graph"], n)
        ours = libs.cascade_ours(g, p["p"], p["seeds"], w["cap_s"])
        theirs = libs.cascade_cynetdiff(g, p["p"], p["seeds"], w["cap_s"])
        t_o, t_c, size_o, size_c = [], [], [], []
        for rep in range(a.reps):
            dt, _, out, _ = ours(rep + 1)
            t_o.append(dt)
            size_o.append(out)
            dt, _, out, _ = theirs(rep + 1)
            t_c.append(dt)
            size_c.append(out)
        mo, mc = statistics.median(t_o), statistics.median(t_c)
        # each repetition's pair ran back to back: the median of their ratios follows the
        # load less than the ratio of the medians
        pair = statistics.median(c / o for o, c in zip(t_o, t_c, strict=True))
        print(
            f"n={n:>9,}  ours {mo * 1e3:8.2f} ms  cynetdiff {mc * 1e3:8.2f} ms  "
            f"ratio {mc / mo:5.2f}x  paired {pair:5.2f}x  (mean spread ours "
            f"{statistics.mean(size_o):,.0f}, cynetdiff {statistics.mean(size_c):,.0f})"
        )
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"after: {load}")


if __name__ == "__main__":
    main()
