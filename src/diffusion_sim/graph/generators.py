"""Seeded generators that build a :class:`SocialGraph`'s arrays directly (no networkx).

Each generator samples its ties with compiled code from a counter-based generator keyed by
``seed``, so the same arguments give the same graph on any machine, in O(n + ties) time and
memory. Tie classes follow the setting each generator stands for:

=====================  =======================================  ==============================
generator              strong ties                              weak ties
=====================  =======================================  ==============================
``clustered``          inside a community (personal network)    between communities
``sbm``                inside a block (probability ``p_in``)    between blocks (``p_out``)
``watts_strogatz``     ring-lattice ties that were kept         rewired long-range ties
``erdos_renyi``        none (``tie="weak"``) or all             all (default)
``powerlaw_cluster``   ties whose endpoints share neighbours    ties with no common neighbour
``complete``           none (``tie="weak"``) or all             all (default, the Bass limit)
``random_regular``     none (``tie="weak"``) or all             all (default)
``configuration``      none (``tie="weak"``) or all             all (default)
=====================  =======================================  ==============================
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..states import TieClass
from ._csr import common_neighbour_counts, csr_from_edges
from ._generate import (
    _gnp_blocks,
    _holme_kim,
    _pair_stubs,
    _ring_lattice_rewired,
    _switch_to_simple,
)
from .social_graph import SocialGraph

__all__ = [
    "GENERATORS",
    "clustered",
    "complete",
    "configuration",
    "erdos_renyi",
    "powerlaw_cluster",
    "random_regular",
    "sbm",
    "watts_strogatz",
]

#: ``complete`` stores n(n-1) tie entries; beyond this many consumers use erdos_renyi instead.
MAX_COMPLETE_N = 10_000  # 10^8 tie entries: ~1.2 GB while building


def _key(seed) -> int:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def _check_int(key: str, value, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(key, value, "an integer")
    if value < low or (high is not None and value > high):
        allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise ConfigError(key, value, allowed)
    return int(value)


def _check_prob(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ConfigError(key, value, "a probability in [0, 1]")
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(key, value, "a probability in [0, 1]")
    return float(value)


def _check_tie(key: str, value) -> int:
    if value not in ("weak", "strong"):
        raise ConfigError(key, value, "'weak' or 'strong'")
    return int(TieClass[value.upper()])


def _equal_blocks(n: int, k: int) -> np.ndarray:
    """Community of each consumer for k contiguous blocks whose sizes differ by at most one."""
    return (np.arange(n, dtype=np.int64) * k // n).astype(np.int32)


def _planted(
    n, community, p_in, p_out, key, meetings_per_step=0, name="sbm", in_tie=TieClass.STRONG
):
    sizes = np.bincount(community).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    exp_in = p_in * float((sizes * (sizes - 1) // 2).sum())
    u_in, v_in = _gnp_blocks(starts, sizes, p_in, np.uint64(key), 0, community, False, exp_in)
    exp_out = p_out * (n * (n - 1) / 2 - float((sizes * (sizes - 1) // 2).sum()))
    u_out, v_out = _gnp_blocks(
        np.zeros(1, np.int64),
        np.array([n], np.int64),
        p_out,
        np.uint64(key),
        1,
        community,
        True,
        exp_out,
    )
    cls = np.concatenate(
        (np.full(u_in.size, in_tie, np.uint8), np.full(u_out.size, TieClass.WEAK, np.uint8))
    )
    if u_out.size == 0:  # no copy when one part is empty (ER, isolated blocks)
        u, v = [u_in], [v_in]
    elif u_in.size == 0:
        u, v = [u_out], [v_out]
    else:
        u, v = [np.concatenate((u_in, u_out))], [np.concatenate((v_in, v_out))]
    del u_in, v_in, u_out, v_out
    indptr, indices, tie, _, _ = csr_from_edges(n, u, v, cls)  # frees the edge arrays
    return SocialGraph(
        indptr, indices, tie, community, meetings_per_step=meetings_per_step, name=name
    )


def clustered(
    n: int,
    group_size: int = 10,
    weak_ties: float = 2.0,
    p_strong: float = 1.0,
    meetings_per_step: int = 0,
    *,
    seed=None,
) -> SocialGraph:
    """Personal networks joined by weak ties (Goldenberg, Libai & Muller 2001).

    Consumers ``0..n-1`` are split into ``round(n / group_size)`` contiguous communities whose
    sizes differ by at most one. Two members of a community share a strong tie with probability
    ``p_strong`` (1: every member knows every other). Two consumers of different communities
    share a weak tie with probability ``weak_ties / (n - s̄)``, where ``s̄`` is the mean size of a
    consumer's own community, so a consumer has on average ``weak_ties`` weak ties.

    With ``meetings_per_step = w > 0`` there are no fixed weak ties; instead each consumer
    meets ``w`` consumers drawn uniformly from outside its community afresh every step (the
    paper's own reading of weak-tie interactions). The kernel then uses, per community, the
    share of adopters among outsiders.

    Parameters
    ----------
    n : int
        Consumers, ``n >= 1``.
    group_size : int
        Target community size, ``1 <= group_size <= n``.
    weak_ties : float
        Mean weak ties per consumer, ``>= 0``; must be 0 when ``meetings_per_step > 0``.
    p_strong : float
        Probability of a strong tie between two members of a community.
    meetings_per_step : int
        Random weak-tie meetings per consumer per step (0: fixed weak ties).
    seed : int or SeedSequence, optional

    Returns
    -------
    SocialGraph

    Examples
    --------
    >>> g = clustered(20, group_size=5, weak_ties=0.0, seed=1)
    >>> g.n_communities, g.n_strong_ties, g.n_weak_ties
    (4, 40, 0)
    """
    n = _check_int("graph.n", n, 1)
    group_size = _check_int("graph.group_size", group_size, 1, n)
    p_strong = _check_prob("graph.p_strong", p_strong)
    meetings_per_step = _check_int("graph.meetings_per_step", meetings_per_step, 0)
    if isinstance(weak_ties, bool) or not isinstance(weak_ties, int | float) or weak_ties < 0:
        raise ConfigError("graph.weak_ties", weak_ties, "a mean number of weak ties >= 0")
    if meetings_per_step > 0 and weak_ties > 0:
        raise ConfigError(
            "graph.weak_ties",
            weak_ties,
            "0 when graph.meetings_per_step > 0 (weak ties are then random meetings)",
        )
    k = max(1, round(n / group_size))
    community = _equal_blocks(n, k)
    sizes = np.bincount(community).astype(np.float64)
    outside = n - float((sizes**2).sum()) / n
    if weak_ties > 0 and outside <= 0:
        raise ConfigError(
            "graph.weak_ties", weak_ties, "0 when there is a single community (n <= group_size)"
        )
    p_out = 0.0 if weak_ties == 0 else weak_ties / outside
    if p_out > 1.0:
        raise ConfigError(
            "graph.weak_ties",
            weak_ties,
            f"at most {outside:g}, the mean number of consumers outside one's community",
        )
    name = f"clustered(n={n}, group_size={group_size}, weak_ties={weak_ties})"
    return _planted(n, community, p_strong, p_out, _key(seed), meetings_per_step, name)


def sbm(
    n: int,
    blocks: int = 10,
    p_in: float = 0.1,
    p_out: float = 0.001,
    *,
    seed=None,
) -> SocialGraph:
    """Planted partition: ``blocks`` equal blocks, strong ties inside, weak ties between.

    Every pair inside a block is tied (strong) with probability ``p_in`` and every pair in
    different blocks (weak) with probability ``p_out``, independently (exact G(n, p) sampling by
    geometric skipping, so expected counts are exact and p = 0 or 1 gives exact graphs).

    Examples
    --------
    >>> g = sbm(12, blocks=3, p_in=1.0, p_out=0.0, seed=0)
    >>> g.n_strong_ties, g.n_weak_ties
    (18, 0)
    """
    n = _check_int("graph.n", n, 1)
    blocks = _check_int("graph.blocks", blocks, 1, n)
    p_in = _check_prob("graph.p_in", p_in)
    p_out = _check_prob("graph.p_out", p_out)
    community = _equal_blocks(n, blocks)
    return _planted(n, community, p_in, p_out, _key(seed), 0, f"sbm(n={n}, blocks={blocks})")


def erdos_renyi(n: int, mean_degree: float = 10.0, tie: str = "weak", *, seed=None) -> SocialGraph:
    """G(n, p) with ``p = mean_degree / (n - 1)``; every tie has class ``tie``.

    All consumers are in community 0.
    """
    n = _check_int("graph.n", n, 1)
    cls = _check_tie("graph.tie", tie)
    if isinstance(mean_degree, bool) or not isinstance(mean_degree, int | float):
        raise ConfigError("graph.mean_degree", mean_degree, "a number in [0, n - 1]")
    if not 0 <= mean_degree <= max(n - 1, 0):
        raise ConfigError("graph.mean_degree", mean_degree, f"a number in [0, n - 1 = {n - 1}]")
    p = 0.0 if n == 1 else mean_degree / (n - 1)
    community = np.zeros(n, dtype=np.int32)
    g = _planted(n, community, p, 0.0, _key(seed), 0, f"erdos_renyi(n={n}, z={mean_degree})", cls)
    return g


def watts_strogatz(
    n: int, k: int = 10, p: float = 0.1, group_size: int = 10, *, seed=None
) -> SocialGraph:
    """Ring lattice with ``k`` neighbours each; each lattice tie is rewired with probability ``p``.

    Kept lattice ties are strong (the clustered local neighbourhood); a rewired tie becomes a
    weak long-range tie from the same consumer to a uniform random consumer outside its lattice
    neighbourhood (the Centola & Macy 2007 setting). Communities are contiguous arcs of
    ``group_size`` consumers.
    """
    n = _check_int("graph.n", n, 1)
    k = _check_int("graph.k", k, 0, max(n - 1, 0))
    if k % 2:
        raise ConfigError("graph.k", k, "an even number of lattice neighbours")
    p = _check_prob("graph.p", p)
    group_size = _check_int("graph.group_size", group_size, 1, n)
    if p > 0 and n < k + 2:
        raise ConfigError("graph.n", n, f"at least k + 2 = {k + 2} so ties can be rewired")
    u, v, cls = _ring_lattice_rewired(n, k, p, np.uint64(_key(seed)))
    indptr, indices, tie, _, _ = csr_from_edges(n, u, v, cls)
    community = _equal_blocks(n, max(1, round(n / group_size)))
    return SocialGraph(indptr, indices, tie, community, name=f"watts_strogatz(n={n}, k={k}, p={p})")


def powerlaw_cluster(
    n: int, m: int = 3, p: float = 0.5, min_common: int = 1, *, seed=None
) -> SocialGraph:
    """Holme–Kim graph: preferential attachment with triad formation (hubs and clustering).

    A tie is strong when its two ends share at least ``min_common`` neighbours (embedded
    ties are strong, Granovetter 1973; Onnela et al. 2007), else weak. All consumers are in
    community 0.
    """
    n = _check_int("graph.n", n, 2)
    m = _check_int("graph.m", m, 1, n - 1)
    p = _check_prob("graph.p", p)
    min_common = _check_int("graph.min_common", min_common, 0)
    u, v = _holme_kim(n, m, p, np.uint64(_key(seed)))
    indptr, indices, _, _, _ = csr_from_edges(n, u, v, np.zeros(u.size, np.uint8))
    common = common_neighbour_counts(indptr, indices)
    tie = (common >= min_common).astype(np.uint8)
    return SocialGraph(
        indptr,
        indices,
        tie,
        np.zeros(n, np.int32),
        name=f"powerlaw_cluster(n={n}, m={m}, p={p})",
    )


def complete(n: int, tie: str = "weak", *, seed=None) -> SocialGraph:
    """Every pair tied, all with class ``tie``: the fully mixed (Bass) limit.

    ``seed`` is accepted for a uniform interface and ignored.
    """
    n = _check_int("graph.n", n, 1, MAX_COMPLETE_N)
    cls = _check_tie("graph.tie", tie)
    iu, ju = np.triu_indices(n, k=1)
    indptr, indices, t, _, _ = csr_from_edges(n, iu, ju, np.full(iu.size, cls, np.uint8))
    return SocialGraph(indptr, indices, t, np.zeros(n, np.int32), name=f"complete(n={n})")


def random_regular(n: int, d: int = 3, tie: str = "weak", *, seed=None) -> SocialGraph:
    """Every consumer has exactly ``d`` ties (a random ``d``-regular graph).

    The configuration model pairs ``d`` stubs per consumer uniformly; the few self-loops and
    repeated ties the pairing makes (about ``(d - 1)/2`` and ``(d - 1)^2/4`` on average) are
    repaired by double-edge switches with random other ties, which keep every degree at ``d``.
    The result is close to, not exactly, uniform over ``d``-regular graphs (rejection would be
    exact but needs ``exp((d^2 - 1)/4)`` pairings). ``n d`` must be even, ``d < n``.

    Examples
    --------
    >>> g = random_regular(10, 3, seed=1)
    >>> sorted(set(g.degree().tolist())), g.n_ties
    ([3], 15)
    """
    n = _check_int("graph.n", n, 1)
    d = _check_int("graph.d", d, 0, max(n - 1, 0))
    cls = _check_tie("graph.tie", tie)
    if (n * d) % 2:
        raise ConfigError("graph.d", d, f"a degree with n * d even (n={n})")
    key = np.uint64(_key(seed))
    u, v = _pair_stubs(np.full(n, d, np.int64), key)
    failed = _switch_to_simple(np.int64(n), u, v, key, 10_000)
    if failed:  # only for tiny, nearly complete graphs
        raise ConfigError("graph.d", d, f"a degree that leaves room: {failed} ties could not "
                          f"be made simple for n={n}")  # fmt: skip
    indptr, indices, t, _, _ = csr_from_edges(n, u, v, np.full(u.size, cls, np.uint8))
    return SocialGraph(indptr, indices, t, np.zeros(n, np.int32),
                       name=f"random_regular(n={n}, d={d})")  # fmt: skip


#: Degree distributions of :func:`configuration` and the parameters each uses.
DEGREE_DISTRIBUTIONS = ("poisson", "geometric", "powerlaw")


def degree_sequence(n: int, distribution: str, mean_degree: float = 4.0, exponent: float = 2.5,
                    k_min: int = 1, k_max: int | None = None, *, seed=None) -> np.ndarray:
    """``n`` degrees drawn independently from ``distribution`` (int64, keyed draws).

    ``poisson`` (mean ``mean_degree``), ``geometric`` on ``0, 1, ...`` (mean ``mean_degree``),
    ``powerlaw``: ``P(k) ~ k^-exponent`` on ``k_min .. k_max`` (``k_max`` default ``n - 1``).
    Each is capped at ``n - 1``. Drawn by inverse CDF from counter-based uniforms.
    """  # fmt: skip
    from ..rng import uniforms

    if distribution not in DEGREE_DISTRIBUTIONS:
        raise ConfigError("graph.distribution", distribution, f"one of {list(DEGREE_DISTRIBUTIONS)}")
    top = max(n - 1, 0)
    ks = np.arange(top + 1, dtype=np.float64)
    if distribution in ("poisson", "geometric"):
        if isinstance(mean_degree, bool) or not isinstance(mean_degree, int | float) or not (
            0 <= mean_degree <= top
        ):
            raise ConfigError("graph.mean_degree", mean_degree, f"a number in [0, n - 1 = {top}]")
        if mean_degree == 0:
            return np.zeros(n, np.int64)
        if distribution == "poisson":
            from math import lgamma

            logp = ks * np.log(mean_degree) - mean_degree - np.array([lgamma(k + 1) for k in ks])
        else:
            q = mean_degree / (1.0 + mean_degree)  # P(k) = (1 - q) q^k has mean q / (1 - q)
            logp = np.log1p(-q) + ks * np.log(q)
        pk = np.exp(logp)
    else:
        if isinstance(exponent, bool) or not isinstance(exponent, int | float) or exponent <= 0:
            raise ConfigError("graph.exponent", exponent, "a number > 0")
        k_max = top if k_max is None else _check_int("graph.k_max", k_max, 1, top)
        k_min = _check_int("graph.k_min", k_min, 1, k_max)
        pk = np.zeros(top + 1)
        pk[k_min : k_max + 1] = ks[k_min : k_max + 1] ** -float(exponent)
    cdf = np.cumsum(pk / pk.sum())
    u = uniforms(_key(seed), 0, np.arange(n), 2)
    return np.minimum(np.searchsorted(cdf, u, side="right"), top).astype(np.int64)


def configuration(
    n: int | None = None,
    degrees=None,
    distribution: str | None = None,
    mean_degree: float = 4.0,
    exponent: float = 2.5,
    k_min: int = 1,
    k_max: int | None = None,
    tie: str = "weak",
    *,
    seed=None,
) -> SocialGraph:
    """Configuration model: a random graph with a given degree sequence or distribution.

    Stubs are paired uniformly (keyed shuffle, O(n + ties)); **self-loops are dropped and
    repeated ties merged**, so realised degrees can fall short of the requested ones (by few
    ties when the largest degree is much smaller than ``sqrt(total degree)``; many for heavy
    power-law tails). Give ``degrees`` (a sequence, its sum even) or ``distribution`` with
    ``n`` (see :func:`degree_sequence`; an odd total gets one more stub on the last consumer).
    All consumers are in community 0.
    """
    cls = _check_tie("graph.tie", tie)
    if (degrees is None) == (distribution is None):
        raise ConfigError("graph.degrees", degrees, "a degree list, or else graph.distribution "
                          "(exactly one of the two)")  # fmt: skip
    if degrees is not None:
        deg = np.asarray(degrees)
        if deg.ndim != 1 or deg.size < 1 or not np.issubdtype(deg.dtype, np.integer) or (
            deg.min() < 0
        ):
            raise ConfigError("graph.degrees", degrees, "a non-empty list of integers >= 0")
        deg = deg.astype(np.int64)
        if n is not None and n != deg.size:
            raise ConfigError("graph.n", n, f"null or len(graph.degrees) = {deg.size}")
        n = deg.size
        if deg.max() > n - 1:
            raise ConfigError("graph.degrees", int(deg.max()), f"degrees at most n - 1 = {n - 1}")
        if deg.sum() % 2:
            raise ConfigError("graph.degrees", f"sum {int(deg.sum())}", "an even total degree")
        label = "degrees"
    else:
        n = _check_int("graph.n", n, 1)
        deg = degree_sequence(n, distribution, mean_degree, exponent, k_min, k_max,
                              seed=np.random.SeedSequence(_key(seed)))  # fmt: skip
        if deg.sum() % 2:
            deg[-1] += 1 if deg[-1] < n - 1 else -1
        label = distribution
    u, v = _pair_stubs(deg, np.uint64(_key(seed)))
    indptr, indices, t, _, _ = csr_from_edges(n, u, v, np.full(u.size, cls, np.uint8))
    return SocialGraph(indptr, indices, t, np.zeros(n, np.int32),
                       name=f"configuration(n={n}, {label})")  # fmt: skip


GENERATORS = {
    "clustered": clustered,
    "sbm": sbm,
    "erdos_renyi": erdos_renyi,
    "watts_strogatz": watts_strogatz,
    "powerlaw_cluster": powerlaw_cluster,
    "complete": complete,
    "random_regular": random_regular,
    "configuration": configuration,
}
