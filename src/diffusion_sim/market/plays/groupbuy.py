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
from ..brand.advocacy import prefetch
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


#: How many buyers ahead the window update prefetches: their friends' counts (and visit
#: marks), their row of ties, and the row's start in ``indptr`` (the update is bound by memory
#: latency, like the advocacy pass; measured on the 1M benchmark's buyers, days 20-160:
#: ~2.2x faster with cold caches, ~2x warm).
AHEAD_TARGETS, AHEAD_ROW, AHEAD_INDPTR = 4, 12, 32


@njit(cache=True, inline="always")
def _window_half(indptr, indices, buyers, delta, recent, need, visit):
    """Add ``delta`` to the count of every friend of ``buyers``; with ``delta > 0`` a friend
    whose count rises to ``need`` is marked in ``visit``."""
    nb = buyers.shape[0]
    for a in range(nb):
        if a + AHEAD_INDPTR < nb:
            prefetch(indptr, buyers[a + AHEAD_INDPTR])
        if a + AHEAD_ROW < nb:
            prefetch(indices, indptr[buyers[a + AHEAD_ROW]])
        if a + AHEAD_TARGETS < nb:
            j = buyers[a + AHEAD_TARGETS]
            for e in range(indptr[j], indptr[j + 1]):
                prefetch(recent, indices[e])
                if delta > 0:
                    prefetch(visit, indices[e])
        j = buyers[a]
        for e in range(indptr[j], indptr[j + 1]):
            i = indices[e]
            r = recent[i] + delta
            recent[i] = r
            if delta > 0 and r == need:
                visit[i] = 1


@njit(cache=True)
def _recent_update(indptr, indices, entering, leaving, recent, need, visit):
    """Slide the window: +1 to the recent-buyer count of every friend of ``entering``, then
    -1 for every friend of ``leaving`` (either may be empty); a friend whose count rises to
    ``need`` on the way up is marked in ``visit`` (the prepare pass then offers the
    group-buy, and keeps the mark while the count stays there; a count that falls marks
    nobody)."""
    _window_half(indptr, indices, entering, 1, recent, need, visit)
    _window_half(indptr, indices, leaving, -1, recent, need, visit)


class GroupBuyPlay(Play):
    """The group-buy strategy: a sliding window of each consumer's recently buying friends."""

    module = "groupbuy"

    def __init__(self, model):
        super().__init__(model)
        self.recent = np.zeros(model.graph.n, np.int32)  # friends who bought in the window
        self.recent_log: list[np.ndarray] = []  # buyers of each day in the window
        self.on = False  # offered today
        self._none = np.zeros(0, np.int64)

    def plan(self, t: int) -> None:
        self.on = self.funded() and self._offer(t)

    def _offer(self, t: int) -> bool:
        m = self.model
        p = m.params.groupbuy
        g = m.graph
        if self.recent_log:  # buyers of t - 1 enter the window, those of t - 1 - W leave
            leaving = self.recent_log.pop(0) if len(self.recent_log) > p.window_days else None
            _recent_update(g.indptr, g.indices, self.recent_log[-1],
                           self._none if leaving is None else leaving, self.recent,
                           p.team_size - 1, m._visit)  # fmt: skip
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
