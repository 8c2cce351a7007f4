"""Coupons: issued to followers with a mass message, redeemed on any purchase, paid per
redemption."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import _no_ties, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.states import Cause, Relationship

COUPONS = STRATEGIES.index("coupons")


def _coupon_market(n, budget, redeem=1.0, value=2.0, followers=None, horizon=1):
    p = _params(coupons={"every_days": 30, "redeem": redeem, "value": value, "valid_days": 3,
                         "reference_value": value, "target": "ids"},
                groups={"enabled": False}, fatigue={"mute_per_message": 0.0},
                product={"repurchase": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"coupons": budget}, horizon=horizon, seed=0)
    m.rel[: n if followers is None else followers] = Relationship.WEAK
    return m


def test_certain_redemption_buys_every_follower_with_a_coupon_and_pays_each_one():
    """redeem = 1: each of the 300 followers (of 500 consumers) gets a coupon on day 1 and
    buys with it; cost = 300 redemptions x value, code and cause COUPON."""
    m = _coupon_market(500, budget=1e4, followers=300)
    r = m.run()
    assert r.tally[1, kern.K_COUPONS_ISSUED] == 300 == r.tally[1, kern.K_COUPONS_REDEEMED]
    assert r.customers[-1] == 300 and np.all(m.engine.cause[:300] == Cause.COUPON)
    assert r.new_by_channel[1, Cause.COUPON] == 300
    assert r.spend[1, COUPONS] == 300 * 2.0 == r.spend.sum()
    assert np.all(m.coupon_until[:300] == -1)  # used up


def test_coupons_issued_are_limited_by_the_budget_reserved_for_redemptions():
    """A budget of 41 CNY at 2 CNY a coupon covers 20 redemptions: only 20 are issued, to the
    first followers in consumer order."""
    m = _coupon_market(100, budget=41.0)
    r = m.run()
    assert r.tally[1, kern.K_COUPONS_ISSUED] == 20 == r.customers[-1]
    assert np.array_equal(np.flatnonzero(m.engine.adopted_at == 1), np.arange(20))
    assert r.spend[1, COUPONS] == pytest.approx(40.0)


def test_a_valid_coupon_is_redeemed_on_a_repeat_purchase_and_paid():
    """A customer who holds a valid coupon and repurchases (coupon's redeem raises the repeat
    chance to 1) uses it: one redemption, one payment, no new customer."""
    m = _coupon_market(10, budget=100.0, followers=10)
    m.engine.seed(np.arange(10))
    m.purchases[:] = 1
    r = m.run()
    assert r.tally[1, kern.K_REPEAT] == 10 == r.tally[1, kern.K_COUPONS_REDEEMED]
    assert r.spend[1, COUPONS] == pytest.approx(20.0)
    assert r.new_by_cause[1].sum() == 0


def test_coupons_expire_after_valid_days():
    """redeem = 0: coupons are never used, stay valid for valid_days days, and cost nothing."""
    m = _coupon_market(50, budget=1e3, redeem=0.0, horizon=5)
    r = m.run()
    assert r.tally[1, kern.K_COUPONS_ISSUED] == 50 and r.tally[2:, kern.K_COUPONS_ISSUED].sum() == 0
    assert np.all(m.coupon_until == 3)  # issued on day 1, valid days 1-3
    assert r.spend.sum() == 0 and r.customers[-1] == 0
