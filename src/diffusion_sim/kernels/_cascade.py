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

from numba import njit, prange

from ..rng import _step_key, _uniform
from ._apply import LOW32, _pick_cause
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
