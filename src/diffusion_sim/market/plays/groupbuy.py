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
from typing import ClassVar, NamedTuple

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


#: How many listed consumers ahead :func:`_count_listed` prefetches their count and state.
AHEAD_LISTED = 16


class ReadyList(NamedTuple):
    """Consumers whose count rose to ``need`` since they were last found below it or a
    customer: every ready consumer is among them, so counting the ready reads this list, not
    the whole market (measured: ~15-50k entries a day in the 1M benchmark)."""

    ids: np.ndarray  # int32, shape (n,): the listed consumers, ``size[0]`` of them
    listed: np.ndarray  # bool, shape (n,)
    size: np.ndarray  # int64, shape (1,)


@njit(cache=True)
def _count_ready(recent, state, need):
    """Non-customers with at least ``need`` friends who bought recently (group-buy ready):
    a scan of everyone (for ``need <= 0``, when every non-customer is ready; else see
    :func:`_count_listed`)."""
    c = 0
    for i in range(state.shape[0]):
        c += recent[i] >= need and state[i] != kern.ADOPTED
    return c


@njit(cache=True)
def _count_listed(recent, state, need, ready):
    """The same count as :func:`_count_ready` for ``need >= 1``, from the :class:`ReadyList`:
    counts start at 0 and move by 1, so a consumer at ``need`` or more got there by a rise to
    ``need`` (listed then, by :func:`_recent_update`) and has not been dropped since (a
    consumer is dropped when found below ``need``, or a customer, which it stays). Drops
    them and returns how many listed are ready."""
    ids, listed, size = ready
    k = 0
    nl = size[0]
    for a in range(nl):
        if a + AHEAD_LISTED < nl:  # (random reads: ~2x faster with cold caches)
            prefetch(recent, ids[a + AHEAD_LISTED])
            prefetch(state, ids[a + AHEAD_LISTED])
        i = ids[a]
        if recent[i] < need or state[i] == kern.ADOPTED:
            listed[i] = False
            continue
        ids[k] = i
        k += 1
    size[0] = k
    return k


#: How many buyers ahead the window update prefetches: their friends' counts (and visit
#: marks), their row of ties, and the row's start in ``indptr`` (the update is bound by memory
#: latency, like the advocacy pass; measured on the 1M benchmark's buyers, days 20-160:
#: ~2.2x faster with cold caches, ~2x warm).
AHEAD_TARGETS, AHEAD_ROW, AHEAD_INDPTR = 4, 12, 32


@njit(cache=True, inline="always")
def _window_half(indptr, indices, buyers, delta, recent, need, visit, ready):
    """Add ``delta`` to the count of every friend of ``buyers``; with ``delta > 0`` a friend
    whose count rises to ``need`` is marked in ``visit`` and listed in ``ready``."""
    ids, listed, size = ready
    nl = size[0]
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
                if not listed[i]:
                    listed[i] = True
                    ids[nl] = i
                    nl += 1
    size[0] = nl


@njit(cache=True)
def _recent_update(indptr, indices, entering, leaving, recent, need, visit, ready):
    """Slide the window: +1 to the recent-buyer count of every friend of ``entering``, then
    -1 for every friend of ``leaving`` (either may be empty); a friend whose count rises to
    ``need`` on the way up is marked in ``visit`` (the prepare pass then offers the
    group-buy, and keeps the mark while the count stays there; a count that falls marks
    nobody) and listed in ``ready`` (a :class:`ReadyList`) if it is not."""
    _window_half(indptr, indices, entering, 1, recent, need, visit, ready)
    _window_half(indptr, indices, leaving, -1, recent, need, visit, ready)


class GroupBuyPlay(Play):
    """The group-buy strategy: a sliding window of each consumer's recently buying friends."""

    module = "groupbuy"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        self.recent = np.zeros(n, np.int32)  # friends who bought in the window
        self._ready = ReadyList(np.empty(n, np.int32), np.zeros(n, np.bool_),
                                np.zeros(1, np.int64))  # fmt: skip
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
                           p.team_size - 1, m._visit, self._ready)  # fmt: skip
        left = m.remaining[m.strategy_index["groupbuy"]]
        if left <= 0:
            return False
        need = p.team_size - 1
        state = m.engine.state
        if need >= 1:  # (the listed are a superset of the ready: see _count_listed)
            ready = _count_listed(self.recent, state, need, self._ready)
        else:
            ready = _count_ready(self.recent, state, need)
        return ready * p.discount <= left

    def settle(self, t: int, tally: np.ndarray) -> None:
        m = self.model
        if self.funded():
            self.recent_log.append(m.buyers_today.copy())
        m._pay("groupbuy", tally[kern.K_GROUPBUYS] * m.params.groupbuy.discount)
