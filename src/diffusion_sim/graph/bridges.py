r"""Structural holes: Burt's constraint and effective size, and communities a consumer reaches.

A consumer who spans a structural hole (Burt 1992) links people who are not linked to each
other: low constraint, high effective size, ties into several other communities. These are the
"bridges" that a cross-group strategy recruits. Computed over the CSR arrays in parallel numba
(each consumer writes only its own outputs, so results do not depend on the thread count).

For an undirected graph without weights, with :math:`d_i` the degree of :math:`i` and
:math:`p_{ij} = 1/d_i` for each neighbour :math:`j`:

.. math::

    c_i = \sum_{j \in N(i)} \Big(p_{ij} + \sum_{w \in N(i) \cap N(j)} p_{iw}\,p_{wj}\Big)^2,
    \qquad
    \mathrm{esize}_i = d_i - \frac{2 t_i}{d_i}

where :math:`t_i` is the number of ties among :math:`i`'s neighbours (Borgatti 1997). Both are
NaN for a consumer without ties, as in networkx's ``constraint`` and ``effective_size``.

With tie weights :math:`w_{ij}` (Burt 1992; networkx's ``weight=``), the proportional tie
strength is :math:`p_{ij} = w_{ij} / \sum_k w_{ik}` (0 if the sum is 0) and
:math:`m_{jq} = w_{jq} / \max_k w_{jk}`:

.. math::

    \ell_{ij} = \Big(p_{ij} + \sum_{q \in N(i) \cap N(j)} p_{iq}\,p_{qj}\Big)^2, \qquad
    c_i = \sum_{j \in N(i)} \ell_{ij}, \qquad
    \mathrm{esize}_i = \sum_{j \in N(i)} \Big(1 - \sum_{q \in N(i) \cap N(j)}
    p_{iq}\, m_{jq}\Big)

:math:`\ell_{ij}` is the *local constraint* of :math:`j` on :math:`i`. With equal weights these
reduce to the formulas above. (networkx ≤ 3.6.1's vectorised ``effective_size`` for all nodes
normalises weighted ties by the wrong axis; its per-node path, ``nodes=list(G)``, is the
definition, and the tests compare with that.)
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ..kernels._sort import sort_range
from ..kernels._variants import serial_and_parallel
from .social_graph import SocialGraph

__all__ = ["bridge_scores", "tie_weights"]


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


def _weighted_scores(indptr, indices, w):
    n = indptr.shape[0] - 1
    total = np.zeros(n)
    top = np.zeros(n)
    for i in prange(n):
        s = 0.0
        m = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += w[k]
            m = max(m, w[k])
        total[i] = s
        top[i] = m
    constraint = np.full(n, np.nan)
    esize = np.full(n, np.nan)
    local = np.zeros(indices.shape[0])
    for i in prange(n):
        lo = indptr[i]
        hi = indptr[i + 1]
        if hi == lo:
            continue
        si = total[i]
        c = 0.0
        e = 0.0
        for k in range(lo, hi):
            j = indices[k]
            mj = top[j]
            p_ij = w[k] / si if si > 0 else 0.0
            a = lo
            b = indptr[j]
            bend = indptr[j + 1]
            indirect = 0.0
            redundant = 0.0
            while a < hi and b < bend:
                x = indices[a]
                y = indices[b]
                if x == y:  # common neighbour q: w[a] = w_iq, w[b] = w_jq = w_qj
                    p_iq = w[a] / si if si > 0 else 0.0
                    sq = total[x]
                    indirect += p_iq * (w[b] / sq if sq > 0 else 0.0)
                    redundant += p_iq * (w[b] / mj if mj > 0 else 0.0)
                    a += 1
                    b += 1
                elif x < y:
                    a += 1
                else:
                    b += 1
            lc = (p_ij + indirect) ** 2
            local[k] = lc
            c += lc
            e += 1.0 - redundant
        constraint[i] = c
        esize[i] = e
    return constraint, esize, local


def tie_weights(graph: SocialGraph, weight) -> np.ndarray | None:
    """Weight of each CSR entry for :func:`bridge_scores`.

    ``None``: unweighted; ``"weight"``: the graph's own weights (an edge list's or networkx's);
    ``(w_strong, w_weak)``: by tie class (tie strength); an array of shape (2 m,): as given.
    """
    if weight is None:
        return None
    if isinstance(weight, str):
        if weight != "weight":
            raise ValueError(
                f"weight={weight!r}: use None, 'weight', (w_strong, w_weak) or an array"
            )
        if graph.weight is None:
            raise ValueError("weight='weight': this graph has no tie weights")
        w = graph.weight
    elif isinstance(weight, tuple) and len(weight) == 2:
        w = np.where(graph.tie == 1, float(weight[0]), float(weight[1]))
    else:
        w = np.ascontiguousarray(weight, dtype=np.float64)
        if w.shape != graph.indices.shape:
            raise ValueError(f"weights have shape {w.shape}, expected {graph.indices.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("tie weights must be finite and >= 0")
    return np.ascontiguousarray(w, dtype=np.float64)


_weighted_serial, _weighted_parallel = serial_and_parallel(_weighted_scores)


def _unweighted(graph: SocialGraph, par: bool):
    """The unweighted scores, computed once per graph: every run of the bridging play on the
    graph (each replication of each play of a comparison) ranks by them, and at 1M consumers
    they take about a second. Read-only, since every caller shares them."""
    cached = graph.__dict__.get("_bridge_scores")
    if cached is None:
        fn = _bridge_scores_parallel if par else _bridge_scores_serial
        cached = fn(graph.indptr, graph.indices, graph.community)
        for a in cached:
            a.setflags(write=False)
        graph.__dict__["_bridge_scores"] = cached
    return cached


def bridge_scores(graph: SocialGraph, weight=None) -> dict[str, np.ndarray]:
    """Burt's constraint, effective size and other communities reached, per consumer.

    Parameters
    ----------
    graph : SocialGraph
    weight : None, "weight", (w_strong, w_weak) or ndarray of shape (2 m,)
        Tie weights (see :func:`tie_weights`); ``None`` (default) counts every tie once.

    Returns
    -------
    dict of ndarray, each of shape (n,)
        ``constraint`` (float64; low = more brokerage), ``effective_size`` (float64; high =
        more non-redundant contacts), ``communities_reached`` (int32: distinct communities other
        than one's own among one's neighbours). NaN scores for consumers without ties.
        With ``weight``, also ``local_constraint`` (float64, shape (2 m,)): for the CSR entry
        of tie ``i - j`` in ``i``'s row, the constraint ``j`` puts on ``i``.

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
    c, e, r = _unweighted(graph, par)
    w = tie_weights(graph, weight)
    if w is None:  # the unweighted kernel: the bridging play's ranking, unchanged
        return {"constraint": c, "effective_size": e, "communities_reached": r}
    wfn = _weighted_parallel if par else _weighted_serial
    cw, ew, local = wfn(graph.indptr, graph.indices, w)
    return {"constraint": cw, "effective_size": ew, "communities_reached": r,
            "local_constraint": local}  # fmt: skip
