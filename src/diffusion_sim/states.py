"""State and cause codes shared by Python code and the numba kernels.

Every array of consumer states holds the small integer codes of :class:`State`, and every
adoption records one code of :class:`Cause`. Kernels receive the plain integers
(``int(State.ADOPTED)``) so that Python and compiled code can never disagree on a code.

Codes 3–15 of :class:`State` are reserved. Codes 5–14 of :class:`Cause` are the brand's
channels (:mod:`diffusion_sim.market`); the same codes serve as the last-touch *channel code*
(渠道活码) that a brand would record, with ``NONE`` for an untracked (organic) path.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Cause", "Relationship", "Stage", "State", "TieClass"]


class State(IntEnum):
    """Consumer state codes (stored as ``uint8``).

    ``UNAWARE``
        has not heard of the product.
    ``AWARE``
        has not adopted, but at least one neighbour (over any tie) has: the consumer has heard
        of the product by word of mouth.
    ``ADOPTED``
        has adopted (bought); adoption is progressive and never reverts in the engine rules.
    """

    UNAWARE = 0
    AWARE = 1
    ADOPTED = 2


class Cause(IntEnum):
    """Why a consumer adopted (stored as ``int8``); ``NONE`` for non-adopters."""

    NONE = 0
    SEED = 1
    EXTERNAL = 2
    STRONG = 3
    WEAK = 4
    #: a Moments ad (impression and click)
    AD = 5
    #: the brand's customer group: a broadcast, or a purchase shared in the group
    GROUP = 6
    #: word of mouth of a VIP-group member (perks raise advocacy)
    VIP = 7
    #: a recruited bridge consumer (structural holes) and its campaign
    BRIDGE = 8
    #: a recruited hub (KOL: chosen by degree)
    KOL = 9
    #: a recruited ordinary consumer (KOC: chosen at random)
    KOC = 10
    #: a coupon sent to a follower
    COUPON = 11
    #: share-for-reward referral of a customer
    REFERRAL = 12
    #: a group-buy (拼团) team completed with friends
    GROUPBUY = 13
    #: a livestream session (直播带货) of the brand's host
    LIVESTREAM = 14
    #: a recruited consumer picked by influence maximisation (IMM seeds: the upper bound
    #: for bridges, KOL and KOC at the same fee)
    INFLUENCE = 15


class Relationship(IntEnum):
    """Brand–consumer relationship (stored as ``uint8``), seed 000 §4.1.

    ``ABSENT``: no link to the brand; ``WEAK``: follows the brand / is in a customer group;
    ``STRONG``: member of a VIP group.
    """

    ABSENT = 0
    WEAK = 1
    STRONG = 2


class Stage(IntEnum):
    """Funnel stage of a consumer, derived from the state and the purchase count.

    ``CHURNED`` (muted the brand or left its groups) overrides the others.
    """

    UNAWARE = 0
    AWARE = 1
    CUSTOMER = 2
    REPEAT = 3
    CHURNED = 4


class TieClass(IntEnum):
    """Class of a consumer–consumer tie (stored as ``uint8`` per CSR entry).

    Strong is the larger code so that "strong wins" when duplicate ties are merged is a max.
    """

    WEAK = 0
    STRONG = 1


#: Column names used in result tables, in code order.
STATE_NAMES: tuple[str, ...] = tuple(s.name.lower() for s in State)
CAUSE_NAMES: tuple[str, ...] = tuple(c.name.lower() for c in Cause if c is not Cause.NONE)
#: Causes of the engine's own rules (the diffusion job reports only these).
ENGINE_CAUSES: tuple[Cause, ...] = (Cause.SEED, Cause.EXTERNAL, Cause.STRONG, Cause.WEAK)
