"""State and cause codes shared by Python code and the numba kernels.

Every array of consumer states holds the small integer codes of :class:`State`, and every
adoption records one code of :class:`Cause`. Kernels receive the plain integers
(``int(State.ADOPTED)``) so that Python and compiled code can never disagree on a code.

Codes 3–15 of :class:`State` are reserved for the funnel stages (repeat customer, churned, …)
and codes 5–15 of :class:`Cause` for brand channels (ads, groups, referrals, …).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Cause", "State", "TieClass"]


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


class TieClass(IntEnum):
    """Class of a consumer–consumer tie (stored as ``uint8`` per CSR entry).

    Strong is the larger code so that "strong wins" when duplicate ties are merged is a max.
    """

    WEAK = 0
    STRONG = 1


#: Column names used in result tables, in code order.
STATE_NAMES: tuple[str, ...] = tuple(s.name.lower() for s in State)
CAUSE_NAMES: tuple[str, ...] = tuple(c.name.lower() for c in Cause if c is not Cause.NONE)
