"""Kernels of the ``cascade`` rule (independent cascade; Kempe, Kleinberg & Tardos 2003).

A consumer who adopted in step ``t - 1`` has one chance in step ``t`` to activate each
non-adopter neighbour, with ``p_strong`` or ``p_weak`` by tie class. The chances are
independent, so a candidate with ``S`` strong and ``W`` weak neighbours that adopted in step
``t - 1`` adopts with probability ``1 - (1 - p_s)^S (1 - p_w)^W``; the kernel draws that one
event per candidate, keyed by (step, consumer), which has the same distribution as one coin
per tie. Only the neighbours of the last step's adopters are visited: a full cascade costs
O(ties of adopters).

The rule has its own update (not :func:`._apply._apply_adoptions`), built so that a tie costs
one random memory access and no unpredictable branch:

- ``hits[j]`` is this step's new adopter neighbours of ``j``, strong and weak packed in one
  int32 or int64 (:func:`hits_dtype`), and :data:`ADOPTED_HIT` (-1) once ``j`` adopted, so
  the tie loop reads no ``state``: ``hits[j] += inc`` only while ``hits[j] >= 0``,
  branch-free.
- ``state`` of a candidate becomes AWARE when it is decided (next step), not per tie; whoever
  returns to Python first marks the candidates left (:func:`_mark_aware`), so the state a
  caller sees is the same.
- When candidates are many (:data:`DENSE_DIV`), the decision scans the consumers in id order
  (``hits[j] > 0``) instead of the candidate list: memory is then read in order, and the new
  adopters come out sorted, so the next update reads the graph's rows in order too. Every
  decision depends only on ``(step, consumer)`` and its counts, so the order changes no result.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ..rng import _step_key, _uniform
from ._apply import ADOPTED, AWARE, UNAWARE, _pick_cause
from ._variants import serial_and_parallel

#: ``hits`` of a consumer who adopted: never collected again, never counted again.
ADOPTED_HIT = np.int64(-1)

#: The decision scans all consumers in id order when candidates are at least 1/DENSE_DIV of
#: them: a scan costs ~1 ns per consumer (branch-free), a candidate taken from the unsorted
#: list several ns more than in order, and sorted adopters make the next update read the
#: graph in order. Measured (ER z = 10, p = 0.2, one thread): 4, 8 and 16 within noise of one
#: another; without the dense scan a cascade at 100k and 1M took ~1.5x longer.
DENSE_DIV = 8


def hits_dtype(max_strong: int, max_weak: int):
    """``hits`` dtype for a graph with these largest strong / weak degrees: int32 (strong in
    the low 16 bits, weak in bits 16-30) when the counts fit, else int64 (32 + 31 bits, as
    :data:`._apply.WEAK_HIT`). Half the bytes make the random access of every tie cheaper
    (measured ~8 % of a cascade at 100k consumers)."""
    return np.int32 if max_strong < 1 << 16 and max_weak < 1 << 15 else np.int64


@njit(cache=True, inline="always")
def _weak_hit(hits):
    """Increment of one weak hit in ``hits``' packing (see :func:`hits_dtype`)."""
    return np.int64(1) << np.int64(hits.itemsize * 4)


@njit(cache=True, inline="always")
def _decide_one(j, k, t, sk, hits, pow_s, pow_w, state, new, adopted_at, cause):
    """Decide candidate ``j`` (``hits[j] > 0``); its slot in ``new`` is ``k``.

    Branch-free: whether a candidate adopts is unpredictable. Returns (adopts, became aware).
    """
    h = np.int64(hits[j])
    shift = np.int64(hits.itemsize * 4)  # see _weak_hit
    q_s = pow_s[h & ((np.int64(1) << shift) - 1)]
    q_w = pow_w[h >> shift]
    a = np.int64(_uniform(sk, j, 0) < 1.0 - q_s * q_w)
    new[k] = j  # kept only if a == 1 (the caller advances k by a)
    hits[j] = -a  # ADOPTED_HIT or cleared for the next step
    sj = state[j]
    state[j] = AWARE + np.uint8(a)
    adopted_at[j] = np.int32(a * (t + 1) - 1)  # was -1: j had not adopted
    c = _pick_cause(_uniform(sk, j, 1), 0.0, 1.0 - q_s, 1.0 - q_w)
    cause[j] = np.int8(a * c)  # was NONE
    return a, np.int64(sj == UNAWARE)


@njit(cache=True, inline="always")
def _decide_block(lo, hi, dense, t, sk, cand, hits, pow_s, pow_w, state, new, adopted_at,
                  cause):  # fmt: skip
    """Decide the candidates at positions ``lo:hi`` of ``cand`` or, if ``dense``, the
    candidates among consumers ``lo:hi``; the adopters go to ``new[lo:]``.

    Returns (adopters, candidates who were UNAWARE).
    """
    if dense:
        # list this block's candidates in id order, branch-free (whether a consumer is one
        # is unpredictable), over the block's own slots of cand: cand is not read again
        m = lo
        for j in range(lo, hi):
            cand[m] = j
            m += np.int64(hits[j] > 0)
        hi = m
    k = lo
    aware = 0
    for pos in range(lo, hi):
        a, aw = _decide_one(cand[pos], k, t, sk, hits, pow_s, pow_w, state, new, adopted_at,
                            cause)  # fmt: skip
        k += a
        aware += aw
    return k - lo, aware


def _cascade_decide(t, key, block, cand, nc, hits, pow_s, pow_w, state, new, block_lo, block_n,
                    block_aw, adopted_at, cause):  # fmt: skip
    """Decisions of step ``t`` for the ``nc`` candidates (``cand[:nc]``, ``hits``).

    Block ``b``'s adopters are ``new[block_lo[b] : block_lo[b] + block_n[b]]``;
    ``block_aw[b]`` of its candidates were
    UNAWARE. Blocks are fixed ranges of candidate positions, or of consumer ids when the scan
    is dense, so the outcome does not depend on the thread count. Returns the number of blocks.
    """
    sk = _step_key(key, t)
    n = hits.shape[0]
    dense = nc * DENSE_DIV >= n
    total = n if dense else nc
    nb = (total + block - 1) // block
    for b in prange(nb):
        lo = b * block
        k, aw = _decide_block(lo, min(total, lo + block), dense, t, sk, cand, hits, pow_s,
                              pow_w, state, new, adopted_at, cause)  # fmt: skip
        block_lo[b] = lo
        block_n[b] = k
        block_aw[b] = aw
    return nb


_cascade_decide_serial, _cascade_decide_parallel = serial_and_parallel(_cascade_decide)


@njit(cache=True)
def _tally(counts, cause, community, comm_adopters, new, blocks, nb, by):
    """Counts after a decision: the candidates who became aware, the adopters by cause and by
    community. Returns the number of new adopters."""
    block_lo, block_n, block_aw = blocks
    n_new = 0
    aware = 0
    for b in range(nb):
        lo = block_lo[b]
        aware += block_aw[b]
        n_new += block_n[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            by[cause[i]] += 1
            comm_adopters[community[i]] += 1
    counts[UNAWARE] -= aware
    counts[AWARE] += aware - n_new
    counts[ADOPTED] += n_new
    return n_new


@njit(cache=True)
def _mark_aware(state, counts, cand, nc):
    """Candidates not yet decided become AWARE (what the per-tie update of the other rules
    does at once); the decision counts only those still UNAWARE, so this may run any time."""
    aware = 0
    for pos in range(nc):
        j = cand[pos]
        aware += np.int64(state[j] == UNAWARE)
        state[j] = AWARE
    counts[UNAWARE] -= aware
    counts[AWARE] += aware


@njit(cache=True, inline="always")
def _spread_part(lo_j, hi_j, graph, hits, new, block_lo, block_n, cand, out0):
    """This step's new adopters hit their neighbours ``lo_j <= j < hi_j``; candidates (first
    hit this step) are listed from ``cand[out0]``. Returns their number."""
    indptr, indices, tie = graph
    weak_hit = _weak_hit(hits)
    nc = 0
    for b in range(block_lo.shape[0]):
        lo = block_lo[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            e = indptr[i]
            end = indptr[i + 1]
            while e < end and indices[e] < lo_j:  # rows are sorted: skip to this part
                e += 1
            while e < end:
                j = indices[e]
                if j >= hi_j:
                    break
                strong = np.int64(tie[e] != 0)
                e += 1
                inc = strong + (1 - strong) * weak_hit
                h = np.int64(hits[j])
                cand[out0 + nc] = j  # kept only if this is j's first hit
                nc += np.int64(h == 0)
                hits[j] = h + np.int64(h >= 0) * inc  # adopters (ADOPTED_HIT) stay as they are
    return nc


def _cascade_spread(graph, hits, new, block_lo, block_n, cand, parts):
    """The new adopters listed block by block in ``new`` (already ``ADOPTED_HIT``) hit their
    neighbours: ``hits`` counts them, every non-adopter neighbour is listed once in ``cand``.

    The neighbours are split into ``parts`` ranges of consumer ids, one task each, so no two
    tasks write the same consumer; only the order of ``cand`` depends on ``parts``. ``cand``
    needs ``n + parts`` slots. Returns the number of candidates.
    """
    n = hits.shape[0]
    part_nc = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        lo_j = p * n // parts
        hi_j = (p + 1) * n // parts
        part_nc[p] = _spread_part(lo_j, hi_j, graph, hits, new, block_lo, block_n, cand, lo_j + p)
    nc = 0
    for p in range(parts):  # close the gaps between the parts' candidate lists
        start = p * n // parts + p
        for k in range(part_nc[p]):
            cand[nc + k] = cand[start + k]
        nc += part_nc[p]
    return nc


_cascade_spread_serial, _cascade_spread_parallel = serial_and_parallel(_cascade_spread)


@njit(cache=True)
def _seed_cascade(state, counts, hits, community, comm_adopters, ids):
    """Seeds ``ids`` (distinct non-adopters) adopt: state, counts and ``ADOPTED_HIT``."""
    for i in ids:
        counts[state[i]] -= 1
        state[i] = ADOPTED
        counts[ADOPTED] += 1
        hits[i] = ADOPTED_HIT
        comm_adopters[community[i]] += 1


class CascadeRun(NamedTuple):
    """Arrays of one cascade run that the fused loop reads and writes (the engine's own)."""

    graph: tuple  # (indptr, indices, tie)
    state: np.ndarray
    counts: np.ndarray
    cause: np.ndarray
    community: np.ndarray
    comm_adopters: np.ndarray
    adopted_at: np.ndarray
    new: np.ndarray
    blocks: tuple  # (block_lo, block_n, block_aware)
    collect: tuple  # (cand, hits)


@njit(cache=True)
def _cascade_run_serial(run, t, nc, key, block, pow_s, pow_w, by_step):
    """Steps ``t + 1, t + 2, ...`` of the cascade rule in one compiled loop, exactly as
    :meth:`Engine.step` takes them one at a time (the same serial kernels, the same draws),
    until no candidate is left or ``by_step`` (steps x causes, new adoptions) is full.
    Removes the per-step cost of two calls from Python, which dominates small markets.

    Returns (last step taken, candidates left, steps taken).
    """
    cand, hits = run.collect
    block_lo, block_n, block_aw = run.blocks
    taken = 0
    while nc > 0 and taken < by_step.shape[0]:
        t += 1
        nb = _cascade_decide_serial(t, key, block, cand, nc, hits, pow_s, pow_w, run.state,
                                    run.new, block_lo, block_n, block_aw, run.adopted_at,
                                    run.cause)  # fmt: skip
        _tally(run.counts, run.cause, run.community, run.comm_adopters, run.new, run.blocks, nb,
               by_step[taken])  # fmt: skip
        nc = _cascade_spread_serial(run.graph, hits, run.new, block_lo[:nb], block_n[:nb], cand, 1)
        taken += 1
    _mark_aware(run.state, run.counts, cand, nc)
    return t, nc, taken


@njit(cache=True)
def _cascade_run_mixed(run, t, nc, key, block, pow_s, pow_w, by_step, min_work, parts):
    """:func:`_cascade_run_serial` for runs whose steps may use threads: each step takes the
    parallel kernels when its work is at least ``min_work`` (candidates for the decision,
    about the ties of the new adopters for the update, as :meth:`Engine.step` measures them)
    and the serial ones otherwise, still without returning to Python between steps.
    ``parts``: tasks of a parallel update. Same draws and results as the serial loop.
    """
    cand, hits = run.collect
    block_lo, block_n, block_aw = run.blocks
    indptr = run.graph[0]
    n = indptr.shape[0] - 1
    ties = indptr[n]
    taken = 0
    while nc > 0 and taken < by_step.shape[0]:
        t += 1
        if nc >= min_work:
            nb = _cascade_decide_parallel(t, key, block, cand, nc, hits, pow_s, pow_w,
                                          run.state, run.new, block_lo, block_n, block_aw,
                                          run.adopted_at, run.cause)  # fmt: skip
        else:
            nb = _cascade_decide_serial(t, key, block, cand, nc, hits, pow_s, pow_w, run.state,
                                        run.new, block_lo, block_n, block_aw, run.adopted_at,
                                        run.cause)  # fmt: skip
        n_new = _tally(run.counts, run.cause, run.community, run.comm_adopters, run.new,
                       run.blocks, nb, by_step[taken])  # fmt: skip
        if n_new * ties // max(n, 1) >= min_work:
            nc = _cascade_spread_parallel(run.graph, hits, run.new, block_lo[:nb], block_n[:nb],
                                          cand, parts)  # fmt: skip
        else:
            nc = _cascade_spread_serial(run.graph, hits, run.new, block_lo[:nb], block_n[:nb],
                                        cand, 1)  # fmt: skip
        taken += 1
    _mark_aware(run.state, run.counts, cand, nc)
    return t, nc, taken
