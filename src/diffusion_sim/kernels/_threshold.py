"""Kernel of the ``threshold`` rule (complex contagion; Watts 2002, Centola & Macy 2007).

A non-adopter adopts once ``w_s S + w_w W >= need_i`` where ``need_i`` is its threshold in the
units of the weighted adopter count: ``phi_i (w_s d_s + w_w d_w)`` for fractional thresholds,
``phi_i`` for count thresholds. ``need_i`` is precomputed once, and the comparison accepts a
relative rounding slack of 1e-9 so that floating point cannot flip it (0.14 x 50 evaluates to
7.000000000000001, which must not exceed 7 adopters).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..rng import _step_key, _uniform
from ..states import Cause
from ._apply import ADOPTED, LOW32
from ._variants import serial_and_parallel

RTOL = 1e-9


@njit(cache=True, inline="always")
def _meets(x, need):
    return x >= need - RTOL * max(1.0, abs(need))


@njit(cache=True, inline="always")
def _decide_one(i, t, sk, adopters, need, w_s, w_w, k, new, adopted_at, cause):
    a = adopters[i]
    xs = w_s * (a & LOW32)
    xw = w_w * (a >> 32)
    if _meets(xs + xw, need[i]):
        new[k] = i
        adopted_at[i] = t
        if xs + xw <= 0.0:
            cause[i] = np.int8(Cause.EXTERNAL)
        elif _uniform(sk, i, 1) * (xs + xw) < xs:
            cause[i] = np.int8(Cause.STRONG)
        else:
            cause[i] = np.int8(Cause.WEAK)
        return 1
    return 0


@njit(cache=True, inline="always")
def _decide_block(
    lo,
    hi,
    full,
    t,
    sk,
    state,
    cand,
    hits,
    adopters,
    need,
    w_s,
    w_w,
    new,
    adopted_at,
    cause,
):
    k = lo
    for pos in range(lo, hi):
        i = pos if full else cand[pos]
        if state[i] == ADOPTED:
            continue
        hits[i] = 0  # candidate examined (each listed once: race-free)
        k += _decide_one(i, t, sk, adopters, need, w_s, w_w, k, new, adopted_at, cause)
    return k - lo


def _threshold_decide(
    t,
    key,
    block,
    full,
    state,
    cand,
    hits,
    nc,
    adopters,
    need,
    w_s,
    w_w,
    new,
    block_lo,
    block_n,
    adopted_at,
    cause,
):
    sk = _step_key(key, t)
    total = state.shape[0] if full else nc
    nb = (total + block - 1) // block
    for b in prange(nb):
        lo = b * block
        block_lo[b] = lo
        block_n[b] = _decide_block(
            lo,
            min(total, lo + block),
            full,
            t,
            sk,
            state,
            cand,
            hits,
            adopters,
            need,
            w_s,
            w_w,
            new,
            adopted_at,
            cause,
        )
    return nb


_threshold_decide_serial, _threshold_decide_parallel = serial_and_parallel(_threshold_decide)
