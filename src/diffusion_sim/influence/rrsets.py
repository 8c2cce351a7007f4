"""Reverse reachable (RR) sets and the coverage greedy over them (Borgs et al. 2014).

An RR set is the set of consumers that reach a uniformly random *root* in a random live-edge
world. For any seed set ``S``, ``n * P(S meets a random RR set)`` is its expected spread
``sigma(S)``, so the fraction of sampled RR sets that ``S`` covers, times ``n``, is an unbiased
estimate of ``sigma(S)``, and the greedy maximum coverage of many RR sets picks seeds close to
the best.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from ._kernels import _group_rows, _max_coverage, _rr_batch
from .weights import IC, LiveEdge

__all__ = ["RRSets", "Sampler", "coverage_greedy", "rr_sets", "sampler"]


class RRSets(NamedTuple):
    """RR sets in CSR form: set ``q`` is ``nodes[offsets[q]:offsets[q + 1]]``.

    Attributes
    ----------
    offsets : ndarray of int64, shape (count + 1,)
    nodes : ndarray of int32, shape (offsets[-1],)
        Consumers of each set; the root first.
    """

    offsets: np.ndarray
    nodes: np.ndarray

    @property
    def count(self) -> int:
        return self.offsets.shape[0] - 1

    def covered(self, seeds) -> np.ndarray:
        """Whether each set contains one of ``seeds``, bool of shape (count,)."""
        mark = np.zeros(int(self.nodes.max(initial=0)) + 1, dtype=bool)
        s = np.asarray(seeds, dtype=np.int64)
        mark[s[s < mark.size]] = True
        hit = mark[self.nodes]
        owner = np.repeat(np.arange(self.count), np.diff(self.offsets))
        return np.bincount(owner[hit], minlength=self.count) > 0


class Sampler(NamedTuple):
    """What the RR-set kernel reads, prepared once per live-edge model (:func:`sampler`).

    Attributes
    ----------
    live : LiveEdge
    pmax : float
        Largest weight (the thinning path's skipping probability).
    mid : ndarray of int64, shape (n,) or (0,)
        Class path: end of each row's first class in ``indices``; empty: thinning path.
    indices : ndarray of int32, shape (2 m,)
        ``live.indices``, rows regrouped by class on the class path.
    p : ndarray of float64, shape (2,)
        Live probability of each class (class path).
    """

    live: LiveEdge
    pmax: float
    mid: np.ndarray
    indices: np.ndarray
    p: np.ndarray


def sampler(live: LiveEdge, classes: bool = True) -> Sampler:
    """Prepare ``live`` for :func:`rr_sets`.

    ``ic`` whose weights take at most two values (every model :func:`~diffusion_sim.influence.
    live_edge` builds: ``p_strong`` and ``p_weak``) takes the class path: each row regrouped
    by class, live ties found by geometric skipping with the class's own probability and no
    weight loaded. Other weights (weighted cascade, per-tie values) and ``lt``, or
    ``classes=False``, take the general path: skipping with the largest weight and thinning.
    Both draw exactly the same distribution of RR sets (tests/test_influence.py holds both to
    the live-edge oracle).
    """
    w = live.w
    pmax = float(w.max(initial=0.0))
    none = np.zeros(0, np.int64)
    if not classes or live.model != IC or w.size == 0:
        return Sampler(live, pmax, none, live.indices, np.zeros(2))
    pmin = float(w.min())
    if pmin == pmax:  # one class: rows as they are, the second class empty
        return Sampler(live, pmax, live.indptr[1:], live.indices, np.array([pmax, pmax]))
    if not np.all((w == pmax) | (w == pmin)):
        return Sampler(live, pmax, none, live.indices, np.zeros(2))
    mid, indices = _group_rows(live.indptr, live.indices, w, pmax)
    return Sampler(live, pmax, mid, indices, np.array([pmax, pmin]))


def _parts(count: int) -> int:
    return max(1, min(numba.get_num_threads(), count))


#: Expected consumers per RR set used to size the first buffer (later calls use the mean so far).
_GUESS = 8.0


def rr_sets(
    live: LiveEdge | Sampler, key: int, first: int, count: int, mean_size: float = _GUESS
) -> RRSets:
    """RR sets number ``first .. first + count - 1`` of the stream ``key``.

    Parameters
    ----------
    live : LiveEdge or Sampler
        A ``Sampler`` (:func:`sampler`) saves preparing the model again on every call.
    key : int
        64-bit key; set ``j`` depends only on ``(key, j)``.
    first, count : int
        Range of set numbers.
    mean_size : float
        Expected consumers per set, to size the buffers (a wrong guess costs only time).

    Returns
    -------
    RRSets
    """
    if count <= 0:
        return RRSets(np.zeros(1, np.int64), np.zeros(0, np.int32))
    sm = live if isinstance(live, Sampler) else sampler(live)
    lv = sm.live
    n = lv.n
    parts = _parts(count)
    cap = n + int(1.25 * mean_size * (count / parts + 1)) + 1024
    buf, ends, done, used = _rr_batch(
        lv.model, lv.indptr, sm.indices, lv.w, sm.pmax, sm.mid, sm.p, np.uint64(key),
        np.int64(first), np.int64(count), parts, np.int64(cap),
    )  # fmt: skip
    pieces = []  # views into buf: the sets are copied once, by concat_all below
    for p in range(parts):
        lo, hi = p * count // parts, (p + 1) * count // parts
        d = int(done[p])
        offsets = np.concatenate(([0], ends[lo : lo + d])).astype(np.int64)
        pieces.append(RRSets(offsets, buf[p * cap : p * cap + int(used[p])]))
        if lo + d < hi:  # the buffer ran out: draw the rest of this part's range again
            size = max(float(used[p]) / max(d, 1), mean_size) * 2.0
            pieces.append(rr_sets(sm, key, first + lo + d, hi - lo - d, size))
    return concat_all(pieces)


def concat_all(pieces: list[RRSets]) -> RRSets:
    """Sets of every piece in order, in new arrays (one copy of each)."""
    sizes = [np.diff(x.offsets) for x in pieces]
    offsets = np.zeros(sum(x.size for x in sizes) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=offsets[1:])
    return RRSets(offsets, np.concatenate([x.nodes for x in pieces]))


def concat(a: RRSets, b: RRSets) -> RRSets:
    """Sets of ``a`` followed by those of ``b``."""
    offsets = np.concatenate((a.offsets, a.offsets[-1] + b.offsets[1:]))
    return RRSets(offsets, np.concatenate((a.nodes, b.nodes)))


def coverage_greedy(sets: RRSets, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy maximum coverage of ``sets`` by ``k`` of ``n`` consumers.

    Returns
    -------
    seeds : ndarray of int64, shape (k,)
        In the order picked (ties broken by the lower index).
    covered : ndarray of int64, shape (k,)
        Sets covered by the first ``i + 1`` seeds.
    """
    small = sets.count < 2**31
    node_sets = np.empty(sets.nodes.shape[0], dtype=np.int32 if small else np.int64)
    return _max_coverage(np.int64(n), sets.offsets, sets.nodes, np.int64(k), node_sets)
