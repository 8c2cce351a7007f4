"""Moments ads: impressions, clicks, frequency cap, targeting, view-through, repeat decay."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import RULE, _graph, _no_ties, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, State


# -- exact degenerate cases -----------------------------------------------------------------
def test_ads_with_certain_click_and_purchase_buy_exactly_the_impressions():
    n, days = 1000, 20
    p = _params(ads={"cpm": 1000.0, "daily_budget_max": 10.0, "ctr": 1.0, "click_conversion": 1.0,
                     "targeting": "non_customers", "min_daily_budget": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 10.0 * days}, horizon=days, seed=3)
    r = m.run()
    assert list(r.counts[:, State.ADOPTED]) == [10 * t for t in range(days + 1)]
    assert r.new_by_cause[:, Cause.AD].sum() == 10 * days == r.new_by_channel[:, Cause.AD].sum()
    assert np.allclose(r.spend[1:, STRATEGIES.index("ads")], 10.0)
    assert r.metrics()["cac_total"] == pytest.approx(1.0)


def test_frequency_cap_one_ad_per_48_hours():
    n = 30
    p = _params(ads={"cpm": 1000.0, "daily_budget_max": 1000.0, "ctr": 0.0, "targeting": "random"})
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e6}, horizon=8, seed=0)
    r = m.run()
    assert list(r.tally[1:, kern.K_IMPRESSIONS]) == [30, 0, 30, 0, 30, 0, 30, 0]
    assert r.spend[1:, STRATEGIES.index("ads")].sum() == pytest.approx(120.0)
    assert np.all(m.ads_seen == 4) and r.counts[-1, State.AWARE] == n


# -- directions (statistical, fixed seeds) ---------------------------------------------------
@pytest.mark.statistical
def test_more_ad_budget_makes_more_consumers_aware():
    g = _graph(n=5000)
    diffs = []
    for seed in range(5):
        aware = []
        for budget in (300.0, 1200.0):  # 3,000 vs 12,000 impressions for 5,000 consumers
            r = MarketModel(g, RULE, None, {"ads": budget}, horizon=30,
                            seeding=Seeding(random=5), seed=seed).run()  # fmt: skip
            aware.append(r.metrics()["aware"])
        diffs.append(aware[1] - aware[0])
    d = np.asarray(diffs, float)
    assert d.mean() > 4 * d.std(ddof=1) / math.sqrt(d.size) and d.mean() > 0


@pytest.mark.parametrize("targeting", ["friends", "community"])
def test_ad_targeting_reaches_only_its_audience(targeting):
    g = _graph(n=3000)
    extra = {"communities": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]} if targeting == "community" else {}
    p = _params(ads={"targeting": targeting, "min_daily_budget": 0.0, "ctr": 0.0, **extra})
    m = MarketModel(g, RULE, p, {"ads": 3000.0}, horizon=20, seeding=Seeding(random=60), seed=3)
    total = 0
    for t in range(1, 21):
        customers = m.engine.state == State.ADOPTED
        friends = m.engine.adopters != 0
        m.step()
        shown = m.last_ad == t
        total += shown.sum()
        if targeting == "friends":
            assert np.all(friends[shown] & ~customers[shown])
        else:
            assert np.all(g.community[shown] < 10)
    assert total > 0


@pytest.mark.statistical
def test_view_through_converts_for_view_days_after_one_impression():
    """One ad each on day 1 (cap 100 days), no clicks: buyers by day 3 = 1 - (1 - v)^3 of
    the market, and nobody after the impression stops working."""
    n, v = 20_000, 0.05
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": float(n), "daily_budget_max": float(n),
                     "ctr": 0.0, "view_conversion": v, "view_days": 3,
                     "frequency_cap_days": 100, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n)}, horizon=6, seed=2)
    r = m.run()
    assert r.tally[1, kern.K_IMPRESSIONS] == n and r.tally[2:, kern.K_IMPRESSIONS].sum() == 0
    assert r.new_by_cause[4:].sum() == 0  # day 4 on: the impression no longer works
    share = r.customers[3] / n
    expect = 1 - (1 - v) ** 3
    assert abs(share - expect) < 5 * math.sqrt(expect * (1 - expect) / n)
    assert r.new_by_cause[:, Cause.AD].sum() == r.customers[-1]


def test_ctr_decays_exactly_with_each_repeat_impression():
    """Everyone sees one ad a day; the k-th impression (k = 0, 1, ...) is clicked when the
    consumer's click uniform is below ``ctr * repeat_decay ** k`` (no friend is a customer,
    so no social boost)."""
    n, days, ctr, decay = 3000, 5, 0.6, 0.5
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": ctr, "repeat_decay": decay, "click_conversion": 0.0,
                     "view_conversion": 0.0, "frequency_cap_days": 1, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n * days)}, horizon=days, seed=4)
    r = m.run()
    ids = np.arange(n)
    for t in range(1, days + 1):
        u = uniforms(int(m.market_key), 4 * t, ids, 0)
        assert r.tally[t, kern.K_IMPRESSIONS] == n
        assert r.tally[t, kern.K_CLICKS] == np.count_nonzero(u < ctr * decay ** (t - 1)), t
    assert np.all(m.ads_seen == days)


def test_a_customer_friend_doubles_the_ctr_under_the_ad():
    """Social boost: consumers with a customer friend click when u < ctr * social_boost."""
    from conftest import graph_from

    n = 2000
    g = graph_from(n, strong=[(0, i) for i in range(1, 1000)])
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 0.2, "social_boost": 2.0, "click_conversion": 0.0,
                     "view_conversion": 0.0, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"ads": float(n)}, horizon=1, seeding=Seeding(nodes=[0]),
                    seed=1)  # fmt: skip
    r = m.run()
    u = uniforms(int(m.market_key), 4, np.arange(n), 0)
    p_click = np.where(np.arange(n) < 1000, 0.4, 0.2)
    assert r.tally[1, kern.K_IMPRESSIONS] == n
    assert r.tally[1, kern.K_CLICKS] == np.count_nonzero(u < p_click)
