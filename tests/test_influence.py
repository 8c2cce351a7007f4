"""Influence maximisation against exact answers: every live-edge world enumerated.

The oracle (:mod:`diffusion_sim.influence.exact`) is pure Python written from the live-edge
definitions; the kernels (RR sets, Monte Carlo worlds) and the engine's own rules are held to
it. Tolerances: a spread estimate from ``R`` independent samples has standard error
``sd / sqrt(R)``; we allow 5 of them (a false alarm rarer than 1 in 10^6 per check).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from diffusion_sim.contagion import CascadeRule, Engine, ThresholdRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import SocialGraph, clustered
from diffusion_sim.influence import (
    celf,
    exact_greedy,
    exact_optimum,
    exact_spread,
    imm,
    live_edge,
    mc_spread,
    naive_greedy,
    rr_sets,
    sampler,
    worlds,
)
from diffusion_sim.influence.weights import IC, LiveEdge
from diffusion_sim.states import State

IC_RULE = CascadeRule(p_strong=0.5, p_weak=0.2)
#: largest probability < 0.5: RR sets find live ties by geometric skipping, then thinning
IC_SKIP = CascadeRule(p_strong=0.45, p_weak=0.1)
LT_RULE = ThresholdRule(distribution="uniform", phi_low=0.0, phi_high=1.0, w_strong=3.0)


def _graph(seed: int, n: int = 8, p: float = 0.35, max_ties: int = 12) -> SocialGraph:
    rng = np.random.default_rng(seed)
    u, v = np.triu_indices(n, 1)
    keep = np.flatnonzero(rng.random(u.size) < p)[:max_ties]
    return SocialGraph.from_edges(n, u[keep], v[keep], rng.integers(0, 2, keep.size))


GRAPHS = [_graph(s) for s in (1, 2, 3)]


def in_threads(n: int, call):
    """``call()`` with ``n`` numba threads (at most the configured number), then restore."""
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        return call()
    finally:
        numba.set_num_threads(before)


def test_oracle_analytic():
    """Path 0-1-2 with tie probabilities p, q: sigma({0}) = 1 + p + pq; LT star by hand."""
    g = SocialGraph.from_edges(3, [0, 1], [1, 2], [1, 0])
    live = live_edge(g, CascadeRule(p_strong=0.6, p_weak=0.3))
    assert exact_spread(live, [0]) == pytest.approx(1 + 0.6 + 0.6 * 0.3, abs=1e-12)
    assert exact_spread(live, [1]) == pytest.approx(1 + 0.6 + 0.3, abs=1e-12)
    assert exact_spread(live, [0, 2]) == pytest.approx(2 + 1 - 0.4 * 0.7, abs=1e-12)
    # LT, star 0-{1,2,3}, all weights equal: a leaf listens to its one neighbour (b = 1), the
    # centre to each leaf with b = 1/3. Seed a leaf: centre reached w.p. 1/3, then the other
    # leaves surely: 1 + 1/3 * 3.
    star = SocialGraph.from_edges(4, [0, 0, 0], [1, 2, 3], [0, 0, 0])
    lt = live_edge(star, ThresholdRule(distribution="uniform"))
    assert exact_spread(lt, [1]) == pytest.approx(2.0, abs=1e-12)
    assert exact_spread(lt, [0]) == pytest.approx(4.0, abs=1e-12)


@pytest.mark.parametrize("rule", [IC_RULE, IC_SKIP, LT_RULE], ids=["ic", "ic-skip", "lt"])
def test_estimators_match_exact(rule):
    """Monte Carlo worlds and RR sets estimate every single seed's exact spread."""
    g = GRAPHS[0]
    live = live_edge(g, rule)
    table = worlds(live)
    sets = rr_sets(live, key=7, first=0, count=40_000)
    for v in range(g.n):
        exact = exact_spread(live, [v], table)
        mean, se = mc_spread(live, [v], worlds=20_000, key=3)
        assert abs(mean - exact) < 5 * se + 1e-9, (v, mean, exact)
        share = exact / g.n  # RR: n * Bernoulli(share) mean over the sets
        rr = g.n * sets.covered([v]).mean()
        assert abs(rr - exact) < 5 * g.n * math.sqrt(share * (1 - share) / sets.count) + 1e-9


@pytest.mark.parametrize("rule", [IC_RULE, LT_RULE], ids=["ic", "lt"])
def test_engine_rules_are_the_live_edge_models(rule):
    """The engine's cascade and uniform-threshold rules reach the exact expected spread."""
    g = GRAPHS[1]
    live = live_edge(g, rule)
    seeds = [0, 5]
    exact = exact_spread(live, seeds)
    rng = np.random.default_rng(11)
    finals = []
    for r in range(2000):
        phi = rng.uniform(0, 1, g.n) if isinstance(rule, ThresholdRule) else None
        e = Engine(g, rule, key=1000 + r, phi=phi)
        e.seed(seeds)
        while not e.frontier_empty:
            e.step()
        finals.append(e.counts[State.ADOPTED])
    x = np.asarray(finals, dtype=float)
    assert abs(x.mean() - exact) < 5 * x.std(ddof=1) / math.sqrt(x.size)


@pytest.mark.parametrize("rule", [IC_RULE, LT_RULE], ids=["ic", "lt"])
@pytest.mark.parametrize("gi", range(len(GRAPHS)))
def test_imm_within_guarantee_of_brute_force(rule, gi):
    """sigma(IMM seeds) >= (1 - 1/e - eps) OPT, OPT by trying every pair; and IMM's own
    estimate is within eps of the exact spread of its seeds."""
    live = live_edge(GRAPHS[gi], rule)
    table = worlds(live)
    eps = 0.1
    for k in (1, 2, 3):
        _, opt = exact_optimum(live, k, table)
        r = imm(live, k, epsilon=eps, key=gi)
        got = exact_spread(live, r.seeds, table)
        assert got >= (1 - 1 / math.e - eps) * opt
        assert abs(r.spread - got) <= eps * got
    greedy, values = exact_greedy(live, 1, table)
    assert exact_spread(live, imm(live, 1, key=5).seeds, table) >= values[0] * (1 - eps)


@pytest.mark.parametrize("rule", [IC_RULE, LT_RULE], ids=["ic", "lt"])
def test_celf_equals_naive_greedy_and_exact_first_picks(rule):
    """CELF is the naive greedy, lazily (same worlds: identical picks and values); their
    picks agree with the exact greedy where its gains are clearly apart."""
    live = live_edge(GRAPHS[2], rule)
    table = worlds(live)
    a = celf(live, 3, worlds=4000, key=9)
    b = naive_greedy(live, 3, worlds=4000, key=9)
    assert a.seeds.tolist() == b.seeds.tolist()
    np.testing.assert_array_equal(a.marginal, b.marginal)
    assert a.evaluations < b.evaluations
    order = sorted(range(live.n), key=lambda v: -exact_spread(live, [v], table))
    first, second = (exact_spread(live, [v], table) for v in order[:2])
    if first - second > 0.2:  # margin >> 5 standard errors of 4000 worlds
        assert a.seeds[0] == order[0]
    chosen, values = exact_greedy(live, 3, table)
    assert a.spread >= values[-1] - 0.2


def test_greedy_bound_against_brute_force():
    """Greedy on the exact spread is within 1 - 1/e of the optimum (Nemhauser et al. 1978)."""
    for g in GRAPHS:
        for rule in (IC_RULE, LT_RULE):
            live = live_edge(g, rule)
            table = worlds(live)
            for k in (2, 3):
                _, values = exact_greedy(live, k, table)
                _, opt = exact_optimum(live, k, table)
                assert values[-1] >= (1 - 1 / math.e) * opt - 1e-12


def test_imm_same_with_any_thread_count():
    """RR sets are keyed by set number: 1 thread and 2 threads give the same seeds."""
    g = clustered(2000, group_size=10, weak_ties=2.0, seed=4)
    live = live_edge(g, CascadeRule(p_strong=0.2, p_weak=0.2))
    one = in_threads(1, lambda: imm(live, 5, epsilon=0.3, key=2))
    two, s1 = in_threads(2, lambda: (imm(live, 5, epsilon=0.3, key=2),
                                     rr_sets(live, 3, 0, 5000, mean_size=0.001)))  # fmt: skip
    # (tiny buffers in s1: forced refills)
    s2 = rr_sets(live, 3, 0, 5000)
    assert one.seeds.tolist() == two.seeds.tolist() and one.sets == two.sets
    np.testing.assert_array_equal(s1.offsets, s2.offsets)
    np.testing.assert_array_equal(s1.nodes, s2.nodes)


def test_refused_inputs():
    g = GRAPHS[0]
    with pytest.raises(ConfigError, match="seeding.influence"):
        imm(live_edge(g, IC_RULE), 0)
    with pytest.raises(ConfigError, match="seeding.epsilon"):
        imm(live_edge(g, IC_RULE), 1, epsilon=1.5)
    with pytest.raises(ConfigError, match="contagion.distribution"):
        live_edge(g, ThresholdRule(phi=0.2))
    from diffusion_sim.contagion import TiesRule

    with pytest.raises(ConfigError, match="contagion"):
        live_edge(g, TiesRule(alpha=0.1))


def _rr_law(live, table):
    """Exact law of an RR set: P(size = s) and P(u in the set | root r), from every world."""
    prob, reach = table  # reach[w, u, r]: u reaches r in world w, i.e. u is in RR(r)
    n = live.n
    sizes = reach.sum(axis=1)  # (W, root)
    p_size = np.zeros(n + 1)
    for s in range(1, n + 1):
        p_size[s] = float(prob @ (sizes == s).mean(axis=1))
    p_member = np.einsum("w,wur->ru", prob, reach.astype(float))  # (root, u)
    return np.clip(p_size, 0.0, 1.0), np.clip(p_member, 0.0, 1.0)  # rounding above 1


def _heterogeneous(g, seed):
    """An ``ic`` model with its own symmetric probability per tie (the thinning path)."""
    rng = np.random.default_rng(seed)
    u, v, _ = g.edges()
    q = dict(zip(zip(u.tolist(), v.tolist(), strict=True), rng.uniform(0.05, 0.9, u.size),
                 strict=True))  # fmt: skip
    w = np.empty(g.indices.size)
    for a in range(g.n):
        for e in range(g.indptr[a], g.indptr[a + 1]):
            b = int(g.indices[e])
            w[e] = q[(min(a, b), max(a, b))]
    return LiveEdge(IC, g.indptr, g.indices, w)


SAMPLER_CASES = [
    ("two-classes", lambda g: live_edge(g, CascadeRule(p_strong=0.45, p_weak=0.1)), True),
    ("strong>=0.5", lambda g: live_edge(g, CascadeRule(p_strong=0.7, p_weak=0.2)), True),
    ("certain+zero", lambda g: live_edge(g, CascadeRule(p_strong=1.0, p_weak=0.0)), True),
    ("weak>strong", lambda g: live_edge(g, CascadeRule(p_strong=0.15, p_weak=0.6)), True),
    ("one-class", lambda g: live_edge(g, CascadeRule(p_strong=0.3, p_weak=0.3)), True),
    ("thinning", lambda g: live_edge(g, CascadeRule(p_strong=0.45, p_weak=0.1)), False),
    ("per-tie", lambda g: _heterogeneous(g, 5), True),
]


@pytest.mark.parametrize("name,make,classes", SAMPLER_CASES, ids=[c[0] for c in SAMPLER_CASES])
@pytest.mark.parametrize("gi", [0, 2])
def test_rr_sets_have_the_exact_law(name, make, classes, gi):
    """Both RR-set samplers (class path: geometric skips per tie class; thinning path) draw
    sets whose size law and membership given the root are the exact live-edge ones.

    Each cell is a frequency over ``R`` independent sets (or over the sets of one root): 5
    binomial standard errors, ``sqrt(p (1 - p) / R)``, and 1e-9 for the cells that are 0 or 1.
    """
    g = GRAPHS[gi]
    live = make(g)
    sm = sampler(live, classes=classes)
    assert (sm.mid.size > 0) == (classes and name != "per-tie")
    p_size, p_member = _rr_law(live, worlds(live))
    count = 60_000
    sets = rr_sets(sm, key=11 + gi, first=0, count=count)
    sizes = np.diff(sets.offsets)
    f_size = np.bincount(sizes, minlength=g.n + 1) / count
    tol = 5 * np.sqrt(p_size * (1 - p_size) / count) + 1e-9
    assert np.all(np.abs(f_size - p_size) <= tol), (f_size, p_size)
    roots = sets.nodes[sets.offsets[:-1]]
    owner = np.repeat(np.arange(count), sizes)
    for r in range(g.n):
        mine = roots == r
        m = int(mine.sum())
        assert m > 0.8 * count / g.n  # roots are uniform: >> 5 s.e. below the mean
        f = np.bincount(sets.nodes[mine[owner]], minlength=g.n) / m
        tol = 5 * np.sqrt(p_member[r] * (1 - p_member[r]) / m) + 1e-9
        assert np.all(np.abs(f - p_member[r]) <= tol), (r, f, p_member[r])


def test_class_path_with_one_class_is_the_thinning_path_draw_for_draw():
    """One probability below 0.5: both samplers skip with it and number the draws alike, so
    the sets are identical (the class path changed speed, not results, on such models)."""
    g = clustered(1000, group_size=10, weak_ties=2.0, seed=2)
    live = live_edge(g, CascadeRule(p_strong=0.2, p_weak=0.2))
    a = rr_sets(sampler(live), 4, 0, 3000)
    b = rr_sets(sampler(live, classes=False), 4, 0, 3000)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.nodes, b.nodes)
