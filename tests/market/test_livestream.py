"""Livestream (直播带货): scheduled sessions watched by followers and the host's fans, bought
from at a live discount, paid per session and per sale."""

from __future__ import annotations

import numpy as np
from mkt import RULE, _graph, _no_ties, _params, _run_arrays

from conftest import graph_from
from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.market.plays.livestream import STREAM_KEY
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State

LIVE = STRATEGIES.index("livestream")


def _live(n, budget, followers=0, horizon=1, graph=None, rule=None, seeding=None, **live):
    live.setdefault("reference_discount", live.get("discount", 0.2))  # (no price response)
    p = _params(livestream={"host_fans": 0, "follower_watch": 1.0, "conversion": 1.0, **live},
                groups={"enabled": False}, fatigue={"mute_per_message": 0.0},
                product={"repurchase": 0.0, "price": 100.0, "reference_price": 100.0})  # fmt: skip
    m = MarketModel(graph or _no_ties(n), rule or TiesRule(), p, {"livestream": budget},
                    horizon=horizon, seeding=seeding, seed=0)  # fmt: skip
    m.rel[:followers] = Relationship.WEAK
    return m


def test_no_budget_or_a_budget_below_the_fee_is_no_action_bit_for_bit():
    """Alongside funded ads and coupons, a livestream budget of 0 or below one session's fee
    changes nothing: every array of the run equals the run without the play."""
    g = _graph(n=1000)
    base = {"ads": 3000.0, "coupons": 1000.0}
    runs = []
    for extra in ({}, {"livestream": 0.0}, {"livestream": 1999.0}):
        m = MarketModel(g, RULE, None, {**base, **extra}, horizon=30,
                        seeding=Seeding(random=5), seed=4)  # fmt: skip
        m.run()
        runs.append(_run_arrays(m))
    for other in runs[1:]:
        for key, x in runs[0].items():
            assert np.array_equal(x, other[key]), key


def test_spend_is_sessions_times_fee_plus_sales_times_commission_every_step():
    """Sessions on days 1, 6, 11, 16 (every 5 days); half the viewers buy. Each step's spend is
    that day's sessions x fee + sales x commission, and sales are the livestream-caused buyers."""
    m = _live(1000, budget=1e6, followers=600, horizon=20, every_days=5, conversion=0.5,
              host_fans=100, fan_watch=0.5, fee=700.0, commission=3.0)  # fmt: skip
    r = m.run()
    sessions = r.tally[:, kern.K_LIVE_SESSIONS]
    sales = r.tally[:, kern.K_LIVE_SALES]
    assert np.flatnonzero(sessions).tolist() == [1, 6, 11, 16] and sessions.sum() == 4
    assert np.array_equal(r.spend[:, LIVE], sessions * 700.0 + sales * 3.0)
    assert r.spend.sum() == 4 * 700.0 + sales.sum() * 3.0
    assert np.array_equal(sales, r.new_by_cause[:, Cause.LIVESTREAM]) and sales.sum() > 250


def test_viewers_are_followers_and_fans_who_watch_counted_once():
    """Every follower and fan watches (probability 1): viewers = |followers ∪ fans|; with
    partial probabilities, viewers are those whose own uniform is below their watch chance;
    churned followers do not watch."""
    m = _live(500, budget=1e5, followers=300, host_fans=120, fan_watch=1.0, conversion=0.0)
    play = m.plays["livestream"]
    assert play.fans.size == 120 and np.unique(play.fans).size == 120
    m.run()
    assert m.result().tally[1, kern.K_LIVE_VIEWERS] == np.union1d(np.arange(300), play.fans).size
    assert np.all(m.engine.state[play.viewers] == State.AWARE)  # viewers heard of it

    m = _live(500, budget=1e5, followers=300, host_fans=120, fan_watch=0.4, conversion=0.0,
              follower_watch=0.25)  # fmt: skip
    m.churned[:10] = True
    m.rel[:10] = Relationship.ABSENT
    play = m.plays["livestream"]
    m.run()
    fol = np.arange(10, 300)
    v1 = fol[uniforms(m.market_key, STREAM_KEY + 1, fol, 0) < 0.25]
    v2 = play.fans[uniforms(m.market_key, STREAM_KEY + 1, play.fans, 1) < 0.4]
    ref = np.union1d(v1, v2)
    assert np.array_equal(play.viewers, ref)
    assert m.result().tally[1, kern.K_LIVE_VIEWERS] == ref.size
    assert 0 < ref.size < 300


def test_a_viewer_who_buys_through_a_strong_tie_is_coded_livestream_caused_strong():
    """Consumer 1, a follower and strong friend of customer 0, watches day 1's session but the
    session converts no one (conversion 0); it buys that day through the tie: code LIVESTREAM,
    cause STRONG, and no commission is paid. Consumer 2 saw nothing: code NONE."""
    g = graph_from(3, strong=[(0, 1), (0, 2)])
    m = _live(3, budget=5000.0, graph=g, rule=TiesRule(beta_strong=1.0), conversion=0.0,
              seeding=Seeding(nodes=[0]), fee=1000.0, commission=50.0)  # fmt: skip
    m.rel[:] = Relationship.ABSENT
    m.rel[1] = Relationship.WEAK
    r = m.run()
    assert m.engine.cause[1] == m.engine.cause[2] == Cause.STRONG
    assert m.channel[1] == Cause.LIVESTREAM and m.channel[2] == Cause.NONE
    assert r.new_by_channel[1, Cause.LIVESTREAM] == 1 and r.new_by_cause[1, Cause.LIVESTREAM] == 0
    assert r.tally[1, kern.K_LIVE_SALES] == 0 and r.spend.sum() == 1000.0
    m2 = _live(5, budget=5000.0, followers=5)  # a session sale: cause and code LIVESTREAM
    m2.run()
    assert np.all(m2.engine.cause == Cause.LIVESTREAM) and np.all(m2.channel == Cause.LIVESTREAM)


def test_the_live_discount_lowers_revenue_by_price_times_discount_per_sale():
    """100 viewers buy for certain: revenue = 100 x 100 x (1 - 0.25) = 7,500 exactly, and
    2,500 less than without a discount; a zero-budget run at the same discount books none."""
    rev = {}
    for d in (0.0, 0.25):
        m = _live(100, budget=1e4, followers=100, discount=d)
        r = m.run()
        assert r.tally[1, kern.K_LIVE_SALES] == 100 == r.tally[1, kern.K_PURCHASES]
        rev[d] = r.revenue[1]
    assert rev[0.0] == 10_000.0 and rev[0.25] == 7_500.0


def test_the_commission_is_capped_by_the_budget_left_after_the_fee():
    """A budget of fee + 3 commissions with 50 certain sales: the session is held, spend is
    exactly the budget (never above it), and no later session can be paid."""
    m = _live(50, budget=1000.0 + 3 * 20.0, followers=50, horizon=10, every_days=2,
              fee=1000.0, commission=20.0)  # fmt: skip
    r = m.run()
    assert r.tally[:, kern.K_LIVE_SESSIONS].sum() == 1 and r.tally[1, kern.K_LIVE_SALES] == 50
    assert r.spend.sum() == 1060.0 == m.budget[LIVE] and m.remaining[LIVE] == 0.0
