"""Social graph container, generators and edge-list input."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diffusion_sim.errors import ConfigError, GraphFormatError
from diffusion_sim.graph import (
    GENERATORS,
    SocialGraph,
    clustered,
    complete,
    erdos_renyi,
    powerlaw_cluster,
    read_edgelist,
    sbm,
    watts_strogatz,
)
from diffusion_sim.graph._csr import common_neighbour_counts, csr_from_edges

SMALL = {
    "clustered": dict(n=600, group_size=12, weak_ties=3.0),
    "sbm": dict(n=600, blocks=6, p_in=0.2, p_out=0.01),
    "erdos_renyi": dict(n=600, mean_degree=6.0),
    "watts_strogatz": dict(n=600, k=6, p=0.2),
    "powerlaw_cluster": dict(n=600, m=3, p=0.5),
    "complete": dict(n=60),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_generators_give_valid_reproducible_csr(name):
    g = GENERATORS[name](**SMALL[name], seed=3)
    g.check()  # symmetric, sorted, no self-loops or duplicates, same class both ways
    again = GENERATORS[name](**SMALL[name], seed=3)
    for a in ("indptr", "indices", "tie", "community"):
        np.testing.assert_array_equal(getattr(g, a), getattr(again, a))
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32 and g.tie.dtype == np.uint8
    assert not g.indices.flags.writeable  # immutable
    if name != "complete":
        other = GENERATORS[name](**SMALL[name], seed=4)
        assert not np.array_equal(other.indices, g.indices)


def _classes_follow_communities(g):
    u, v, t = g.edges()
    same = g.community[u] == g.community[v]
    return np.all(t[same] == 1) and np.all(t[~same] == 0)


def test_clustered_exact_at_degenerate_parameters():
    g = clustered(100, group_size=10, weak_ties=0.0, seed=1)
    assert g.n_communities == 10
    assert np.all(g.community_sizes() == 10)
    assert g.n_strong_ties == 10 * 45 and g.n_weak_ties == 0
    g = clustered(103, group_size=10, weak_ties=0.0, seed=1)
    sizes = g.community_sizes()
    assert sizes.sum() == 103 and sizes.max() - sizes.min() <= 1
    assert g.n_strong_ties == int((sizes * (sizes - 1) // 2).sum())


def test_clustered_weak_ties_cross_communities_with_the_right_mean():
    n, wt = 20_000, 3.0
    g = clustered(n, group_size=10, weak_ties=wt, p_strong=0.5, seed=2)
    assert _classes_follow_communities(g)
    # weak-tie count is Binomial(N_out, p_out) with mean n * wt / 2: allow 5 sd
    mean = n * wt / 2
    assert abs(g.n_weak_ties - mean) < 5 * math.sqrt(mean)
    pairs_in = 2000 * 45
    assert abs(g.n_strong_ties - 0.5 * pairs_in) < 5 * math.sqrt(pairs_in * 0.25)


def test_clustered_meetings_option_has_no_weak_ties():
    g = clustered(500, group_size=10, weak_ties=0.0, meetings_per_step=4, seed=1)
    assert g.n_weak_ties == 0 and g.meetings_per_step == 4
    with pytest.raises(ConfigError, match="graph.weak_ties"):
        clustered(500, weak_ties=2.0, meetings_per_step=4)


def test_sbm_degenerate_and_expected_counts():
    g = sbm(12, blocks=3, p_in=1.0, p_out=0.0, seed=0)
    assert g.n_strong_ties == 3 * 6 and g.n_weak_ties == 0
    g = sbm(12, blocks=3, p_in=0.0, p_out=1.0, seed=0)
    assert g.n_strong_ties == 0 and g.n_weak_ties == 66 - 18
    assert _classes_follow_communities(g)
    g = sbm(3000, blocks=5, p_in=0.02, p_out=0.001, seed=5)
    assert _classes_follow_communities(g)
    n_in = 5 * (600 * 599 // 2)
    n_out = 3000 * 2999 // 2 - n_in
    assert abs(g.n_strong_ties - 0.02 * n_in) < 5 * math.sqrt(0.02 * n_in)
    assert abs(g.n_weak_ties - 0.001 * n_out) < 5 * math.sqrt(0.001 * n_out)


def test_erdos_renyi_mean_degree_and_degree_law():
    n, z = 50_000, 4.0
    g = erdos_renyi(n, mean_degree=z, seed=7)
    assert abs(2 * g.n_ties / n - z) < 5 * math.sqrt(2 * z / n)  # sd of mean degree
    # G(n, p) degrees are Binomial(n-1, p) ~ Poisson(z): share of isolated consumers e^-z
    iso = np.mean(g.degree() == 0)
    assert abs(iso - math.exp(-z)) < 5 * math.sqrt(math.exp(-z) / n)
    assert erdos_renyi(30, mean_degree=29, seed=1).n_ties == 435
    assert erdos_renyi(30, mean_degree=0, seed=1).n_ties == 0
    assert erdos_renyi(200, mean_degree=4, tie="strong", seed=1).n_weak_ties == 0


def test_watts_strogatz_lattice_and_rewiring():
    g = watts_strogatz(100, k=4, p=0.0, seed=1)
    assert g.n_ties == 200 and g.n_weak_ties == 0
    assert np.all(g.degree() == 4)
    assert set(g.neighbors(0)[0].tolist()) == {1, 2, 98, 99}
    g = watts_strogatz(2000, k=6, p=1.0, seed=1)
    assert g.n_strong_ties == 0
    assert g.n_ties <= 6000 and g.n_ties > 5990  # rewired ties rarely coincide
    g = watts_strogatz(20_000, k=10, p=0.1, seed=2)
    m = 20_000 * 5
    assert abs(g.n_weak_ties - 0.1 * m) < 5 * math.sqrt(m * 0.09)
    # rewired ties are long: never inside the lattice neighbourhood
    u, v, t = g.edges()
    d = np.abs(u - v)
    d = np.minimum(d, 20_000 - d)
    assert np.all(d[t == 0] > 5) and np.all(d[t == 1] <= 5)


def test_powerlaw_cluster_matches_networkx_and_classes_by_embeddedness():
    ours = [powerlaw_cluster(2000, m=3, p=0.6, seed=s) for s in range(4)]
    theirs = [nx.powerlaw_cluster_graph(2000, 3, 0.6, seed=s) for s in range(4)]
    e1 = np.mean([g.n_ties for g in ours])
    e2 = np.mean([G.number_of_edges() for G in theirs])
    assert abs(e1 - e2) < 0.01 * e2
    c1 = np.mean([nx.average_clustering(g.to_networkx()) for g in ours])
    c2 = np.mean([nx.average_clustering(G) for G in theirs])
    assert abs(c1 - c2) < 0.03
    # Degree law: same share of hubs (degree >= 20) and of minimal-degree consumers. (The
    # largest hub is smaller here: networkx pops targets from a set of ints, i.e. oldest
    # node first, which feeds the oldest hubs; we use them in the order drawn, as Holme & Kim.)
    for stat in (lambda d: np.mean(d >= 20), lambda d: np.mean(d == 3)):
        s1 = np.mean([stat(g.degree()) for g in ours])
        s2 = np.mean([stat(np.array([k for _, k in G.degree()])) for G in theirs])
        assert abs(s1 - s2) < 0.15 * s2
    g = ours[0]
    G = g.to_networkx()
    for a, b, data in list(G.edges(data=True))[:500]:
        common = len(set(G[a]) & set(G[b]))
        assert data["tie"] == ("strong" if common >= 1 else "weak")


def test_complete_graph():
    g = complete(50)
    assert g.n_ties == 1225 and np.all(g.degree() == 49) and g.n_strong_ties == 0
    with pytest.raises(ConfigError, match="graph.n"):
        complete(10**6)


@pytest.mark.parametrize(
    "call, key",
    [
        (lambda: clustered(0), "graph.n"),
        (lambda: clustered(100, group_size=0), "graph.group_size"),
        (lambda: clustered(100, p_strong=1.5), "graph.p_strong"),
        (lambda: sbm(100, p_out=-0.1), "graph.p_out"),
        (lambda: erdos_renyi(100, mean_degree=200), "graph.mean_degree"),
        (lambda: erdos_renyi(100, tie="medium"), "graph.tie"),
        (lambda: watts_strogatz(100, k=3), "graph.k"),
        (lambda: powerlaw_cluster(10, m=10), "graph.m"),
    ],
)
def test_generator_arguments_are_checked(call, key):
    with pytest.raises(ConfigError, match=key):
        call()


def test_csr_builder_against_networkx():
    rng = np.random.default_rng(1)
    n = 200
    u = rng.integers(0, n, 3000)
    v = rng.integers(0, n, 3000)
    cls = rng.integers(0, 2, 3000).astype(np.uint8)
    indptr, indices, tie, loops, dups = csr_from_edges(n, u, v, cls)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for a, b, c in zip(u.tolist(), v.tolist(), cls.tolist(), strict=True):
        if a == b:
            continue
        G.add_edge(a, b, s=max(c, G.edges[a, b]["s"] if G.has_edge(a, b) else 0))
    assert loops == int(np.sum(u == v))
    assert indices.size // 2 == G.number_of_edges()
    assert dups == (3000 - loops) - G.number_of_edges()
    for i in range(n):
        row = indices[indptr[i] : indptr[i + 1]].tolist()
        assert row == sorted(G[i])
        assert tie[indptr[i] : indptr[i + 1]].tolist() == [G.edges[i, j]["s"] for j in row]


def test_common_neighbours():
    G = nx.karate_club_graph()
    g = SocialGraph.from_networkx(G, community_attr="club")
    c = common_neighbour_counts(g.indptr, g.indices)
    for i in range(g.n):
        for k in range(g.indptr[i], g.indptr[i + 1]):
            j = g.indices[k]
            assert c[k] == len(set(G[i]) & set(G[j]))
    assert g.n_communities == 2


# --- networkx and files ---------------------------------------------------------------------
def test_networkx_round_trip_keeps_labels_classes_and_communities():
    G = nx.Graph()
    G.add_node("ann", community="a")
    G.add_node("bob", community="a")
    G.add_node("cy", community="b")
    G.add_node("dee", community="b")
    G.add_edge("ann", "bob", tie="strong")
    G.add_edge("bob", "cy", tie="weak")
    G.add_edge("cy", "dee", tie=1)
    g = SocialGraph.from_networkx(G)
    g.check()
    assert g.labels.tolist() == ["ann", "bob", "cy", "dee"]
    assert g.community.tolist() == [0, 0, 1, 1]
    assert (g.n_strong_ties, g.n_weak_ties) == (2, 1)
    H = g.to_networkx()
    assert H.edges["ann", "bob"]["tie"] == "strong" and H.edges["bob", "cy"]["tie"] == "weak"
    assert H.nodes["dee"]["community"] == 1


def test_networkx_weight_threshold_and_bad_tie():
    G = nx.Graph()
    G.add_edge(0, 1, weight=5.0)
    G.add_edge(1, 2, weight=0.5)
    g = SocialGraph.from_networkx(G, weight_attr="weight", strong_threshold=1.0)
    assert g.neighbors(1)[1].tolist() == [1, 0]
    assert g.weight is not None and sorted(g.weight.tolist()) == [0.5, 0.5, 5.0, 5.0]
    G.add_edge(2, 3, tie="medium")
    with pytest.raises(ValueError, match="medium"):
        SocialGraph.from_networkx(G)


def test_from_edges_drops_self_loops_and_strong_wins():
    g = SocialGraph.from_edges(3, [0, 1, 1, 2], [1, 0, 1, 1], [0, 1, 1, 0])
    g.check()
    assert g.n_ties == 2
    assert g.neighbors(0)[1].tolist() == [1]  # duplicate (0,1): weak + strong -> strong


def test_read_csv_with_string_ids(tmp_path):
    p = tmp_path / "ties.csv"
    p.write_text(
        "source,target,tie\n"
        "alice,bob,strong\n"
        "bob,carol, Weak\n"
        "carol,carol,weak\n"  # self-loop: dropped
        "bob,alice,weak\n"  # duplicate of row 1: strong wins
        "dave,carol,weak\n"
    )
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,community\nalice,x\nbob,x\ncarol,y\ndave,y\nerin,z\n")
    g = read_edgelist(p, nodes=nodes)
    g.check()
    assert g.labels.tolist() == ["alice", "bob", "carol", "dave", "erin"]
    assert g.n_ties == 3 and g.n_strong_ties == 1
    assert g.community.tolist() == [0, 0, 1, 1, 2]
    assert g.degree()[4] == 0


def test_read_parquet_with_weights(tmp_path):
    p = tmp_path / "ties.parquet"
    pd.DataFrame({"source": [1, 2, 3], "target": [2, 3, 1], "weight": [0.9, 0.2, 0.5]}).to_parquet(
        p
    )
    g = read_edgelist(p, threshold=0.5)
    assert g.labels.tolist() == [1, 2, 3]  # whole-number ids are read as integers
    assert g.n_strong_ties == 2 and g.n_weak_ties == 1


@pytest.mark.parametrize(
    "body, match",
    [
        ("source,target,tie\na,b,strong\nc,d,medium\n", r"data row 2: tie='medium'"),
        ("source,target,tie\na,b,strong\na,,weak\nc,d,weak\n", r"data row 2: empty target"),
        ("source,target,weight\na,b,1\nc,d,heavy\n", r"data row 2: weight='heavy'"),
    ],
)
def test_malformed_rows_name_their_row(tmp_path, body, match):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    kw = {"threshold": 1.0} if "weight" in body else {}
    with pytest.raises(GraphFormatError, match=match):
        read_edgelist(p, **kw)


def test_missing_file_or_columns(tmp_path):
    with pytest.raises(ConfigError, match="graph.path"):
        read_edgelist(tmp_path / "nope.csv")
    p = tmp_path / "cols.csv"
    p.write_text("from,to\na,b\n")
    with pytest.raises(ConfigError, match="missing"):
        read_edgelist(p)


# --- structural holes -----------------------------------------------------------------------
def test_bridge_scores_equal_networkx():
    from diffusion_sim.graph.bridges import bridge_scores

    graphs = [
        clustered(120, group_size=8, weak_ties=2.0, p_strong=0.6, seed=1),
        powerlaw_cluster(150, m=3, p=0.5, seed=2),
        SocialGraph.from_networkx(nx.karate_club_graph(), community_attr="club"),
        SocialGraph.from_edges(5, [0, 1], [1, 2], [1, 0]),  # with isolated consumers
    ]
    for g in graphs:
        s = bridge_scores(g)
        G = g.to_networkx()
        labels = g.labels if g.labels is not None else range(g.n)
        c = nx.constraint(G)
        e = nx.effective_size(G)
        for i, node in enumerate(labels):
            if g.degree()[i] == 0:
                assert np.isnan(s["constraint"][i]) and np.isnan(c[node])
                continue
            assert s["constraint"][i] == pytest.approx(c[node], rel=1e-12)
            assert s["effective_size"][i] == pytest.approx(e[node], rel=1e-12)
            own = g.community[i]
            other = {g.community[j] for j in g.neighbors(i)[0]} - {own}
            assert s["communities_reached"][i] == len(other)


def test_bridge_scores_serial_and_threaded_variants_agree():
    from diffusion_sim.graph import bridges

    g = clustered(3000, group_size=10, weak_ties=2.0, seed=4)
    args = (g.indptr, g.indices, g.community)
    a = bridges._bridge_scores_serial(*args)
    b = bridges._bridge_scores_parallel(*args)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_kernel_sort_equals_numpy_sort(dtype):
    """The kernels' own sort (short rows: insertion, long rows: heap) against np.sort."""
    from diffusion_sim.kernels._sort import sort_range

    rng = np.random.default_rng(11)
    for d in [0, 1, 2, 3, 23, 24, 25, 26, 200, 5000]:
        a = rng.integers(-40, 40, d + 7).astype(dtype)  # repeated values included
        want = a.copy()
        want[3 : 3 + d] = np.sort(want[3 : 3 + d])
        sort_range(a, 3, 3 + d)
        np.testing.assert_array_equal(a, want)  # and outside the range untouched
