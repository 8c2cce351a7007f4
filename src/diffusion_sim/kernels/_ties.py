"""Kernel of the ``ties`` rule (Goldenberg–Libai–Muller; Bass on a network).

A non-adopter with ``S`` strong and ``W`` weak adopter neighbours adopts in a step with
probability ``1 - (1 - alpha)(1 - beta_s)^S (1 - beta_w)^W``. With random weak-tie meetings the
weak factor is ``(1 - beta_w f_c)^w`` where ``f_c`` is the adopter share outside the consumer's
community ``c``.

Brand channels (:mod:`diffusion_sim.market`) enter as an extra hazard ``h_i`` with its cause
``c_i`` and a conversion multiplier ``m_i`` (trust): ``p = min(1, m_i [1 - (1 - alpha)(1 -
beta_s)^S (1 - beta_w)^W (1 - h_i)])``. With ``h_i = 0`` and ``m_i = 1`` every operation is
the same as without them, so a market with every mechanism off is the ``ties`` rule exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..rng import _step_key, _uniform
from ..states import Cause
from ._apply import ADOPTED, LOW32, _pick_cause
from ._variants import serial_and_parallel

EXTERNAL = np.int8(Cause.EXTERNAL)


@njit(cache=True, inline="always")
def _decide_range(
    lo,
    hi,
    t,
    sk,
    state,
    adopters,
    community,
    pow_s,
    pow_w,
    weak_meet,
    alpha,
    extra_h,
    extra_c,
    mult,
    new,
    adopted_at,
    cause,
):
    k = lo
    dyn = weak_meet.shape[0] > 0
    mk = extra_h.shape[0] > 0
    for i in range(lo, hi):
        if state[i] == ADOPTED:
            continue
        a = adopters[i]
        s = a & LOW32
        w = a >> 32
        h_x = extra_h[i] if mk else 0.0
        m = mult[i] if mk else 1.0
        if not dyn and s == 0 and w == 0 and h_x == 0.0:
            # Only the external source acts: the common case, kept free of table lookups.
            if _uniform(sk, i, 0) < alpha * m:
                new[k] = i
                k += 1
                adopted_at[i] = t
                cause[i] = EXTERNAL
            continue
        q_s = pow_s[s]
        q_w = weak_meet[community[i]] if dyn else pow_w[w]
        p = 1.0 - (1.0 - alpha) * q_s * q_w
        if mk:
            p = min(1.0, m * (1.0 - (1.0 - p) * (1.0 - h_x)))
        u = _uniform(sk, i, 0)
        if u < p:
            new[k] = i
            k += 1
            adopted_at[i] = t
            u1 = _uniform(sk, i, 1)
            if h_x == 0.0:
                cause[i] = _pick_cause(u1, alpha, 1.0 - q_s, 1.0 - q_w)
            else:
                # a brand channel with probability h_x / (all hazards), else as without it
                total = alpha + (1.0 - q_s) + (1.0 - q_w) + h_x
                if u1 * total < h_x:
                    cause[i] = extra_c[i]
                else:
                    v = (u1 * total - h_x) / (total - h_x)
                    cause[i] = _pick_cause(v, alpha, 1.0 - q_s, 1.0 - q_w)
    return k - lo


def _ties_decide(
    t,
    key,
    block,
    state,
    adopters,
    community,
    pow_s,
    pow_w,
    weak_meet,
    alpha,
    extra_h,
    extra_c,
    mult,
    new,
    block_lo,
    block_n,
    adopted_at,
    cause,
):
    n = state.shape[0]
    sk = _step_key(key, t)
    for b in prange(block_lo.shape[0]):
        lo = b * block
        hi = min(n, lo + block)
        block_lo[b] = lo
        block_n[b] = _decide_range(
            lo,
            hi,
            t,
            sk,
            state,
            adopters,
            community,
            pow_s,
            pow_w,
            weak_meet,
            alpha,
            extra_h,
            extra_c,
            mult,
            new,
            adopted_at,
            cause,
        )


_ties_decide_serial, _ties_decide_parallel = serial_and_parallel(_ties_decide)


@njit(cache=True)
def _meeting_factors(comm_adopters, comm_sizes, n_adopted, n, beta_w, meetings, out):
    """Per community c: (1 - beta_w * f_c)^w, f_c = adopters outside c / consumers outside c."""
    for c in range(comm_sizes.shape[0]):
        outside = n - comm_sizes[c]
        f = 0.0 if outside <= 0 else (n_adopted - comm_adopters[c]) / outside
        out[c] = (1.0 - beta_w * f) ** meetings
