"""Economics: revenue, profit, ROI, CAC and their intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import RULE, _graph, _params

from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.compare import Comparison, compare, ratio_interval
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES, Compare
from diffusion_sim.market.results import MarketRun
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, State


def test_no_action_spends_nothing_and_books_revenue():
    g = _graph()
    r = MarketModel(g, RULE, None, {}, horizon=60, seeding=Seeding(random=5), seed=1).run()
    assert r.spend.sum() == 0
    met = r.metrics()
    assert met["revenue"] == met["purchases"] * _params().product.price
    assert math.isnan(met["roi_total"]) and math.isnan(met["cac_total"])


# -- economics ------------------------------------------------------------------------------
def _hand_run(revenue, spend, customers, margin=0.5):
    steps = len(revenue)
    counts = np.zeros((steps, len(State)), np.int64)
    counts[:, State.ADOPTED] = customers
    spend_arr = np.zeros((steps, len(STRATEGIES)))
    spend_arr[:, 0] = spend
    by = np.zeros((steps, len(Cause)), np.int64)
    return MarketRun(
        counts=counts,
        new_by_cause=by,
        new_by_channel=by,
        tally=np.zeros((steps, kern.N_TALLY), np.int64),
        levels=np.zeros((steps, 4), np.int64),
        spend=spend_arr,
        revenue=np.asarray(revenue, float),
        service_cost=np.zeros(steps),
        budget=np.full(len(STRATEGIES), 1000.0),
        margin=margin,
        organic_seeds=int(customers[0]),
    )


def test_roi_and_cac_match_their_formulas():
    base = [_hand_run([0, 100, 100], [0, 0, 0], [10, 20, 30]),
            _hand_run([0, 200, 100], [0, 0, 0], [10, 25, 40])]  # fmt: skip
    play = [_hand_run([0, 300, 300], [40, 10, 0], [10, 40, 60]),
            _hand_run([0, 400, 300], [50, 0, 0], [10, 45, 70])]  # fmt: skip
    comp = Comparison({"none": tuple(base), "play": tuple(play)}, "none", 1000.0)
    met = play[0].metrics()
    assert met["gross_profit"] == 300.0 and met["spend"] == 50.0 and met["profit"] == 250.0
    assert met["roi_total"] == pytest.approx((300 - 50) / 50)
    assert met["cac_total"] == pytest.approx(50 / 50)
    s = comp.summary().set_index("play")
    # increments: gross profit +200 and +200, spend 50 and 50, customers +30 and +30
    assert s.loc["play", "roi"] == pytest.approx((200 - 50) / 50)
    assert s.loc["play", "cac"] == pytest.approx(50 / 30)
    assert s.loc["play", "p_best"] == 1.0 and s.loc["none", "p_best"] == 0.0
    assert math.isnan(s.loc["none", "roi"])
    assert s.loc["play", "incr_customers"] == 30


def test_ratio_interval_is_the_delta_method():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 1, 50)
    x = 2 * y + rng.normal(0, 0.5, 50)
    r, lo, hi = ratio_interval(x, y)
    assert r == pytest.approx(x.mean() / y.mean())
    # linearised residuals x - r y: their standard error over mean(y) is the half-width / t
    e = x - r * y
    half = 2.0096 * e.std(ddof=1) / math.sqrt(50) / y.mean()
    assert hi - r == pytest.approx(half, rel=1e-3) and r - lo == pytest.approx(half, rel=1e-3)
    # bootstrap agrees on the width within 30 %
    boots = [x[i].mean() / y[i].mean() for i in rng.integers(0, 50, (2000, 50))]
    q = np.percentile(boots, [2.5, 97.5])
    assert (hi - lo) == pytest.approx(q[1] - q[0], rel=0.3)


def test_p_best_shares_ties_and_sums_to_one():
    g = _graph(n=1000)
    comp = compare(g, RULE, _params(), Compare(budget=5000.0), horizon=20, replications=3,
                   seed=0, seeding=Seeding(random=5))  # fmt: skip
    s = comp.summary()
    assert s["p_best"].sum() == pytest.approx(1.0)
    per = comp.per_replication()
    assert np.allclose(per.groupby("replication")["best"].sum(), 1.0)
