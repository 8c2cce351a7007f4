"""Influence weights: the live-edge form of a contagion rule on a social graph.

Influence maximisation needs the probability that each tie carries influence, in the form of a
*live-edge* model (Kempe, Kleinberg & Tardos 2003, §2):

``ic`` (independent cascade, :class:`~diffusion_sim.contagion.CascadeRule`)
    Every tie is live independently with probability ``p_strong`` or ``p_weak`` by its class.
    On an undirected graph with symmetric probabilities a tie is tried at most once (by
    whichever end adopts first), so this is bond percolation.
``lt`` (linear threshold, :class:`~diffusion_sim.contagion.ThresholdRule` with
``distribution="uniform"``, ``phi_low=0``, ``phi_high=1``, ``mode="fraction"``)
    A consumer adopts once ``sum of b_uv over adopter neighbours u >= theta_v`` with
    ``theta_v ~ U[0, 1]`` and ``b_uv = w(tie) / sum of w over v's ties``. Equivalently each
    consumer picks at most one neighbour, ``u`` with probability ``b_uv``, and adopts once that
    neighbour has (Kempe et al., Theorem 2.5).

The weights are stored per CSR entry: ``w[e]`` for entry ``e`` in the row of ``v`` is the
weight of the edge from ``indices[e]`` *into* ``v`` (``ic``: symmetric; ``lt``: ``b_uv``).
Other rules (``ties``: repeated chances per step; fixed or normal thresholds: not submodular)
have no live-edge form with the (1 - 1/e) guarantee and are refused.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..contagion import CascadeRule, ThresholdRule
from ..errors import ConfigError
from ..graph.social_graph import SocialGraph

__all__ = ["IC", "LT", "LiveEdge", "check_rule", "live_edge"]

#: Model codes passed to the kernels.
IC, LT = 0, 1


class LiveEdge(NamedTuple):
    """Arrays of a live-edge model (the kernels' input).

    Attributes
    ----------
    model : int
        ``IC`` (0) or ``LT`` (1).
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (2 m,)
    w : ndarray of float64, shape (2 m,)
        Weight of the edge from ``indices[e]`` into the row's consumer; for ``LT`` each row
        sums to at most 1.
    """

    model: int
    indptr: np.ndarray
    indices: np.ndarray
    w: np.ndarray

    @property
    def n(self) -> int:
        return self.indptr.shape[0] - 1


def _by_class(graph: SocialGraph, strong: float, weak: float) -> np.ndarray:
    return np.where(graph.tie == 1, float(strong), float(weak))


def check_rule(rule) -> int:
    """``IC`` or ``LT`` for a rule with a live-edge form, else ``ConfigError`` (one line)."""
    if isinstance(rule, CascadeRule):
        return IC
    if isinstance(rule, ThresholdRule):
        lt = (
            rule.mode == "fraction"
            and rule.distribution == "uniform"
            and rule.phi_low == 0.0
            and rule.phi_high == 1.0
        )
        if not lt:
            raise ConfigError(
                "contagion.distribution", rule.distribution,
                "'uniform' with phi_low=0, phi_high=1, mode=fraction for influence "
                "maximisation (the linear threshold model; other thresholds are not submodular)",
            )  # fmt: skip
        return LT
    raise ConfigError(
        "contagion", getattr(rule, "name", rule),
        "'cascade' or 'threshold' (uniform thresholds) for influence maximisation: the ties "
        "rule gives repeated chances every step and has no live-edge form",
    )  # fmt: skip


def live_edge(graph: SocialGraph, rule) -> LiveEdge:
    """The live-edge model of ``rule`` on ``graph``.

    Parameters
    ----------
    graph : SocialGraph
    rule : CascadeRule or ThresholdRule
        ``ThresholdRule`` only with uniform thresholds on [0, 1] in fraction mode (Kempe's
        linear threshold model).

    Returns
    -------
    LiveEdge

    Raises
    ------
    ConfigError
        For a rule without a live-edge form (``ties``, fixed or normal thresholds).
    """
    if check_rule(rule) == IC:
        return LiveEdge(IC, graph.indptr, graph.indices, _by_class(graph, rule.p_strong,
                                                                    rule.p_weak))  # fmt: skip
    raw = _by_class(graph, rule.w_strong, rule.w_weak)
    src = np.repeat(np.arange(graph.n), graph.degree())
    den = np.bincount(src, weights=raw, minlength=graph.n)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(den[src] > 0, raw / den[src], 0.0)
    return LiveEdge(LT, graph.indptr, graph.indices, w)
