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

import numba
import numpy as np
from numba import njit, prange

from ...contagion import MAX_PARTS
from ...kernels._prefetch import prefetch
from ...kernels._variants import serial_and_parallel
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
def _window_half(lo, hi, csr, buyers, delta, win, need, ready, fresh):
    """Add ``delta`` to the count of every friend ``lo <= i < hi`` of ``buyers``; with
    ``delta > 0`` a friend whose count rises to ``need`` is marked in ``visit`` and, if not
    listed in ``ready``, flagged there and written to ``fresh`` (from ``fresh[lo]``).
    Returns how many it wrote."""
    indptr, indices = csr
    recent, visit = win
    listed = ready.listed
    nf = 0
    nb = buyers.shape[0]
    for a in range(nb):
        if a + AHEAD_INDPTR < nb:
            prefetch(indptr, buyers[a + AHEAD_INDPTR])
        if a + AHEAD_ROW < nb:
            prefetch(indices, indptr[buyers[a + AHEAD_ROW]])
        if a + AHEAD_TARGETS < nb:
            j1 = buyers[a + AHEAD_TARGETS]
            for e1 in range(indptr[j1], indptr[j1 + 1]):
                i1 = indices[e1]
                if lo <= i1 < hi:
                    prefetch(recent, i1)
                    if delta > 0:
                        prefetch(visit, i1)
        j = buyers[a]
        e = indptr[j]
        end = indptr[j + 1]
        while e < end and indices[e] < lo:  # rows are sorted: skip to this part
            e += 1
        while e < end:
            i = indices[e]
            if i >= hi:
                break
            e += 1
            r = recent[i] + delta
            recent[i] = r
            if delta > 0 and r == need:
                visit[i] = 1
                if not listed[i]:
                    listed[i] = True
                    fresh[lo + nf] = i
                    nf += 1
    return nf


def _recent_update(csr, window, win, need, ready, fresh, parts):
    """Slide the window: +1 to the recent-buyer count of every friend of the entering buyers,
    then -1 for every friend of the leaving ones (``window``: the two lists, either may be
    empty; ``csr``: the graph's indptr and indices); a friend whose count rises to ``need``
    on the way up is marked in ``visit`` (the prepare pass then offers the group-buy, and
    keeps the mark while the count stays there; a count that falls marks nobody) and listed
    in ``ready`` (a :class:`ReadyList`) if it is not. ``win`` is (recent, visit).

    The friends are split into ``parts`` ranges of consumer ids, one task each, and each
    applies a friend's +1s then its -1s, so the counts and marks are the same for any number
    of parts (only the order of the list differs); new listings go through ``fresh`` (n
    slots), closed up into the list after."""
    entering, leaving = window
    n = win[0].shape[0]
    part_n = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        lo = np.int64(p) * n // parts  # (prange's index is unsigned in the threaded variant)
        hi = (np.int64(p) + 1) * n // parts
        nf = _window_half(lo, hi, csr, entering, 1, win, need, ready, fresh)
        _window_half(lo, hi, csr, leaving, -1, win, need, ready, fresh)
        part_n[p] = nf
    ids, size = ready.ids, ready.size
    nl = size[0]
    for p in range(parts):  # close up the parts' new listings after the list
        lo = p * n // parts
        for a in range(part_n[p]):
            ids[nl + a] = fresh[lo + a]
        nl += part_n[p]
    size[0] = nl


_recent_update_serial, _recent_update_parallel = serial_and_parallel(_recent_update)


class GroupBuyPlay(Play):
    """The group-buy strategy: a sliding window of each consumer's recently buying friends."""

    module = "groupbuy"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        self.recent = np.zeros(n, np.int32)  # friends who bought in the window
        self._ready = ReadyList(np.empty(n, np.int32), np.zeros(n, np.bool_),
                                np.zeros(1, np.int64))  # fmt: skip
        self._fresh = np.empty(n, np.int32)  # new listings of each part (see _recent_update)
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
            window = (self.recent_log[-1], self._none if leaving is None else leaving)
            work = int(m._degree[window[0]].sum() + m._degree[window[1]].sum())  # ties
            par = m.engine._use_parallel(work)
            fn = _recent_update_parallel if par else _recent_update_serial
            parts = min(MAX_PARTS, numba.get_num_threads()) if par else 1
            fn((g.indptr, g.indices), window, (self.recent, m._visit), p.team_size - 1,
               self._ready, self._fresh, parts)  # fmt: skip
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
