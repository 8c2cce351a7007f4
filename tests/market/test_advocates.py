"""Recruited advocates (bridging, KOL, KOC): recruitment, cost, posts, trust weighting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import _graph, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.graph import GENERATORS, SocialGraph
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.brand import advocacy
from diffusion_sim.market.model import MarketModel
from diffusion_sim.states import Cause, State


def test_advocate_count_and_cost_follow_the_budget():
    g = _graph()
    p = _params()
    unit = p.product.unit_cost
    for name, fee in (("bridging", p.bridging.fee), ("kol", p.kol.fee), ("koc", p.koc.fee)):
        budget = 10_000.0
        m = MarketModel(g, TiesRule(), p, {name: budget}, horizon=1, seed=0)
        k = int(budget // (fee + unit))
        cause = {"bridging": Cause.BRIDGE, "kol": Cause.KOL, "koc": Cause.KOC}[name]
        assert np.count_nonzero(m.engine.cause == cause) == k
        assert m.result().spend[0].sum() == pytest.approx(k * (fee + unit))
        assert np.all(m.purchases[m.engine.cause == cause] == 0)  # samples are not sales
    hubs = MarketModel(g, TiesRule(), p, {"kol": 10_000.0}, horizon=1, seed=0)
    chosen = hubs.engine.cause == Cause.KOL
    assert g.degree()[chosen].min() >= g.degree()[~chosen].max()


@pytest.mark.statistical
def test_bridges_reach_more_communities_than_random_seeds():
    """Few weak ties between communities, no organic spread: only the advocates' posts."""
    g = GENERATORS["clustered"](n=6000, group_size=12, weak_ties=0.3, seed=4)
    p = _params(bridging={"fee": 300.0}, koc={"fee": 300.0},
                groups={"enabled": False})  # fmt: skip
    reached = {"bridging": [], "koc": []}
    for seed in range(4):
        for name in reached:
            m = MarketModel(g, TiesRule(), p, {name: 20 * (300.0 + p.product.unit_cost)},
                            horizon=30, seed=seed)  # fmt: skip
            m.run()
            cust = m.engine.state == State.ADOPTED
            # communities other than the advocates' own that gained a customer
            own = np.unique(g.community[m.adv_row > 0])
            comms = np.setdiff1d(np.unique(g.community[cust]), own)
            reached[name].append(comms.size)
    assert min(reached["bridging"]) > max(reached["koc"])


def test_advocacy_pass_equals_a_naive_sum_over_ties():
    """log-survival per (target, kind) = sum over advocate ties of log(1 - b_tie * weight);
    the same with the engine's adopter counts (posters among customers only are skipped),
    with any number of parts."""
    g = GENERATORS["erdos_renyi"](n=300, mean_degree=6, seed=8)
    g = SocialGraph.from_edges(g.n, *g.edges()[:2], (np.arange(g.n_ties) % 2 == 0).astype(int))
    rng = np.random.default_rng(1)
    state = np.where(rng.random(g.n) < 0.3, State.ADOPTED, State.UNAWARE).astype(np.uint8)
    sources = np.sort(rng.choice(g.n, 40, replace=False)).astype(np.int64)
    for j in sources[::4]:  # some posters among customers only (skipped with the counts)
        state[g.neighbors(int(j))[0]] = State.ADOPTED
    kinds = rng.integers(0, kern.N_ADVOCACY, sources.size).astype(np.int64)
    weight = rng.uniform(0.5, 1.5, sources.size)
    # one hazard per advocacy kind, whatever the number of kinds registered
    b_s = np.resize([0.1, 0.2, 0.05, 0.3, 0.15, 0.25], kern.N_ADVOCACY)
    b_w = np.resize([0.01, 0.02, 0.0, 0.03, 0.05, 0.04], kern.N_ADVOCACY)
    ref = np.zeros((g.n, kern.N_ADVOCACY))
    for j, k, wgt in zip(sources, kinds, weight, strict=True):
        nbrs, ties = g.neighbors(int(j))
        for i, tie in zip(nbrs, ties, strict=True):
            if state[i] != State.ADOPTED:
                b = (b_s if tie == 1 else b_w)[k] * wgt
                ref[i, k] += math.log(1 - b)
    hit = np.flatnonzero((ref < 0).any(axis=1))
    # the engine's packed adopter counts: strong ones in the low 32 bits, weak in the high
    row = np.repeat(np.arange(g.n), np.diff(g.indptr))
    packed = np.where(g.tie == 1, 1, 1 << 32) * (state[g.indices] == State.ADOPTED)
    adopters = np.bincount(row, packed.astype(np.float64), minlength=g.n).astype(np.int64)
    for i in range(0, g.n, 37):
        nbrs, ties = g.neighbors(i)
        cust = state[nbrs] == State.ADOPTED
        assert adopters[i] == (cust & (ties == 1)).sum() + ((cust & (ties == 0)).sum() << 32)
    full = (adopters & 0xFFFFFFFF) + (adopters >> 32) == np.diff(g.indptr)
    assert full[sources].sum() >= 10  # the skip is exercised
    first = None
    for fn, parts in ((advocacy._advocacy_serial, 1), (advocacy._advocacy_parallel, 2),
                      (advocacy._advocacy_parallel, 7)):  # fmt: skip
        for counts in (np.zeros(0, np.int64), adopters):
            L = np.zeros((g.n, kern.N_ADVOCACY))
            flag = np.zeros(g.n, np.bool_)
            touched = np.empty(g.n, np.int64)
            posts = kern.Posts(sources, kinds, weight, b_s, b_w)
            table = kern.AdvocacyTable(L, flag, touched)
            nt = fn((g.indptr, g.indices, g.tie), state, counts, posts, table, parts)
            assert np.allclose(L, ref, rtol=1e-12, atol=0)
            assert nt == hit.size and np.array_equal(np.sort(touched[:nt]), hit)
            assert np.array_equal(np.flatnonzero(flag), hit)
            first = L if first is None else first
            assert np.array_equal(L, first)  # any number of parts: the same sums, bit for bit


def _koc_market(strong=0.2, weak=0.1, campaign_days=3, horizon=1):
    """One KOC (chosen at random among 6 consumers on a complete graph of mixed ties)."""
    import itertools

    from conftest import graph_from

    pairs = list(itertools.combinations(range(6), 2))
    g = graph_from(6, strong=[q for q in pairs if sum(q) % 2 == 0],
                   weak=[q for q in pairs if sum(q) % 2 == 1])  # fmt: skip
    p = _params(koc={"advocacy_strong": strong, "advocacy_weak": weak, "fee": 100.0,
                     "campaign_days": campaign_days},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"koc": 100.0 + p.product.unit_cost}, horizon=horizon,
                    seed=0)  # fmt: skip
    adv = int(np.flatnonzero(m.engine.cause == Cause.KOC)[0])
    return g, m, adv


def test_advocates_posts_are_weighted_by_their_trust_and_the_tie_class():
    """Hazard on each friend = advocacy of the tie's class x advocate's trust / initial."""
    from test_channels import capture_extra

    g, m, adv = _koc_market()
    m.trust[adv] = 0.4  # weight 0.8
    seen = capture_extra(m)
    m.step()
    h = seen[0][0]
    nbrs, ties = g.neighbors(adv)
    for i, tie in zip(nbrs, ties, strict=True):
        assert h[i] == pytest.approx((0.2 if tie == 1 else 0.1) * 0.8, rel=1e-14), (i, tie)
    assert h[adv] == 0.0


def test_advocates_post_for_exactly_campaign_days():
    from test_channels import capture_extra

    g, m, adv = _koc_market(strong=0.01, weak=0.01, campaign_days=3, horizon=5)
    seen = capture_extra(m)
    m.run()
    others = np.setdiff1d(np.arange(g.n), [adv])
    posted = [bool(np.any(h[others] > 0)) for h, _, _ in seen]
    assert posted == [True, True, True, False, False]


def test_certain_advocacy_converts_every_friend_on_day_one():
    g, m, adv = _koc_market(strong=1.0, weak=1.0)
    r = m.run()
    assert r.customers[-1] == g.n
    assert np.all(m.engine.cause == Cause.KOC) and np.all(m.channel == Cause.KOC)
    assert r.new_by_channel[1, Cause.KOC] == g.n - 1
