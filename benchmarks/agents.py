"""Cost of Mesa agents: 1,000,000 bare ``mesa.Agent`` vs ``Consumer`` made on demand.

``python -m benchmarks.agents bare`` and ``python -m benchmarks.agents ours``: run each in its
own process. tracemalloc is on (to count bytes), which inflates absolute times: compare the
two, not the figures with other runs.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import mesa

from diffusion_sim.contagion import TiesRule
from diffusion_sim.graph import erdos_renyi
from diffusion_sim.model import DiffusionModel

N = 1_000_000


class Bare(mesa.Agent):
    """A Mesa agent with nothing of its own."""


def bare():
    m = mesa.Model(rng=1)
    t = time.perf_counter()
    for _ in range(N):
        Bare(m)
    return time.perf_counter() - t, m


def main(which: str) -> None:
    gc.collect()
    tracemalloc.start()
    if which == "ours":
        # the graph and model arrays are not agent costs: count from after they exist
        g = erdos_renyi(N, 2.0, seed=1)
        m = DiffusionModel(g, TiesRule(0.01), agents="lazy", seed=1)
        before, _ = tracemalloc.get_traced_memory()
        t = time.perf_counter()
        for i in range(N):
            m.consumer(i)
        dt = time.perf_counter() - t
    else:
        before, _ = tracemalloc.get_traced_memory()
        dt, m = bare()
    cur, _ = tracemalloc.get_traced_memory()
    print(f"{which}: {dt:.2f} s, {dt / N * 1e6:.2f} µs and {(cur - before) / N:.0f} B per agent")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ours")
