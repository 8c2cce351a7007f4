"""IMM: influence maximisation via martingales (Tang, Shi & Xiao 2015).

IMM samples just enough RR sets (:mod:`~diffusion_sim.influence.rrsets`) that the greedy
maximum coverage of them is a ``(1 - 1/e - epsilon)``-approximation of the best ``k`` seeds
with probability at least ``1 - delta``. Two phases:

1. *Sampling*: for ``x = n/2, n/4, ...`` draw ``theta_i = lambda' / x`` RR sets and stop at the
   first ``i`` whose greedy seeds cover enough of them (``n F(S_i) >= (1 + epsilon') x``); this
   gives a lower bound ``LB`` of the optimum ``OPT`` (Algorithm 2 of the paper).
2. *Node selection*: draw ``theta = lambda* / LB`` RR sets and return their greedy cover.

As Chen (2018, "An issue in the martingale analysis of the influence maximization algorithm
IMM") shows, reusing phase 1's sets in phase 2 breaks the martingale argument; the sets of
phase 2 are therefore drawn afresh (a separate stream), which restores the guarantee at the cost
of drawing them again. ``delta`` defaults to ``1/n`` (the paper's ``l = 1``); ``l`` is raised by
``log 2 / log n`` so that both phases together fail with probability at most ``delta``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .rrsets import RRSets, concat, coverage_greedy, rr_sets, sampler
from .weights import LiveEdge

__all__ = ["IMMResult", "imm", "imm_theta"]

#: RR-set stream of phase 2 (phase 1 uses set numbers from 0): disjoint ranges of one key.
_PHASE2 = 1 << 40

#: Default ceiling on the RR sets drawn, and on the consumer entries they hold (memory).
MAX_SETS = 50_000_000
MAX_ENTRIES = 400_000_000


@dataclass(frozen=True)
class IMMResult:
    """Seeds picked by IMM and what they are worth.

    Attributes
    ----------
    seeds : ndarray of int64, shape (k,)
        In the order picked.
    spread : float
        ``n`` times the share of RR sets the seeds cover: an estimate of their expected spread
        (consumers, seeds included). IMM: phase 2's sets, slightly optimistic because the same
        sets chose the seeds (use :func:`~diffusion_sim.influence.mc_spread` for a fresh one);
        OPIM-C: ``R2``'s, which did not choose them (unbiased).
    marginal : ndarray of float64, shape (k,)
        Estimated spread of the first ``i + 1`` seeds (the same sets).
    lower_bound : float
        IMM: phase 1's lower bound of the optimal spread. OPIM-C: a lower bound of the seeds'
        own spread (so of the optimum too).
    sets : int
        RR sets the seeds were picked by (IMM: phase 2's; OPIM-C: both collections).
    entries : int
        Consumer entries of those sets.
    upper_bound : float
        OPIM-C: an upper bound of the optimal spread (``lower_bound / upper_bound`` is the
        approximation certified); IMM: ``nan`` (it gives none).
    total_sets, total_entries : int
        Every RR set drawn, and its entries (IMM: both phases).
    method : str
        ``"imm"`` or ``"opim"``.
    rounds : int
        IMM: phase 1's iterations; OPIM-C: rounds of doubling run.
    """

    seeds: np.ndarray
    spread: float
    marginal: np.ndarray
    lower_bound: float
    sets: int
    entries: int
    upper_bound: float = math.nan
    total_sets: int = 0
    total_entries: int = 0
    method: str = "imm"
    rounds: int = 0


def _log_binom(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def imm_theta(n: int, k: int, epsilon: float, ell: float, lower_bound: float) -> int:
    """RR sets phase 2 needs: ``lambda* / LB`` (Tang et al. 2015, eq. 6 and Theorem 1)."""
    e1 = 1.0 - 1.0 / math.e
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt(e1 * (_log_binom(n, k) + ell * math.log(n) + math.log(2)))
    lam_star = 2.0 * n * (e1 * alpha + beta) ** 2 / epsilon**2
    return math.ceil(lam_star / lower_bound)


def _check(n, k, epsilon, delta):
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
        raise ConfigError("seeding.influence", k, f"an integer in [1, n={n}]")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not 0 < epsilon < 1:
        raise ConfigError("seeding.epsilon", epsilon, "a number in (0, 1)")
    if delta is not None and (
        isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1
    ):
        raise ConfigError("seeding.delta", delta, "a probability in (0, 1), or null for 1/n")


def imm(
    live: LiveEdge,
    k: int,
    *,
    epsilon: float = 0.1,
    delta: float | None = None,
    key: int = 0,
    max_sets: int = MAX_SETS,
    max_entries: int = MAX_ENTRIES,
) -> IMMResult:
    """The ``k`` seeds of largest expected spread, within ``(1 - 1/e - epsilon)`` of the best
    with probability ``>= 1 - delta``.

    Parameters
    ----------
    live : LiveEdge
        From :func:`~diffusion_sim.influence.live_edge` (``ic`` or ``lt``).
    k : int
        Seeds, ``1 <= k <= n``.
    epsilon : float
        Approximation slack in (0, 1); the work grows as ``1 / epsilon**2``.
    delta : float, optional
        Failure probability; default ``1 / n``.
    key : int
        64-bit key of the RR sets; the result depends only on the inputs and ``key``, never on
        the thread count.
    max_sets, max_entries : int
        Refuse (``ConfigError`` naming ``seeding.epsilon``) rather than draw more RR sets or
        consumer entries than this.

    Returns
    -------
    IMMResult

    Examples
    --------
    Four consumers on a path, every tie live: any one seed reaches all of them.

    >>> from diffusion_sim.graph import SocialGraph
    >>> from diffusion_sim.contagion import CascadeRule
    >>> from diffusion_sim.influence import live_edge
    >>> g = SocialGraph.from_edges(4, [0, 1, 2], [1, 2, 3], [0, 0, 0])
    >>> r = imm(live_edge(g, CascadeRule(p_strong=1.0, p_weak=1.0)), 1)
    >>> r.spread
    4.0
    """
    n = live.n
    _check(n, k, epsilon, delta)
    k = int(k)
    if n == 1:
        return IMMResult(np.zeros(1, np.int64), 1.0, np.ones(1), 1.0, 0, 0)
    ell = 1.0 if delta is None else math.log(1.0 / delta) / math.log(n)
    ell = ell * (1.0 + math.log(2) / math.log(n))
    eps1 = math.sqrt(2.0) * epsilon
    log_nk = _log_binom(n, k)
    lam1 = (
        (2.0 + 2.0 / 3.0 * eps1)
        * (log_nk + ell * math.log(n) + math.log(max(math.log2(n), 1.0)))
        * n
        / eps1**2
    )

    def budget(count, where):
        if count > max_sets:
            raise ConfigError(
                "seeding.epsilon", epsilon,
                f"a larger slack: IMM needs {count:,} RR sets {where} (more than "
                f"{max_sets:,}); the spread is small or epsilon too tight",
            )  # fmt: skip

    sm = sampler(live)  # prepared once for all the calls below
    sets = RRSets(np.zeros(1, np.int64), np.zeros(0, np.int32))
    lower = 1.0
    rounds = 0
    for i in range(1, max(2, math.ceil(math.log2(n)))):
        rounds = i
        x = n / 2.0**i
        theta_i = math.ceil(lam1 / x)
        budget(theta_i, "to bound the optimum")
        mean = sets.nodes.size / sets.count if sets.count else 8.0
        sets = concat(sets, rr_sets(sm, key, sets.count, theta_i - sets.count, mean))
        if sets.nodes.size > max_entries:
            raise ConfigError(
                "seeding.epsilon",
                epsilon,
                f"a larger slack: RR sets exceed {max_entries:,} entries",
            )
        _, cov = coverage_greedy(sets, n, k)
        if n * cov[-1] / sets.count >= (1.0 + eps1) * x:
            lower = n * cov[-1] / sets.count / (1.0 + eps1)
            break
    mean = sets.nodes.size / sets.count
    drawn, drawn_entries = sets.count, int(sets.nodes.size)
    del sets
    theta = imm_theta(n, k, epsilon, ell, lower)
    budget(theta, "to pick the seeds")
    if theta * mean > 1.5 * max_entries:
        raise ConfigError(
            "seeding.epsilon",
            epsilon,
            f"a larger slack: about {theta * mean:,.0f} RR-set entries needed "
            f"(more than {max_entries:,})",
        )
    final = rr_sets(sm, key, _PHASE2, theta, mean)
    if final.nodes.size > max_entries:
        raise ConfigError(
            "seeding.epsilon", epsilon, f"a larger slack: RR sets exceed {max_entries:,} entries"
        )
    seeds, cov = coverage_greedy(final, n, k)
    marginal = n * cov / theta
    entries = int(final.nodes.size)
    return IMMResult(seeds, float(marginal[-1]), marginal, lower, theta, entries, math.nan,
                     drawn + theta, drawn_entries + entries, "imm", rounds)  # fmt: skip
