"""The brand's conversion channels: every source of extra first-purchase hazard.

Each day a non-customer may be exposed to several channels at once; the prepare pass
(:func:`diffusion_sim.market._kernels._prepare_range`) lists the hazard and cause code of each
active one in a scratch table of :data:`N_CHANNELS` rows, then combines them,
``h = 1 - prod(1 - h_c)``, and draws the true cause in proportion to ``h_c``. The table is
sized from this registry, so adding a channel here is what makes room for it: a consumer can
never have more active channels than there are rows.

The order of :data:`CHANNELS` is the order in which the prepare pass lists active channels,
which fixes the cause drawn for a given uniform (part of the results).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..states import Cause

__all__ = ["ADVOCACY", "ADVOCACY_ROW", "CHANNELS", "N_CHANNELS", "Channel"]


class Channel(NamedTuple):
    """One source of extra hazard: its name, the play (or brand module) that adds it, and
    the true cause recorded when it causes a purchase."""

    name: str
    play: str
    cause: Cause


#: Advocacy kinds: rows of the advocates' log-survival table, in table order.
ADVOCACY: tuple[Channel, ...] = (
    Channel("vip_posts", "vip", Cause.VIP),
    Channel("bridge_posts", "bridging", Cause.BRIDGE),
    Channel("kol_posts", "kol", Cause.KOL),
    Channel("koc_posts", "koc", Cause.KOC),
    Channel("referral_posts", "referral", Cause.REFERRAL),
    Channel("influence_posts", "influence", Cause.INFLUENCE),
)

#: Every channel, in the prepare pass's listing order.
CHANNELS: tuple[Channel, ...] = (
    Channel("ad_click", "ads", Cause.AD),
    Channel("ad_view", "ads", Cause.AD),
    Channel("broadcast", "groups", Cause.GROUP),
    Channel("group_shares", "groups", Cause.GROUP),
    Channel("joint_posts", "bridging", Cause.BRIDGE),
    Channel("joint_community", "bridging", Cause.BRIDGE),
    Channel("coupon", "coupons", Cause.COUPON),
    Channel("groupbuy", "groupbuy", Cause.GROUPBUY),
    *ADVOCACY,
    Channel("livestream", "livestream", Cause.LIVESTREAM),
)

#: Rows of the per-consumer channel table (a compile-time constant in the kernels).
N_CHANNELS: int = len(CHANNELS)
#: Cause code of each advocacy kind (row of the log-survival table).
ADVOCACY_CAUSES = np.array([c.cause for c in ADVOCACY], dtype=np.int8)
N_ADVOCACY: int = len(ADVOCACY)
#: Row of the advocates' table of each posting strategy.
ADVOCACY_ROW: dict[str, int] = {c.play: k for k, c in enumerate(ADVOCACY)}
