"""Value beyond the horizon and the brand's own view (docs/model.md §9.13)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import _no_ties, _params, _run_arrays
from test_economics import _hand_run

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import value
from diffusion_sim.market.compare import Comparison, compare
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import Compare
from diffusion_sim.seeding import Seeding

ORGANIC = TiesRule(alpha=0.01, beta_strong=0.0, beta_weak=0.0)


def test_lifetime_value_is_the_discounted_margin_flow():
    p = _params(product={"price": 100.0, "margin": 0.5, "repurchase": 0.01},
                value={"discount_rate": 0.2, "lapse": 0.002})  # fmt: skip
    delta = math.log(1.2) / 365
    assert value.lifetime_value(p) == pytest.approx(0.5 * 100 * 0.01 / (delta + 0.002))
    # no repurchase: worth nothing after the horizon; no discount and no lapse: infinite
    assert value.lifetime_value(_params(product={"repurchase": 0.0})) == 0.0
    assert value.lifetime_value(_params(value={"discount_rate": 0.0, "lapse": 0.0})) == math.inf


def test_continuation_of_no_action_equals_a_longer_run_exactly():
    """Stopping a play that spends nothing changes nothing: the run to L is the run to L."""
    g = _no_ties(300)
    a = MarketModel(g, ORGANIC, _params(), {}, horizon=20, seed=3)
    a.run()
    value.stop_spending(a, 50)
    a.run(30)
    b = MarketModel(g, ORGANIC, _params(), {}, horizon=50, seed=3)
    b.run()
    for k, v in _run_arrays(a).items():
        np.testing.assert_array_equal(v, _run_arrays(b)[k], err_msg=k)


def _acting_market():
    """Ads that everyone clicks but that never cause a purchase, in a market without ties: the
    channel code AD lands on consumers who buy anyway (external influence)."""
    return _params(
        ads={"ctr": 1.0, "click_conversion": 0.0, "view_conversion": 0.0, "cpm": 100.0},
        groups={"enabled": False},
        fatigue={"mute_per_message": 0.0},
        value={"long_horizon": 400},
    )


def test_brand_view_credits_ads_with_customers_they_did_not_cause():
    plan = Compare(budget=20_000.0, plays=["none", "ads"])
    comp = compare(_no_ties(2000), TiesRule(alpha=0.005, beta_strong=0.0, beta_weak=0.0),
                   _acting_market(), plan, horizon=30, replications=2, seed=1,
                   seeding=Seeding(random=0))  # fmt: skip
    s = comp.summary().set_index("play")
    assert s.loc["ads", "incr_customers"] == 0  # the ads cause nobody
    assert s.loc["ads", "roi"] == pytest.approx(-1.0)  # all spend, no increment
    assert s.loc["ads", "brand_credited_customers"] > 0
    assert s.loc["ads", "brand_roi"] > s.loc["ads", "roi"]  # the codes flatter the ads
    per = comp.per_replication().set_index(["play", "replication"])
    ads = per.loc["ads"]
    # credited: exactly the customers coded AD, at most every purchase's gross profit
    assert (ads["brand_credited_customers"] == ads["channel_ad"]).all()
    assert (ads["brand_credited_gross"] <= ads["gross_profit"] + 1e-9).all()
    assert (ads["brand_credited_gross"] >= ads["channel_ad"] * 99 * 0.4 - 1e-9).all()
    # spending stopped after the horizon, and none of it in the baseline
    assert all(r.spend[31:].sum() == 0 for r in comp.long_runs["ads"])
    assert all(r.spend[:31].sum() > 0 for r in comp.long_runs["ads"])
    # expansion + acceleration = extra customers at the horizon: none, now or by day 400
    assert s.loc["ads", "expansion"] == 0 and s.loc["ads", "acceleration"] == 0
    assert math.isnan(s.loc["ads", "payback_day"])  # never pays back


def test_brand_roi_and_payback_by_hand():
    base = [_hand_run([0, 100, 100], [0, 0, 0], [10, 20, 30])]
    play = [_hand_run([0, 100, 300], [90, 0, 0], [10, 20, 60])]
    extras = {
        "none": ({"held": 30.0, "brand_credited_customers": 0.0, "brand_credited_gross": 0.0},),
        "play": ({"held": 55.0, "brand_credited_customers": 40.0, "brand_credited_gross": 150.0},),
    }
    comp = Comparison({"none": tuple(base), "play": tuple(play)}, "none", 1000.0, 1.0, extras,
                      None, 2.0, 2)  # fmt: skip
    s = comp.summary().set_index("play")
    # true: dG = 0.5 * 200 = 100 on spend 90; brand: credited 150 on spend 90
    assert s.loc["play", "roi"] == pytest.approx((100 - 90) / 90)
    assert s.loc["play", "brand_roi"] == pytest.approx((150 - 90) / 90)
    # CLV: 25 more held customers at 2 CNY each
    assert s.loc["play", "incr_clv"] == pytest.approx(50.0)
    assert s.loc["play", "roi_clv"] == pytest.approx((100 + 50 - 90) / 90)
    # cumulative incremental profit: -90, -90, +10: pays back on day 2
    assert s.loc["play", "payback_day"] == 2.0
    # a real market 10 x the sample: money and customers x 10, ratios unchanged
    big = Comparison(comp.runs, "none", 1000.0, 0.1, extras, None, 2.0, 2).summary()
    big = big.set_index("play")
    assert big.loc["play", "brand_credited_customers"] == pytest.approx(400.0)
    assert big.loc["play", "incr_clv"] == pytest.approx(500.0)
    assert big.loc["play", "brand_roi"] == pytest.approx(s.loc["play", "brand_roi"])
    assert big.loc["play", "roi"] == pytest.approx(s.loc["play", "roi"])


def test_a_play_that_adds_customers_keeps_some_as_expansion():
    """Direction: with word of mouth, ads' extra customers are partly still extra a year on."""
    rule = TiesRule(alpha=0.0002, beta_strong=0.01, beta_weak=0.005)
    from mkt import _graph

    plan = Compare(budget=30_000.0, plays=["none", "ads"])
    comp = compare(_graph(n=2000), rule, _params(value={"long_horizon": 200}), plan,
                   horizon=40, replications=3, seed=2, seeding=Seeding(random=5))  # fmt: skip
    s = comp.summary().set_index("play")
    assert s.loc["ads", "incr_customers"] > 0
    assert s.loc["ads", "expansion"] > 0
    assert s.loc["ads", "expansion"] + s.loc["ads", "acceleration"] == pytest.approx(
        s.loc["ads", "incr_customers"]
    )
