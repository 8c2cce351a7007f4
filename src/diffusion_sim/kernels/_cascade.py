"""Kernel of the ``cascade`` rule (independent cascade; Kempe, Kleinberg & Tardos 2003).

A consumer who adopted in step ``t - 1`` has one chance in step ``t`` to activate each
non-adopter neighbour, with ``p_strong`` or ``p_weak`` by tie class. The chances are
independent, so a candidate with ``S`` strong and ``W`` weak neighbours that adopted in step
``t - 1`` adopts with probability ``1 - (1 - p_s)^S (1 - p_w)^W``; the kernel draws that one
event per candidate, keyed by (step, consumer), which has the same distribution as one coin
per tie. Only the neighbours of the last step's adopters are visited: a full cascade costs
O(ties of adopters).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ..rng import _step_key, _uniform
from ._apply import LOW32, _apply_adoptions_parallel, _apply_adoptions_serial, _pick_cause
from ._variants import serial_and_parallel


@njit(cache=True, inline="always")
def _decide_list(lo, hi, t, sk, cand, hits, pow_s, pow_w, new, adopted_at, cause):
    k = lo
    for pos in range(lo, hi):
        j = cand[pos]
        h = hits[j]
        hits[j] = 0  # each candidate is listed once, so clearing here is race-free
        q_s = pow_s[h & LOW32]
        q_w = pow_w[h >> 32]
        if _uniform(sk, j, 0) < 1.0 - q_s * q_w:
            new[k] = j
            k += 1
            adopted_at[j] = t
            cause[j] = _pick_cause(_uniform(sk, j, 1), 0.0, 1.0 - q_s, 1.0 - q_w)
    return k - lo


def _cascade_decide(
    t, key, block, cand, nc, hits, pow_s, pow_w, new, block_lo, block_n, adopted_at, cause
):
    sk = _step_key(key, t)
    nb = (nc + block - 1) // block
    for b in prange(nb):
        lo = b * block
        block_lo[b] = lo
        block_n[b] = _decide_list(
            lo, min(nc, lo + block), t, sk, cand, hits, pow_s, pow_w, new, adopted_at, cause
        )
    return nb


_cascade_decide_serial, _cascade_decide_parallel = serial_and_parallel(_cascade_decide)


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
    block_lo: np.ndarray
    block_n: np.ndarray
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
    empty = np.zeros(0, dtype=np.int64)  # cascade keeps no adopter counts
    taken = 0
    while nc > 0 and taken < by_step.shape[0]:
        t += 1
        nb = _cascade_decide_serial(
            t, key, block, cand, nc, hits, pow_s, pow_w, run.new, run.block_lo, run.block_n,
            run.adopted_at, run.cause,
        )  # fmt: skip
        nc = _apply_adoptions_serial(
            run.graph, run.state, run.counts, run.cause, run.community, run.comm_adopters,
            run.new, run.block_lo[:nb], run.block_n[:nb], empty, run.collect, by_step[taken], 1,
        )  # fmt: skip
        taken += 1
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
    indptr = run.graph[0]
    n = indptr.shape[0] - 1
    ties = indptr[n]
    empty = np.zeros(0, dtype=np.int64)
    taken = 0
    while nc > 0 and taken < by_step.shape[0]:
        t += 1
        if nc >= min_work:
            nb = _cascade_decide_parallel(
                t, key, block, cand, nc, hits, pow_s, pow_w, run.new, run.block_lo,
                run.block_n, run.adopted_at, run.cause,
            )  # fmt: skip
        else:
            nb = _cascade_decide_serial(
                t, key, block, cand, nc, hits, pow_s, pow_w, run.new, run.block_lo,
                run.block_n, run.adopted_at, run.cause,
            )  # fmt: skip
        n_new = 0
        for b in range(nb):
            n_new += run.block_n[b]
        if n_new * ties // max(n, 1) >= min_work:
            nc = _apply_adoptions_parallel(
                run.graph, run.state, run.counts, run.cause, run.community, run.comm_adopters,
                run.new, run.block_lo[:nb], run.block_n[:nb], empty, run.collect,
                by_step[taken], parts,
            )  # fmt: skip
        else:
            nc = _apply_adoptions_serial(
                run.graph, run.state, run.counts, run.cause, run.community, run.comm_adopters,
                run.new, run.block_lo[:nb], run.block_n[:nb], empty, run.collect,
                by_step[taken], 1,
            )  # fmt: skip
        taken += 1
    return t, nc, taken
