"""Budgets and invariants that hold every step of every play."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import RULE, _graph, _params, _run_arrays

from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.compare import compare
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES, Compare
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State


# -- budgets and invariants -----------------------------------------------------------------
def test_zero_budget_strategies_give_exactly_the_no_action_run():
    g = _graph()
    zero = dict.fromkeys(STRATEGIES, 0.0)
    a = MarketModel(g, RULE, None, {}, horizon=60, seeding=Seeding(random=5), seed=4)
    b = MarketModel(g, RULE, None, zero, horizon=60, seeding=Seeding(random=5), seed=4)
    a.run()
    b.run()
    for key, x in _run_arrays(a).items():
        assert np.array_equal(x, _run_arrays(b)[key]), key
    comp = compare(g, RULE, _params(), Compare(budget=0.0), horizon=30, replications=2,
                   seed=1, seeding=Seeding(random=5))  # fmt: skip
    base = comp.runs["none"]
    for play in comp.plays:
        for r, r0 in zip(comp.runs[play], base, strict=True):
            assert np.array_equal(r.counts, r0.counts) and r.spend.sum() == 0


def _busy_params(recovery=True):
    return _params(
        groups={"capacity": 7, "broadcasts_per_month": 30, "execution_rate": 1.0,
                "follow_on_purchase": 0.8, "join_group": 1.0},
        vip={"capacity": 5, "min_purchases": 1, "inactive_days": 10, "winback_cost": 50.0},
        ads={"ctr": 0.2, "click_conversion": 0.2, "follow_on_click": 1.0, "min_daily_budget": 50.0},
        coupons={"every_days": 7, "redeem": 0.2},
        groupbuy={"team_size": 2, "join": 0.3},
        referral={"advocacy_strong": 0.05},
        fatigue={"mute_per_message": 0.02},
        trust={"recovery": recovery},
        product={} if recovery else {"service_failure": 0.3},
    )  # fmt: skip


# without recovery an unrecovered failure breaks a VIP member's strong tie (their VIP group
# shrinks in the settle pass's finish)
@pytest.mark.parametrize("budget, recovery", [(3000.0, True), (40000.0, True), (40000.0, False)])
def test_invariants_hold_every_step(budget, recovery):
    g = _graph(n=1500)
    p = _busy_params(recovery)
    budgets = {s: budget / len(STRATEGIES) for s in STRATEGIES}
    m = MarketModel(g, RULE, p, budgets, horizon=70, seeding=Seeding(random=20), seed=2)
    quota = p.groups.monthly_quota
    cap = p.ads.frequency_cap_days
    for t in range(1, 71):
        last_ad = m.last_ad.copy()
        customers = m.engine.counts[State.ADOPTED]
        m.step()
        r = m.result()
        spent = r.spend.sum(axis=0)
        assert np.all(spent <= m.budget + 1e-6) and np.all(m.remaining >= 0)
        assert np.allclose(spent + m.remaining, m.budget)
        ng = int(m._n_groups[0])
        members = np.bincount(m.group[m.group >= 0], minlength=ng)
        assert np.array_equal(members, m.group_count[:ng])
        assert members.max(initial=0) <= p.groups.capacity
        vmem = np.bincount(m.vip_group[m.vip_group >= 0], minlength=m.vip_count.size)
        assert np.array_equal(vmem, m.vip_count)
        assert m.vip_count.max() <= p.vip.capacity
        assert m.msgs_month.max() <= quota
        hit = m.last_ad == t
        assert np.all(t - last_ad[hit] >= cap)
        assert np.all(last_ad[~hit] == m.last_ad[~hit])
        new = m.engine.counts[State.ADOPTED] - customers
        assert r.new_by_cause[-1].sum() == new == r.new_by_channel[-1].sum()
        assert np.all(m.engine.state[m.rel == Relationship.STRONG] == State.ADOPTED)
        assert np.all(m.rel[m.churned] == Relationship.ABSENT)
        assert np.all(m.rel[m.group >= 0] != Relationship.ABSENT)
        assert m.engine.counts.sum() == g.n
        assert np.array_equal(r.levels[-1], m._level_counts())
    r = m.result()
    assert r.new_by_cause.sum() == r.customers[-1] == r.new_by_channel.sum()
    # the limits were actually reached, so the checks above were not vacuous
    # (a new group opens only once the newest is full: a second group means one reached capacity)
    assert m.msgs_month.max() == quota and m._n_groups[0] >= 2
    assert (
        r.tally[:, kern.K_IMPRESSIONS].sum() > 0 and r.tally[:, kern.K_COUPONS_REDEEMED].sum() > 0
    )
    if budget < 10000:
        assert np.all(m.remaining < 0.05 * m.budget + 400)  # small budgets get used up


def test_outcome_priced_spend_is_the_outcome_tally_times_its_unit_price():
    """Every step: coupons = redemptions x value, referral = referrals x reward, group-buy =
    completed teams x discount; referrals and group-buys are the customers of those causes;
    revenue = purchases x price; advocates cost (fee + sample) each at t = 0."""
    g = _graph(n=1500)
    p = _busy_params()
    budgets = dict.fromkeys(STRATEGIES, 20000.0)
    m = MarketModel(g, RULE, p, budgets, horizon=60, seeding=Seeding(random=20), seed=2)
    r = m.run()
    col = {s: r.spend[:, STRATEGIES.index(s)] for s in STRATEGIES}
    tal = {k: r.tally[:, getattr(kern, f"K_{k.upper()}")]
           for k in ("coupons_redeemed", "referrals", "groupbuys", "purchases")}  # fmt: skip
    assert np.array_equal(col["coupons"], tal["coupons_redeemed"] * p.coupons.value)
    assert np.array_equal(col["referral"], tal["referrals"] * p.referral.reward)
    assert np.array_equal(col["groupbuy"], tal["groupbuys"] * p.groupbuy.discount)
    assert np.array_equal(tal["referrals"][1:], r.new_by_cause[1:, Cause.REFERRAL])
    assert np.array_equal(tal["groupbuys"][1:], r.new_by_cause[1:, Cause.GROUPBUY])
    assert np.array_equal(r.revenue, tal["purchases"] * p.product.price)
    for name, cause in (("bridging", Cause.BRIDGE), ("kol", Cause.KOL), ("koc", Cause.KOC)):
        k = int(r.new_by_cause[0, cause])  # advocates recruited at t = 0
        fee = getattr(p, name).fee + p.product.unit_cost
        assert k > 0 and col[name][0] == pytest.approx(k * fee) and col[name][1:].sum() == 0
    for k in ("coupons_redeemed", "referrals", "groupbuys"):
        assert tal[k].sum() > 0, k  # each cost was incurred, so the checks are not vacuous
