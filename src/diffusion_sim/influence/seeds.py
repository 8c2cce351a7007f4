"""``seeding.influence=k``: IMM seeds for the run's graph and rule, computed once per graph.

The seeds depend on the graph, the rule, ``k``, ``epsilon``, ``delta`` and the IMM key, not on
the replication, so replications on one graph share them (cached while the graph lives); with
``sim.fresh_graph=true`` every replication's graph gets its own.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..graph.social_graph import SocialGraph
from .imm import imm
from .weights import live_edge

__all__ = ["influence_seeds"]

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def influence_seeds(
    graph: SocialGraph, rule, k: int, *, epsilon: float = 0.1, delta=None, key: int = 0
) -> np.ndarray:
    """IMM's ``k`` seeds (int64, in the order picked) for ``rule`` on ``graph``."""
    memo = _CACHE.setdefault(graph, {})
    args = (rule, int(k), float(epsilon), delta, int(key))
    if args not in memo:
        memo[args] = imm(live_edge(graph, rule), k, epsilon=epsilon, delta=delta, key=key).seeds
    return memo[args].copy()
