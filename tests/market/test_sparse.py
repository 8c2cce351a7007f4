"""Sparse days of the prepare pass: visiting only the consumers a play marked (and those an
exposure keeps marked) gives the same run, bit for bit, as visiting every consumer every day."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import RULE, _graph, _params, _run_arrays

from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES, MarketParams
from diffusion_sim.seeding import Seeding

#: what else the prepare pass writes, beyond what _run_arrays compares
_BRAND = ("mshare", "msgs_month", "ads_seen", "last_ad", "coupon_until", "touch", "channel",
          "group", "vip_group", "churned", "last_buy")  # fmt: skip


def _pair(params, budgets, n=4000, horizon=60, seed=2):
    g = _graph(n=n)
    runs = []
    for sparse in (True, False):
        m = MarketModel(g, RULE, params, budgets, horizon=horizon,
                        seeding=Seeding(random=20), seed=seed)  # fmt: skip
        m._sparse = sparse
        m.run()
        runs.append(m)
    return runs


def _same(a, b):
    x, y = _run_arrays(a), _run_arrays(b)
    for k in x:
        assert np.array_equal(x[k], y[k]), k
    for k in _BRAND:
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    for k in ("_h", "_c", "_m"):  # the engine's inputs left by the last day
        assert np.array_equal(getattr(a, k), getattr(b, k)), k


CASES = {
    # the command line's market (a base at t = 0, every play funded)
    "default": (MarketParams(), dict.fromkeys(STRATEGIES, 8000.0)),
    # exposures that last: a long view-through window, long coupons, group-buys ready after
    # one friend, trust moved by broadcasts and mutes, VIP birthdays and win-backs
    "lasting": (
        _params(
            ads={"view_conversion": 0.002, "view_days": 5, "frequency_cap_days": 1},
            coupons={"valid_days": 20, "every_days": 3},
            groupbuy={"team_size": 2, "window_days": 4},
            groups={
                "broadcasts_per_month": 2,
                "follow_on_purchase": 1.0,
                "join_group": 1.0,
                "capacity": 30,
            },
            fatigue={"mute_per_message": 0.05, "mute_trust_loss": 0.1},
            vip={"min_purchases": 1, "birthday_trust": 0.2, "inactive_days": 5},
        ),
        dict.fromkeys(STRATEGIES, 6000.0),
    ),
    # no broadcasts or joint posts: every day after the first is sparse
    "all_sparse": (
        _params(
            groups={"broadcasts_per_month": 0, "follow_on_purchase": 1.0},
            bridging={"joint_every_days": 0},
            coupons={"every_days": 2},
        ),
        {
            "ads": 20_000.0,
            "coupons": 5000.0,
            "groupbuy": 5000.0,
            "referral": 5000.0,
            "livestream": 20_000.0,
            "bridging": 5000.0,
        },
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sparse_days_equal_visiting_everyone(case):
    params, budgets = CASES[case]
    sparse, dense = _pair(params, budgets)
    _same(sparse, dense)
    assert sparse._n_sparse_days > 20 and dense._n_sparse_days == 0  # the check saw sparse days
    assert sparse.result().tally.sum() > 0


def test_sparse_days_visit_fewer_consumers():
    """After the ads stop, only what lasts is visited: the marked set shrinks well below n."""
    params = _params(groups={"broadcasts_per_month": 0}, bridging={"joint_every_days": 0})
    m = MarketModel(_graph(n=4000), RULE, params, {"ads": 3000.0}, horizon=60,
                    seeding=Seeding(random=20), seed=1)  # fmt: skip
    m.run(30)
    assert m.remaining[m.strategy_index["ads"]] < 1000.0  # spent: no more impressions
    m.run(10)
    assert 0 < np.count_nonzero(m._visit) < 0.5 * m.graph.n
