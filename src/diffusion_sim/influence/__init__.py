"""Influence maximisation: the ``k`` seeds with the largest expected spread.

* :func:`opim` — OPIM-C (Tang, Tang, Xiao & Yuan 2018) over reverse reachable sets: the
  same ``(1 - 1/e - epsilon)`` guarantee at probability ``1 - delta`` as IMM, certified by
  a posteriori bounds after far fewer sets (the default of ``seeding.method``);
* :func:`imm` — IMM (Tang, Shi & Xiao 2015) over reverse reachable sets, compiled and
  parallel, with its ``(1 - 1/e - epsilon)`` guarantee at probability ``1 - delta``;
* :func:`celf`, :func:`naive_greedy` — greedy with Monte Carlo spread (small-graph references);
* :func:`exact_spread`, :func:`exact_optimum` — exact answers by enumerating live-edge worlds;
* :func:`live_edge` — the live-edge model of the ``cascade`` (independent cascade) and
  ``threshold`` (uniform thresholds: linear threshold) rules;
* :func:`influence_seeds` — what ``seeding.influence=k`` uses (cached per graph and rule).
"""

from .exact import exact_greedy, exact_optimum, exact_spread, worlds
from .greedy import GreedyResult, celf, mc_spread, naive_greedy, world_spreads
from .imm import IMMResult, imm, imm_theta
from .opim import opim
from .rrsets import RRSets, Sampler, coverage_greedy, rr_sets, sampler
from .seeds import influence_seeds
from .weights import IC, LT, LiveEdge, live_edge

__all__ = [
    "IC",
    "LT",
    "GreedyResult",
    "IMMResult",
    "LiveEdge",
    "RRSets",
    "Sampler",
    "celf",
    "coverage_greedy",
    "exact_greedy",
    "exact_optimum",
    "exact_spread",
    "imm",
    "imm_theta",
    "influence_seeds",
    "live_edge",
    "mc_spread",
    "naive_greedy",
    "opim",
    "rr_sets",
    "sampler",
    "world_spreads",
    "worlds",
]
