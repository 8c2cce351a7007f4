"""Who adopts at t = 0: random consumers, hubs, or named consumers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .graph.social_graph import SocialGraph

__all__ = ["Seeding"]


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
    """

    random: int = 0
    fraction: float = 0.0
    hubs: int = 0
    nodes: list = field(default_factory=list)

    def __post_init__(self):
        for key in ("random", "hubs"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise ConfigError(f"seeding.{key}", v, "an integer >= 0")
        f = self.fraction
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f <= 1.0:
            raise ConfigError("seeding.fraction", f, "a share of the market in [0, 1]")

    def choose(self, graph: SocialGraph, rng: np.random.Generator) -> np.ndarray:
        """Seed consumer indices (sorted, unique), int64."""
        n = graph.n
        k = self.random + round(self.fraction * n)
        if k > n:
            raise ConfigError(
                "seeding.random", self.random, f"at most n={n} seeds in all (with fraction)"
            )
        if self.hubs > n:
            raise ConfigError("seeding.hubs", self.hubs, f"at most n={n}")
        parts = []
        if k:
            parts.append(rng.choice(n, size=k, replace=False))
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
