"""OPIM-C: influence maximisation with a posteriori bounds (Tang, Tang, Xiao & Yuan 2018).

J. Tang, X. Tang, X. Xiao and J. Yuan, "Online Processing Algorithms for Influence
Maximization", SIGMOD 2018, Algorithm 2 (OPIM-C) with the improved upper bound of Sec. 4.3;
the constants below are those of the paper and of the authors' code (github.com/tangj90/OPIM,
``Alg::opimc`` and ``max_cover_lazy`` in mode 2).

Two independent collections of RR sets (:mod:`~diffusion_sim.influence.rrsets`), ``R1`` and
``R2``, grow together, doubling from ``theta_0`` sets each. In every round the greedy maximum
coverage of ``R1`` picks ``S``; ``R1`` also gives an upper bound of the optimum ``OPT`` (the
greedy's own certificate, no union bound over seed sets needed, as the optimum is one fixed
set), and ``R2``, which ``S`` never saw, a lower bound of ``sigma(S)``. Once lower / upper
``>= 1 - 1/e - epsilon`` the seeds are certified and returned. IMM (:mod:`.imm`) instead draws
the number of sets its worst-case analysis needs for any graph with the same ``n`` and ``k``
(a union bound over all ``C(n, k)`` seed sets); the certificate usually comes after far
fewer sets (measured: ``benchmarks/influence.py``).

Guarantee (the paper's Theorem 4.1, with the rounds below): the seeds are within
``(1 - 1/e - epsilon)`` of ``OPT`` with probability ``>= 1 - delta``. ``delta`` is split in
three: ``delta / 3`` for the last round, whose ``R1`` holds ``theta_max`` sets, enough for
the greedy alone (the IMM-style count, ``OPT >= k``), and ``delta / 3`` for each of the two
bounds, shared by the ``i_max`` checked rounds (``a = ln(3 i_max / delta)`` in both bounds).
The authors' code runs ``floor(log2(theta_max / theta_0)) + 1`` rounds, whose last holds at
most ``theta_max`` sets, and returns no seeds if that round fails its check; here rounds
``0 .. i_max - 1`` are checked, ``i_max = ceil(log2(theta_max / theta_0))``, and round
``i_max`` (``theta_0 * 2**i_max >= theta_max`` sets) returns its greedy seeds in any case, so
every branch of the guarantee is covered. A round's sets depend only on ``(key, set number)``,
so the seeds are identical with any thread count.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError
from ._kernels import _max_coverage_bound, _prefix_cover
from .imm import IMMResult, _check, _log_binom
from .rrsets import RRSets, concat, rr_sets, sampler
from .weights import LiveEdge

__all__ = ["opim", "opim_lower", "opim_rounds", "opim_upper"]

#: Set numbers of ``R2`` (``R1`` uses 0, 1, ...): disjoint ranges of one key's stream.
_R2 = 1 << 41

#: Default ceiling on the RR sets drawn (both collections), and on their consumer entries.
MAX_SETS = 50_000_000
MAX_ENTRIES = 400_000_000

E1 = 1.0 - 1.0 / math.e


def opim_rounds(n: int, k: int, epsilon: float, delta: float) -> tuple[int, int, int]:
    """``theta_0``, ``theta_max`` and ``i_max`` of OPIM-C (Algorithm 2, lines 1, 2 and 4).

    ``theta_max = 2 n ((1 - 1/e) sqrt(ln(6/delta)) + sqrt((1 - 1/e)(ln C(n, k) +
    ln(6/delta))))**2 / (epsilon**2 k)`` RR sets make the greedy a ``(1 - 1/e - epsilon)``
    approximation with probability ``>= 1 - delta/3`` (Tang et al. 2015's count, ``OPT >= k``);
    ``theta_0 = theta_max epsilon**2 k / n``; ``i_max = ceil(log2(theta_max / theta_0))``.
    """
    alpha = math.sqrt(math.log(6.0 / delta))
    beta = math.sqrt(E1 * (_log_binom(n, k) + math.log(6.0 / delta)))
    base = 2.0 * (E1 * alpha + beta) ** 2
    theta_max = math.ceil(base * n / (epsilon**2 * k))
    theta_0 = max(1, math.ceil(base))
    i_max = max(0, math.ceil(math.log2(theta_max / theta_0)))
    return theta_0, theta_max, i_max


def opim_lower(covered: float, a: float) -> float:
    """Lower confidence bound of ``theta * sigma(S) / n`` from ``covered`` of ``theta`` sets
    independent of ``S`` (the paper's Lemma 4.2): ``(sqrt(covered + 2a/9) - sqrt(a/2))**2 -
    a/18``, wrong with probability ``<= exp(-a)``; taken as 0 where that is negative
    (``covered < 2a/3``: the formula's other branch, and a spread is never negative)."""
    return max(0.0, (math.sqrt(covered + 2.0 * a / 9.0) - math.sqrt(a / 2.0)) ** 2 - a / 18.0)


def opim_upper(covered: float, a: float) -> float:
    """Upper confidence bound of ``theta * sigma(S) / n`` for a fixed ``S`` covering at most
    ``covered`` of ``theta`` sets (the paper's Lemma 4.3): ``(sqrt(covered + a/2) +
    sqrt(a/2))**2``, wrong with probability ``<= exp(-a)``."""
    return (math.sqrt(covered + a / 2.0) + math.sqrt(a / 2.0)) ** 2


def _refuse(epsilon, what):
    raise ConfigError(
        "seeding.epsilon", epsilon,
        f"a larger slack: OPIM-C would need {what}; the spread is small or epsilon too tight",
    )  # fmt: skip


def opim(
    live: LiveEdge,
    k: int,
    *,
    epsilon: float = 0.1,
    delta: float | None = None,
    key: int = 0,
    max_sets: int = MAX_SETS,
    max_entries: int = MAX_ENTRIES,
) -> IMMResult:
    """The ``k`` seeds of largest expected spread by OPIM-C: within ``(1 - 1/e - epsilon)``
    of the best with probability ``>= 1 - delta``, with a certificate of how close.

    Parameters
    ----------
    live : LiveEdge
        From :func:`~diffusion_sim.influence.live_edge` (``ic`` or ``lt``).
    k : int
        Seeds, ``1 <= k <= n``.
    epsilon : float
        Approximation slack in (0, 1).
    delta : float, optional
        Failure probability; default ``1 / n`` (as :func:`~diffusion_sim.influence.imm`).
    key : int
        64-bit key of the RR sets; the result depends only on the inputs and ``key``, never on
        the thread count.
    max_sets, max_entries : int
        Refuse (``ConfigError`` naming ``seeding.epsilon``) rather than draw more RR sets or
        consumer entries than this (both collections together).

    Returns
    -------
    IMMResult
        ``method="opim"``; ``spread`` and ``marginal`` are estimated on ``R2``, which did not
        choose the seeds (unbiased); ``lower_bound`` (consumers) holds for ``sigma(seeds)`` and
        ``upper_bound`` for ``OPT``, each at probability ``>= 1 - delta/3`` (their ratio is the
        certified approximation; on the last round it may be below ``1 - 1/e - epsilon``,
        the guarantee then coming from the round's size); ``sets`` and ``entries`` count both
        collections, ``rounds`` the rounds run.

    Examples
    --------
    Four consumers on a path, every tie live: any one seed reaches all of them.

    >>> from diffusion_sim.graph import SocialGraph
    >>> from diffusion_sim.contagion import CascadeRule
    >>> from diffusion_sim.influence import live_edge
    >>> g = SocialGraph.from_edges(4, [0, 1, 2], [1, 2, 3], [0, 0, 0])
    >>> r = opim(live_edge(g, CascadeRule(p_strong=1.0, p_weak=1.0)), 1)
    >>> r.spread, r.rounds
    (4.0, 4)
    >>> bool(r.lower_bound <= 4.0 <= r.upper_bound)
    True
    """
    n = live.n
    _check(n, k, epsilon, delta)
    k = int(k)
    if n == 1:
        return IMMResult(np.zeros(1, np.int64), 1.0, np.ones(1), 1.0, 0, 0, 1.0, 0, 0,
                         "opim", 0)  # fmt: skip
    delta = 1.0 / n if delta is None else float(delta)
    theta_0, theta_max, i_max = opim_rounds(n, k, epsilon, delta)
    a = math.log(3.0 * max(i_max, 1) / delta)  # the checked rounds share delta/3 per bound
    sm = sampler(live)  # prepared once for every round
    r1 = r2 = RRSets(np.zeros(1, np.int64), np.zeros(0, np.int32))
    mean = 8.0  # consumers per set, to size the buffers (the mean so far after round 0)
    for i in range(i_max + 1):
        theta = theta_0 << i if i < i_max else max(theta_0 << i, theta_max)
        if 2 * theta > max_sets:
            _refuse(epsilon, f"{2 * theta:,} RR sets (more than {max_sets:,})")
        if 2 * theta * mean > 1.5 * max_entries:
            _refuse(epsilon, f"about {2 * theta * mean:,.0f} RR-set entries "
                             f"(more than {max_entries:,})")  # fmt: skip
        r1 = concat(r1, rr_sets(sm, key, r1.count, theta - r1.count, mean))
        r2 = concat(r2, rr_sets(sm, key, _R2 + r2.count, theta - r2.count, mean))
        entries = int(r1.nodes.size + r2.nodes.size)
        if entries > max_entries:
            _refuse(epsilon, f"more than {max_entries:,} RR-set entries")
        mean = entries / (2.0 * theta)
        node_sets = np.empty(r1.nodes.shape[0], dtype=np.int32 if theta < 2**31 else np.int64)
        seeds, _, best = _max_coverage_bound(np.int64(n), r1.offsets, r1.nodes, np.int64(k),
                                             node_sets)  # fmt: skip
        del node_sets
        cov2 = _prefix_cover(np.int64(n), r2.offsets, r2.nodes, seeds)
        lower = opim_lower(float(cov2[-1]), a)
        upper = opim_upper(float(best), a)
        if lower >= (E1 - epsilon) * upper or i == i_max:
            break
    scale = n / theta
    marginal = scale * cov2
    return IMMResult(seeds, float(marginal[-1]), marginal, lower * scale, 2 * theta, entries,
                     upper * scale, 2 * theta, entries, "opim", i + 1)  # fmt: skip
