"""The brand's plays, one module each (see :mod:`._base` for the protocol they follow).

:data:`PLAYS` maps each play module of the registry to its class, in registry order (the
order in which the model calls their hooks).
"""

from __future__ import annotations

from ..registry import STRATEGY_TABLE
from ._base import Play
from .ads import AdsPlay
from .advocates import AdvocatesPlay
from .coupons import CouponsPlay
from .groupbuy import GroupBuyPlay
from .livestream import LivestreamPlay
from .referral import ReferralPlay
from .vip import VipPlay

__all__ = ["PLAYS", "Play"]

_CLASSES = {c.module: c for c in (AdsPlay, AdvocatesPlay, CouponsPlay, GroupBuyPlay,
                                  LivestreamPlay, ReferralPlay, VipPlay)}  # fmt: skip
#: Play class of each module named in the registry, in registry order.
PLAYS: dict[str, type[Play]] = {s.module: _CLASSES[s.module] for s in STRATEGY_TABLE}
