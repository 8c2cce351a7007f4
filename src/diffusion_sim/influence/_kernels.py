"""Compiled kernels of influence maximisation: reverse reachable (RR) sets, coverage greedy,
and Monte Carlo spread over sampled live-edge worlds.

Every random number is keyed (:mod:`diffusion_sim.rng`): RR set ``j`` and world ``r`` use
the per-"step" key ``_step_key(key, j)``; inside it the root is draw (0, 0), the draws that find
consumer ``v``'s live in-ties (``ic``) are draws ``(d, 1)``, ``d = 0, 1, ...``, of the sub-key
``_step_key(set key, v + 1)``, and the neighbour ``v`` listens to (``lt``) is draw (v, 2).
In a Monte Carlo world the coin of CSR entry ``e`` (``ic``) is draw (e, 1). A set or world
therefore does not depend on which thread builds it, nor on how the sets are split between
threads: results are identical with any thread count.
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


@njit(cache=True)
def _rr_one_classes(indptr, mid, indices, p, inv_lq, sk, root, seen, stamp, out, pos):
    """``ic`` RR set of ``root`` when each row holds at most two probability classes.

    The row of ``v`` is grouped by class (:func:`_group_rows`): entries ``indptr[v] ..
    mid[v] - 1`` are live with probability ``p[0]``, ``mid[v] .. indptr[v + 1] - 1`` with
    ``p[1]``. Inside a segment the live entries are i.i.d. Bernoulli(``p[c]``), so the gap to
    the next live one is geometric and one draw finds it (subset sampling, Guo, Tang, Xiao &
    Wei 2020): about ``p[0] * deg_0 + p[1] * deg_1 + 1`` draws per consumer and no load of the
    weights at all (the thinning of :func:`_rr_one` costs a coin and a weight per hit). The
    draws of ``v`` are numbered across both segments. With one class (``mid = indptr[1:]``)
    the draws are those of :func:`_rr_one` when ``p < 0.5``, so the sets are identical.
    """
    out[pos] = root
    seen[root] = stamp
    end = pos + 1
    head = pos
    while head < end:
        v = out[head]
        head += 1
        nk = _step_key(sk, v + 1)
        d = 0
        for c in range(2):
            lo = indptr[v] if c == 0 else mid[v]
            hi = mid[v] if c == 0 else indptr[v + 1]
            pc = p[c]
            if lo >= hi or pc <= 0.0:
                continue
            e = lo - 1
            while True:
                if pc >= 1.0:
                    e += 1
                    if e >= hi:
                        break
                else:
                    # e + 1 + floor(gap) >= hi  <=>  gap >= hi - 1 - e (an integer); comparing
                    # in floating point first keeps a huge gap (tiny p) out of int conversion
                    gap = np.log(1.0 - _uniform(nk, d, 1)) * inv_lq[c]
                    d += 1
                    if gap >= hi - 1 - e:
                        break
                    e += 1 + int(gap)
                u = indices[e]
                if seen[u] != stamp:
                    seen[u] = stamp
                    out[end] = u
                    end += 1
    return end


@njit(cache=True)
def _group_rows(indptr, indices, w, p0):
    """Rows regrouped: entries of weight ``p0`` first (their order kept), then the others.

    Returns ``mid`` (int64, shape (n,): end of each row's first group) and the regrouped
    ``indices`` (int32).
    """
    n = indptr.shape[0] - 1
    mid = np.empty(n, dtype=np.int64)
    out = np.empty(indices.shape[0], dtype=np.int32)
    for v in range(n):
        k = indptr[v]
        for e in range(indptr[v], indptr[v + 1]):
            if w[e] == p0:
                out[k] = indices[e]
                k += 1
        mid[v] = k
        for e in range(indptr[v], indptr[v + 1]):
            if w[e] != p0:
                out[k] = indices[e]
                k += 1
    return mid, out


@njit(cache=True, parallel=True)
def _rr_batch(model, indptr, indices, w, pmax, mid, p, key, j0, count, parts, cap):
    """RR sets ``j0 .. j0 + count - 1``, split into ``parts`` contiguous ranges of set numbers.

    With a non-empty ``mid`` (``ic`` with at most two classes) the sets come from
    :func:`_rr_one_classes` over the regrouped ``indices`` and the class probabilities ``p``;
    otherwise from :func:`_rr_one` (any weights, and ``lt``).

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
    classes = mid.shape[0] > 0
    inv_lq = np.zeros(2)
    for c in range(2):
        if 0.0 < p[c] < 1.0:
            inv_lq[c] = 1.0 / np.log(1.0 - p[c])
    for part in prange(parts):
        # int32 stamps (set number + 1 within this call; count < 2**31): half the cache lines
        seen = np.zeros(n, dtype=np.int32)
        base = part * cap
        pos = base
        lo = part * count // parts
        hi = (part + 1) * count // parts
        q = lo
        while q < hi and pos + n <= base + cap:
            sk = _step_key(key, j0 + q)
            root = min(int(_uniform(sk, 0, 0) * n), n - 1)
            stamp = np.int32(q + 1)
            if classes:
                pos = _rr_one_classes(indptr, mid, indices, p, inv_lq, sk, root, seen, stamp,
                                      buf, pos)  # fmt: skip
            else:
                pos = _rr_one(model, indptr, indices, w, pmax, sk, root, seen, stamp, buf, pos)
            ends[q] = pos - base
            q += 1
        done[part] = q - lo
        used[part] = pos - base
    return buf, ends, done, used


@njit(cache=True, inline="always")
def _invert(n, offsets, nodes, node_sets):
    """The sets each consumer is in: ``node_sets[node_ptr[v]:node_ptr[v + 1]]`` (filled here),
    and each consumer's count of sets ``deg`` (int64, (n,)). Returns (deg, node_ptr)."""
    deg = np.zeros(n, dtype=np.int64)
    for x in range(nodes.shape[0]):
        deg[nodes[x]] += 1
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        node_ptr[v + 1] = node_ptr[v] + deg[v]
    fill = node_ptr[:n].copy()
    for s in range(offsets.shape[0] - 1):
        for x in range(offsets[s], offsets[s + 1]):
            v = nodes[x]
            node_sets[fill[v]] = s
            fill[v] += 1
    return deg, node_ptr


@njit(cache=True)
def _max_coverage(n, offsets, nodes, k, node_sets):
    """Greedy maximum coverage of the RR sets by ``k`` consumers (ties: lowest index).

    ``node_sets`` (shape ``nodes.shape``, int32 when the set numbers fit: half the memory
    traffic of the scatter below) receives the inverted index. Returns the seeds (int64,
    shape (k,)) and the sets covered after each pick (int64, (k,)).
    """
    n_sets = offsets.shape[0] - 1
    deg, node_ptr = _invert(n, offsets, nodes, node_sets)
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


@njit(cache=True, inline="always")
def _top_sum(cnt, top, k):
    """Sum of the ``k`` largest marginals: ``cnt[d]`` consumers have marginal ``d <= top``."""
    total = 0
    left = k
    d = top
    while left > 0 and d > 0:
        take = min(cnt[d], left)
        total += take * d
        left -= take
        d -= 1
    return total


@njit(cache=True)
def _max_coverage_bound(n, offsets, nodes, k, node_sets):
    """:func:`_max_coverage` (the same picks) plus an upper bound of the best ``k``-coverage.

    For every prefix ``S_i`` of the greedy (``i = 0 .. k``) and any ``k`` consumers ``T``,
    ``Lambda(T) <= Lambda(S_i) + sum of the k largest marginals Lambda(v | S_i)``
    (submodularity); the bound returned is the smallest over ``i`` (Tang, Tang, Xiao & Yuan
    2018, Sec. 4.3, the bound their code calls ``boundMin``). The marginals are kept exact in
    buckets, ``cnt[d]`` = consumers not picked whose marginal is ``d``: a decrement moves one
    consumer down one bucket, and the top-``k`` sum walks the buckets down from the largest
    marginal (at most the greedy's last gain). Returns seeds (int64, (k,)), sets covered after
    each pick (int64, (k,)) and the bound (int64, sets).
    """
    n_sets = offsets.shape[0] - 1
    deg, node_ptr = _invert(n, offsets, nodes, node_sets)
    top = 0
    for v in range(n):
        top = max(top, deg[v])
    cnt = np.zeros(top + 1, dtype=np.int64)
    for v in range(n):
        cnt[deg[v]] += 1
    upper = _top_sum(cnt, top, k)
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
        cnt[best_deg] -= 1  # a seed's marginal is 0 from now on: out of the buckets
        total += best_deg
        cum[i] = total
        for x in range(node_ptr[best], node_ptr[best + 1]):
            s = node_sets[x]
            if covered[s]:
                continue
            covered[s] = True
            for y in range(offsets[s], offsets[s + 1]):
                u = nodes[y]
                if not taken[u]:
                    cnt[deg[u]] -= 1
                    cnt[deg[u] - 1] += 1
                deg[u] -= 1
        top = best_deg  # marginals only fall, and best_deg was the largest
        upper = min(upper, total + _top_sum(cnt, top, k))
    return seeds, cum, upper


@njit(cache=True)
def _prefix_cover(n, offsets, nodes, seeds):
    """Sets covered by each prefix of ``seeds`` (int64, shape (k,)): set ``s`` counts from
    the first seed it holds on."""
    k = seeds.shape[0]
    rank = np.full(n, k, dtype=np.int64)
    for i in range(k - 1, -1, -1):
        rank[seeds[i]] = i
    hist = np.zeros(k + 1, dtype=np.int64)
    for s in range(offsets.shape[0] - 1):
        first = k
        for x in range(offsets[s], offsets[s + 1]):
            first = min(first, rank[nodes[x]])
        hist[first] += 1
    return np.cumsum(hist[:k])


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
