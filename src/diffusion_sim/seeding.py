"""Who adopts at t = 0: random consumers, focal consumers with their neighbours, hubs, the
influence-maximising set, or named consumers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .graph.social_graph import SocialGraph

__all__ = ["INFLUENCE_METHODS", "Seeding"]

#: ``seeding.method``: the algorithms of :data:`diffusion_sim.influence.seeds.METHODS`.
INFLUENCE_METHODS = ("imm", "opim")


@dataclass(frozen=True)
class Seeding:
    """Seed set of a run: the union of the parts below.

    Parameters
    ----------
    random : int
        Consumers drawn uniformly without replacement (by the model's RNG).
    fraction : float
        Additional share of the market drawn uniformly (rounded to whole consumers).
    hubs : int
        The consumers with the most ties (ties broken by lower index; deterministic).
    nodes : list
        Consumers by label (the graph's labels, or indices when it has none).
    focal : int
        Focal consumers drawn uniformly (by the model's RNG, after ``random``), each seeded
        with all its neighbours (the Centola & Macy 2007 convention).
    influence : int
        The ``influence`` consumers of largest expected spread under the run's rule, by
        ``method``; ``cascade`` or uniform-``threshold`` rules only. Deterministic given the
        graph (computed once per graph, key ``influence_key``).
    epsilon, delta : float
        The slack and failure probability of the guarantee, ``sigma(seeds) >= (1 - 1/e -
        epsilon) OPT`` with probability ``>= 1 - delta`` (``delta`` null: ``1/n``).
    influence_key : int
        Key of the RR sets.
    method : str
        ``imm`` (default; :func:`~diffusion_sim.influence.imm`: the sets its worst-case
        analysis needs) or ``opim`` (OPIM-C, :func:`~diffusion_sim.influence.opim`: stops once
        a posteriori bounds certify the guarantee: about 30x fewer sets, but its picks spread
        3-12 % less than IMM's, docs/model.md §3b); the same guarantee.
    """

    random: int = 0
    fraction: float = 0.0
    hubs: int = 0
    nodes: list = field(default_factory=list)
    focal: int = 0
    influence: int = 0
    epsilon: float = 0.1
    delta: float | None = None
    influence_key: int = 0
    method: str = "imm"

    def __post_init__(self):
        for key in ("random", "hubs", "focal", "influence", "influence_key"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise ConfigError(f"seeding.{key}", v, "an integer >= 0")
        f = self.fraction
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f <= 1.0:
            raise ConfigError("seeding.fraction", f, "a share of the market in [0, 1]")
        e = self.epsilon
        if isinstance(e, bool) or not isinstance(e, int | float) or not 0.0 < e < 1.0:
            raise ConfigError("seeding.epsilon", e, "a number in (0, 1)")
        d = self.delta
        if d is not None and (isinstance(d, bool) or not isinstance(d, int | float)
                              or not 0.0 < d < 1.0):  # fmt: skip
            raise ConfigError("seeding.delta", d, "a probability in (0, 1), or null for 1/n")
        if not isinstance(self.method, str) or self.method not in INFLUENCE_METHODS:
            raise ConfigError("seeding.method", self.method, f"one of {list(INFLUENCE_METHODS)}")

    def choose(self, graph: SocialGraph, rng: np.random.Generator, rule=None) -> np.ndarray:
        """Seed consumer indices (sorted, unique), int64.

        ``rule`` is needed for ``influence`` seeds (the spread they maximise).
        """
        n = graph.n
        k = self.random + round(self.fraction * n)
        if k > n:
            raise ConfigError(
                "seeding.random", self.random, f"at most n={n} seeds in all (with fraction)"
            )
        for key in ("hubs", "focal", "influence"):
            if getattr(self, key) > n:
                raise ConfigError(f"seeding.{key}", getattr(self, key), f"at most n={n}")
        parts = []
        if k:
            parts.append(rng.choice(n, size=k, replace=False))
        if self.focal:  # drawn after `random`, so adding focal seeds leaves those unchanged
            focal = rng.choice(n, size=self.focal, replace=False)
            lo, hi = graph.indptr[focal], graph.indptr[focal + 1]
            nb = [graph.indices[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
            parts.extend([focal, *nb])
        if self.influence:
            if rule is None:
                raise ConfigError(
                    "seeding.influence",
                    self.influence,
                    "0 here: influence seeds need the contagion rule",
                )
            from .influence import influence_seeds

            parts.append(influence_seeds(graph, rule, self.influence, epsilon=self.epsilon,
                                         delta=self.delta, key=self.influence_key,
                                         method=self.method))  # fmt: skip
        if self.hubs:
            order = np.lexsort((np.arange(n), -graph.degree()))
            parts.append(order[: self.hubs])
        if self.nodes:
            parts.append(_lookup(graph, list(self.nodes)))
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts).astype(np.int64))


def _lookup(graph: SocialGraph, nodes: list) -> np.ndarray:
    if graph.labels is None:
        out = []
        for x in nodes:
            if isinstance(x, bool) or not isinstance(x, int | np.integer) or not 0 <= x < graph.n:
                raise ConfigError("seeding.nodes", x, f"a consumer index in [0, {graph.n})")
            out.append(int(x))
        return np.asarray(out, dtype=np.int64)
    index = {str(lab): i for i, lab in enumerate(graph.labels)}
    out = []
    for x in nodes:
        if str(x) not in index:
            raise ConfigError("seeding.nodes", x, "a node label present in the graph")
        out.append(index[str(x)])
    return np.asarray(out, dtype=np.int64)
