"""Compiled kernels of influence maximisation: reverse reachable (RR) sets, coverage greedy,
and Monte Carlo spread over sampled live-edge worlds.

Every random number is keyed (:mod:`diffusion_sim.rng`): RR set ``j`` and world ``r`` use
the per-"step" key ``_step_key(key, j)``; inside it the root is draw (0, 0), the draws that find
consumer ``v``'s live in-ties (``ic``) use the sub-key ``_step_key(set key, v + 1)``, and the
neighbour ``v`` listens to (``lt``) is draw (v, 2). In a Monte Carlo world the coin of CSR
entry ``e`` (``ic``) is draw (e, 1). A set or world therefore does not depend on which
thread builds it, nor on how the sets are split between threads: results are identical with
any thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..rng import _step_key, _uniform

IC, LT = 0, 1


@njit(cache=True, inline="always")
def _lt_pick(indptr, indices, w, sk, v):
    """Neighbour that ``v`` listens to in this world (-1: none), by inverse CDF of its row."""
    r = _uniform(sk, v, 2)
    acc = 0.0
    for e in range(indptr[v], indptr[v + 1]):
        acc += w[e]
        if r < acc:
            return indices[e]
    return -1


@njit(cache=True)
def _rr_one(model, indptr, indices, w, pmax, sk, root, seen, stamp, out, pos):
    """Write the RR set of ``root`` from ``out[pos]`` on; returns the end position.

    ``ic``: breadth-first search over reversed live edges. The live in-ties of a consumer ``v``
    are found by geometric skipping over its row with the largest probability ``pmax``
    (Batagelj & Brandes 2005), each hit kept with probability ``w[e] / pmax``: about
    ``pmax * deg + 1`` draws instead of ``deg``. The draws of ``v`` are keyed by ``(set, v,
    draw)``; ``v`` is expanded once per set, so every tie gets an independent coin.
    ``lt``: the reverse walk along each consumer's chosen neighbour until it stops or meets
    the set again.
    """
    out[pos] = root
    seen[root] = stamp
    end = pos + 1
    if model == IC:
        if pmax <= 0.0:
            return end
        skip = pmax < 0.5
        lq = np.log(1.0 - pmax) if skip else 0.0
        head = pos
        while head < end:
            v = out[head]
            head += 1
            nk = _step_key(sk, v + 1)
            d = 0
            e = indptr[v] - 1
            hi = indptr[v + 1]
            while True:
                if skip:
                    r = _uniform(nk, d, 1)
                    d += 1
                    e += 1 + int(np.floor(np.log(1.0 - r) / lq))
                    if e >= hi:
                        break
                    we = w[e]
                    if we < pmax:
                        if _uniform(nk, d, 1) * pmax >= we:
                            d += 1
                            continue
                        d += 1
                else:
                    e += 1
                    if e >= hi:
                        break
                    if _uniform(nk, d, 1) >= w[e]:
                        d += 1
                        continue
                    d += 1
                u = indices[e]
                if seen[u] != stamp:
                    seen[u] = stamp
                    out[end] = u
                    end += 1
    else:
        v = root
        while True:
            u = _lt_pick(indptr, indices, w, sk, v)
            if u < 0 or seen[u] == stamp:
                break
            seen[u] = stamp
            out[end] = u
            end += 1
            v = u
    return end


@njit(cache=True, parallel=True)
def _rr_batch(model, indptr, indices, w, pmax, key, j0, count, parts, cap):
    """RR sets ``j0 .. j0 + count - 1``, split into ``parts`` contiguous ranges of set numbers.

    Part ``p`` writes its sets one after another into ``buf[p * cap:]`` and stops early when
    fewer than ``n`` slots are left (a set has at most ``n`` consumers). Returns ``buf``,
    ``ends`` (end of each set inside its part's buffer), ``done`` (sets each part finished) and
    ``used`` (slots each part filled); the caller draws the rest again in a later call.
    """
    n = indptr.shape[0] - 1
    buf = np.empty(parts * cap, dtype=np.int32)
    ends = np.zeros(count, dtype=np.int64)
    done = np.zeros(parts, dtype=np.int64)
    used = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        seen = np.zeros(n, dtype=np.int64)
        base = p * cap
        pos = base
        lo = p * count // parts
        hi = (p + 1) * count // parts
        q = lo
        while q < hi and pos + n <= base + cap:
            sk = _step_key(key, j0 + q)
            root = min(int(_uniform(sk, 0, 0) * n), n - 1)
            pos = _rr_one(model, indptr, indices, w, pmax, sk, root, seen, q + 1, buf, pos)
            ends[q] = pos - base
            q += 1
        done[p] = q - lo
        used[p] = pos - base
    return buf, ends, done, used


@njit(cache=True)
def _max_coverage(n, offsets, nodes, k):
    """Greedy maximum coverage of the RR sets by ``k`` consumers (ties: lowest index).

    Returns the seeds (int64, shape (k,)) and the sets covered after each pick (int64, (k,)).
    """
    n_sets = offsets.shape[0] - 1
    deg = np.zeros(n, dtype=np.int64)
    for x in range(nodes.shape[0]):
        deg[nodes[x]] += 1
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        node_ptr[v + 1] = node_ptr[v] + deg[v]
    fill = node_ptr[:n].copy()
    node_sets = np.empty(nodes.shape[0], dtype=np.int64)
    for s in range(n_sets):
        for x in range(offsets[s], offsets[s + 1]):
            v = nodes[x]
            node_sets[fill[v]] = s
            fill[v] += 1
    covered = np.zeros(n_sets, dtype=np.bool_)
    taken = np.zeros(n, dtype=np.bool_)
    seeds = np.empty(k, dtype=np.int64)
    cum = np.empty(k, dtype=np.int64)
    total = 0
    for i in range(k):
        best = -1
        best_deg = -1
        for v in range(n):
            if not taken[v] and deg[v] > best_deg:
                best = v
                best_deg = deg[v]
        seeds[i] = best
        taken[best] = True
        total += best_deg
        cum[i] = total
        for x in range(node_ptr[best], node_ptr[best + 1]):
            s = node_sets[x]
            if covered[s]:
                continue
            covered[s] = True
            for y in range(offsets[s], offsets[s + 1]):
                deg[nodes[y]] -= 1
    return seeds, cum


@njit(cache=True)
def _world_spread(model, indptr, indices, w, sk, seeds, active, stamp, queue, pick):
    """Consumers reached from ``seeds`` in one sampled world (forward search)."""
    end = 0
    for s in seeds:
        if active[s] != stamp:
            active[s] = stamp
            queue[end] = s
            end += 1
    head = 0
    while head < end:
        u = queue[head]
        head += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if active[v] == stamp:
                continue
            if model == IC:
                # entry e of u's row is the tie u-v; w is symmetric, the coin is u's
                live = _uniform(sk, e, 1) < w[e]
            else:
                if pick[2 * v] != stamp:  # v's choice, drawn once per world
                    pick[2 * v] = stamp
                    pick[2 * v + 1] = _lt_pick(indptr, indices, w, sk, v)
                live = pick[2 * v + 1] == u
            if live:
                active[v] = stamp
                queue[end] = v
                end += 1
    return end


@njit(cache=True, parallel=True)
def _mc_spread(model, indptr, indices, w, key, seeds, worlds, parts):
    """Consumers reached in each of ``worlds`` sampled worlds, int64 of shape (worlds,)."""
    n = indptr.shape[0] - 1
    out = np.empty(worlds, dtype=np.int64)
    for p in prange(parts):
        active = np.zeros(n, dtype=np.int64)
        pick = np.zeros(2 * n, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        lo = p * worlds // parts
        hi = (p + 1) * worlds // parts
        for r in range(lo, hi):
            sk = _step_key(key, r)
            out[r] = _world_spread(model, indptr, indices, w, sk, seeds, active, r + 1, queue,
                                   pick)  # fmt: skip
    return out
