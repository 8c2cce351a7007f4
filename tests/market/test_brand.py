"""Brand-wide behaviour in every play: groups, broadcasts, fatigue, service and trust."""

from __future__ import annotations

import math

import numpy as np
from mkt import RULE, _graph, _no_ties, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.model import DiffusionModel
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Relationship


def test_market_with_every_mechanism_off_is_the_ties_rule_exactly():
    g = _graph()
    p = _params(groups={"enabled": False})
    m = MarketModel(g, RULE, p, {}, horizon=80, seeding=Seeding(random=5), seed=7)
    m.run()
    d = DiffusionModel(g, RULE, Seeding(random=5), seed=7)
    d.run(80)
    assert np.array_equal(m.counts, d.counts)
    assert np.array_equal(m.new_by_cause, d.new_by_cause)
    assert np.array_equal(m.engine.adopted_at, d.engine.adopted_at)
    assert np.array_equal(m.engine.cause, d.engine.cause)
    assert m.result().spend.sum() == 0 and m.result().revenue.sum() > 0


def test_group_capacity_opens_new_groups_and_quota_stops_broadcasts():
    n = 2000
    p = _params(
        ads={"cpm": 1000.0, "daily_budget_max": 1e6, "ctr": 1.0, "click_conversion": 0.0,
             "follow_on_click": 1.0, "targeting": "random", "view_conversion": 0.0},
        groups={"capacity": 300, "join_group": 1.0, "broadcasts_per_month": 30,
                "execution_rate": 1.0, "exit_rate": 0.0, "broadcast_conversion": 0.0},
        fatigue={"mute_per_message": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 2000.0}, horizon=30, seed=0)
    r = m.run()
    # day 1: 2000 impressions (the budget paced over 30 days allows 66 per day... so all
    # followers come gradually); every follower is in a group of at most 300
    followers = int(np.count_nonzero(m.rel == Relationship.WEAK))
    assert followers == np.count_nonzero(m.group >= 0)
    assert int(m._n_groups[0]) == math.ceil(followers / 300)
    assert np.all(m.group_count[: int(m._n_groups[0]) - 1] == 300)
    # 30 broadcasts were scheduled this month; each member received at most 4
    assert m.msgs_month.max() == 4
    assert r.tally[:, kern.K_DELIVERED].sum() <= 4 * followers


def test_fatigue_above_tolerance_mutes_everyone_who_gets_a_message():
    n = 500
    p = _params(
        ads={"cpm": 1000.0, "daily_budget_max": 1e6, "ctr": 1.0, "click_conversion": 0.0,
             "follow_on_click": 1.0, "targeting": "random", "view_conversion": 0.0,
             "count_as_message": True},  # ads as messages here (not by default, test_ads)
        fatigue={"mute_per_message": 1.0, "tolerance": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e5}, horizon=4, seed=0)
    r = m.run()
    # day 1: every clicker follows (settle), nobody mutes (not yet a follower when the ad came);
    # day 3: the next ad reaches every follower, who mutes with certainty
    assert r.levels[1, 0] == n and r.tally[1, kern.K_MUTED] == 0
    assert r.tally[3, kern.K_MUTED] == n and np.all(m.churned) and r.levels[-1, 0] == 0


def test_service_failures_cost_trust_and_recovery_restores_part_at_a_cost():
    g = _graph(n=2000)
    for recovery in (False, True):
        p = _params(product={"service_failure": 1.0, "repurchase": 0.0},
                    trust={"recovery": recovery, "failure_loss": 0.2, "recovery_share": 0.5,
                           "recovery_cost": 20.0, "purchase_gain": 0.0})  # fmt: skip
        m = MarketModel(g, RULE, p, {}, horizon=1, seeding=Seeding(random=5), seed=1)
        r = m.run()
        buyers = m.engine.adopted_at == 1
        loss = 0.1 if recovery else 0.2
        assert buyers.any() and np.allclose(m.trust[buyers], 0.5 - loss)
        assert r.tally[1, kern.K_FAILURES] == buyers.sum()
        assert r.service_cost.sum() == (20.0 * buyers.sum() if recovery else 0.0)
