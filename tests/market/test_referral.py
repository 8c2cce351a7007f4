"""Share-for-reward referral: recent buyers post; paid per successful referral."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import RULE, _graph, _params

from conftest import graph_from
from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause

REFERRAL = STRATEGIES.index("referral")


def _referral_market(budget, strong=1.0, weak=0.0, reward=15.0, admission="budget"):
    """Customer 0 (a recent buyer) with strong friends 1-4 and a weak friend 5."""
    g = graph_from(8, strong=[(0, i) for i in range(1, 5)], weak=[(0, 5), (6, 7)])
    p = _params(referral={"advocacy_strong": strong, "advocacy_weak": weak, "reward": reward,
                          "admission": admission},
                groups={"enabled": False}, product={"repurchase": 0.0})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"referral": budget}, horizon=1,
                    seeding=Seeding(nodes=[0]), seed=0)  # fmt: skip
    m.last_buy[0] = 1  # bought within the sharing window
    return m


def test_certain_referral_converts_every_strong_friend_and_pays_each_reward():
    m = _referral_market(budget=5 * 15.0)  # covers all 5 friends who could still buy
    r = m.run()
    assert np.array_equal(np.flatnonzero(m.engine.adopted_at == 1), [1, 2, 3, 4])
    assert np.all(m.engine.cause[1:5] == Cause.REFERRAL) and np.all(
        m.channel[1:5] == Cause.REFERRAL
    )
    assert r.tally[1, kern.K_REFERRALS] == 4
    assert r.spend[1, REFERRAL] == pytest.approx(4 * 15.0) == r.spend.sum()


def test_reserve_a_sharer_posts_only_if_the_budget_covers_every_friend_who_could_buy():
    """admission=reserve (the old rule, market=viral): 5 open friends at 15 CNY: 74 CNY does
    not cover them all, so nobody shares."""
    r = _referral_market(budget=5 * 15.0 - 1.0, admission="reserve").run()
    assert r.customers[-1] == 1 and r.spend.sum() == 0 and r.tally[:, kern.K_REFERRALS].sum() == 0


@pytest.mark.parametrize(("budget", "paid"), [(74.0, 4), (40.0, 2), (15.0, 1)])
def test_rewards_are_paid_while_the_budget_lasts(budget, paid):
    """admission=budget: the sharer posts whenever one reward is covered; its 4 strong
    friends buy for certain; the whole rewards the budget covers are paid, the rest of the
    day's referrals go unrewarded; the spend never exceeds the budget."""
    r = _referral_market(budget=budget).run()
    assert r.tally[1, kern.K_REFERRALS] == 4 and r.customers[-1] == 5
    assert r.spend[1, REFERRAL] == paid * 15.0 <= budget


def test_no_post_once_the_budget_cannot_pay_one_reward():
    r = _referral_market(budget=14.0).run()
    assert r.customers[-1] == 1 and r.spend.sum() == 0 and r.tally[:, kern.K_REFERRALS].sum() == 0


def _referrals(reward, admission, seeds=6):
    """Referrals over 30 days on 3,000 consumers (2 % seeded customers, the tests' fast
    word of mouth), 20,000 CNY: never exhausted here (at most 12.6k spent at 45 CNY)."""
    g = _graph(n=3000)
    out = []
    for s in range(seeds):
        p = _params(referral={"reward": reward, "admission": admission},
                    product={"repurchase": 0.0})  # fmt: skip
        r = MarketModel(g, RULE, p, {"referral": 20_000.0}, horizon=30,
                        seeding=Seeding(fraction=0.02), seed=s).run()  # fmt: skip
        assert r.spend.sum() < 20_000.0  # the budget does not cap the referrals
        out.append(r.tally[:, kern.K_REFERRALS].sum())
    return np.array(out, float)


@pytest.mark.statistical
def test_a_larger_reward_never_gives_fewer_referrals():
    """5, 15, 45 CNY, paired seeds (common random numbers). The sharing hazard grows as
    (R / 15)^0.5, so the expected referrals at least by sqrt(3) = 1.73 per step (more through
    referred customers who share): measured 64, 123, 224 (sd 7-31 over 6 seeds). Test: the
    mean paired difference is positive by more than 3 of its standard errors (the se from the
    6 differences). The old reservation rule (admission=reserve) fell at 45 CNY on the same
    runs (103 -> 70): its worst-case reservation, reward x open friends per sharer, capped
    the sharers every day at budget left / reward while a tenth of the budget was spent."""
    got = {r: _referrals(r, "budget") for r in (5.0, 15.0, 45.0)}
    for lo, hi in ((5.0, 15.0), (15.0, 45.0)):
        d = got[hi] - got[lo]
        se = d.std(ddof=1) / np.sqrt(d.size)
        assert d.mean() > 3 * se, (lo, hi, got[lo], got[hi])
    old = _referrals(45.0, "reserve") - _referrals(15.0, "reserve")
    assert old.mean() < -3 * old.std(ddof=1) / np.sqrt(old.size)


def test_referral_posts_use_the_tie_class_and_the_sharers_trust():
    """Per-tie hazard = advocacy of the tie's class x trust / initial trust."""
    from test_channels import capture_extra

    m = _referral_market(budget=1e3, strong=0.2, weak=0.1)
    m.trust[0] = 0.3  # weight 0.6
    seen = capture_extra(m)
    m.step()
    h = seen[0][0]
    assert np.allclose(h[1:5], 0.2 * 0.6, rtol=1e-14, atol=0) and h[5] == pytest.approx(0.06)
    assert h[6] == h[7] == 0.0


def test_every_recent_buyer_shares_whatever_the_worst_case():
    """admission=budget: consumers 0 and 6 bought yesterday; a budget of one reward lets both
    post (reserve would let nobody): all 6 open friends buy, one reward is paid."""
    g = graph_from(8, strong=[(0, i) for i in range(1, 5)], weak=[(0, 5), (6, 7)])
    p = _params(referral={"advocacy_strong": 1.0, "advocacy_weak": 1.0},
                groups={"enabled": False}, product={"repurchase": 0.0})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"referral": 20.0}, horizon=1,
                    seeding=Seeding(nodes=[0, 6]), seed=0)  # fmt: skip
    m.last_buy[[0, 6]] = 1
    r = m.run()
    assert np.array_equal(np.flatnonzero(m.engine.adopted_at == 1), [1, 2, 3, 4, 5, 7])
    assert r.tally[1, kern.K_REFERRALS] == 6 and r.spend[1, REFERRAL] == 15.0
