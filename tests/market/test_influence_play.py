"""The influence-maximising advocates play: IMM's seeds at the bridges' fee (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest
from mkt import _graph, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import GENERATORS
from diffusion_sim.influence import influence_seeds, live_edge, mc_spread
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.plays.advocates import campaign_rule
from diffusion_sim.states import Cause


def test_influence_advocates_are_imms_seeds_at_the_fee():
    g = _graph()
    p = _params()
    adv = p.influence
    unit = p.product.unit_cost
    budget = 10_000.0
    m = MarketModel(g, TiesRule(), p, {"influence": budget}, horizon=1, seed=0)
    k = int(budget // (adv.fee + unit))
    got = np.flatnonzero(m.engine.cause == Cause.INFLUENCE)
    want = influence_seeds(g, campaign_rule(adv), k, epsilon=adv.epsilon)
    assert got.size == k and set(got.tolist()) == set(want.tolist())
    assert m.result().spend[0].sum() == pytest.approx(k * (adv.fee + unit))
    assert np.all(m.purchases[got] == 0)  # free samples are not sales
    # the campaign's cascade: per-tie probability of one advocate over campaign_days
    rule = campaign_rule(adv)
    assert rule.p_strong == pytest.approx(1 - (1 - adv.advocacy_strong) ** adv.campaign_days)
    assert rule.p_weak == pytest.approx(1 - (1 - adv.advocacy_weak) ** adv.campaign_days)
    # every replication recruits the same advocates (the seeds are the network's)
    again = MarketModel(g, TiesRule(), p, {"influence": budget}, horizon=1, seed=5)
    assert np.array_equal(np.flatnonzero(again.engine.cause == Cause.INFLUENCE), got)


def test_influence_seeds_skip_customers():
    """Consumers who already bought are not recruited; the next of IMM's picks are."""
    g = _graph(n=800)
    p = _params()
    k = 5
    budget = k * (p.influence.fee + p.product.unit_cost)
    best = influence_seeds(g, campaign_rule(p.influence), k, epsilon=p.influence.epsilon)
    from diffusion_sim.seeding import Seeding

    m = MarketModel(g, TiesRule(), p, {"influence": budget}, horizon=1,
                    seeding=Seeding(nodes=best[:2].tolist()), seed=0)  # fmt: skip
    got = np.flatnonzero(m.engine.cause == Cause.INFLUENCE)
    assert got.size == k and not set(got.tolist()) & set(best[:2].tolist())


@pytest.mark.statistical
def test_influence_advocates_against_bridges_hubs_and_random():
    """On the campaign's own cascade, IMM's advocates reach at least (1 - 1/e - epsilon) of
    the best k (so of any heuristic's k: its guarantee, here with 4 s.e. of Monte Carlo over
    4,000 live-edge worlds), and clearly more than random consumers (KOC)."""
    g = GENERATORS["clustered"](n=3000, group_size=10, weak_ties=1.0, seed=2)
    p = _params(influence={"advocacy_strong": 0.003, "advocacy_weak": 0.003})
    k = 15
    unit = p.product.unit_cost
    live = live_edge(g, campaign_rule(p.influence))
    spread = {}
    for name in ("influence", "bridging", "kol", "koc"):
        adv = getattr(p, name)
        budget = k * (adv.fee + unit) + 1.0
        m = MarketModel(g, TiesRule(), p, {name: budget}, horizon=1, seed=0)
        ids = np.flatnonzero(m.adv_row > 0)
        assert ids.size == k
        spread[name] = mc_spread(live, ids, worlds=4000, key=9)
    best, se = spread["influence"]
    bound = 1 - 1 / np.e - p.influence.epsilon
    for name in ("bridging", "kol", "koc"):
        other, se_o = spread[name]
        assert best >= bound * other - 4 * np.hypot(se, bound * se_o), spread
    koc, se_k = spread["koc"]
    assert best - koc > 5 * np.hypot(se, se_k), spread


def test_influence_epsilon_is_checked():
    with pytest.raises(ConfigError, match=r"market.influence.epsilon=0.0 is not allowed"):
        _params(influence={"epsilon": 0.0})
    with pytest.raises(ConfigError, match=r"market.influence.target"):
        _params(influence={"target": "imm"})
