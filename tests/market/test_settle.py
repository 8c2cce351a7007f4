"""The settle pass in blocks: what blocks share (shares in groups, group joins) applied in
consumer order, and threaded runs equal to serial ones."""

from __future__ import annotations

import numpy as np
from mkt import RULE, _graph, _params, _run_arrays

from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding


def test_every_purchase_of_a_group_member_is_shown_in_their_group_the_next_day():
    """share_prob = 1, no exits and no mutes (a member's group is fixed during the day): the
    shares tomorrow are exactly today's buyers who were in a group, counted per group."""
    p = _params(groups={"share_prob": 1.0, "exit_rate": 0.0, "follow_on_purchase": 1.0,
                        "join_group": 1.0, "capacity": 20},
                fatigue={"mute_per_message": 0.0})  # fmt: skip
    m = MarketModel(_graph(n=1500), RULE, p, {"coupons": 5000.0}, horizon=40,
                    seeding=Seeding(random=30), seed=4)  # fmt: skip
    shown = 0
    for _ in range(40):
        before = m.group.copy()
        m.step()
        g = before[m.buyers_today]
        want = np.bincount(g[g >= 0], minlength=m._next_shares.size)
        assert np.array_equal(m._next_shares, want)
        shown += int(want.sum())
    assert shown > 20  # the check saw shares


def test_threaded_settle_equals_serial_on_a_busy_market():
    """Every strategy funded, groups small (many joins, exits, new groups) and failures that
    break VIP ties: the run with threads is the serial run, array for array."""
    p = _params(groups={"capacity": 5, "exit_rate": 0.02, "share_prob": 0.5,
                        "follow_on_purchase": 1.0, "join_group": 1.0},
                vip={"capacity": 4, "min_purchases": 1}, trust={"recovery": False},
                product={"service_failure": 0.3})  # fmt: skip
    g = _graph(n=20_000)  # several blocks of consumers
    budgets = dict.fromkeys(STRATEGIES, 3000.0)
    runs = [MarketModel(g, RULE, p, budgets, horizon=25, seeding=Seeding(random=40),
                        parallel=par, seed=6) for par in (False, True)]  # fmt: skip
    a, b = (_run_arrays(m.run() and m) for m in runs)
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert runs[0]._n_groups[0] > 10


def test_a_vip_member_whose_failure_breaks_the_tie_and_who_exits_the_same_day_leaves_once():
    """Every purchase fails without recovery and every follower exits at once: each VIP member
    who buys loses the strong tie and leaves the brand the same day; the VIP groups' counts
    stay equal to their members (the member leaves its VIP group once)."""
    p = _params(vip={"min_purchases": 1, "capacity": 3}, trust={"recovery": False},
                product={"service_failure": 1.0, "repurchase": 0.2},
                groups={"exit_rate": 1.0})  # fmt: skip
    m = MarketModel(_graph(n=3000), RULE, p, {"vip": 50_000.0}, horizon=30,
                    seeding=Seeding(random=300), seed=3)  # fmt: skip
    broke = 0
    for _ in range(30):
        strong = m.rel == 2
        m.step()
        broke += int((strong & m.churned).sum())
        members = np.bincount(m.vip_group[m.vip_group >= 0], minlength=m.vip_count.size)
        assert np.array_equal(members, m.vip_count)
    assert broke > 0  # the case occurred
