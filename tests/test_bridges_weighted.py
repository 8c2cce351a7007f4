"""Weighted constraint, effective size and local constraint equal networkx's definitions
(its per-node path, ``nodes=list(G)``) on small weighted graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from diffusion_sim.graph import SocialGraph, clustered
from diffusion_sim.graph.bridges import bridge_scores


def _weighted(seed: int, n: int = 14, p: float = 0.35) -> nx.Graph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed)
    G.add_node(n)  # an isolate: NaN scores
    for u, v in G.edges():
        G[u][v]["weight"] = float(rng.choice([0.5, 1.0, 2.0, 7.0]))
    return G


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_weighted_scores_equal_networkx(seed):
    G = _weighted(seed)
    g = SocialGraph.from_networkx(G, weight_attr="weight")
    s = bridge_scores(g, weight="weight")
    nodes = list(G)
    c = nx.constraint(G, nodes=nodes, weight="weight")
    e = nx.effective_size(G, nodes=nodes, weight="weight")
    np.testing.assert_allclose(s["constraint"], [c[v] for v in nodes], rtol=1e-12, atol=0)
    np.testing.assert_allclose(s["effective_size"], [e[v] for v in nodes], rtol=1e-12)
    src = np.repeat(np.arange(g.n), g.degree())
    for k, (i, j) in enumerate(zip(src.tolist(), g.indices.tolist(), strict=True)):
        want = nx.local_constraint(G, nodes[i], nodes[j], weight="weight")
        assert s["local_constraint"][k] == pytest.approx(want, rel=1e-12)


def test_tie_strength_weights_and_unweighted_limit():
    """(w_strong, w_weak) = networkx with those weights; equal weights = the unweighted
    scores (Borgatti's formula)."""
    g = clustered(60, group_size=6, weak_ties=1.5, seed=2)
    G = g.to_networkx()
    for _, _, d in G.edges(data=True):
        d["w"] = 3.0 if d["tie"] == "strong" else 1.0
    s = bridge_scores(g, weight=(3.0, 1.0))
    nodes = list(G)
    c = nx.constraint(G, nodes=nodes, weight="w")
    e = nx.effective_size(G, nodes=nodes, weight="w")
    np.testing.assert_allclose(s["constraint"], [c[v] for v in nodes], rtol=1e-12)
    np.testing.assert_allclose(s["effective_size"], [e[v] for v in nodes], rtol=1e-12)
    flat, plain = bridge_scores(g, weight=(2.0, 2.0)), bridge_scores(g)
    np.testing.assert_allclose(flat["constraint"], plain["constraint"], rtol=1e-12)
    np.testing.assert_allclose(flat["effective_size"], plain["effective_size"], rtol=1e-12)


def test_bad_weights():
    g = clustered(20, group_size=5, weak_ties=1.0, seed=1)
    with pytest.raises(ValueError, match="no tie weights"):
        bridge_scores(g, weight="weight")
    with pytest.raises(ValueError, match=">= 0"):
        bridge_scores(g, weight=(1.0, -1.0))
