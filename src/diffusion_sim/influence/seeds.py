"""``seeding.influence=k``: OPIM-C or IMM seeds for the run's graph and rule, computed once
per graph.

The seeds depend on the graph, the rule, ``k``, ``epsilon``, ``delta``, the method and the key,
not on the replication, so replications on one graph share them (cached while the graph lives); with
``sim.fresh_graph=true`` every replication's graph gets its own.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..errors import ConfigError
from ..graph.social_graph import SocialGraph
from .imm import imm
from .opim import opim
from .weights import live_edge

__all__ = ["METHODS", "check_method", "influence_seeds"]

#: ``seeding.method`` / ``market.influence.method``: the algorithm behind the seeds.
METHODS = {"opim": opim, "imm": imm}

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_method(method, name: str = "seeding.method") -> str:
    """``method`` if it names an algorithm of :data:`METHODS`, else a ``ConfigError``."""
    if not isinstance(method, str) or method not in METHODS:
        raise ConfigError(name, method, f"one of {sorted(METHODS)}")
    return method


def influence_seeds(
    graph: SocialGraph,
    rule,
    k: int,
    *,
    epsilon: float = 0.1,
    delta=None,
    key: int = 0,
    method: str = "imm",
) -> np.ndarray:
    """The ``k`` seeds (int64, in the order picked) for ``rule`` on ``graph`` by ``method``:
    ``"imm"`` (default, :func:`~diffusion_sim.influence.imm`) or ``"opim"``
    (:func:`~diffusion_sim.influence.opim`), both within ``(1 - 1/e - epsilon)`` of the best
    with probability ``>= 1 - delta``."""
    find = METHODS[check_method(method)]
    memo = _CACHE.setdefault(graph, {})
    args = (rule, int(k), float(epsilon), delta, int(key), method)
    if args not in memo:
        memo[args] = find(live_edge(graph, rule), k, epsilon=epsilon, delta=delta, key=key).seeds
    return memo[args].copy()
