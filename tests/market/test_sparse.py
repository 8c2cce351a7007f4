"""Sparse days of the prepare pass: visiting only the consumers a play marked (and those an
exposure keeps marked) gives the same run, bit for bit, as visiting every consumer every day."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import RULE, _graph, _params, _run_arrays

from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES, MarketParams
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause

#: what else the prepare pass writes, beyond what _run_arrays compares
_BRAND = ("mshare", "msgs_month", "ads_seen", "last_ad", "coupon_until", "touch", "channel",
          "group", "vip_group", "churned", "last_buy")  # fmt: skip


def _pair(params, budgets, n=4000, horizon=60, seed=2):
    """The run with sparse days, listed first (as a large market's) and direct, and the one
    visiting everyone, stepped side by side; the engine's inputs must agree every day (a
    consumer left with a stale input for a few days would not show at the end). Returns the
    listed sparse run and the dense one (the direct one is compared here)."""
    g = _graph(n=n)
    runs = []
    for sparse, list_min in ((True, 0), (True, 10**12), (False, 0)):
        m = MarketModel(g, RULE, params, budgets, horizon=horizon,
                        seeding=Seeding(random=20), seed=seed)  # fmt: skip
        m._sparse = sparse
        m._list_min = list_min
        runs.append(m)
    for t in range(1, horizon + 1):
        for m in runs:
            m.step()
        for k in ("_h", "_c", "_m"):
            for other in runs[1:]:
                assert np.array_equal(getattr(runs[0], k), getattr(other, k)), (t, k)
    _same(runs[1], runs[2])
    return runs[0], runs[2]


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


# One source of exposure each, thin enough that what one mark or keep rule misses shows
# (everything else off: no broadcasts, no joint posts, a few hundred impressions a day).
_QUIET = {"broadcasts_per_month": 0}
_THIN_ADS = {"min_daily_budget": 10.0, "daily_budget_max": 30.0, "frequency_cap_days": 1}
CASES |= {
    "ads_clicks": (
        _params(ads=_THIN_ADS | {"view_days": 1, "ctr": 0.2, "click_conversion": 0.2},
                groups=_QUIET),
        {"ads": 3000.0},
    ),
    "ads_view_window": (
        _params(ads=_THIN_ADS | {"view_days": 3, "view_conversion": 0.05, "ctr": 0.0},
                groups=_QUIET),
        {"ads": 3000.0},
    ),
    # feed ads counted as messages reach leads outside any group: a mute takes trust on the
    # day of the impression, so the view-through window may only sleep from the next day
    "ad_messages": (
        _params(ads=_THIN_ADS | {"view_days": 3, "view_conversion": 0.05, "ctr": 0.0,
                                 "count_as_message": True, "targeting": "random"},
                start={"leads": 0.3, "group_share": 0.0}, groups=_QUIET,
                fatigue={"mute_per_message": 0.2, "mute_trust_loss": 0.3}),
        {"ads": 3000.0},
    ),
    # leads outside any group hold coupons for ten days (kept by their channel, not marked)
    "coupon_holders": (
        _params(start={"leads": 0.3, "group_share": 0.0},
                coupons={"every_days": 5, "valid_days": 10, "redeem": 0.05}, groups=_QUIET),
        {"coupons": 20_000.0},
    ),
    # leads in groups: broadcasts move their trust (and mutes take it), so the engine's trust
    # multiplier changes the day after; customers in groups repurchase on broadcast days
    "broadcast_trust": (
        _params(start={"customers": 0.05, "leads": 0.3, "group_share": 1.0},
                trust={"initial": 0.2, "interaction_gain": 0.3},
                groups={"broadcasts_per_month": 6, "broadcast_conversion": 0.0},
                fatigue={"mute_per_message": 0.05, "mute_trust_loss": 0.3}),
        {},
    ),
    # every impression is clicked, and the clicker follows and joins a group whose customers'
    # shares reach them on the days after (few are impressed again soon)
    "joined_leads": (
        _params(ads=_THIN_ADS | {"daily_budget_max": 10.0, "view_days": 1,
                                 "view_conversion": 0.0, "ctr": 1.0, "click_conversion": 0.0,
                                 "follow_on_click": 1.0},
                start={"customers": 0.2, "customer_followers": 1.0, "group_share": 1.0},
                product={"repurchase": 0.05},
                groups=_QUIET | {"join_group": 1.0, "share_prob": 1.0, "exit_rate": 0.0,
                                 "share_conversion": 0.05}),
        {"ads": 3000.0},
    ),
    # a channel without hazard (coupons never redeemed) is still cleared the next day
    "zero_hazard_channel": (
        _params(start={"leads": 0.3, "group_share": 0.0},
                coupons={"every_days": 5, "valid_days": 3, "redeem": 0.0}, groups=_QUIET),
        {"coupons": 20_000.0},
    ),
    # consumer advocates' posts only, strong enough that one target missed shows
    "advocates": (
        _params(koc={"advocacy_strong": 0.3, "advocacy_weak": 0.1}, groups=_QUIET),
        {"koc": 20_000.0},
    ),
    # leads in groups from the start, shares only (no broadcasts)
    "group_leads": (
        _params(start={"customers": 0.1, "leads": 0.3, "group_share": 1.0},
                groups=_QUIET | {"share_prob": 1.0, "share_conversion": 0.05,
                                 "exit_rate": 0.0}),
        {},
    ),
}  # fmt: skip


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


def test_consumers_a_play_hands_to_the_private_domain_are_visited_as_members():
    """``MarketModel.follow`` (a play's entry to the private domain) on consumers the pass does
    not visit that day: they join a group in settle and see its shares on the next days."""
    params = _params(start={"customers": 0.2, "customer_followers": 1.0, "group_share": 1.0},
                     product={"repurchase": 0.05},
                     groups=_QUIET | {"join_group": 1.0, "share_prob": 1.0, "exit_rate": 0.0,
                                      "share_conversion": 0.05})  # fmt: skip
    g = _graph(n=4000)
    runs = []
    for sparse in (True, False):
        m = MarketModel(g, RULE, params, {}, horizon=40, seeding=Seeding(random=20), seed=5)
        m._sparse = sparse
        rng = np.random.default_rng(0)
        for _ in range(40):
            m.follow(rng.choice(g.n, 20, replace=False))
            m.step()
        runs.append(m)
    _same(*runs)
    assert runs[0].result().new_by_cause[:, int(Cause.GROUP)].sum() > 10
