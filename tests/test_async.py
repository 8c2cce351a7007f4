"""``contagion.update=asynchronous``: random sequential order with immediate visibility.

For a monotone threshold rule the final adopter set is the smallest set containing the seeds
that is closed under the rule, whatever the order of updates, so it must equal the
synchronous one exactly; only the timing differs.
"""

from __future__ import annotations

import numpy as np
import pytest

from diffusion_sim.contagion import Engine, ThresholdRule, TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import erdos_renyi, random_regular, watts_strogatz
from diffusion_sim.states import State


def _final(graph, rule, seeds, phi=None, key=5, max_steps=10_000):
    e = Engine(graph, rule, key, phi=phi)
    e.seed(seeds)
    steps = 0
    while not e.frontier_empty and steps < max_steps:
        e.step()
        steps += 1
    return e, steps


@pytest.mark.parametrize("seed", range(6))
def test_threshold_final_set_same_as_synchronous(seed):
    rng = np.random.default_rng(seed)
    g = [erdos_renyi(800, 5.0, seed=seed), random_regular(800, 4, seed=seed),
         watts_strogatz(800, k=6, p=0.1, seed=seed)][seed % 3]  # fmt: skip
    phi = rng.uniform(0.05, 0.45, g.n)
    seeds = rng.choice(g.n, 12, replace=False)
    kw = dict(mode="fraction", w_strong=1.0 + seed % 2, w_weak=1.0)
    a, _ = _final(g, ThresholdRule(**kw), seeds, phi)
    b, _ = _final(g, ThresholdRule(**kw, update="asynchronous"), seeds, phi)
    assert a.counts[State.ADOPTED] > len(seeds)  # something spread
    np.testing.assert_array_equal(a.state == State.ADOPTED, b.state == State.ADOPTED)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert (b.adopted_at <= a.adopted_at).all()  # asynchronous never later


def test_ring_timing_contrast():
    """Ring with count threshold 1 from one seed: synchronous takes n/2 steps to cover it;
    asynchronous is faster (adoptions run on within a step) and never reaches all at once."""
    g = watts_strogatz(400, k=2, p=0.0, seed=0)
    a, sa = _final(g, ThresholdRule(phi=1, mode="count"), [0])
    b, sb = _final(g, ThresholdRule(phi=1, mode="count", update="asynchronous"), [0])
    assert a.counts[State.ADOPTED] == b.counts[State.ADOPTED] == 400
    assert a.adopted_at.max() == 200
    assert b.adopted_at.max() < 200


def test_ties_async_seeds_and_reproducible():
    g = erdos_renyi(500, 4.0, seed=1)
    rule = TiesRule(alpha=0.001, beta_weak=0.1, update="asynchronous")
    x, _ = _final(g, rule, [1, 2], max_steps=30)
    y, _ = _final(g, rule, [1, 2], max_steps=30)
    np.testing.assert_array_equal(x.adopted_at, y.adopted_at)
    # adopter-neighbour counts kept right by the immediate updates
    adj = g.to_networkx()
    adopted = x.state == State.ADOPTED
    want = np.array([sum(adopted[j] for j in adj[i]) for i in range(g.n)])
    np.testing.assert_array_equal(x.n_weak, want)


def test_async_refused_where_undefined():
    from diffusion_sim.contagion import CascadeRule

    with pytest.raises(ConfigError, match="contagion.update"):
        CascadeRule(p_weak=0.1, update="asynchronous")
    with pytest.raises(ConfigError, match="contagion.update"):
        TiesRule(update="random")
