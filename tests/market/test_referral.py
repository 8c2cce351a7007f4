"""Share-for-reward referral: recent buyers post; paid per successful referral."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import _params

from conftest import graph_from
from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause

REFERRAL = STRATEGIES.index("referral")


def _referral_market(budget, strong=1.0, weak=0.0, reward=15.0):
    """Customer 0 (a recent buyer) with strong friends 1-4 and a weak friend 5."""
    g = graph_from(8, strong=[(0, i) for i in range(1, 5)], weak=[(0, 5), (6, 7)])
    p = _params(referral={"advocacy_strong": strong, "advocacy_weak": weak, "reward": reward},
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


def test_a_sharer_posts_only_if_the_budget_covers_every_friend_who_could_buy():
    """5 open friends at 15 CNY: 74 CNY does not cover them all, so nobody shares."""
    r = _referral_market(budget=5 * 15.0 - 1.0).run()
    assert r.customers[-1] == 1 and r.spend.sum() == 0 and r.tally[:, kern.K_REFERRALS].sum() == 0


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
