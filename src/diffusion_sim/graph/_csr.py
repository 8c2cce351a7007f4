"""Compiled helpers that turn edge arrays into symmetric, de-duplicated CSR arrays."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..kernels._sort import sort_range

__all__ = ["common_neighbour_counts", "csr_from_edges"]


@njit(cache=True)
def _pack_rows(n, u, v, cls):
    """Row pointers (with duplicates) and entries packed as neighbour * 2 + class."""
    m = u.shape[0]
    deg = np.zeros(n + 1, dtype=np.int64)
    n_loops = 0
    for e in range(m):
        a = u[e]
        b = v[e]
        if a == b:
            n_loops += 1
            continue
        deg[a + 1] += 1
        deg[b + 1] += 1
    for i in range(n):
        deg[i + 1] += deg[i]
    # Packing (neighbour, class) lets one sort per row order by neighbour with strong last.
    packed = np.empty(deg[n], dtype=np.int64)
    fill = deg[:n].copy()
    for e in range(m):
        a = u[e]
        b = v[e]
        if a == b:
            continue
        c = np.int64(cls[e])
        packed[fill[a]] = np.int64(b) * 2 + c
        fill[a] += 1
        packed[fill[b]] = np.int64(a) * 2 + c
        fill[b] += 1
    return deg, packed, n_loops


@njit(cache=True)
def _dedupe_rows(n, deg, packed):
    """Sort each row, merge duplicates keeping the max class, and unpack."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    out = 0
    for i in range(n):
        lo = deg[i]
        hi = deg[i + 1]
        # sorted in place: the kept entries are written at ``out <= lo + k``, never ahead of
        # the entry being read
        sort_range(packed, lo, hi)
        k = lo
        while k < hi:
            nb = packed[k] >> 1
            # Within equal neighbours the strong entry sorts last: keep the last one.
            while k + 1 < hi and (packed[k + 1] >> 1) == nb:
                k += 1
            packed[out] = packed[k]
            out += 1
            k += 1
        indptr[i + 1] = out
    indices = np.empty(out, dtype=np.int32)
    tie = np.empty(out, dtype=np.uint8)
    for k in range(out):
        indices[k] = np.int32(packed[k] >> 1)
        tie[k] = np.uint8(packed[k] & 1)
    return indptr, indices, tie, (deg[n] - out) // 2


def csr_from_edges(n, u, v, cls):
    """Build symmetric CSR arrays from an undirected edge list.

    Pass ``u``/``v`` as a one-element list each (``[u]``) to hand them over: the list is
    emptied once the rows are packed, so the edge arrays can be freed before the sort.

    Parameters
    ----------
    n : int
        Number of consumers; endpoints must lie in ``[0, n)`` (not checked here).
    u, v : ndarray of int, shape (m,)
        Endpoints of each edge.
    cls : ndarray of uint8, shape (m,)
        Tie class of each edge (0 weak, 1 strong).

    Returns
    -------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (2 * m_kept,)
    tie : ndarray of uint8, shape (2 * m_kept,)
    n_self_loops : int
        Self-loops dropped.
    n_duplicates : int
        Duplicate ties merged (the merged tie is strong if any copy was strong).
    """
    if isinstance(u, list):  # handed over: drop our reference once packed
        uu, vv = u.pop(), v.pop()
    else:
        uu, vv = u, v
    deg, packed, loops = _pack_edges(n, uu, vv, cls)
    del uu, vv
    indptr, indices, tie, dups = _dedupe_rows(np.int64(n), deg, packed)
    return indptr, indices, tie, int(loops), int(dups)


def _pack_edges(n, u, v, cls):
    if not (isinstance(u, np.ndarray) and u.dtype in (np.int32, np.int64)):
        u = np.asarray(u, dtype=np.int64)
    if not (isinstance(v, np.ndarray) and v.dtype == u.dtype):
        v = np.asarray(v, dtype=u.dtype)
    cls = np.ascontiguousarray(cls, dtype=np.uint8)
    return _pack_rows(np.int64(n), np.ascontiguousarray(u), np.ascontiguousarray(v), cls)


@njit(cache=True)
def _common_neighbour_counts(indptr, indices):
    """Number of common neighbours of the endpoints of every CSR entry (rows sorted)."""
    n = indptr.shape[0] - 1
    out = np.zeros(indices.shape[0], dtype=np.int32)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j < i:
                continue
            a = indptr[i]
            b = indptr[j]
            c = 0
            while a < indptr[i + 1] and b < indptr[j + 1]:
                x = indices[a]
                y = indices[b]
                if x == y:
                    c += 1
                    a += 1
                    b += 1
                elif x < y:
                    a += 1
                else:
                    b += 1
            out[k] = c
            # Mirror entry (j, i): rows are sorted, so find it by binary search.
            lo = indptr[j]
            hi = indptr[j + 1]
            while lo < hi:
                mid = (lo + hi) // 2
                if indices[mid] < i:
                    lo = mid + 1
                else:
                    hi = mid
            out[lo] = c
    return out


def common_neighbour_counts(indptr, indices):
    """Common neighbours of the two endpoints of each CSR entry (embeddedness of the tie)."""
    return _common_neighbour_counts(indptr, indices)


@njit(cache=True)
def row_sums(indptr, values):
    """Sum of ``values`` over each CSR row, int64 of shape (n,)."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s = 0
        for k in range(indptr[i], indptr[i + 1]):
            s += values[k]
        out[i] = s
    return out
