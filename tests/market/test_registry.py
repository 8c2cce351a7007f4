"""The registry: every list of strategies, tallies, splits and colours comes from it."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from diffusion_sim.config import market_params
from diffusion_sim.errors import ConfigError
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market import plots, results
from diffusion_sim.market.channels import CHANNELS
from diffusion_sim.market.params import STRATEGIES, Compare, MarketParams
from diffusion_sim.market.registry import (
    CAUSE_COLOURS,
    STRATEGY_TABLE,
    TALLIES,
    TALLY_TABLE,
    default_splits,
)
from diffusion_sim.states import Cause


def test_strategies_splits_and_sections_come_from_the_registry():
    assert tuple(s.name for s in STRATEGY_TABLE) == STRATEGIES
    assert list(default_splits()) == ["none", *STRATEGIES, "mix"]
    assert Compare().splits == default_splits()
    sections = {f.name for f in fields(MarketParams)}
    assert {s.section for s in STRATEGY_TABLE} <= sections
    for s in STRATEGY_TABLE:  # every strategy's cause is a channel it adds, with a colour
        for c in s.causes:
            assert c in {ch.cause for ch in CHANNELS} and c in CAUSE_COLOURS


def test_tallies_and_their_indices_agree():
    assert results.TALLIES == TALLIES and len(set(TALLIES)) == len(TALLIES) == kern.N_TALLY
    for k, t in enumerate(TALLY_TABLE):
        const = {"messages_delivered": "DELIVERED", "new_aware_by_ads": "NEW_AWARE",
                 "repeat_purchases": "REPEAT", "service_failures": "FAILURES",
                 "vip_repeat_purchases": "VIP_REPEAT"}.get(t.name, t.name.upper())  # fmt: skip
        assert getattr(kern, f"K_{const}") == k
        assert t.owner in {*STRATEGIES, "groups", "fatigue", "purchases", "trust"}


def test_plot_channels_are_the_causes_with_colours():
    assert plots._CHANNELS[0] == "none"
    assert set(plots._CHANNELS) == {c.name.lower() for c in Cause if c is not Cause.SEED}


def test_an_unknown_strategy_keeps_its_clear_error():
    with pytest.raises(ConfigError, match=r"budgets\.tv"):
        from diffusion_sim.contagion import TiesRule
        from diffusion_sim.graph import SocialGraph
        from diffusion_sim.market.model import MarketModel

        MarketModel(SocialGraph.from_edges(3, [], [], []), TiesRule(), None, {"tv": 1.0})
    with pytest.raises(ConfigError, match="market"):
        market_params({"tv": {}})


def test_every_play_module_of_the_registry_has_its_class_and_hooks():
    from diffusion_sim.market.plays import PLAYS, Play

    assert list(PLAYS) == list(dict.fromkeys(s.module for s in STRATEGY_TABLE))
    for module, cls in PLAYS.items():
        assert issubclass(cls, Play) and cls.module == module and cls.strategies()
    assert PLAYS["advocates"].causes() == (Cause.BRIDGE, Cause.KOL, Cause.KOC, Cause.INFLUENCE)
    assert PLAYS["coupons"].tallies() == ("coupons_issued", "coupons_redeemed")
    assert PLAYS["ads"].tallies() == (
        "impressions",
        "clicks",
        "new_aware_by_ads",
        "ad_reach",
        "ad_unsold",
    )
    owned = {t for cls in PLAYS.values() for t in cls.tallies()}
    brand = {t.name for t in TALLY_TABLE if t.owner not in STRATEGIES}
    assert owned | brand == set(TALLIES) and not owned & brand


def test_every_kernel_parameter_slot_gets_its_value():
    from diffusion_sim.market.model import _param_vector

    P = _param_vector(MarketParams())
    assert P.shape == (kern.N_P,) and np.isfinite(P).all()
    assert P[kern.P_CTR] == MarketParams().ads.ctr
    assert P[kern.P_GB_NEED] == MarketParams().groupbuy.team_size - 1
