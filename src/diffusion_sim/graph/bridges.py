"""Structural holes: Burt's constraint and effective size, and communities a consumer reaches.

A consumer who spans a structural hole (Burt 1992) links people who are not linked to each
other: low constraint, high effective size, ties into several other communities. These are the
"bridges" that a cross-group strategy recruits. Computed over the CSR arrays in parallel numba
(each consumer writes only its own outputs, so results do not depend on the thread count).

For an undirected graph without weights, with :math:`d_i` the degree of :math:`i` and
:math:`p_{ij} = 1/d_i` for each neighbour :math:`j`:

.. math::

    c_i = \\sum_{j \\in N(i)} \\Big(p_{ij} + \\sum_{w \\in N(i) \\cap N(j)} p_{iw}\\,p_{wj}\\Big)^2,
    \\qquad
    \\mathrm{esize}_i = d_i - \\frac{2 t_i}{d_i}

where :math:`t_i` is the number of ties among :math:`i`'s neighbours (Borgatti 1997). Both are
NaN for a consumer without ties, as in networkx's ``constraint`` and ``effective_size``.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ..kernels._sort import sort_range
from ..kernels._variants import serial_and_parallel
from .social_graph import SocialGraph

__all__ = ["bridge_scores"]


def _bridge_scores(indptr, indices, community):
    n = indptr.shape[0] - 1
    constraint = np.full(n, np.nan)
    esize = np.full(n, np.nan)
    reach = np.zeros(n, dtype=np.int32)
    for i in prange(n):
        lo = indptr[i]
        hi = indptr[i + 1]
        d = hi - lo
        if d == 0:
            continue
        c = 0.0
        pairs = 0  # ordered pairs of linked neighbours = 2 t_i
        for k in range(lo, hi):
            j = indices[k]
            # walk the sorted rows of i and j together: common neighbours w
            a = lo
            b = indptr[j]
            bend = indptr[j + 1]
            indirect = 0.0
            while a < hi and b < bend:
                x = indices[a]
                y = indices[b]
                if x == y:
                    indirect += 1.0 / (indptr[x + 1] - indptr[x])
                    pairs += 1
                    a += 1
                    b += 1
                elif x < y:
                    a += 1
                else:
                    b += 1
            s = (1.0 + indirect) / d
            c += s * s
        constraint[i] = c
        esize[i] = d - pairs / d
        # other communities reached: distinct neighbour communities except one's own
        comms = np.empty(d, dtype=np.int32)
        for k in range(d):
            comms[k] = community[indices[lo + k]]
        sort_range(comms, 0, d)
        own = community[i]
        r = 0
        for k in range(d):
            if comms[k] != own and (k == 0 or comms[k] != comms[k - 1]):
                r += 1
        reach[i] = r
    return constraint, esize, reach


_bridge_scores_serial, _bridge_scores_parallel = serial_and_parallel(_bridge_scores)
# Tie entries from which the threaded variant is used: below, the scores take milliseconds on
# one thread and a default-sized run need not compile the threaded variant (several seconds).
PARALLEL_TIES = 1 << 20


def bridge_scores(graph: SocialGraph) -> dict[str, np.ndarray]:
    """Burt's constraint, effective size and other communities reached, per consumer.

    Parameters
    ----------
    graph : SocialGraph

    Returns
    -------
    dict of ndarray, each of shape (n,)
        ``constraint`` (float64; low = more brokerage), ``effective_size`` (float64; high =
        more non-redundant contacts), ``communities_reached`` (int32: distinct communities other
        than one's own among one's neighbours). NaN scores for consumers without ties.

    Examples
    --------
    A star's centre brokers between leaves that do not know each other:

    >>> from diffusion_sim.graph import SocialGraph
    >>> g = SocialGraph.from_edges(4, [0, 0, 0], [1, 2, 3], [0, 0, 0])
    >>> s = bridge_scores(g)
    >>> round(float(s["constraint"][0]), 4), float(s["effective_size"][0])
    (0.3333, 3.0)
    """
    par = numba.get_num_threads() > 1 and graph.indices.shape[0] >= PARALLEL_TIES
    fn = _bridge_scores_parallel if par else _bridge_scores_serial
    c, e, r = fn(graph.indptr, graph.indices, graph.community)
    return {"constraint": c, "effective_size": e, "communities_reached": r}
