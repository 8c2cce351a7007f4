"""Compiled edge samplers used by :mod:`diffusion_sim.graph.generators`.

All randomness comes from :func:`diffusion_sim.rng._uniform` keyed by a generator key and a
draw counter, so a generator gives the same graph for the same seed on any machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import _step_key, _uniform


@njit(cache=True)
def _grow(a, size):
    out = np.empty(max(2 * a.shape[0], size, 16), dtype=a.dtype)
    for k in range(a.shape[0]):  # a loop, not a slice copy: no shape checks to compile
        out[k] = a[k]
    return out


@njit(cache=True)
def _gnp_blocks(starts, sizes, p, key, stream, community, cross_only, expected):
    """G(n, p) inside each block (Batagelj & Brandes 2005 geometric skipping), O(n + m).

    With ``cross_only`` the single block spans all consumers and pairs inside one community
    are skipped, which samples the between-community part of a planted partition exactly.
    """
    cap = max(int(expected * 1.1) + 1024, 16)
    u = np.empty(cap, dtype=np.int32)  # n < 2**31: int32 halves the peak memory
    v = np.empty(cap, dtype=np.int32)
    m = 0
    if p <= 0.0:
        return u[:0], v[:0]
    k = _step_key(key, stream)
    draw = 0
    lp = np.log(1.0 - p) if p < 1.0 else 0.0
    for b in range(starts.shape[0]):
        s = sizes[b]
        off = starts[b]
        a = 1
        w = -1
        while a < s:
            if p >= 1.0:
                w += 1
            else:
                r = _uniform(k, draw, 0)
                draw += 1
                w += 1 + int(np.floor(np.log(1.0 - r) / lp))
            while w >= a and a < s:
                w -= a
                a += 1
            if a < s:
                x = off + a
                y = off + w
                if cross_only and community[x] == community[y]:
                    continue
                if m == u.shape[0]:
                    u = _grow(u, m + 1)
                    v = _grow(v, m + 1)
                u[m] = y
                v[m] = x
                m += 1
    return u[:m], v[:m]


@njit(cache=True)
def _ring_lattice_rewired(n, k, p, key):
    """Watts–Strogatz: ring lattice ties, each rewired with probability p (rewired = weak)."""
    half = k // 2
    m = n * half
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    cls = np.empty(m, dtype=np.uint8)
    sk = _step_key(key, 0)
    e = 0
    for i in range(n):
        for j in range(1, half + 1):
            u[e] = i
            if p > 0.0 and _uniform(sk, e, 0) < p:
                # Resample until the new endpoint is neither i nor one of its lattice neighbours,
                # so a rewired tie never merges into a lattice tie.
                d = 0
                while True:
                    t = int(_uniform(_step_key(key, 1 + d), e, 0) * n)
                    d += 1
                    dist = abs(t - i)
                    dist = min(dist, n - dist)
                    if dist > half:
                        break
                v[e] = t
                cls[e] = 0
            else:
                v[e] = (i + j) % n
                cls[e] = 1
            e += 1
    return u, v, cls


@njit(cache=True)
def _holme_kim(n, m, p, key):
    """Holme & Kim (2002) growth with triad formation, following
    ``networkx.powerlaw_cluster_graph`` step by step (a repeated target adds no second tie),
    except that the m preferential targets are used in the order drawn; networkx pops them
    from a set of ints, which favours the oldest nodes and makes its largest hubs larger.

    Adjacency is kept in linked lists so a triad step can list the target's neighbours.
    """
    max_e = (n - m) * m
    u = np.empty(max_e, dtype=np.int64)
    v = np.empty(max_e, dtype=np.int64)
    head = np.full(n, -1, dtype=np.int64)
    nxt = np.empty(2 * max_e, dtype=np.int64)
    dst = np.empty(2 * max_e, dtype=np.int64)
    rep = np.empty(m + 2 * max_e, dtype=np.int64)  # one entry per tie end: preferential list
    n_rep = 0
    for i in range(m):
        rep[n_rep] = i
        n_rep += 1
    e = 0
    draw = 0
    sk = _step_key(key, 0)
    targets = np.empty(m, dtype=np.int64)
    mine = np.empty(m, dtype=np.int64)  # current neighbours of the new node
    for src in range(m, n):
        nt = 0
        while nt < m:  # m distinct targets from the preferential list
            t = rep[int(_uniform(sk, draw, 0) * n_rep)]
            draw += 1
            fresh = True
            for q in range(nt):
                if targets[q] == t:
                    fresh = False
            if fresh:
                targets[nt] = t
                nt += 1
        n_mine = 0
        count = 0
        target = -1
        while count < m:
            chosen = -1
            if count > 0:
                r = _uniform(sk, draw, 1)
                draw += 1
                if r < p:
                    n_cand = 0
                    for sweep in range(2):
                        if sweep == 1:
                            if n_cand == 0:
                                break
                            pick = int(_uniform(sk, draw, 2) * n_cand)
                            draw += 1
                        a = head[target]
                        while a != -1:
                            w = dst[a]
                            ok = w != src
                            for q in range(n_mine):
                                if mine[q] == w:
                                    ok = False
                            if ok:
                                if sweep == 0:
                                    n_cand += 1
                                elif pick == 0:
                                    chosen = w
                                    break
                                else:
                                    pick -= 1
                            a = nxt[a]
            if chosen == -1:
                nt -= 1
                target = targets[nt]
                chosen = target
            linked = False
            for q in range(n_mine):
                if mine[q] == chosen:
                    linked = True
            if not linked:
                u[e] = src
                v[e] = chosen
                mine[n_mine] = chosen
                n_mine += 1
                dst[2 * e] = chosen
                nxt[2 * e] = head[src]
                head[src] = 2 * e
                dst[2 * e + 1] = src
                nxt[2 * e + 1] = head[chosen]
                head[chosen] = 2 * e + 1
                e += 1
            rep[n_rep] = chosen
            n_rep += 1
            count += 1
        for _ in range(m):
            rep[n_rep] = src
            n_rep += 1
    return u[:e], v[:e]
