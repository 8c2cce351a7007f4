"""Exact expected spread by enumerating every live-edge world (small graphs only).

The oracle the tests hold IMM, CELF and the engine's rules against. Pure Python and numpy,
written from the live-edge definitions (Kempe, Kleinberg & Tardos 2003), not from the kernels:

``ic``
    each undirected tie is live or not (bond percolation, ``2^m`` worlds; see
    :mod:`~diffusion_sim.influence.weights` for why one coin per tie is exact); the consumers
    reached from ``S`` are the connected components of the live ties that contain a seed.
``lt``
    each consumer ``v`` listens to one neighbour ``u`` with probability ``b_uv`` or to nobody
    (``prod(deg_v + 1)`` worlds); ``v`` is reached once the consumer it listens to is.

``exact_spread`` sums ``P(world) * |reached|`` over the worlds; ``exact_optimum`` tries every
seed set of size ``k``.
"""

from __future__ import annotations

import itertools

import numpy as np

from .weights import IC, LiveEdge

__all__ = ["MAX_WORLDS", "exact_greedy", "exact_optimum", "exact_spread", "worlds"]

#: Refuse to enumerate more worlds than this.
MAX_WORLDS = 1 << 20


def worlds(live: LiveEdge) -> tuple[np.ndarray, np.ndarray]:
    """Every world's probability and who reaches whom in it.

    Returns
    -------
    prob : ndarray of float64, shape (W,)
        Sums to 1.
    reach : ndarray of bool, shape (W, n, n)
        ``reach[w, s, v]``: ``v`` is reached from seed ``s`` in world ``w`` (``s`` reaches
        itself).
    """
    n = live.n
    rows = [
        (v, live.indices[live.indptr[v] : live.indptr[v + 1]].tolist(),
         live.w[live.indptr[v] : live.indptr[v + 1]].tolist())
        for v in range(n)
    ]  # fmt: skip
    probs, reaches = [], []
    if live.model == IC:
        ties = [(v, u, p) for v, nb, ws in rows for u, p in zip(nb, ws, strict=True) if u > v]
        if 2 ** len(ties) > MAX_WORLDS:
            raise ValueError(f"{2 ** len(ties)} worlds: more than {MAX_WORLDS}")
        for live_mask in itertools.product((False, True), repeat=len(ties)):
            p = 1.0
            parent = list(range(n))

            def find(a, parent=parent):
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                return a

            for (v, u, q), on in zip(ties, live_mask, strict=True):
                p *= q if on else 1.0 - q
                if on:
                    parent[find(v)] = find(u)
            if p == 0.0:
                continue
            comp = np.array([find(a) for a in range(n)])
            probs.append(p)
            reaches.append(comp[:, None] == comp[None, :])
    else:
        choices = [[(-1, 1.0 - sum(ws)), *zip(nb, ws, strict=True)] for _, nb, ws in rows]
        total = int(np.prod([len(c) for c in choices], dtype=np.float64))
        if total > MAX_WORLDS:
            raise ValueError(f"{total} worlds: more than {MAX_WORLDS}")
        for pick in itertools.product(*choices):
            p = float(np.prod([q for _, q in pick]))
            if p <= 1e-300:
                continue
            r = np.eye(n, dtype=bool)
            for v in range(n):  # follow v's chain of listened-to consumers
                seen = {v}
                u = pick[v][0]
                while u != -1 and u not in seen:
                    r[u, v] = True
                    seen.add(u)
                    u = pick[u][0]
            probs.append(p)
            reaches.append(r)
    prob = np.asarray(probs)
    return prob / prob.sum(), np.asarray(reaches)


def _spread(prob, reach, seeds) -> float:
    s = list(seeds)
    if not s:
        return 0.0
    hit = reach[:, s, :].any(axis=1).sum(axis=1)
    return float(prob @ hit)


def exact_spread(live: LiveEdge, seeds, table=None) -> float:
    """Expected consumers reached from ``seeds`` (seeds included), exactly.

    ``table`` is the output of :func:`worlds` (computed if omitted).

    Examples
    --------
    Two consumers, one tie live with probability 0.3: one seed reaches 1.3 on average.

    >>> from diffusion_sim.graph import SocialGraph
    >>> from diffusion_sim.contagion import CascadeRule
    >>> from diffusion_sim.influence import live_edge
    >>> g = SocialGraph.from_edges(2, [0], [1], [0])
    >>> round(exact_spread(live_edge(g, CascadeRule(p_weak=0.3)), [0]), 12)
    1.3
    """
    prob, reach = table if table is not None else worlds(live)
    return _spread(prob, reach, np.unique(np.asarray(seeds, dtype=np.int64)))


def exact_optimum(live: LiveEdge, k: int, table=None) -> tuple[tuple[int, ...], float]:
    """The best ``k`` seeds by trying every set: ``(seeds, spread)`` (lowest set on ties)."""
    prob, reach = table if table is not None else worlds(live)
    best, best_val = (), -1.0
    for s in itertools.combinations(range(live.n), k):
        val = _spread(prob, reach, s)
        if val > best_val + 1e-12:
            best, best_val = s, val
    return best, best_val


def exact_greedy(live: LiveEdge, k: int, table=None) -> tuple[list[int], list[float]]:
    """Greedy on the exact spread: seeds in order and the spread after each pick."""
    prob, reach = table if table is not None else worlds(live)
    chosen: list[int] = []
    values: list[float] = []
    for _ in range(k):
        gains = [(_spread(prob, reach, [*chosen, v]), -v) for v in range(live.n) if v not in chosen]
        val, neg = max(gains)
        chosen.append(-neg)
        values.append(val)
    return chosen, values
