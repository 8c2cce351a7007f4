"""Replications spread over workers give exactly the local result."""

from __future__ import annotations

import numpy as np
import pytest

from diffusion_sim.backends import run_tasks
from diffusion_sim.contagion import TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import clustered
from diffusion_sim.market.compare import compare
from diffusion_sim.market.params import Compare, MarketParams
from diffusion_sim.replicate import replicate
from diffusion_sim.seeding import Seeding


def _square(shared, task):
    return shared * task


def test_run_tasks_keeps_task_order():
    assert run_tasks(_square, 3, [1, 2, 3]) == [3, 6, 9]
    assert run_tasks(_square, 3, [4, 1, 2, 5], backend="processes", workers=2) == [12, 3, 6, 15]


@pytest.mark.parametrize("bad, key", [({"backend": "dask"}, "sim.backend"),
                                      ({"workers": 0}, "sim.workers")])  # fmt: skip
def test_run_tasks_rejects_bad_settings(bad, key):
    with pytest.raises(ConfigError, match=key):
        run_tasks(_square, 1, [1], **bad)


def test_processes_backend_equals_serial_comparison_and_replications():
    g = clustered(3000, group_size=10, weak_ties=2.0, seed=0)
    rule = TiesRule(alpha=1e-4, beta_strong=0.004, beta_weak=0.002)
    plan = Compare(budget=20_000, plays=["none", "ads", "mix"])
    kw = dict(horizon=30, replications=3, seed=7)
    a = compare(g, rule, MarketParams(), plan, **kw)
    b = compare(g, rule, MarketParams(), plan, backend="processes", workers=2, **kw)
    assert a.per_replication().equals(b.per_replication())
    assert a.to_frame().equals(b.to_frame())
    r1 = replicate(g, rule, Seeding(random=5), steps=25, replications=3, seed=3)
    r2 = replicate(g, rule, Seeding(random=5), steps=25, replications=3, seed=3,
                   backend="processes")  # fmt: skip
    assert all(np.array_equal(x.counts, y.counts) and np.array_equal(x.cause, y.cause)
               for x, y in zip(r1.runs, r2.runs, strict=True))  # fmt: skip


def test_ray_backend_equals_serial():
    pytest.importorskip("ray")
    g = clustered(2000, group_size=10, weak_ties=2.0, seed=0)
    rule = TiesRule(alpha=1e-4, beta_strong=0.004, beta_weak=0.002)
    plan = Compare(budget=10_000, plays=["none", "ads"])
    kw = dict(horizon=20, replications=2, seed=1)
    a = compare(g, rule, MarketParams(), plan, **kw)
    b = compare(g, rule, MarketParams(), plan, backend="ray", **kw)
    assert a.per_replication().equals(b.per_replication())
