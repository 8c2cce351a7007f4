"""Compile one block-loop function as a serial and a parallel kernel, each cached.

A kernel's outer loop runs over fixed blocks with ``numba.prange``; compiled without
``parallel=True`` the same loop is an ordinary ``range``. Both variants therefore execute the
same code, block by block, and give identical results. numba names a cache entry after the
function's qualified name, so two dispatchers of one Python function would overwrite each
other's cache: each variant gets a renamed copy of the function instead.
"""

from __future__ import annotations

import types

from numba import njit

#: Every threaded dispatcher made here. numba compiles a dispatcher on its first call, so a run
#: whose passes all stay serial (one thread, or passes below ``PARALLEL_MIN`` consumers)
#: compiles none of them; ``tests/test_startup.py`` checks it.
PARALLEL_VARIANTS: list = []


def _renamed(fn, name: str):
    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


def serial_and_parallel(fn):
    """Return ``(serial, parallel)`` cached dispatchers compiled from ``fn``."""
    serial = njit(cache=True)(_renamed(fn, f"{fn.__name__}_serial"))
    parallel = njit(cache=True, parallel=True)(_renamed(fn, f"{fn.__name__}_parallel"))
    PARALLEL_VARIANTS.append(parallel)
    return serial, parallel
