"""Influence maximisation: IMM vs OPIM-C vs CELF vs naive greedy (ours) vs CELF on cynetdiff's
simulator.

Same graph, same independent-cascade probabilities, same k. Every seed set is then scored by
one common Monte Carlo evaluation (``mc_spread``, 20,000 fresh worlds), so the spreads compare
like for like. Times are ratios to IMM's in the same run (the machine is shared). cynetdiff
0.1.18 ships no CELF function, so "cynetdiff CELF" is the CELF loop of its documentation over
``IndependentCascadeModel.compute_marginal_gains`` (skipped if cynetdiff is not installed: it
is an optional benchmark dependency, ``pip install -e .[bench]``).

    python -m benchmarks.influence            # small graph (all methods), then 100k (IMM, OPIM-C)
    python -m benchmarks.influence --quick    # smaller sizes
"""

from __future__ import annotations

import argparse
import array
import heapq
import time

import numpy as np

from diffusion_sim.contagion import CascadeRule
from diffusion_sim.graph import clustered
from diffusion_sim.influence import celf, imm, live_edge, mc_spread, naive_greedy, opim


def _cynetdiff_celf(g, p, k, trials):
    from cynetdiff.models import IndependentCascadeModel

    starts = array.array("I", g.indptr[:-1].astype(np.uint32).tobytes())
    edges = array.array("I", g.indices.astype(np.uint32).tobytes())
    model = IndependentCascadeModel(starts, edges, activation_prob=p, rng=1)
    # compute_marginal_gains adds new_seeds cumulatively (each on top of the previous ones), so
    # the first round asks for every consumer alone
    gains = [model.compute_marginal_gains([], [v], trials)[1] for v in range(g.n)]
    heap = [(-x, v, 0) for v, x in enumerate(gains)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < k:
        _, v, rnd = heapq.heappop(heap)
        if rnd == len(chosen):
            chosen.append(v)
            continue
        gain = model.compute_marginal_gains(chosen, [v], trials)[1]
        heapq.heappush(heap, (-gain, v, len(chosen)))
    return np.asarray(chosen)


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--small-only", action="store_true", help="skip the 100k runs")
    args = ap.parse_args()
    small, big = (500, 20_000) if args.quick else (2000, 100_000)
    p = 0.1
    rule = CascadeRule(p_strong=p, p_weak=p)
    g = clustered(small, group_size=10, weak_ties=2.0, seed=1)
    live = live_edge(g, rule)
    k, worlds = 10, 500
    imm(live, 2, epsilon=0.5)  # compile (untimed)
    opim(live, 2, epsilon=0.5)
    celf(live, 1, worlds=2)
    rows = []
    t_imm, r = _timed(lambda: imm(live, k, epsilon=0.1, key=1))
    rows.append(("IMM eps=0.1", t_imm, r.seeds))
    t, o = _timed(lambda: opim(live, k, epsilon=0.1, key=1))
    rows.append(("OPIM-C eps=0.1", t, o.seeds))
    t, c = _timed(lambda: celf(live, k, worlds=worlds, key=1))
    rows.append((f"CELF ({worlds} worlds)", t, c.seeds))
    t, nv = _timed(lambda: naive_greedy(live, k, worlds=worlds, key=1))
    rows.append((f"naive greedy ({worlds} worlds)", t, nv.seeds))
    try:
        _cynetdiff_celf(g, p, 1, 2)  # import and warm-up
        t, s = _timed(lambda: _cynetdiff_celf(g, p, k, worlds))
        rows.append((f"cynetdiff CELF ({worlds} trials)", t, s))
    except ImportError:
        rows.append(("cynetdiff CELF: not installed", float("nan"), None))
    print(f"graph {g.name}: {g.n} consumers, {g.n_ties} ties; independent cascade p={p}; k={k}")
    print(f"{'method':34s} {'time / IMM':>10s} {'spread (20,000 worlds)':>24s}")
    for name, t, seeds in rows:
        if seeds is None:
            print(f"{name:34s}")
            continue
        m, se = mc_spread(live, seeds, worlds=20_000, key=99)
        print(f"{name:34s} {t / t_imm:10.1f} {m:16.1f} ± {se:.1f}")
    if args.small_only:
        return
    gb = clustered(big, group_size=10, weak_ties=2.0, seed=1)
    lb = live_edge(gb, rule)
    print(
        f"\n{gb.name}, k=50, eps=0.1 (time: x the time of 2,000 Monte Carlo evaluations of "
        f"one seed set; RR sets and entries: every one drawn)"
    )
    t_ref = None
    for name, fn in (("IMM", imm), ("OPIM-C", opim)):
        t, rb = _timed(lambda fn=fn: fn(lb, 50, epsilon=0.1, key=1))
        tr, _ = _timed(lambda rb=rb: mc_spread(lb, rb.seeds, worlds=2000, key=5))
        t_ref = t if t_ref is None else t_ref
        m, se = mc_spread(lb, rb.seeds, worlds=2000, key=5)
        bounds = f"lower bound {rb.lower_bound:.0f}"
        if rb.method == "opim":
            bounds += f", upper bound of OPT {rb.upper_bound:.0f}"
        print(f"{name:7s} {rb.total_sets:>12,} RR sets, {rb.total_entries:>13,} entries; "
              f"time {t / tr:6.1f} x ({t / t_ref:.3f} x IMM's); spread {m:.0f} ± {se:.0f} "
              f"(estimate {rb.spread:.0f}, {bounds})")  # fmt: skip


if __name__ == "__main__":
    main()
