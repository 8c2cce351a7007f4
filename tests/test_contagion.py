"""Exact checks of the three rules: degenerate parameters, hand-made graphs, and the
kernels against the pure-Python reference with the same random numbers."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest

from conftest import graph_from
from diffusion_sim.contagion import CascadeRule, Engine, ThresholdRule, TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import clustered, erdos_renyi, watts_strogatz
from diffusion_sim.model import DiffusionModel
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, State
from naive import Naive, counter_draw


def run_engine(graph, rule, seeds, steps, key=7, phi=None, parallel=None):
    e = Engine(graph, rule, key, phi=phi, parallel=parallel)
    e.seed(seeds)
    for _ in range(steps):
        e.step()
    return e


# --- degenerate cases with exact answers ----------------------------------------------------
@pytest.mark.parametrize(
    "rule",
    [
        TiesRule(0.0, 0.0, 0.0),
        CascadeRule(0.0, 0.0),
        ThresholdRule(phi=1.0, w_strong=0.0, w_weak=0.0),
    ],
)
def test_zero_probabilities_spread_nothing(rule):
    g = clustered(2000, group_size=10, weak_ties=3.0, seed=1)
    e = run_engine(g, rule, [0, 1, 2], 30)
    assert e.counts[State.ADOPTED] == 3
    assert set(np.flatnonzero(e.adopted_at >= 0)) == {0, 1, 2}


def test_alpha_one_everyone_adopts_in_step_one():
    g = clustered(3000, seed=2)
    e = run_engine(g, TiesRule(1.0, 0.3, 0.3), [5], 1)
    assert e.counts[State.ADOPTED] == g.n
    rest = np.arange(g.n) != 5
    assert np.all(e.adopted_at[rest] == 1)
    # alpha = 1 has all the hazard mass whenever word of mouth is weaker than certain
    assert e.cause[5] == Cause.SEED


def test_cascade_p_one_gives_bfs_distances():
    g = erdos_renyi(3000, mean_degree=3.0, seed=3)
    seeds = [0, 17, 1234]
    e = run_engine(g, CascadeRule(1.0, 1.0), seeds, 60)
    G = g.to_networkx()
    dist = nx.multi_source_dijkstra_path_length(G, set(seeds))
    expect = np.full(g.n, -1)
    for node, d in dist.items():
        expect[node] = d
    np.testing.assert_array_equal(e.adopted_at, expect)


def test_phi_zero_everyone_adopts_in_step_one():
    g = watts_strogatz(500, k=4, p=0.1, seed=4)
    # isolated consumers included: a graph with 3 extra consumers and no ties
    g2 = graph_from(5, strong=[(0, 1)])
    for graph in (g, g2):
        e = run_engine(graph, ThresholdRule(phi=0.0), [], 1)
        assert e.counts[State.ADOPTED] == graph.n
        assert np.all(e.adopted_at == 1)
        assert np.all(e.cause == Cause.EXTERNAL)


def test_isolated_consumer_with_positive_threshold_never_adopts():
    g = graph_from(4, strong=[(0, 1), (1, 2)])
    e = run_engine(g, ThresholdRule(phi=0.5), [0], 10)
    assert e.adopted_at.tolist() == [0, 1, 2, -1]


# --- synchronous update, strong vs weak ------------------------------------------------------
@pytest.mark.parametrize(
    "rule", [TiesRule(0.0, 1.0, 0.0), CascadeRule(1.0, 0.0), ThresholdRule(phi=0.4)]
)
def test_update_is_synchronous(path_graph, rule):
    """On a path, adoption moves one consumer per step; an asynchronous in-order sweep would
    let it run down the whole path in step 1."""
    e = run_engine(path_graph, rule, [0], 12)
    assert e.adopted_at.tolist() == list(range(10))


def _star(n_strong=40, n_weak=40):
    """Consumer 0 with strong ties to 1..n_strong and weak ties to the next n_weak."""
    strong = [(0, i) for i in range(1, n_strong + 1)]
    weak = [(0, i) for i in range(n_strong + 1, n_strong + n_weak + 1)]
    return graph_from(1 + n_strong + n_weak, strong=strong, weak=weak), n_strong


@pytest.mark.parametrize(
    "rule",
    [
        TiesRule(0.0, 1.0, 0.0),
        CascadeRule(1.0, 0.0),
        ThresholdRule(phi=1.0, w_strong=1.0, w_weak=0.0),
    ],
)
def test_strong_and_weak_are_not_swapped(rule):
    g, ns = _star()
    e = run_engine(g, rule, [0], 1)
    strong_side = np.arange(1, ns + 1)
    weak_side = np.arange(ns + 1, g.n)
    assert np.all(e.adopted_at[strong_side] == 1)
    assert np.all(e.cause[strong_side] == Cause.STRONG)
    assert np.all(e.adopted_at[weak_side] == -1)
    assert np.all(e.state[weak_side] == State.AWARE)


@pytest.mark.parametrize(
    "rule",
    [
        TiesRule(0.0, 0.0, 1.0),
        CascadeRule(0.0, 1.0),
        ThresholdRule(phi=1.0, w_strong=0.0, w_weak=1.0),
    ],
)
def test_weak_only_reaches_weak_side(rule):
    g, ns = _star()
    e = run_engine(g, rule, [0], 1)
    assert np.all(e.adopted_at[1 : ns + 1] == -1)
    assert np.all(e.adopted_at[ns + 1 :] == 1)
    assert np.all(e.cause[ns + 1 :] == Cause.WEAK)


def test_cascade_gives_one_chance_only():
    """A neighbour that resists in step t + 1 is never tried again by the same adopter."""
    g = graph_from(2, weak=[(0, 1)])
    tried_later = 0
    for key in range(200):
        e = run_engine(g, CascadeRule(0.0, 0.5), [0], 5, key=key)
        if e.adopted_at[1] not in (-1, 1):
            tried_later += 1
    assert tried_later == 0


def test_threshold_comparison_is_robust_to_rounding():
    """0.14 * 50 evaluates to 7.000000000000001; 7 adopters of 50 neighbours must be enough."""
    assert 0.14 * 50 > 7
    g = graph_from(51, weak=[(0, i) for i in range(1, 51)])
    e = run_engine(g, ThresholdRule(phi=0.14), list(range(1, 8)), 1)
    assert e.adopted_at[0] == 1
    e = run_engine(g, ThresholdRule(phi=0.14), list(range(1, 7)), 3)
    assert e.adopted_at[0] == -1
    e = run_engine(g, ThresholdRule(phi=0.7, mode="count", w_weak=0.1), list(range(1, 8)), 1)
    assert e.adopted_at[0] == 1  # 7 x 0.1 = 0.7000000000000001 in floating point


def test_threshold_weights_enter_fraction():
    """Centre has 2 strong and 2 weak ties; w_strong = 3: one strong adopter gives 3/8."""
    g = graph_from(5, strong=[(0, 1), (0, 2)], weak=[(0, 3), (0, 4)])
    rule = ThresholdRule(phi=0.375, w_strong=3.0, w_weak=1.0)
    assert run_engine(g, rule, [1], 1).adopted_at[0] == 1
    assert run_engine(g, rule, [3], 2).adopted_at[0] == -1
    assert run_engine(g, rule, [3, 4], 2).adopted_at[0] == -1  # 2/8 < 3/8
    rule_c = ThresholdRule(phi=4.0, mode="count", w_strong=3.0, w_weak=1.0)
    assert run_engine(g, rule_c, [1, 3], 1).adopted_at[0] == 1
    assert run_engine(g, rule_c, [3, 4], 2).adopted_at[0] == -1


# --- the kernels against the pure-Python reference (same random numbers) -------------------
def _compare(graph, rule, seeds, steps, key, stepper, phi=None, parallel=None):
    e = Engine(graph, rule, key, phi=phi, parallel=parallel)
    e.seed(seeds)
    ref = Naive(graph, seeds, counter_draw(key))
    for _ in range(steps):
        e.step()
        stepper(ref)
        np.testing.assert_array_equal(e.adopted_at, ref.adopted_at)
        np.testing.assert_array_equal(e.cause, ref.cause)
        np.testing.assert_array_equal(e.state, ref.states())
        np.testing.assert_array_equal(np.bincount(e.state, minlength=3), e.counts)


@pytest.mark.parametrize("key", [1, 2])
def test_ties_matches_reference(key):
    g = clustered(300, group_size=6, weak_ties=2.0, seed=key)
    rule = TiesRule(0.01, 0.15, 0.08)
    _compare(g, rule, [0, 50], 12, key, lambda r: r.step_ties(0.01, 0.15, 0.08))


def test_ties_with_weak_meetings_matches_reference():
    g = clustered(300, group_size=10, weak_ties=0.0, meetings_per_step=3, seed=5)
    rule = TiesRule(0.005, 0.1, 0.2)
    _compare(g, rule, [0, 150], 12, 9, lambda r: r.step_ties(0.005, 0.1, 0.2))


def test_cascade_matches_reference():
    g = clustered(300, group_size=8, weak_ties=3.0, seed=3)
    _compare(g, CascadeRule(0.4, 0.2), [0, 100, 200], 12, 4, lambda r: r.step_cascade(0.4, 0.2))


@pytest.mark.parametrize("leaves, dtype", [(2**15 - 1, np.int32), (2**15, np.int64)])
def test_cascade_hit_counts_switch_to_int64_for_large_degrees(leaves, dtype):
    """A hub with 2^15 weak ties no longer fits the int32 packing (weak in 15 bits): hits go
    int64. All leaves adopt at once: the hub's 2^15 - 1 or 2^15 weak hits of one step must be
    counted exactly (same uniforms as the reference), not overflow into the sign bit."""
    g = graph_from(leaves + 1, weak=[(0, i) for i in range(1, leaves + 1)])
    p = 2e-5  # P(hub adopts) = 1 - (1 - p)^leaves ~ 0.48
    adopted = set()
    for key in range(12):
        e = Engine(g, CascadeRule(0.0, p), key)
        assert e._collect[1].dtype == dtype
        e.seed(np.arange(1, leaves + 1))
        e.step()
        u = uniforms(key, 1, [0])[0]
        assert (e.adopted_at[0] == 1) == (u < 1 - (1 - p) ** leaves)
        adopted.add(int(e.adopted_at[0]))
    assert adopted == {-1, 1}  # both outcomes seen


def test_cascade_seeds_in_two_calls_equal_one_call():
    """Seeds given in two calls spread like one call: the first call's candidates stay listed
    (they used to be dropped from the list while their hits stayed counted)."""
    g = clustered(2000, group_size=8, weak_ties=2.0, seed=4)
    rule = CascadeRule(0.3, 0.15)
    one = Engine(g, rule, key=3)
    one.seed([0, 1000])
    two = Engine(g, rule, key=3)
    two.seed([0])
    two.seed([1000, 0])
    np.testing.assert_array_equal(two.state, one.state)
    np.testing.assert_array_equal(two.counts, one.counts)
    np.testing.assert_array_equal(two.run_until_quiet(1000), one.run_until_quiet(1000))
    for name in ("state", "adopted_at", "cause", "counts", "comm_adopters"):
        np.testing.assert_array_equal(getattr(two, name), getattr(one, name))


@pytest.mark.parametrize("mode", ["fraction", "count"])
def test_threshold_matches_reference(mode):
    g = watts_strogatz(300, k=6, p=0.2, seed=6)
    rng = np.random.default_rng(0)
    hi = 0.6 if mode == "fraction" else 4.0
    phi = rng.uniform(0.0, hi, g.n)
    rule = ThresholdRule(
        phi=0.3,
        mode=mode,
        w_strong=1.0,
        w_weak=0.5,
        distribution="uniform",
        phi_low=0.0,
        phi_high=hi,
    )
    _compare(
        g,
        rule,
        list(range(0, 300, 37)),
        15,
        8,
        lambda r: r.step_threshold(phi, 1.0, 0.5, mode),
        phi=phi,
    )


# --- reproducibility ------------------------------------------------------------------------
def _final(graph, rule, seeds, steps, parallel, threads):
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        e = run_engine(graph, rule, seeds, steps, key=99, parallel=parallel)
    finally:
        numba.set_num_threads(before)
    return e.adopted_at.copy(), e.cause.copy()


@pytest.mark.parametrize(
    "rule", [TiesRule(0.001, 0.05, 0.02), CascadeRule(0.3, 0.1), ThresholdRule(phi=0.08)]
)
def test_serial_parallel_and_thread_counts_agree(rule):
    g = clustered(40_000, group_size=10, weak_ties=3.0, seed=11)  # several kernel blocks
    seeds = list(range(0, 40_000, 997))
    ref = _final(g, rule, seeds, 25, False, 1)
    assert (ref[0] > 0).sum() > 100  # something actually spread
    for parallel, threads in [
        (True, 1),
        (True, max(2, numba.config.NUMBA_NUM_THREADS)),
        (None, numba.config.NUMBA_NUM_THREADS),
    ]:
        threads = min(threads, numba.config.NUMBA_NUM_THREADS)
        got = _final(g, rule, seeds, 25, parallel, threads)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])


def test_same_seed_same_run_different_seed_different_run():
    g = clustered(5000, seed=1)
    rule = TiesRule(0.002, 0.05, 0.02)
    a = DiffusionModel(g, rule, Seeding(random=5), seed=42).run(30)
    b = DiffusionModel(g, rule, Seeding(random=5), seed=42).run(30)
    c = DiffusionModel(g, rule, Seeding(random=5), seed=43).run(30)
    np.testing.assert_array_equal(a.adopted_at, b.adopted_at)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.adopted_at, c.adopted_at)


# --- bookkeeping ----------------------------------------------------------------------------
def test_counts_and_adopter_neighbour_counts_are_consistent():
    g = clustered(3000, group_size=10, weak_ties=2.0, seed=2)
    e = run_engine(g, TiesRule(0.003, 0.08, 0.03), [1, 2, 3], 20)
    adopted = (e.state == State.ADOPTED).astype(np.int64)
    src = np.repeat(np.arange(g.n), g.degree())
    strong = np.bincount(src, weights=adopted[g.indices] * g.tie, minlength=g.n)
    weak = np.bincount(src, weights=adopted[g.indices] * (1 - g.tie), minlength=g.n)
    np.testing.assert_array_equal(e.n_strong, strong.astype(np.int64))
    np.testing.assert_array_equal(e.n_weak, weak.astype(np.int64))
    aware = (e.state != State.ADOPTED) & (strong + weak > 0)
    np.testing.assert_array_equal(e.state == State.AWARE, aware)


def test_rule_validation_names_key_value_and_range():
    with pytest.raises(ConfigError, match=r"contagion.beta_weak=1.5 .*probability in \[0, 1\]"):
        TiesRule(0.0, 0.1, 1.5)
    with pytest.raises(ConfigError, match="contagion.mode"):
        ThresholdRule(mode="share")
    with pytest.raises(ConfigError, match="contagion.phi"):
        ThresholdRule(phi=1.2)
    ThresholdRule(phi=3.0, mode="count")  # counts above 1 are fine


def test_seeds_only_at_start():
    g = graph_from(3, strong=[(0, 1)])
    e = Engine(g, TiesRule(), 1)
    e.seed([0, 0])
    assert e.counts[State.ADOPTED] == 1 and e.cause[0] == Cause.SEED and e.adopted_at[0] == 0
    e.step()
    with pytest.raises(RuntimeError):
        e.seed([2])
    with pytest.raises(ValueError):
        Engine(g, TiesRule(), 1).seed([5])


def test_neighbour_updates_do_not_depend_on_how_they_are_split():
    """The apply kernel may split neighbours into parts (one task each): same outcome."""
    from diffusion_sim.kernels._apply import _apply_adoptions_serial

    g = clustered(3000, group_size=10, weak_ties=3.0, seed=4)
    new = np.random.default_rng(1).choice(g.n, 400, replace=False).astype(np.int32)
    out = []
    for parts in (1, 3, 7):
        state = np.zeros(g.n, np.uint8)
        counts = np.array([g.n, 0, 0], np.int64)
        adopters = np.zeros(g.n, np.int64)
        cand, hits = np.empty(g.n + 64, np.int32), np.zeros(g.n, np.int64)
        by = np.zeros(len(Cause), np.int64)
        nc = _apply_adoptions_serial(
            (g.indptr, g.indices, g.tie), state, counts, np.zeros(g.n, np.int8), g.community,
            np.zeros(g.n_communities, np.int64), new, np.array([0]), np.array([new.size]),
            adopters, (cand, hits), by, parts,
        )  # fmt: skip
        assert len(set(cand[:nc].tolist())) == nc  # each candidate listed once
        out.append((state, counts, adopters, sorted(cand[:nc].tolist()), hits))
    for other in out[1:]:
        for a, b in zip(out[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_engine_surface_mark_aware_and_adopter_counts():
    """The market's way into the engine: awareness without adoption (counts kept), and
    adopter neighbours by tie class against a count over the graph."""
    from diffusion_sim.contagion import Engine, ExtraHazard, TiesRule
    from diffusion_sim.graph import clustered
    from diffusion_sim.states import State

    g = clustered(400, group_size=8, weak_ties=2.0, seed=3)
    eng = Engine(g, TiesRule(0.01, 0.05, 0.05), key=9)
    eng.seed([0, 1, 2, 50])
    for _ in range(3):
        eng.step(extra=ExtraHazard(np.zeros(g.n), np.zeros(g.n, np.int8), np.ones(g.n)))
    before = eng.state.copy()
    ids = np.array([3, 3, 0, 7, 399, 120, 7])
    want = {int(i) for i in ids if before[i] == State.UNAWARE}
    assert eng.mark_aware(ids) == len(want)
    assert eng.mark_aware(ids) == 0  # once only
    for i in range(g.n):
        if i in want:
            assert eng.state[i] == State.AWARE
        else:
            assert eng.state[i] == before[i]  # adopters stay adopters
    np.testing.assert_array_equal(eng.counts, np.bincount(eng.state, minlength=len(State)))
    strong, weak = eng.adopter_counts(np.arange(g.n))
    for i in range(g.n):
        nb, tie = g.neighbors(i)
        adopted = eng.state[nb] == State.ADOPTED
        assert strong[i] == np.sum(adopted & (tie == 1))
        assert weak[i] == np.sum(adopted & (tie == 0))


@pytest.mark.parametrize("parallel", [False, True, None, "mixed"])
def test_run_until_quiet_equals_stepping(parallel, monkeypatch):
    """The compiled cascade loop takes the same steps with the same draws as step(); "mixed":
    a low threshold, so that with several threads the small steps run the serial kernels and
    the large ones the threaded kernels inside one compiled loop."""
    if parallel == "mixed":
        import diffusion_sim.contagion as contagion

        monkeypatch.setattr(contagion, "CASCADE_PARALLEL_MIN", 300)
        parallel = None
    g = clustered(3000, group_size=8, weak_ties=2.0, seed=4)
    rule = CascadeRule(p_strong=0.3, p_weak=0.15)
    ref = Engine(g, rule, key=11, parallel=False)
    ref.seed([0, 1500])
    rows = []
    while not ref.frontier_empty:
        rows.append(ref.step())
    for cap in (len(rows) + 50, 3):  # to quiet, and stopped early by max_steps
        e = Engine(g, rule, key=11, parallel=parallel)
        e.seed([0, 1500])
        got = e.run_until_quiet(cap)
        k = min(cap, len(rows))
        assert got.shape == (k, len(rows[0])) and e.t == k
        np.testing.assert_array_equal(got, np.array(rows[:k]))
        if k == len(rows):
            assert e.frontier_empty
            for name in ("state", "adopted_at", "cause", "counts", "comm_adopters"):
                np.testing.assert_array_equal(getattr(e, name), getattr(ref, name))
    # rules without a compiled loop step from Python, to the same end
    a = Engine(g, ThresholdRule(phi=0.2), key=2)
    a.seed([5, 6, 7])
    a.run_until_quiet(10_000)
    b = Engine(g, ThresholdRule(phi=0.2), key=2)
    b.seed([5, 6, 7])
    while not b.frontier_empty:
        b.step()
    assert a.t == b.t
    np.testing.assert_array_equal(a.adopted_at, b.adopted_at)
