"""Group-buy (拼团): the friends threshold and the cost per completed team."""

from __future__ import annotations

import numpy as np
from mkt import _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause


def test_group_buy_is_a_threshold_on_friends_recent_purchases():
    """Team of 3: consumer 2 has two friends (0, 1) who just bought, consumer 3 only one."""
    from conftest import graph_from

    g = graph_from(6, strong=[(0, 2), (1, 2), (0, 3)], weak=[(4, 5)])
    p = _params(groupbuy={"team_size": 3, "window_days": 2, "join": 1.0, "discount": 15.0},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"groupbuy": 100.0}, horizon=3,
                    seeding=Seeding(nodes=[0, 1]), seed=0)  # fmt: skip
    m._recent_log.append(np.array([0, 1]))  # 0 and 1 bought on day 0
    m.step()
    assert m.engine.adopted_at[2] == 1 and m.engine.cause[2] == Cause.GROUPBUY
    assert m.engine.adopted_at[3] == -1
    r = m.run()
    assert r.spend[:, STRATEGIES.index("groupbuy")].sum() == 15.0
    assert r.tally[:, kern.K_GROUPBUYS].sum() == 1 and m.engine.adopted_at[3] == -1


def test_group_buy_waits_until_the_budget_covers_every_ready_consumer():
    """Two consumers are ready (two recent buyer friends each); 29 CNY does not cover both
    15 CNY discounts, so the group-buy is not offered; 30 CNY does."""
    from conftest import graph_from

    g = graph_from(5, strong=[(0, 2), (1, 2), (0, 3), (1, 3)], weak=[])
    p = _params(groupbuy={"team_size": 3, "window_days": 2, "join": 1.0, "discount": 15.0},
                groups={"enabled": False})  # fmt: skip
    for budget, joined in ((29.0, 0), (30.0, 2)):
        m = MarketModel(g, TiesRule(), p, {"groupbuy": budget}, horizon=1,
                        seeding=Seeding(nodes=[0, 1]), seed=0)  # fmt: skip
        m._recent_log.append(np.array([0, 1]))
        r = m.run()
        assert r.tally[1, kern.K_GROUPBUYS] == joined == r.customers[-1] - 2
        assert r.spend.sum() == 15.0 * joined
