"""The brand's strategies, tallies and channel colours, listed once.

Every list the market needs is derived from the tables below, never written twice: the
strategy names (budget keys and spend columns, :data:`STRATEGIES`), the default budget splits
of a comparison (:func:`default_splits`), the per-step tallies (:data:`TALLIES` and the
kernels' indices), and the colours of the attribution plot (:data:`CAUSE_COLOURS`). The order
of each table is part of the results (the order of columns).
"""

from __future__ import annotations

from typing import NamedTuple

from ..states import Cause

__all__ = [
    "CAUSE_COLOURS",
    "MIX",
    "STRATEGIES",
    "STRATEGY_TABLE",
    "TALLIES",
    "TALLY_INDEX",
    "TALLY_TABLE",
    "Strategy",
    "Tally",
    "default_splits",
]


class Strategy(NamedTuple):
    """A strategy a play can fund: its budget key, the config section ``market.<section>``
    holding its parameters, the play module under :mod:`diffusion_sim.market.plays` that runs
    it, and the causes (channel codes) it adds."""

    name: str
    section: str
    module: str
    causes: tuple[Cause, ...]


#: Strategies in the order of the spend columns.
STRATEGY_TABLE: tuple[Strategy, ...] = (
    Strategy("vip", "vip", "vip", (Cause.VIP,)),
    Strategy("ads", "ads", "ads", (Cause.AD,)),
    Strategy("bridging", "bridging", "advocates", (Cause.BRIDGE,)),
    Strategy("kol", "kol", "advocates", (Cause.KOL,)),
    Strategy("koc", "koc", "advocates", (Cause.KOC,)),
    Strategy("coupons", "coupons", "coupons", (Cause.COUPON,)),
    Strategy("referral", "referral", "referral", (Cause.REFERRAL,)),
    Strategy("groupbuy", "groupbuy", "groupbuy", (Cause.GROUPBUY,)),
    Strategy("livestream", "livestream", "livestream", (Cause.LIVESTREAM,)),
    Strategy("influence", "influence", "advocates", (Cause.INFLUENCE,)),
)
#: Strategy names, in the order of the spend columns.
STRATEGIES: tuple[str, ...] = tuple(s.name for s in STRATEGY_TABLE)


class Tally(NamedTuple):
    """A per-step flow counted by the market: its column name and who counts it (a strategy
    or a brand-wide module)."""

    name: str
    owner: str


#: Per-step tallies, in column order.
TALLY_TABLE: tuple[Tally, ...] = (
    Tally("impressions", "ads"),
    Tally("clicks", "ads"),
    Tally("messages_delivered", "groups"),
    Tally("coupons_issued", "coupons"),
    Tally("muted", "fatigue"),
    Tally("new_aware_by_ads", "ads"),
    Tally("purchases", "purchases"),
    Tally("repeat_purchases", "purchases"),
    Tally("service_failures", "trust"),
    Tally("new_followers", "groups"),
    Tally("exits", "groups"),
    Tally("coupons_redeemed", "coupons"),
    Tally("referrals", "referral"),
    Tally("groupbuys", "groupbuy"),
    Tally("vip_repeat_purchases", "vip"),
    Tally("live_sessions", "livestream"),
    Tally("live_viewers", "livestream"),
    Tally("live_sales", "livestream"),
    Tally("ad_reach", "ads"),
    Tally("ad_unsold", "ads"),
)
#: Tally column names, in ``tally`` order.
TALLIES: tuple[str, ...] = tuple(t.name for t in TALLY_TABLE)
#: Index of each tally in a tally row.
TALLY_INDEX: dict[str, int] = {name: k for k, name in enumerate(TALLIES)}

#: Colour of each cause / channel code in every figure (the attribution bars, and the plays
#: that fund one strategy, :mod:`diffusion_sim.market.colours`); each readable as a line on
#: white and distinct from the others, in plot order.
CAUSE_COLOURS: dict[Cause, str] = {
    Cause.NONE: "#bbbbbb",
    Cause.EXTERNAL: "#e6a23c",
    Cause.STRONG: "#c0392b",
    Cause.WEAK: "#2e86c1",
    Cause.AD: "#d4ac0d",
    Cause.GROUP: "#16a085",
    Cause.VIP: "#8e44ad",
    Cause.BRIDGE: "#27ae60",
    Cause.KOL: "#d35400",
    Cause.KOC: "#17becf",
    Cause.COUPON: "#bcbd22",
    Cause.REFERRAL: "#5d6d7e",
    Cause.GROUPBUY: "#8c564b",
    Cause.LIVESTREAM: "#e84393",
    Cause.INFLUENCE: "#1a5276",
}

#: The mix play: a third of the budget each to VIP groups, ads and bridges.
MIX: tuple[str, ...] = ("vip", "ads", "bridging")


def default_splits() -> dict[str, dict[str, float]]:
    """No action, each strategy alone with the whole budget, and the mix (thirds)."""
    third = 1.0 / 3.0
    # the last third as conf/config.yaml writes it (0.3333333333333334, one ulp above 1/3),
    # so that Compare() and the command line split the mix's budget bit for bit alike
    mix = {**dict.fromkeys(MIX[:-1], third), MIX[-1]: 0.3333333333333334}
    return {"none": {}, **{s: {s: 1.0} for s in STRATEGIES}, "mix": mix}
