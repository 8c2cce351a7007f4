"""Bad market values name their key."""

from __future__ import annotations

import pytest
from mkt import _params

from diffusion_sim.errors import ConfigError
from diffusion_sim.market.params import Compare


# -- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, key",
    [
        (lambda: Compare(budget=-1.0), "compare.budget"),
        (lambda: _params(groups={"capacity": 0}), "market.groups.capacity"),
        (lambda: _params(vip={"capacity": 0}), "market.vip.capacity"),
        (lambda: _params(ads={"ctr": 1.5}), "market.ads.ctr"),
        (lambda: _params(ads={"targeting": "everyone"}), "market.ads.targeting"),
        (lambda: _params(kol={"fee": -3.0}), "market.kol.fee"),
        (
            lambda: Compare(splits={"none": {}, "x": {"tv": 1.0}}, plays=["none", "x"]),
            "compare.splits.x.tv",
        ),
        (lambda: Compare(plays=["none", "nosuch"]), "compare.plays"),
        (
            lambda: Compare(splits={"none": {}, "x": {"ads": 0.7, "vip": 0.7}}, plays=["none"]),
            "compare.splits.x",
        ),
        (lambda: _params(product={"nosuchkey": 1}), "market.product"),
    ],
)
def test_bad_market_values_name_the_key(make, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make()
