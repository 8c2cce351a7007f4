"""OPIM-C (Tang, Tang, Xiao & Yuan 2018) against exact answers and its own theory.

* the guarantee ``sigma(S) >= (1 - 1/e - eps) OPT`` with ``OPT`` by brute force over every
  live-edge world (:mod:`diffusion_sim.influence.exact`);
* the certificate: ``lower_bound <= sigma(S)`` and ``OPT <= upper_bound``, each wrong with
  probability ``<= delta / 3`` per run, counted over many runs with a binomial tolerance;
* the two confidence bounds against the exact binomial law of a coverage count;
* the improved upper bound of the greedy against a slow transcription and brute force;
* the roles of ``R1`` (picks, upper bound) and ``R2`` (lower bound, estimate) and the rounds,
  re-derived from the keyed sets; thread-count invariance; refused inputs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binom

from diffusion_sim.contagion import CascadeRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import clustered
from diffusion_sim.influence import (
    exact_optimum,
    exact_spread,
    imm,
    influence_seeds,
    live_edge,
    opim,
    rr_sets,
    sampler,
    worlds,
)
from diffusion_sim.influence._kernels import _max_coverage, _max_coverage_bound, _prefix_cover
from diffusion_sim.influence.opim import _R2, E1, opim_lower, opim_rounds, opim_upper
from diffusion_sim.seeding import Seeding
from test_influence import GRAPHS, IC_RULE, LT_RULE, in_threads  # the same graphs, rules

RULES = [IC_RULE, LT_RULE]


def _opim_mod():
    import sys

    return sys.modules["diffusion_sim.influence.opim"]


@pytest.mark.parametrize("rule", RULES, ids=["ic", "lt"])
@pytest.mark.parametrize("gi", range(len(GRAPHS)))
def test_opim_within_guarantee_of_brute_force(rule, gi):
    """sigma(OPIM-C seeds) >= (1 - 1/e - eps) OPT for k = 1, 2, 3, OPT over every k-set."""
    live = live_edge(GRAPHS[gi], rule)
    table = worlds(live)
    eps = 0.1
    for k in (1, 2, 3):
        _, opt = exact_optimum(live, k, table)
        r = opim(live, k, epsilon=eps, key=gi)
        assert r.method == "opim" and len(set(r.seeds.tolist())) == k
        assert exact_spread(live, r.seeds, table) >= (1 - 1 / math.e - eps) * opt


def test_certificate_brackets_the_exact_values():
    """lower_bound <= sigma(S) and OPT <= upper_bound: each fails with probability <= delta/3
    per run (the union over the checked rounds). Over R runs the failures of each are at most
    Binomial(R, delta/3); we allow the count whose tail is below 1e-6."""
    delta = 0.05
    runs, low_fail, up_fail = 0, 0, 0
    for gi, g in enumerate(GRAPHS):
        for rule in RULES:
            live = live_edge(g, rule)
            table = worlds(live)
            for k in (1, 2):
                _, opt = exact_optimum(live, k, table)
                for key in range(5):
                    r = opim(live, k, epsilon=0.1, delta=delta, key=100 * gi + key)
                    got = exact_spread(live, r.seeds, table)
                    runs += 1
                    low_fail += r.lower_bound > got
                    up_fail += r.upper_bound < opt
                    assert r.lower_bound <= r.spread <= r.upper_bound + 1e-9
    allowed = int(binom.isf(1e-6, runs, delta / 3))
    assert low_fail <= allowed and up_fail <= allowed, (runs, low_fail, up_fail, allowed)


def test_confidence_bounds_against_the_exact_binomial_law():
    """A coverage count X ~ Binomial(theta, p): P(lower(X) > theta p) <= e^-a and
    P(upper(X) < theta p) <= e^-a for every p (Lemmas of Tang et al. 2018), and neither is
    slack by orders of magnitude (the worst p reaches a twentieth of e^-a)."""
    assert opim_lower(0.0, 3.0) == 0.0 and opim_lower(1.0, 3.0) == 0.0  # below 2a/3: 0
    theta = 3000
    x = np.arange(theta + 1, dtype=float)
    for a in (2.0, 5.0):
        lo = np.array([opim_lower(v, a) for v in x])
        up = np.array([opim_upper(v, a) for v in x])
        assert np.all(lo <= x + 1e-9) and np.all(up >= x)
        worst_lo = worst_up = 0.0
        for p in (0.002, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 0.8):
            pm = binom.pmf(x, theta, p)
            tail_lo = pm[lo > theta * p].sum()
            tail_up = pm[up < theta * p].sum()
            assert tail_lo <= math.exp(-a) and tail_up <= math.exp(-a), (a, p)
            worst_lo, worst_up = max(worst_lo, tail_lo), max(worst_up, tail_up)
        assert worst_lo >= math.exp(-a) / 20 and worst_up >= math.exp(-a) / 20, (a,)


def test_confidence_bounds_invert_the_martingale_tails():
    """The bounds are the roots of the tails they invert (Tang et al. 2018, from the
    martingale bounds of Tang, Shi & Xiao 2015, Corollaries 1-2): the upper bound U solves
    Pr[X <= U - sqrt(2 a U)] <= e^-a, i.e. x = U - sqrt(2 a U); the lower bound L solves
    Pr[X >= L + t] <= exp(-t^2 / (2 L + 2t/3)) = e^-a, i.e. t^2 = 2 a L + (2a/3) t, t = x - L."""
    for a in (1.0, 4.6, 15.5):
        for x in (1.0, 10.0, 333.0, 1e5):
            u = opim_upper(x, a)
            assert u - math.sqrt(2 * a * u) == pytest.approx(x, rel=1e-12)
            lo = opim_lower(x, a)
            if x >= 2 * a / 3:  # below, the formula's root is negative and 0 is returned
                t = x - lo
                assert t * t == pytest.approx(2 * a * lo + 2 * a / 3 * t, rel=1e-10)


def _slow_bound(n, sets, k):
    """Greedy (ties: lowest index) and min over its prefixes of coverage + top-k marginals."""
    covered = [False] * len(sets)
    chosen = []
    best = None
    for i in range(k + 1):
        marg = [sum(1 for s, c in zip(sets, covered, strict=True) if not c and v in s)
                for v in range(n)]  # fmt: skip
        for v in chosen:
            marg[v] = 0
        bound = sum(covered) + sum(sorted(marg, reverse=True)[:k])
        best = bound if best is None else min(best, bound)
        if i == k:
            break
        v = max((u for u in range(n) if u not in chosen), key=lambda u: (marg[u], -u))
        chosen.append(v)
        covered = [c or v in s for s, c in zip(sets, covered, strict=True)]
    return chosen, best


def test_upper_bound_kernel_is_the_min_over_greedy_prefixes():
    """The kernel's picks are the plain greedy's; its bound is the slow transcription's and at
    least the best k-coverage by brute force."""
    rng = np.random.default_rng(3)
    for trial in range(40):
        n = int(rng.integers(3, 9))
        sets = [sorted(set(rng.integers(0, n, int(rng.integers(1, 4))).tolist()))
                for _ in range(int(rng.integers(1, 30)))]  # fmt: skip
        k = int(rng.integers(1, n + 1))
        offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.int64)
        nodes = np.concatenate([np.asarray(s, np.int32) for s in sets])
        args = (np.int64(n), offsets, nodes, np.int64(k))
        seeds, cum, upper = _max_coverage_bound(*args, np.empty(nodes.size, np.int32))
        plain, plain_cum = _max_coverage(*args, np.empty(nodes.size, np.int32))
        np.testing.assert_array_equal(seeds, plain)
        np.testing.assert_array_equal(cum, plain_cum)
        chosen, slow = _slow_bound(n, [set(s) for s in sets], k)
        assert seeds.tolist() == chosen and upper == slow, (trial, upper, slow)
        opt = max(sum(1 for s in sets if set(s) & set(c))
                  for c in itertools.combinations(range(n), k))  # fmt: skip
        assert cum[-1] <= opt <= upper
        prefix = _prefix_cover(np.int64(n), offsets, nodes, seeds)
        np.testing.assert_array_equal(prefix, cum)  # the same sets: the greedy's own counts


def test_rounds_and_the_roles_of_r1_and_r2():
    """Re-derive a run from the keyed sets: the seeds are the greedy of R1 = sets 0..theta-1,
    the upper bound is R1's, the estimate and lower bound are R2's (sets from _R2 on, which
    never chose the seeds), both with a = ln(3 i_max / delta); the previous round failed its
    check and this one passed it."""
    g = clustered(2000, group_size=10, weak_ties=2.0, seed=4)
    live = live_edge(g, CascadeRule(p_strong=0.2, p_weak=0.2))
    n, k, eps, delta, key = g.n, 5, 0.2, 0.01, 9
    r = opim(live, k, epsilon=eps, delta=delta, key=key)
    theta_0, theta_max, i_max = opim_rounds(n, k, eps, delta)
    a = math.log(3 * i_max / delta)
    assert 1 < r.rounds <= i_max  # certified before the last round here
    sm = sampler(live)

    def round_of(i):
        theta = theta_0 << i
        r1 = rr_sets(sm, key, 0, theta)
        r2 = rr_sets(sm, key, _R2, theta)
        seeds, _, best = _max_coverage_bound(np.int64(n), r1.offsets, r1.nodes, np.int64(k),
                                             np.empty(r1.nodes.size, np.int32))  # fmt: skip
        cov = int(r2.covered(seeds).sum())
        return theta, seeds, opim_lower(cov, a), opim_upper(best, a), cov

    theta, seeds, lower, upper, cov = round_of(r.rounds - 1)
    assert r.sets == 2 * theta and r.total_sets == r.sets
    assert r.seeds.tolist() == seeds.tolist()
    assert r.spread == pytest.approx(n * cov / theta, rel=1e-12)
    assert r.lower_bound == pytest.approx(lower * n / theta, rel=1e-12)
    assert r.upper_bound == pytest.approx(upper * n / theta, rel=1e-12)
    assert lower >= (E1 - eps) * upper
    _, _, lower, upper, _ = round_of(r.rounds - 2)
    assert lower < (E1 - eps) * upper


def test_rounds_formula():
    """theta_max (the paper's line 1), theta_0 = theta_max eps^2 k / n, and i_max: the last
    round's theta_0 * 2**i_max reaches theta_max, one round fewer does not."""
    n, k, eps, delta = 100_000, 50, 0.1, 1e-5
    theta_0, theta_max, i_max = opim_rounds(n, k, eps, delta)
    lcnk = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    base = 2 * (E1 * math.sqrt(math.log(6 / delta))
                + math.sqrt(E1 * (lcnk + math.log(6 / delta)))) ** 2  # fmt: skip
    assert theta_max == math.ceil(base * n / (eps**2 * k))
    assert theta_0 == math.ceil(base)
    assert theta_0 << i_max >= theta_max > theta_0 << (i_max - 1)


def test_never_certified_runs_to_a_last_round_of_theta_max(monkeypatch):
    """With a lower bound that never certifies, OPIM-C still stops: after i_max checked rounds
    the last holds >= theta_max sets per collection (the guarantee of the greedy alone)."""
    mod = _opim_mod()
    monkeypatch.setattr(mod, "opim_lower", lambda covered, a: 0.0)
    live = live_edge(GRAPHS[0], IC_RULE)
    n, k, eps = GRAPHS[0].n, 2, 0.3
    r = mod.opim(live, k, epsilon=eps, key=1)
    theta_0, theta_max, i_max = opim_rounds(n, k, eps, 1.0 / n)
    assert r.rounds == i_max + 1
    assert r.sets // 2 >= theta_max and r.sets // 2 == theta_0 << i_max


def test_large_epsilon_stops_in_the_first_round():
    """eps > 1 - 1/e: the target ratio is negative and the lower bound is >= 0, so the first
    round (theta_0 sets per collection) returns."""
    live = live_edge(GRAPHS[1], IC_RULE)
    r = opim(live, 2, epsilon=0.7, key=3)
    theta_0, _, _ = opim_rounds(GRAPHS[1].n, 2, 0.7, 1.0 / GRAPHS[1].n)
    assert r.rounds == 1 and r.sets == 2 * theta_0


def test_same_with_any_thread_count():
    g = clustered(2000, group_size=10, weak_ties=2.0, seed=4)
    live = live_edge(g, CascadeRule(p_strong=0.2, p_weak=0.2))
    one, two = (in_threads(t, lambda: opim(live, 5, epsilon=0.2, key=2)) for t in (1, 2))
    assert one.seeds.tolist() == two.seeds.tolist()
    assert (one.sets, one.entries, one.rounds) == (two.sets, two.entries, two.rounds)
    assert (one.lower_bound, one.upper_bound, one.spread) == (
        two.lower_bound, two.upper_bound, two.spread)  # fmt: skip


def test_seeding_method_selects_the_algorithm():
    """seeding.method picks the algorithm: the seeds are that function's (imm and opim)."""
    g = clustered(500, group_size=10, weak_ties=2.0, seed=1)
    rule = CascadeRule(p_strong=0.2, p_weak=0.2)
    live = live_edge(g, rule)
    rng = np.random.default_rng(0)
    for method, fn in (("imm", imm), ("opim", opim)):
        want = np.sort(fn(live, 4, epsilon=0.3, key=0).seeds)
        got = Seeding(influence=4, epsilon=0.3, method=method).choose(g, rng, rule)
        np.testing.assert_array_equal(got, want)
        assert influence_seeds(g, rule, 4, epsilon=0.3, method=method).tolist() == (
            fn(live, 4, epsilon=0.3).seeds.tolist())  # fmt: skip
    assert Seeding().method == "imm"  # the better picks: the yardstick (docs §3b)


def test_refused_inputs(tmp_path):
    live = live_edge(GRAPHS[0], IC_RULE)
    with pytest.raises(ConfigError, match="seeding.influence"):
        opim(live, 0)
    with pytest.raises(ConfigError, match="seeding.epsilon"):
        opim(live, 1, epsilon=1.5)
    with pytest.raises(ConfigError, match="seeding.delta"):
        opim(live, 1, delta=2.0)
    with pytest.raises(ConfigError, match=r"seeding.epsilon=0.01 is not allowed: a larger"):
        opim(live, 1, epsilon=0.01, max_sets=1000)
    with pytest.raises(ConfigError, match=r"seeding.method='celf' is not allowed: one of"):
        Seeding(influence=2, method="celf")
    with pytest.raises(ConfigError, match=r"seeding.method"):
        influence_seeds(GRAPHS[0], IC_RULE, 2, method="IMM")
    from conftest import run_cli

    res = run_cli(tmp_path, "seeding=influence", "seeding.method=greedy", "graph.n=200",
                  f"hydra.run.dir={tmp_path / 'out'}", "sim.progress=false")  # fmt: skip
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("[")]
    assert res.returncode == 2 and len(lines) == 1, res.stderr
    assert "seeding.method='greedy' is not allowed: one of ['imm', 'opim']" in lines[0]


def test_market_influence_method_is_checked():
    from tests.market.mkt import sample_params

    with pytest.raises(ConfigError, match=r"market.influence.method='celf' is not allowed"):
        sample_params(influence={"method": "celf"})
    assert sample_params().influence.method == "imm"
