"""Second half of every step: make the decided adoptions visible to neighbours.

Decisions of step ``t`` read only the state after step ``t - 1``; this function runs after all
of them, so updates are synchronous. It costs O(ties of the new adopters), and touches as few
arrays per tie as the rule needs (each is a random memory access).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..states import Cause, State
from ._variants import serial_and_parallel

UNAWARE = np.uint8(State.UNAWARE)
AWARE = np.uint8(State.AWARE)
ADOPTED = np.uint8(State.ADOPTED)
N_CAUSES = len(Cause)

#: Consumers per block. Fixed (not tied to the thread count) so that a block's output slots,
#: and so the order of new adopters, are the same with any number of threads.
BLOCK = 8192


#: ``adopters`` (all adopter neighbours) and ``hits`` (this step's new adopter neighbours of a
#: candidate) pack two counts in one int64: strong in the low 32 bits, weak in the high 32
#: bits, so a tie costs one random memory access instead of two.
@njit(cache=True)
def _learn(state, counts, ids):
    """Unaware ones among ``ids`` (repeats allowed) become AWARE, the state counts follow;
    returns how many (:meth:`~diffusion_sim.contagion.Engine.mark_aware`)."""
    n_new = 0
    for a in range(ids.shape[0]):
        i = ids[a]
        if state[i] == UNAWARE:
            state[i] = AWARE
            n_new += 1
    counts[UNAWARE] -= n_new
    counts[AWARE] += n_new
    return n_new


WEAK_HIT = np.int64(1) << np.int64(32)
LOW32 = np.int64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _mark_adopters(state, counts, cause, community, comm_adopters, new, block_lo, block_n, by):
    """State of every new adopter becomes ADOPTED (before any neighbour is visited, so a
    consumer adopting now is never collected as a candidate)."""
    for b in range(block_lo.shape[0]):
        lo = block_lo[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            counts[state[i]] -= 1
            state[i] = ADOPTED
            counts[ADOPTED] += 1
            by[cause[i]] += 1
            comm_adopters[community[i]] += 1


@njit(cache=True, inline="always")
def _spread_part(lo_j, hi_j, graph, state, new, block_lo, block_n, adopters, cand, hits, out0):
    """Neighbour updates of the new adopters, for neighbours ``lo_j <= j < hi_j`` only.

    Candidates are written from ``cand[out0]``. Returns (candidates, newly aware).
    """
    indptr, indices, tie = graph
    do_counts = adopters.shape[0] > 0
    do_collect = hits.shape[0] > 0
    nc = 0
    became_aware = 0  # local counters: writes to counts[] would be reloaded every tie
    for b in range(block_lo.shape[0]):
        lo = block_lo[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            e = indptr[i]
            end = indptr[i + 1]
            while e < end and indices[e] < lo_j:  # rows are sorted: skip to this part
                e += 1
            # One branch (skip adopters); the rest is branch-free because whether a neighbour
            # is unaware or already a candidate is unpredictable (measured: this mix is ~25 %
            # faster than either all branches or none).
            while e < end:
                j = indices[e]
                if j >= hi_j:
                    break
                strong = np.int64(tie[e] != 0)
                e += 1
                inc = strong + (1 - strong) * WEAK_HIT
                if do_counts:
                    adopters[j] += inc
                sj = state[j]
                if sj == ADOPTED:
                    continue
                state[j] = AWARE  # sj is UNAWARE or AWARE here
                became_aware += np.int64(sj == UNAWARE)
                if do_collect:
                    h = hits[j]
                    cand[out0 + nc] = j
                    nc += np.int64(h == 0)
                    hits[j] = h + inc
    return nc, became_aware


def _apply_adoptions(
    graph,  # (indptr, indices, tie)
    state,
    counts,
    cause,
    community,
    comm_adopters,
    new,
    block_lo,
    block_n,
    adopters,  # adopter neighbours packed like hits: kept if non-empty
    collect,  # (cand, hits): candidates listed if non-empty
    new_by_cause,
    parts,
):
    """Apply the adoptions listed block by block in ``new``.

    ``new[block_lo[b] : block_lo[b] + block_n[b]]`` are the consumers who adopt. For each:
    state becomes ADOPTED and unaware neighbours become AWARE. If ``adopters`` is non-empty,
    each neighbour's cumulative adopter count over that tie class goes up. If ``collect``
    arrays are non-empty, every non-adopter neighbour is listed once in ``cand`` and ``hits``
    counts this step's new adopter neighbours (see ``WEAK_HIT``); the decision kernel of the
    next step clears ``hits`` of the candidates it examines.

    The neighbours are split into ``parts`` ranges of consumer ids, each updated by one task,
    so no two tasks write the same consumer. Every update is a sum or a set, so the outcome
    does not depend on ``parts`` (only the order of ``cand`` does). ``cand`` needs
    ``n + parts`` slots.

    Returns the number of candidates collected.
    """
    _mark_adopters(state, counts, cause, community, comm_adopters, new, block_lo, block_n,
                   new_by_cause)  # fmt: skip
    cand, hits = collect
    n = state.shape[0]
    part_nc = np.zeros(parts, dtype=np.int64)
    part_aware = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        lo_j = p * n // parts
        hi_j = (p + 1) * n // parts
        nc_p, aw_p = _spread_part(lo_j, hi_j, graph, state, new, block_lo, block_n, adopters,
                                  cand, hits, lo_j + p)  # fmt: skip
        part_nc[p] = nc_p
        part_aware[p] = aw_p
    nc = 0
    for p in range(parts):  # close the gaps between the parts' candidate lists
        start = p * n // parts + p
        for k in range(part_nc[p]):
            cand[nc + k] = cand[start + k]
        nc += part_nc[p]
    aware = part_aware.sum()
    counts[UNAWARE] -= aware
    counts[AWARE] += aware
    return nc


_apply_adoptions_serial, _apply_adoptions_parallel = serial_and_parallel(_apply_adoptions)


@njit(cache=True, inline="always")
def _pick_cause(u, h_ext, h_strong, h_weak):
    """Cause drawn in proportion to each source's hazard (u uniform in [0, 1))."""
    total = h_ext + h_strong + h_weak
    x = u * total
    if x < h_ext:
        return np.int8(Cause.EXTERNAL)
    if x < h_ext + h_strong:
        return np.int8(Cause.STRONG)
    if h_weak > 0.0:
        return np.int8(Cause.WEAK)
    # rounding at the top edge: fall back to the last non-zero source
    return np.int8(Cause.STRONG) if h_strong > 0.0 else np.int8(Cause.EXTERNAL)
