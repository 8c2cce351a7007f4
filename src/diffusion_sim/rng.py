"""Counter-based random numbers for the kernels.

A kernel never carries generator state. The uniform number consumer ``i`` uses in step ``t``
for purpose ``stream`` is a pure function of ``(key, t, i, stream)``:

.. math::

    k_t = m(\\text{key} + t\\,\\gamma_1), \\qquad
    u = 2^{-53} \\left\\lfloor
        m\\big(k_t + (4 i + \\text{stream})\\,\\gamma_2\\big) / 2^{11} \\right\\rfloor

where :math:`m` is the SplitMix64 finaliser (Steele, Lea & Flood 2014) and
:math:`\\gamma_1, \\gamma_2` are odd 64-bit constants. Because nothing depends on the order in which
consumers are visited, a run gives the same numbers with any number of threads, and a
consumer's draw in step ``t`` does not change when other consumers are added or removed from
the candidate set.

``key`` is a 64-bit integer that the model derives from its ``numpy.random.SeedSequence``
(see :func:`key_from_seed_sequence`); it is the only random input a kernel receives.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["N_STREAMS", "as_seed_sequence", "key_from_seed_sequence", "uniforms"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GAMMA1 = np.uint64(0x9E3779B97F4A7C15)
_GAMMA2 = np.uint64(0xD1B54A32D192ED03)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

#: Number of independent streams per (step, consumer); stream 0 decides, 1 picks a cause.
N_STREAMS = 4


@njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _step_key(key, step):
    """Per-step key :math:`k_t` (``key`` is uint64, ``step`` a non-negative int)."""
    return _mix64(key + np.uint64(step) * _GAMMA1)


@njit(cache=True, inline="always")
def _uniform(step_key, consumer, stream):
    """Uniform in [0, 1) for one consumer and stream, given the per-step key."""
    h = _mix64(step_key + (np.uint64(consumer) * np.uint64(4) + np.uint64(stream)) * _GAMMA2)
    return np.float64(h >> _S11) * _INV53


@njit(cache=True)
def _uniforms(key, step, consumers, stream):
    k = _step_key(key, step)
    out = np.empty(consumers.shape[0], dtype=np.float64)
    for j in range(consumers.shape[0]):
        out[j] = _uniform(k, consumers[j], stream)
    return out


def uniforms(key: int, step: int, consumers, stream: int = 0) -> np.ndarray:
    """Uniform numbers the kernels use, for inspection and pure-Python references.

    Parameters
    ----------
    key : int
        64-bit run key.
    step : int
        Step number ``t >= 0``.
    consumers : array_like of int, shape (m,)
        Consumer indices.
    stream : int, default 0
        Stream index in ``[0, N_STREAMS)``.

    Returns
    -------
    ndarray of float64, shape (m,)
        Values in ``[0, 1)``.
    """
    if not 0 <= stream < N_STREAMS:
        raise ValueError(f"stream={stream!r} is not allowed; use 0 <= stream < {N_STREAMS}")
    ids = np.ascontiguousarray(consumers, dtype=np.int64)
    return _uniforms(np.uint64(key), step, ids, stream)


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """A fresh (never spawned) ``SeedSequence`` from an int, None or a ``SeedSequence``.

    A given ``SeedSequence`` is copied, so a model never changes its caller's object and the
    same seed always yields the same children, however often it was used before.
    """
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size
        )
    return np.random.SeedSequence(seed)


def key_from_seed_sequence(ss: np.random.SeedSequence) -> int:
    """Derive the 64-bit kernel key from a seed sequence (independent of its other uses)."""
    return int(ss.generate_state(1, dtype=np.uint64)[0])
