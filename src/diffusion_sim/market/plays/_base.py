"""The protocol every play follows, and its shared helpers.

A play runs one or more strategies of the registry (:mod:`diffusion_sim.market.registry`)
with its own parameters (a dataclass that is also its Hydra schema, ``market.<section>``).
:class:`~diffusion_sim.market.model.MarketModel` calls its hooks each day, in registry order:

``start()``
    once, at ``t = 0`` (before any day), e.g. recruit advocates;
``plan(t)``
    reads the state after ``t - 1`` and decides today's actions (the budget checked first);
``posters(t)``
    the consumers who post about the product today and their advocacy kind (rows of the
    advocates' table, :data:`~diffusion_sim.market.channels.ADVOCACY`), or ``None``;
``settle(t, tally)``
    after the day's purchases: pay for the outcomes it is charged for;
``price_cut(tally)``
    revenue given up today on sales it discounts (a live discount), subtracted from
    ``purchases × price``.

Exposures (a play's channels) are turned into hazards in the compiled prepare pass, whose
table has one row per registered channel (:mod:`diffusion_sim.market.channels`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..registry import STRATEGY_TABLE, TALLY_TABLE, Strategy

if TYPE_CHECKING:
    from ..model import MarketModel

__all__ = ["Play"]


class Play:
    """Base class: hooks that do nothing, and the registry facts of the play's strategies."""

    #: Module name in the registry (``Strategy.module``).
    module: ClassVar[str] = ""

    def __init__(self, model: MarketModel):
        self.model = model

    @classmethod
    def strategies(cls) -> tuple[Strategy, ...]:
        """Strategies this play runs (registry order)."""
        return tuple(s for s in STRATEGY_TABLE if s.module == cls.module)

    @classmethod
    def tallies(cls) -> tuple[str, ...]:
        """Tallies this play counts."""
        names = {s.name for s in cls.strategies()}
        return tuple(t.name for t in TALLY_TABLE if t.owner in names)

    @classmethod
    def causes(cls) -> tuple:
        """Cause (channel) codes this play adds."""
        return tuple(c for s in cls.strategies() for c in s.causes)

    def funded(self) -> bool:
        """Whether any of its strategies has a budget."""
        m = self.model
        return any(m.budget[m.strategy_index[s.name]] > 0 for s in self.strategies())

    def start(self) -> None:
        """At ``t = 0``."""

    def plan(self, t: int) -> None:
        """Today's actions, before the prepare pass."""

    def posters(self, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Today's posting consumers and their advocacy kinds (int64 arrays), or None."""
        return None

    def settle(self, t: int, tally: np.ndarray) -> None:
        """After the day's purchases (``tally`` is today's tally row)."""

    def price_cut(self, tally: np.ndarray) -> float:
        """Revenue given up today on discounted sales (after ``settle``), CNY."""
        return 0.0
