"""VIP groups: admission, fees, perks, monitoring and win-back."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import RULE, _graph, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Relationship


def test_vip_admission_is_paced_so_fees_fit_the_budget():
    g = _graph(n=3000)
    p = _params(vip={"min_purchases": 1, "cost_per_member_month": 30.0, "birthday_cost": 0.0,
                     "winback_cost": 0.0})  # fmt: skip
    seeding = Seeding(fraction=0.3)
    m = MarketModel(g, RULE, p, {"vip": 900.0}, horizon=30, seeding=seeding, seed=1)
    m.rel[m.seeds] = Relationship.WEAK  # followers who bought before the plan
    m.purchases[m.seeds] = 1
    m.last_buy[m.seeds] = 0
    m.step()
    # fee 1 CNY per member-day over 30 days: 30 members fit 900 CNY
    assert np.count_nonzero(m.rel == Relationship.STRONG) == 30
    m.run()
    assert m.result().spend.sum() <= 900.0 + 1e-9


@pytest.mark.statistical
def test_vip_perks_raise_members_repurchase():
    g = _graph(n=5000)
    rates = {}
    for boost in (1.0, 3.0):
        p = _params(vip={"repurchase_boost": boost, "min_purchases": 1})
        purchases = member_days = 0
        for seed in range(4):
            r = MarketModel(g, RULE, p, {"vip": 30_000.0}, horizon=120,
                            seeding=Seeding(fraction=0.05), seed=seed).run()  # fmt: skip
            purchases += r.tally[:, kern.K_VIP_REPEAT].sum()
            member_days += r.levels[:-1, 1].sum()
        rates[boost] = purchases / member_days
    # rate ~ repurchase * boost * trust factor (+ broadcasts): tripling the boost must at
    # least double the members' rate (Poisson counts of a few thousand: sd ~ 2 %)
    assert rates[3.0] > 2.0 * rates[1.0]
    base = _params().product.repurchase
    assert 0.8 * base < rates[1.0] < 3 * base


def test_vip_top_entry_keeps_one_group_of_the_best_customers():
    g = _graph(n=3000)
    p = _params(vip={"entry": "top", "capacity": 25, "min_purchases": 1})
    m = MarketModel(g, RULE, p, {"vip": 1e6}, horizon=5, seeding=Seeding(fraction=0.2), seed=0)
    m.rel[m.seeds] = Relationship.WEAK
    m.purchases[m.seeds] = np.arange(m.seeds.size) % 5 + 1
    m.last_buy[m.seeds] = 0
    before = m.purchases.copy()
    m.step()
    members = np.flatnonzero(m.rel == Relationship.STRONG)
    assert members.size == 25 and m._n_vip_groups == 1
    # the best customers: nobody left out had bought more often than a member
    others = m.seeds[m.rel[m.seeds] == Relationship.WEAK]
    assert before[members].min() >= before[others].max()


def test_inactive_vip_members_get_a_win_back_or_are_demoted():
    g = _graph(n=2000)
    for success, expect in ((1.0, Relationship.STRONG), (0.0, Relationship.WEAK)):
        p = _params(vip={"inactive_days": 3, "winback_success": success, "winback_cost": 10.0,
                         "min_purchases": 1},
                    product={"repurchase": 0.0, "service_failure": 0.0})  # fmt: skip
        m = MarketModel(g, TiesRule(), p, {"vip": 1e5}, horizon=4,
                        seeding=Seeding(nodes=[0, 1, 2]), seed=0)  # fmt: skip
        m.rel[[0, 1, 2]] = Relationship.WEAK
        m.purchases[[0, 1, 2]] = 1
        m.last_buy[[0, 1, 2]] = 0
        m.run()
        # admitted on day 1 (idle time counts from then), so on day 4 a win-back
        assert np.all(m.rel[[0, 1, 2]] == expect)
        spent = m.result().spend[:, STRATEGIES.index("vip")]
        assert spent[4] == pytest.approx(3 * 10.0 + (3 if success else 0) * 15.0 / 30)


@pytest.mark.parametrize("parallel", [False, True])
def test_vip_scan_lists_members_and_eligible_followers_by_the_rule(parallel):
    """The scan against a naive reference on random consumers: members are the STRONG ties;
    eligible, the followers with >= min_purchases purchases whose last one is less than
    inactive_days ago (the boundary days included in the draw), both in consumer order, for
    blocks that do not divide the market and chunks that do not divide a block."""
    from diffusion_sim.market.plays.vip import _vip_scan_parallel, _vip_scan_serial

    rng = np.random.default_rng(5)
    n, block, min_p, idle = 5003, 1000, 2, 30
    rel = rng.integers(0, 3, n).astype(np.uint8)
    purchases = rng.integers(0, 4, n).astype(np.int32)
    scan = _vip_scan_parallel if parallel else _vip_scan_serial
    # late: the inactivity boundary; early (t < idle): a customer who never bought since the
    # start (last_buy -1) is not eligible however recent the day
    for t, last_buy in (
        (200, 200 - rng.integers(idle - 2, idle + 2, n)),
        (10, np.where(rng.random(n) < 0.3, -1, rng.integers(0, 10, n))),
    ):
        last_buy = last_buy.astype(np.int32)
        members, eligible = np.empty(n, np.int32), np.empty(n, np.int32)
        block_n = np.zeros(((n + block - 1) // block, 2), np.int64)
        nm, ne = scan(t, rel, purchases, last_buy, (np.int64(min_p), np.int64(idle)),
                      members, eligible, block_n, block)  # fmt: skip
        want_m = [i for i in range(n) if rel[i] == Relationship.STRONG]
        want_e = [i for i in range(n) if rel[i] == Relationship.WEAK and purchases[i] >= min_p
                  and last_buy[i] >= 0 and t - last_buy[i] < idle]  # fmt: skip
        assert members[:nm].tolist() == want_m
        assert eligible[:ne].tolist() == want_e
        assert 0 < len(want_e) < (rel == Relationship.WEAK).sum()  # the rule cuts both ways
