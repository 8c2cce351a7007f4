"""True cause vs last-touch channel code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import _no_ties, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship


@pytest.mark.statistical
def test_two_channels_combine_and_split_the_cause_by_hazard():
    """Day 1: every consumer has a coupon (0.2) and clicks an ad (then buys with 0.1):
    P(buy) = 1 - 0.8 * 0.9 = 0.28; causes COUPON : AD = 2 : 1."""
    n = 100_000
    p = _params(
        ads={"cpm": 1.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9, "ctr": 1.0,
             "click_conversion": 0.1, "targeting": "random", "follow_on_click": 0.0,
             "view_conversion": 0.0},
        coupons={"every_days": 1, "redeem": 0.2, "value": 1.0, "reference_value": 1.0},
        groups={"enabled": False},
        fatigue={"mute_per_message": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e6, "coupons": 1e7}, horizon=1, seed=5)
    m.rel[:] = Relationship.WEAK  # followers, so the coupon reaches them
    r = m.run()
    bought = r.customers[-1]
    sd = math.sqrt(0.28 * 0.72 / n)
    assert abs(bought / n - 0.28) < 5 * sd
    coupon = r.new_by_cause[1, Cause.COUPON] / bought
    assert abs(coupon - 2 / 3) < 5 * math.sqrt(2 / 9 / bought)
    assert r.new_by_cause[1, Cause.AD] + r.new_by_cause[1, Cause.COUPON] == bought
    # channel codes: every buyer used the code of the channel that caused the purchase
    assert np.array_equal(r.new_by_channel[1], r.new_by_cause[1])


def test_an_ad_click_then_a_strong_tie_purchase_is_coded_ad_but_caused_by_the_tie():
    """Consumers 1 and 2 are strong friends of customer 0 and buy on day 1 through that tie
    (beta_strong = 1, the only hazard); 1 also clicked an ad that day (targeted community 1),
    so the brand's channel code says AD while the true cause is STRONG. 2 saw no ad: its
    purchase is untracked (code NONE)."""
    from conftest import graph_from

    g = graph_from(4, strong=[(0, 1), (0, 2)], community=[0, 1, 0, 1])
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e6,
                     "ctr": 1.0, "click_conversion": 0.0, "view_conversion": 0.0,
                     "targeting": "community", "communities": [1]},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(beta_strong=1.0), p, {"ads": 100.0}, horizon=2,
                    seeding=Seeding(nodes=[0]), seed=0)  # fmt: skip
    r = m.run()
    assert r.tally[1, kern.K_CLICKS] == 2  # consumers 1 and 3
    assert m.engine.adopted_at[1] == m.engine.adopted_at[2] == 1
    assert m.engine.cause[1] == m.engine.cause[2] == Cause.STRONG
    assert m.channel[1] == Cause.AD and m.channel[2] == Cause.NONE
    assert m.engine.adopted_at[3] == -1  # clicked, but a click converts with 0
    assert r.new_by_cause[1, Cause.STRONG] == 2 and r.new_by_cause[1, Cause.AD] == 0
    assert r.new_by_channel[1, Cause.AD] == 1 and r.new_by_channel[1, Cause.NONE] == 1
    assert r.metrics()["channel_ad"] == 1 and r.metrics()["cause_ad"] == 0


def test_a_brand_cause_is_its_own_channel_code_even_after_an_ad_click():
    """An ad click (touch AD) followed by a purchase caused by the click's own channel mix
    keeps the brand's cause as the code: here every buyer clicked, and a coupon or the click
    caused the purchase; the code equals the cause for each buyer."""
    n = 4000
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 1.0, "click_conversion": 0.1, "targeting": "random",
                     "view_conversion": 0.0, "follow_on_click": 0.0},
                coupons={"every_days": 1, "redeem": 0.3, "value": 1.0},
                groups={"enabled": False}, fatigue={"mute_per_message": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n), "coupons": 1e6}, horizon=1,
                    seed=2)  # fmt: skip
    m.rel[:] = Relationship.WEAK
    m.run()
    buyers = m.engine.adopted_at == 1
    assert buyers.sum() > 100
    assert np.array_equal(m.channel[buyers], m.engine.cause[buyers])
    assert set(np.unique(m.channel[buyers])) == {Cause.AD, Cause.COUPON}


def test_a_view_through_purchase_is_coded_ad_without_a_click():
    """No click (ctr 0), certain view-through: every buyer's cause is AD and so is its code,
    though no click recorded a touch."""
    n = 200
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e6,
                     "ctr": 0.0, "view_conversion": 1.0, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n)}, horizon=1, seed=0)
    r = m.run()
    assert r.customers[-1] == n and r.tally[1, kern.K_CLICKS] == 0
    assert np.all(m.engine.cause == Cause.AD) and np.all(m.channel == Cause.AD)
    assert r.new_by_channel[1, Cause.AD] == n


def test_a_joint_post_in_a_group_is_caused_and_coded_by_the_bridge():
    """A bridge advocate's joint post in customer group 0 (share conversion 1) converts its
    one member: cause and code BRIDGE, not GROUP."""
    p = _params(bridging={"joint_every_days": 1, "fee": 0.0, "advocacy_strong": 0.0,
                          "advocacy_weak": 0.0},
                groups={"share_conversion": 1.0, "broadcasts_per_month": 0})  # fmt: skip
    m = MarketModel(_no_ties(3), TiesRule(), p, {"bridging": p.product.unit_cost}, horizon=1,
                    seed=0)  # fmt: skip
    (adv,) = np.flatnonzero(m.engine.cause == Cause.BRIDGE)
    i = 2 if adv != 2 else 1
    m.rel[i] = Relationship.WEAK
    m.group[i] = 0
    m.group_count[0] = 1
    m._n_groups[0] = 1
    r = m.run()
    assert m.engine.adopted_at[i] == 1
    assert m.engine.cause[i] == Cause.BRIDGE and m.channel[i] == Cause.BRIDGE
    assert r.new_by_cause[1, Cause.GROUP] == 0 and r.customers[-1] == 2
