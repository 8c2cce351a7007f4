"""Group-buy (拼团): a non-customer joins a team once ``team_size - 1`` friends bought within
the last ``window_days`` days.

Channel: ``groupbuy`` (cause GROUPBUY), hazard ``join`` per day for a ready consumer (stated
at ``reference_discount``, times the logit price response ``exp(elasticity *
(reference_discount - discount) / reference_price)`` of :mod:`~diffusion_sim.market.brand.price`:
a larger discount, more joiners), on the
days the budget covers the discount of every ready consumer. Tally: ``groupbuys``. Cost:
``discount`` per completed team (a group-buy purchase).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from .. import _kernels as kern
from .._validate import check_fields
from ._base import Play

__all__ = ["GroupBuy", "GroupBuyPlay"]


@dataclass
class GroupBuy:
    """Group-buy (拼团): a consumer joins once ``team_size - 1`` friends bought recently."""

    team_size: int = 3
    window_days: int = 3
    join: float = 0.05
    discount: float = 15.0
    reference_discount: float = 15.0
    _rules: ClassVar[dict] = {
        "reference_discount": ("nonneg",),
        "team_size": ("int", 2),
        "window_days": ("int", 1),
        "join": ("prob",),
        "discount": ("pos",),
    }

    def __post_init__(self):
        check_fields(self, "market.groupbuy")


@njit(cache=True)
def _count_ready(recent, state, need):
    """Non-customers with at least ``need`` friends who bought recently (group-buy ready)."""
    c = 0
    for i in range(state.shape[0]):
        c += recent[i] >= need and state[i] != kern.ADOPTED
    return c


@njit(cache=True)
def _recent_update(indptr, indices, buyers, delta, recent, need, visit):
    """Add ``delta`` (+1 or -1) to the recent-buyer count of every friend of ``buyers``; a
    friend whose count rises to ``need`` is marked in ``visit`` (the prepare pass then offers
    the group-buy, and keeps the mark while the count stays there)."""
    if delta < 0:  # (a count that falls marks nobody)
        for a in range(buyers.shape[0]):
            j = buyers[a]
            for e in range(indptr[j], indptr[j + 1]):
                recent[indices[e]] += delta
        return
    for a in range(buyers.shape[0]):
        j = buyers[a]
        for e in range(indptr[j], indptr[j + 1]):
            i = indices[e]
            recent[i] += delta
            if recent[i] == need:
                visit[i] = 1


class GroupBuyPlay(Play):
    """The group-buy strategy: a sliding window of each consumer's recently buying friends."""

    module = "groupbuy"

    def __init__(self, model):
        super().__init__(model)
        self.recent = np.zeros(model.graph.n, np.int32)  # friends who bought in the window
        self.recent_log: list[np.ndarray] = []  # buyers of each day in the window
        self.on = False  # offered today

    def plan(self, t: int) -> None:
        self.on = self.funded() and self._offer(t)

    def _offer(self, t: int) -> bool:
        m = self.model
        p = m.params.groupbuy
        g = m.graph
        if self.recent_log:  # buyers of t - 1 enter the window, those of t - 1 - W leave
            need = p.team_size - 1
            _recent_update(g.indptr, g.indices, self.recent_log[-1], 1, self.recent, need,
                           m._visit)  # fmt: skip
            if len(self.recent_log) > p.window_days:
                old = self.recent_log.pop(0)
                _recent_update(g.indptr, g.indices, old, -1, self.recent, need, m._visit)
        left = m.remaining[m.strategy_index["groupbuy"]]
        if left <= 0:
            return False
        ready = _count_ready(self.recent, m.engine.state, p.team_size - 1)
        return ready * p.discount <= left

    def settle(self, t: int, tally: np.ndarray) -> None:
        m = self.model
        if self.funded():
            self.recent_log.append(m.buyers_today.copy())
        m._pay("groupbuy", tally[kern.K_GROUPBUYS] * m.params.groupbuy.discount)
