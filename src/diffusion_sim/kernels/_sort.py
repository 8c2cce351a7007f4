"""A small in-place sort for compiled kernels.

``np.sort`` / ``ndarray.sort`` inside a kernel pull numba's quicksort into the compilation,
about 4 s of CPU per element type on a cold cache; this one compiles in well under a second.
Kernels sort short rows (a consumer's neighbours), so insertion sort handles them, and a heap
sort keeps hubs' long rows at O(d log d). Only plain numbers are sorted, so any correct sort
gives the same result as ``np.sort``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SHORT = 24  # rows up to this length: insertion sort (fewer moves than a heap for small d)


@njit(cache=True)
def _sift_down(a, lo, root, end):
    """Restore the max-heap below ``root`` in ``a[lo:lo + end]`` (heap positions 0-based)."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[lo + child] < a[lo + child + 1]:
            child += 1
        if a[lo + root] < a[lo + child]:
            a[lo + root], a[lo + child] = a[lo + child], a[lo + root]
            root = child
        else:
            return


@njit(cache=True)
def sort_range(a, lo, hi):
    """Sort ``a[lo:hi]`` in place, ascending."""
    # plain int64 bounds: a literal 0 from a caller would compile _sift_down once more
    lo = np.int64(lo)
    d = hi - lo
    if d <= _SHORT:
        for k in range(lo + 1, hi):
            x = a[k]
            j = k - 1
            while j >= lo and a[j] > x:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
        return
    for root in range(d // 2 - 1, -1, -1):
        _sift_down(a, lo, root, d)
    for end in range(d - 1, 0, -1):
        a[lo], a[lo + end] = a[lo + end], a[lo]
        _sift_down(a, lo, np.int64(0), end)
