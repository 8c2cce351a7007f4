"""Where threads pay: the market with every kernel serial against every kernel threaded.

``python -m benchmarks.threads [--sizes 5000,20000,100000,500000] [--days 60] [--reps 3]``

For each market size, one run of the default mix play (every strategy funded) with the serial
kernels (``parallel=False``) and with the threaded ones (``parallel=True``, all threads),
interleaved, after a warm-up that compiles both. Results are identical (checked); the ratio
serial / threaded says from which size the threaded kernels pay on this machine. The cores
other processes kept busy during the measurement are reported: on a loaded machine threads
only compete for the same cores, which is why ``sim.threads=null`` counts the free cores
(:mod:`diffusion_sim.threads`). Writes ``results/benchmarks/threads.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numba
import numpy as np

from diffusion_sim.contagion import PARALLEL_MIN, TiesRule
from diffusion_sim.graph import clustered
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import Compare, MarketParams
from diffusion_sim.threads import busy_cores


def _run(g, parallel: bool, days: int):
    rule = TiesRule(alpha=1e-4, beta_strong=0.004, beta_weak=0.002)
    budgets = Compare(budget=100_000 * g.n / 20_000).budgets("mix")
    m = MarketModel(g, rule, MarketParams(), budgets, horizon=days, parallel=parallel, seed=1)
    t0 = time.perf_counter()
    run = m.run()
    return time.perf_counter() - t0, run


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,20000,100000,500000")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",")]
    threads = numba.get_num_threads()
    busy = busy_cores(1.0)
    small = clustered(2000, group_size=10, weak_ties=2.0, seed=0)
    _run(small, False, 5), _run(small, True, 5)  # compile both variants outside the timing
    rows = []
    for n in sizes:
        g = clustered(n, group_size=10, weak_ties=2.0, seed=0)
        ts, tp = [], []
        for _ in range(a.reps):
            t, r1 = _run(g, False, a.days)
            ts.append(t)
            t, r2 = _run(g, True, a.days)
            tp.append(t)
            assert np.array_equal(r1.counts, r2.counts) and np.array_equal(r1.tally, r2.tally)
        s, p = statistics.median(ts), statistics.median(tp)
        rows.append((n, s, p, s / p))
        print(f"n={n:>9,}  serial {s:7.3f} s  threaded ({threads}) {p:7.3f} s  ratio {s / p:5.2f}")
    busy_after = busy_cores(1.0)
    lines = [
        "# Serial vs threaded market kernels",
        "",
        f"`python -m benchmarks.threads --sizes {a.sizes} --days {a.days} --reps {a.reps}`; "
        f"{threads} numba threads; cores busy with other work: {busy:.1f} before, "
        f"{busy_after:.1f} after. Median of {a.reps} interleaved runs of the mix play "
        f"(budget scaled with the market), {a.days} days. The kernels switch to the threaded "
        f"variant from {PARALLEL_MIN:,} consumers per pass when more than one thread is free.",
        "",
        "| consumers | serial | threaded | serial / threaded |",
        "|---|---|---|---|",
        *[f"| {n:,} | {s:.3f} s | {p:.3f} s | {r:.2f} |" for n, s, p, r in rows],
        "",
    ]
    out = Path("results/benchmarks/threads.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"written {out}")


if __name__ == "__main__":
    main()
