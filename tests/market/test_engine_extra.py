"""The engine with brand channels: the extra hazard, its multiplier and its cause."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import _no_ties

from diffusion_sim.contagion import Engine, TiesRule
from diffusion_sim.graph import GENERATORS, SocialGraph
from diffusion_sim.rng import uniforms
from diffusion_sim.states import Cause, State


# -- the engine with brand channels ---------------------------------------------------------
def test_zero_extra_hazard_is_the_ties_rule_exactly():
    g = GENERATORS["erdos_renyi"](n=3000, mean_degree=6, seed=1)
    rule = TiesRule(alpha=0.002, beta_strong=0.05, beta_weak=0.03)
    a, b = Engine(g, rule, key=99), Engine(g, rule, key=99)
    a.seed([1, 2, 3])
    b.seed([1, 2, 3])
    zeros = (np.zeros(g.n), np.zeros(g.n, np.int8), np.ones(g.n))
    for _ in range(40):
        assert np.array_equal(a.step(), b.step(extra=zeros))
    assert np.array_equal(a.adopted_at, b.adopted_at)
    assert np.array_equal(a.cause, b.cause)


def test_extra_hazard_decisions_equal_a_naive_reference():
    """Same uniforms, decision by p = min(1, m (1 - (1-a)(1-bs)^S (1-bw)^W (1-h)))."""
    g = GENERATORS["erdos_renyi"](n=4000, mean_degree=5, seed=2)
    g = SocialGraph.from_edges(g.n, *g.edges()[:2], (np.arange(g.n_ties) % 3 == 0).astype(int))
    rule = TiesRule(alpha=0.01, beta_strong=0.08, beta_weak=0.03)
    eng = Engine(g, rule, key=5)
    eng.seed(np.arange(0, 4000, 9))
    rng = np.random.default_rng(0)
    for t in (1, 2, 3):
        h = np.where(rng.random(g.n) < 0.5, rng.random(g.n) * 0.3, 0.0)
        c = np.full(g.n, Cause.AD, np.int8)
        m = np.where(rng.random(g.n) < 0.3, 1.5, 1.0)
        before = eng.state.copy()
        s, w = eng.n_strong.copy(), eng.n_weak.copy()
        eng.step(extra=(h, c, m))
        ids = np.arange(g.n)
        u = uniforms(int(eng.key), t, ids, 0)
        p0 = 1 - (1 - rule.alpha) * (1 - rule.beta_strong) ** s * (1 - rule.beta_weak) ** w
        p = np.minimum(1.0, m * (1 - (1 - p0) * (1 - h)))
        expect = (before != State.ADOPTED) & (u < p)
        assert np.array_equal(eng.adopted_at == t, expect)


@pytest.mark.statistical
def test_extra_hazard_rate_and_cause_split():
    n = 200_000
    g = _no_ties(n)
    eng = Engine(g, TiesRule(alpha=0.1), key=11)
    h = np.full(n, 0.2)
    m = np.where(np.arange(n) < n // 2, 1.0, 1.5)
    eng.step(extra=(h, np.full(n, Cause.GROUP, np.int8), m))
    new = eng.adopted_at == 1
    for half, mult in ((slice(0, n // 2), 1.0), (slice(n // 2, n), 1.5)):
        p = mult * (1 - 0.9 * 0.8)
        sd = math.sqrt(p * (1 - p) / (n // 2))
        assert abs(new[half].mean() - p) < 5 * sd
    # the channel's share of adoptions is h / (alpha + h)
    share = (eng.cause[new] == Cause.GROUP).mean()
    k = new.sum()
    assert abs(share - 2 / 3) < 5 * math.sqrt(2 / 9 / k)
