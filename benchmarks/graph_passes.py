"""Time the market's passes over the graph's ties inside one run of the social-commerce
benchmark market (1M consumers, 180 days, every strategy on): the advocacy pass and the
group-buy window update, each called serially and threaded on the same state every day.

    .venv/bin/python -m benchmarks.graph_passes 1000000

Prints the load (``uptime``), then per kernel variant the time summed over the run and the
median per day. Each day both variants run on the day's real inputs, in alternating order:
the advocacy pass on the model's own table (cleared between the two calls: it is clear
before every pass), the window update on copies of the counts, marks and ready list; the
results of the two are checked equal. The run itself is unchanged (the model's call is made
as usual). A 2-thread variant needs a quiet machine: when another process keeps a core busy,
a threaded region waits for it (measured: ~10 ms a call).
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import time

import numpy as np

from benchmarks import libs
from benchmarks.workloads import WORKLOADS


def main() -> None:
    from diffusion_sim.graph import clustered
    from diffusion_sim.market.brand import advocacy
    from diffusion_sim.market.model import MarketModel
    from diffusion_sim.market.params import MarketParams
    from diffusion_sim.market.plays import groupbuy
    from diffusion_sim.seeding import Seeding

    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    a = ap.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    w = next(x for x in WORKLOADS if x["name"] == "social_commerce")
    g = clustered(a.n, group_size=10, weak_ties=2.0, seed=7)
    rule, budgets = libs._market_args(g, w["params"])
    params = dataclasses.replace(MarketParams(), size=g.n)
    times: dict[str, list[float]] = {}

    def timed(key, fn, *args):
        t0 = time.perf_counter()
        out = fn(*args)
        times.setdefault(key, []).append(time.perf_counter() - t0)
        return out

    adv_ser, adv_par = advocacy._advocacy_serial, advocacy._advocacy_parallel

    def advocacy_ab(ties, state, adopters, posts, table, parts):
        got = []
        for key, fn, k in (("advocacy serial", adv_ser, 1), ("advocacy 2 parts", adv_par, 2)):
            nt = timed(key, fn, ties, state, adopters, posts, table, k)
            ids = np.sort(table.touched[:nt])
            got.append((ids.tobytes(), table.L[ids].tobytes()))
            table.L[ids] = 0.0
            table.flag[ids] = False
        assert got[0] == got[1]
        return (adv_par if parts > 1 else adv_ser)(ties, state, adopters, posts, table, parts)

    win_ser, win_par = groupbuy._recent_update_serial, groupbuy._recent_update_parallel

    def window_ab(csr, window, win, need, ready, fresh, parts):
        got = []
        for key, fn, k in (("window serial", win_ser, 1), ("window 2 parts", win_par, 2)):
            w2 = (win[0].copy(), win[1].copy())
            r2 = groupbuy.ReadyList(ready.ids.copy(), ready.listed.copy(), ready.size.copy())
            timed(key, fn, csr, window, w2, need, r2, fresh, k)
            got.append((w2[0].tobytes(), w2[1].tobytes(), r2.listed.tobytes()))
        assert got[0] == got[1]
        (win_par if parts > 1 else win_ser)(csr, window, win, need, ready, fresh, parts)

    advocacy._advocacy_serial = advocacy._advocacy_parallel = advocacy_ab
    groupbuy._recent_update_serial = groupbuy._recent_update_parallel = window_ab
    try:
        for rep in (0, 1):  # the first run compiles
            times.clear()
            m = MarketModel(g, rule, params, budgets, horizon=w["params"]["steps"],
                            seeding=Seeding(random=max(1, g.n // 4000)), seed=rep)  # fmt: skip
            t0 = time.perf_counter()
            m.run()
            total = time.perf_counter() - t0
    finally:
        advocacy._advocacy_serial, advocacy._advocacy_parallel = adv_ser, adv_par
        groupbuy._recent_update_serial, groupbuy._recent_update_parallel = win_ser, win_par
    print(f"n = {g.n:,}: run (with the extra calls) {total:.2f} s")
    for key, v in times.items():
        v = np.asarray(v)
        print(f"  {key:18s} {v.sum():6.3f} s per run, median {np.median(v) * 1e3:6.2f} ms a day")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
