"""Second half of every step: make the decided adoptions visible to neighbours.

Decisions of step ``t`` read only the state after step ``t - 1``; this function runs after all
of them, so updates are synchronous. It costs O(ties of the new adopters).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..states import Cause, State

UNAWARE = np.uint8(State.UNAWARE)
AWARE = np.uint8(State.AWARE)
ADOPTED = np.uint8(State.ADOPTED)
N_CAUSES = len(Cause)

#: Consumers per block. Fixed (not tied to the thread count) so that a block's output slots,
#: and so the order of new adopters, are the same with any number of threads.
BLOCK = 8192


@njit(cache=True)
def _apply_adoptions(
    graph,  # (indptr, indices, tie)
    state,
    n_strong,
    n_weak,
    counts,
    cause,
    community,
    comm_adopters,
    new,
    block_lo,
    block_n,
    collect,  # (mark, cand, cs, cw) or None-like: collect only if mark.shape[0] > 0
    new_by_cause,
):
    """Apply the adoptions listed block by block in ``new``.

    ``new[block_lo[b] : block_lo[b] + block_n[b]]`` are the consumers who adopt. For each:
    state becomes ADOPTED, each neighbour's adopter count over that tie class goes up, and
    unaware neighbours become AWARE. If ``collect`` arrays are non-empty, every non-adopter
    neighbour is listed once in ``cand`` (for rules that only re-examine touched consumers)
    and ``cs``/``cw`` count this step's new adopter neighbours by tie class.

    Returns the number of candidates collected.
    """
    indptr, indices, tie = graph
    mark, cand, cs, cw = collect
    do_collect = mark.shape[0] > 0
    # First mark every new adopter, so a consumer adopting now is never a candidate.
    for b in range(block_lo.shape[0]):
        lo = block_lo[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            counts[state[i]] -= 1
            state[i] = ADOPTED
            counts[ADOPTED] += 1
            new_by_cause[cause[i]] += 1
            comm_adopters[community[i]] += 1
    nc = 0
    for b in range(block_lo.shape[0]):
        lo = block_lo[b]
        for k in range(lo, lo + block_n[b]):
            i = new[k]
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                strong = tie[e] != 0
                if strong:
                    n_strong[j] += 1
                else:
                    n_weak[j] += 1
                sj = state[j]
                if sj == ADOPTED:
                    continue
                if sj == UNAWARE:
                    state[j] = AWARE
                    counts[UNAWARE] -= 1
                    counts[AWARE] += 1
                if do_collect:
                    if mark[j] == 0:
                        mark[j] = 1
                        cand[nc] = j
                        nc += 1
                    if strong:
                        cs[j] += 1
                    else:
                        cw[j] += 1
    return nc


@njit(cache=True)
def _clear_candidates(cand, nc, mark, cs, cw):
    for k in range(nc):
        j = cand[k]
        mark[j] = 0
        cs[j] = 0
        cw[j] = 0


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
