"""Asynchronous (random sequential) update: the classroom contrast to the synchronous default.

In step ``t`` every consumer is visited once, in a random order (a keyed Fisher–Yates shuffle
of ``0..n-1`` by ``(key, t)``, stream 3), and decides on the state *as it is now*: adoptions
earlier in the same step are visible at once. The decision itself is the synchronous rule's
(``ties``: the same hazard and draw ``(t, i, 0)``; ``threshold``: the same comparison), so
only the order and the visibility differ. Serial by nature: O(n + ties of new adopters) per
step. Not used by the market (whose channels are synchronous).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import _step_key, _uniform
from ..states import Cause
from ._apply import ADOPTED, AWARE, LOW32, UNAWARE, WEAK_HIT, _pick_cause
from ._threshold import _meets

#: Rule codes of :func:`_async_step`.
TIES, THRESHOLD = 0, 1


@njit(cache=True)
def _async_step(rule, t, key, csr, state, adopters, counts, cause, adopted_at, community,
                comm_adopters, pow_s, pow_w, alpha, need, w_s, w_w, by):  # fmt: skip
    """One random-sequential step; adds new adoptions per cause into ``by``; returns their
    number."""
    indptr, indices, tie = csr
    n = state.shape[0]
    sk = _step_key(key, t)
    order = np.arange(n, dtype=np.int64)
    for i in range(n - 1, 0, -1):
        j = min(int(_uniform(sk, i, 3) * (i + 1)), i)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
    n_new = 0
    for pos in range(n):
        i = order[pos]
        if state[i] == ADOPTED:
            continue
        a = adopters[i]
        s = a & LOW32
        w = a >> 32
        adopt = False
        if rule == TIES:
            q_s = pow_s[s]
            q_w = pow_w[w]
            if _uniform(sk, i, 0) < 1.0 - (1.0 - alpha) * q_s * q_w:
                adopt = True
                cause[i] = _pick_cause(_uniform(sk, i, 1), alpha, 1.0 - q_s, 1.0 - q_w)
        else:
            xs = w_s * s
            xw = w_w * w
            if _meets(xs + xw, need[i]):
                adopt = True
                if xs + xw <= 0.0:
                    cause[i] = np.int8(Cause.EXTERNAL)
                elif _uniform(sk, i, 1) * (xs + xw) < xs:
                    cause[i] = np.int8(Cause.STRONG)
                else:
                    cause[i] = np.int8(Cause.WEAK)
        if not adopt:
            continue
        n_new += 1
        counts[state[i]] -= 1
        state[i] = ADOPTED
        counts[ADOPTED] += 1
        adopted_at[i] = t
        by[cause[i]] += 1
        comm_adopters[community[i]] += 1
        for e in range(indptr[i], indptr[i + 1]):  # visible to the neighbours at once
            j = indices[e]
            adopters[j] += np.int64(1) if tie[e] != 0 else WEAK_HIT
            if state[j] == UNAWARE:
                state[j] = AWARE
                counts[UNAWARE] -= 1
                counts[AWARE] += 1
    return n_new
