"""The channel table: every registered channel active at once, combined exactly, and the
dense market with every strategy funded run with numba's bounds checks on."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mkt import _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.graph import GENERATORS, SocialGraph
from diffusion_sim.market.channels import ADVOCACY, CHANNELS, N_CHANNELS
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State

HERE = Path(__file__).resolve().parent


def capture_extra(m: MarketModel) -> list:
    """Record the (h, c, m) arrays the brand hands to the engine at each step."""
    seen = []
    step = m.engine.step

    def spy(extra=None):
        seen.append(tuple(a.copy() for a in extra))
        return step(extra=extra)

    m.engine.step = spy
    return seen


def test_the_table_has_a_row_for_every_channel():
    assert N_CHANNELS == len(CHANNELS) == len({c.name for c in CHANNELS}) == 15
    assert set(ADVOCACY) <= set(CHANNELS)
    assert {c.cause for c in CHANNELS} >= {Cause.AD, Cause.GROUP, Cause.COUPON, Cause.GROUPBUY,
                                           Cause.VIP, Cause.BRIDGE, Cause.KOL, Cause.KOC,
                                           Cause.REFERRAL, Cause.LIVESTREAM,
                                           Cause.INFLUENCE}  # fmt: skip


def test_all_fifteen_channels_at_once_combine_to_one_minus_the_product_of_survivals():
    """A consumer reached by every channel on day 1 (ad click and view-through, broadcast,
    two shares and a joint post in its group, a joint post in its community, a coupon, a
    group-buy, and posts of a VIP member, a bridge, a KOL, a KOC, a referrer and an IMM-picked
    advocate, each weighted by the poster's trust, and a livestream session it watches):
    h = 1 - prod_c (1 - h_c) over all 15 (every lever at its reference: no price response),
    and the trust
    multiplier is its own trust / initial."""
    n = 12
    pairs = list(itertools.combinations(range(n), 2))
    strong = [(u, v) for u, v in pairs if (u + v) % 2 == 0]
    weak = [(u, v) for u, v in pairs if (u + v) % 2 == 1]
    u = [a for a, _ in strong + weak]
    v = [b for _, b in strong + weak]
    g = SocialGraph.from_edges(n, u, v, [1] * len(strong) + [0] * len(weak))
    c1, v1, b1, sc, red, gbj = 0.01, 0.02, 0.03, 0.04, 0.05, 0.06
    adv_s = {
        "vip": 0.07,
        "bridging": 0.08,
        "kol": 0.09,
        "koc": 0.1,
        "referral": 0.11,
        "influence": 0.13,
    }
    adv_w = {k: x / 3 for k, x in adv_s.items()}
    live = 0.12
    sections = _twelve_sections(c1, v1, b1, sc, red, gbj, adv_s, adv_w)
    sections["livestream"] = {"group_watch": 1.0, "conversion": live, "fee": 1.0}
    p = _params(**sections)
    unit = p.product.unit_cost
    budgets = {
        **dict.fromkeys(STRATEGIES, 1e4),
        "bridging": unit,
        "kol": unit,
        "koc": unit,
        "influence": unit,
    }
    m = MarketModel(g, TiesRule(), p, budgets, horizon=2, seeding=Seeding(nodes=[9, 10, 11]),
                    seed=0)  # fmt: skip
    adv = {name: int(np.flatnonzero(m.engine.cause == cause)[0])
           for name, cause in (("bridging", Cause.BRIDGE), ("kol", Cause.KOL),
                               ("koc", Cause.KOC), ("influence", Cause.INFLUENCE))}  # fmt: skip
    i = int(np.flatnonzero(m.engine.state != State.ADOPTED)[0])
    vip, ref = 9, 10
    m.rel[vip] = Relationship.STRONG  # a VIP member
    m.last_buy[ref] = 1  # a recent buyer who shares for a reward
    m.rel[i] = Relationship.WEAK  # the target follows the brand and is in group 0
    m.group[i] = 0
    m.group_count[0] = 1
    m._n_groups[0] = 1
    m._next_shares[0] = 2  # two purchases shared in group 0 yesterday
    m._recent_log.append(np.array([vip]))  # a friend bought yesterday: group-buy ready
    sources = {"vip": vip, "referral": ref, **adv}
    trust = {
        "vip": 0.25,
        "bridging": 0.75,
        "kol": 0.5,
        "koc": 0.6,
        "referral": 0.3,
        "influence": 0.45,
    }
    for name, j in sources.items():
        m.trust[j] = trust[name]
    m.trust[i] = 0.4
    seen = capture_extra(m)
    m.step()
    h, c, mult = seen[0]
    t0 = p.trust.initial
    hz = [c1, v1, b1, 1 - (1 - sc) ** 2, sc, JOINT_CONV, red, gbj]  # (one community: 0)
    for name, j in sources.items():
        nbrs, ties = g.neighbors(j)
        tie = int(ties[list(nbrs).index(i)])
        b = (adv_s if tie == 1 else adv_w)[name] * trust[name] / t0
        hz.append(b)
    hz.append(live)  # the livestream is listed last
    assert len(hz) == N_CHANNELS
    expect = 1 - math.prod(1 - x for x in hz)
    assert h[i] == pytest.approx(expect, rel=1e-12)
    assert mult[i] == pytest.approx(0.4 / t0, rel=1e-15)
    assert c[i] in {ch.cause for ch in CHANNELS}


JOINT_CONV = 0.13  # per joint post in the consumer's community


def _twelve_sections(c1, v1, b1, sc, red, gbj, adv_s, adv_w) -> dict:
    return {
        "ads": {"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e6, "ctr": 1.0,
                "click_conversion": c1, "view_conversion": v1, "view_days": 7,
                "targeting": "random", "frequency_cap_days": 1, "follow_on_click": 0.0},
        "groups": {"broadcasts_per_month": 30, "execution_rate": 1.0, "monthly_quota": 10,
                   "broadcast_conversion": b1, "share_conversion": sc, "engagement": 0.0},
        "fatigue": {"mute_per_message": 0.0},
        "coupons": {"every_days": 1, "redeem": red, "value": 1.0, "reference_value": 1.0},
        "groupbuy": {"team_size": 2, "join": gbj, "discount": 1.0, "reference_discount": 1.0},
        "vip": {"advocacy_strong": adv_s["vip"], "advocacy_weak": adv_w["vip"],
                "birthday_trust": 0.0, "birthday_cost": 0.0},
        "referral": {"advocacy_strong": adv_s["referral"], "advocacy_weak": adv_w["referral"],
                     "reward": 1.0, "reference_reward": 1.0},
        "bridging": {"advocacy_strong": adv_s["bridging"], "advocacy_weak": adv_w["bridging"],
                     "fee": 0.0, "joint_every_days": 1, "joint_conversion": JOINT_CONV},
        "kol": {"advocacy_strong": adv_s["kol"], "advocacy_weak": adv_w["kol"], "fee": 0.0},
        "koc": {"advocacy_strong": adv_s["koc"], "advocacy_weak": adv_w["koc"], "fee": 0.0},
        "influence": {"advocacy_strong": adv_s["influence"],
                      "advocacy_weak": adv_w["influence"], "fee": 0.0},
    }  # fmt: skip


def dense_market_run(seeds=(0, 1, 2), days=6) -> list[int]:
    """A dense market (communities of 40, 10 weak ties each) with all strategies funded and
    every channel busy: before the channel table was sized by the registry, numba's bounds
    check stopped this run on day 3 (more than 8 channels for one consumer)."""
    g = GENERATORS["clustered"](n=1500, group_size=40, weak_ties=10.0, seed=1)
    p = _params(**{
        "groups": {"broadcasts_per_month": 30, "execution_rate": 1.0, "follow_on_purchase": 1.0,
                   "join_group": 1.0, "share_prob": 1.0, "monthly_quota": 100,
                   "share_conversion": 0.001, "broadcast_conversion": 0.001},
        "vip": {"min_purchases": 1},
        "referral": {"advocacy_strong": 0.01},
        "fatigue": {"mute_per_message": 0.0},
        "ads": {"ctr": 0.5, "click_conversion": 0.01, "view_conversion": 0.01,
                "follow_on_click": 1.0, "min_daily_budget": 0.0, "frequency_cap_days": 1,
                "targeting": "random"},
        "coupons": {"every_days": 1, "redeem": 0.01},
        "bridging": {"joint_every_days": 1},
        "groupbuy": {"team_size": 2, "join": 0.01},
    })  # fmt: skip
    rule = TiesRule(alpha=1e-3, beta_strong=0.001, beta_weak=0.001)
    budgets = {**dict.fromkeys(STRATEGIES, 1e6), "bridging": 30 * 560.0, "kol": 30 * 3060.0,
               "koc": 30 * 360.0}  # fmt: skip
    out = []
    for seed in seeds:
        m = MarketModel(g, rule, p, budgets, horizon=days, seeding=Seeding(fraction=0.05),
                        seed=seed)  # fmt: skip
        out.append(int(m.run().customers[-1]))
    return out


def test_dense_market_with_every_strategy_stays_in_bounds(boundscheck_env):
    """Run :func:`dense_market_run` compiled with ``NUMBA_BOUNDSCHECK=1`` (in a subprocess
    with its own numba cache, unless this process already checks bounds)."""
    if os.environ.get("NUMBA_BOUNDSCHECK") == "1":
        assert all(c > 0 for c in dense_market_run())
        return
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_channels as t; "
            "print(t.dense_market_run())")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=boundscheck_env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
