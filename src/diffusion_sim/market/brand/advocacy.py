"""Word of mouth of the brand's posters (VIP members, advocates, referrers): their posts
summed over their ties into each consumer's log-survival by advocacy kind."""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from ...contagion import MAX_PARTS
from ...kernels._prefetch import prefetch
from ...kernels._variants import serial_and_parallel
from .._kernels import (  # constants of the market kernels
    ADOPTED,
    AdvocacyTable,
    Posts,
)
from ..channels import ADVOCACY, ADVOCACY_ROW

#: How many posters ahead the advocacy pass prefetches: the targets' entries (state, flag,
#: table row), their row of ties, and the row's start in ``indptr``. The pass is bound by
#: memory latency (a tie costs ~30 ns with cold caches, as in a run, ~2 cache misses), and the
#: loop's unpredictable branches keep the CPU from running far enough ahead by itself;
#: measured on the 1M benchmark's posters (days 20-160): ~1.7x faster cold, ~1.5x warm,
#: flat from 2-4 / 8-16 / 24-64 ahead.
AHEAD_TARGETS, AHEAD_ROW, AHEAD_INDPTR = 4, 12, 32
_MASK32 = np.int64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _all_adopted(adopters, indptr, j):
    """Whether every tie of ``j`` leads to a customer (the engine's packed adopter counts:
    strong in the low 32 bits, weak in the high ones); False without counts."""
    if adopters.shape[0] == 0:
        return False
    a = adopters[j]
    return (a & _MASK32) + (a >> 32) == indptr[j + 1] - indptr[j]


@njit(cache=True, inline="always")
def _advocacy_part(lo_j, hi_j, ties, state, adopters, posts, table):
    """Targets ``lo_j <= i < hi_j`` only; they are listed from ``touched[lo_j]``."""
    indptr, indices, tie = ties
    sources, kinds, weight, b_s, b_w = posts
    L, flag, touched = table
    nt = 0
    ns = sources.shape[0]
    for a in range(ns):
        # prefetch what the poster AHEAD_* from here will read (written out here: measured
        # ~1.5x slower as a function, even inlined)
        if a + AHEAD_INDPTR < ns:
            prefetch(indptr, sources[a + AHEAD_INDPTR])
            if adopters.shape[0]:
                prefetch(adopters, sources[a + AHEAD_INDPTR])
        if a + AHEAD_ROW < ns:
            j2 = sources[a + AHEAD_ROW]
            prefetch(indices, indptr[j2])
            prefetch(tie, indptr[j2])
        if a + AHEAD_TARGETS < ns:
            j1 = sources[a + AHEAD_TARGETS]
            k1 = kinds[a + AHEAD_TARGETS]
            for e1 in range(indptr[j1], indptr[j1 + 1]):
                i1 = indices[e1]
                if lo_j <= i1 < hi_j:
                    prefetch(state, i1)
                    prefetch(flag, i1)
                    prefetch(L, (i1, k1))
        j = sources[a]
        if _all_adopted(adopters, indptr, j):
            continue  # every target is a customer: no term (late in a run, ~half the posters)
        k = kinds[a]
        bs = min(b_s[k] * weight[a], 1.0)
        bw = min(b_w[k] * weight[a], 1.0)
        ls = math.log1p(-bs) if bs < 1.0 else -np.inf
        lw = math.log1p(-bw) if bw < 1.0 else -np.inf
        e = indptr[j]
        end = indptr[j + 1]
        while e < end and indices[e] < lo_j:  # rows are sorted: skip to this part
            e += 1
        while e < end:
            i = indices[e]
            if i >= hi_j:
                break
            x = ls if tie[e] != 0 else lw
            e += 1
            if state[i] == ADOPTED or x == 0.0:
                continue
            if not flag[i]:
                flag[i] = True
                touched[lo_j + nt] = i
                nt += 1
            L[i, k] += x  # one row per consumer: its kinds share a cache line
    return nt


def _advocacy(ties, state, adopters, posts, table, parts):
    """Log-survival of each non-adopter against the posts of today's advocates.

    ``ties`` is the graph's CSR (indptr, indices, tie class), ``state`` and ``adopters`` the
    engine's (``adopters`` may be empty: then no poster is skipped), ``posts`` a
    :class:`Posts` and ``table`` an :class:`AdvocacyTable`. ``L[i, k] += log(1 - b)`` for every
    tie from a source of kind ``k`` to ``i``, with ``b`` the per-tie hazard of the tie's class
    times the source's weight (trust); a source whose ties all lead to customers is skipped.
    Targets are listed in ``touched`` once (``flag`` marks them); returns how many. The
    targets are split into ``parts`` ranges of consumer ids, one task each; every part adds a
    target's terms in source order, so ``L`` is the same for any number of parts
    (only the order of ``touched`` differs).
    """
    n = state.shape[0]
    touched = table.touched
    part_nt = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        lo_j = p * n // parts
        hi_j = (p + 1) * n // parts
        part_nt[p] = _advocacy_part(lo_j, hi_j, ties, state, adopters, posts, table)
    nt = 0
    for p in range(parts):  # close the gaps between the parts' lists
        lo_j = p * n // parts
        for a in range(part_nt[p]):
            touched[nt + a] = touched[lo_j + a]
        nt += part_nt[p]
    return nt


_advocacy_serial, _advocacy_parallel = serial_and_parallel(_advocacy)


def advocacy_pass(model, t: int) -> int:
    """Fill the model's log-survival table from the posts of every play's posters today
    (:meth:`~diffusion_sim.market.plays._base.Play.posters`, in registry order); returns how
    many consumers it touched."""
    m = model
    parts, kinds = [], []
    for play in m.plays.values():
        posts = play.posters(t)
        if posts is not None:
            parts.append(posts[0])
            kinds.append(posts[1])
    if not parts:
        return 0
    src = np.concatenate(parts).astype(np.int64, copy=False)  # one specialisation
    if src.size == 0:
        return 0
    kind = np.concatenate(kinds)
    weights = m.trust[src] / m.params.trust.initial
    g = m.graph
    # ~ ties to visit (as the engine's cascade step estimates them: the posters' own degrees
    # are a gather of 8 bytes each from cold memory, ~1 ms on a day of 100k posters at 1M;
    # the estimate only picks the serial or threaded variant, which give the same result)
    work = src.size * g.indices.shape[0] // max(g.n, 1)
    par = m.engine._use_parallel(work)
    fn = _advocacy_parallel if par else _advocacy_serial
    n_parts = min(MAX_PARTS, numba.get_num_threads()) if par else 1
    posts = Posts(src, kind, weights, *advocacy_hazards(m.params))
    table = AdvocacyTable(m._L, m._flag, m._touched)
    eng = m.engine
    return fn((g.indptr, g.indices, g.tie), eng.state, eng.adopters, posts, table, n_parts)


def advocacy_hazards(params) -> tuple[np.ndarray, np.ndarray]:
    """Per-tie post hazards (strong, weak) of each advocacy kind, in table-row order; the
    referrers' are scaled by the :func:`reward_response` (a larger reward, more sharing)."""
    kinds = [getattr(params, ch.play) for ch in ADVOCACY]
    b_s = np.array([k.advocacy_strong for k in kinds])
    b_w = np.array([k.advocacy_weak for k in kinds])
    r = ADVOCACY_ROW["referral"]
    x = reward_response(params.referral)
    b_s[r] = min(1.0, b_s[r] * x)
    b_w[r] = min(1.0, b_w[r] * x)
    return b_s, b_w


def reward_response(referral) -> float:
    """Sharing intensity of a referrer relative to the reference reward,
    ``(reward / reference_reward) ** reward_elasticity`` (concave for an elasticity < 1:
    diminishing returns); exactly 1.0 at the reference reward or elasticity 0."""
    r = referral
    if r.reward_elasticity == 0.0 or r.reward == r.reference_reward:
        return 1.0
    return float((r.reward / r.reference_reward) ** r.reward_elasticity)
