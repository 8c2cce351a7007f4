"""random_regular and configuration: exact degrees, and the configuration model's pairing
against networkx doing the loop and multi-edge removal."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import configuration, degree_sequence, random_regular
from diffusion_sim.graph._generate import _pair_stubs
from diffusion_sim.graph.generators import _key


@pytest.mark.parametrize(("n", "d"), [(10, 3), (50, 4), (2000, 7 * 2), (12, 11)])
def test_random_regular_is_regular_and_simple(n, d):
    g = random_regular(n, d, seed=n + d)
    g.check()  # symmetric, sorted, no loops, no duplicates
    assert set(g.degree().tolist()) == {d}
    assert g.n_ties == n * d // 2


def test_random_regular_mixes():
    """Not one fixed graph: two seeds differ; the same seed repeats."""
    a, b, c = (random_regular(200, 3, seed=s) for s in (1, 2, 1))
    assert not np.array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.indices, c.indices)
    # triangles of a random 3-regular graph: Poisson with mean (d-1)^3/6 = 4/3 (Wormald 1981)
    tri = [sum(nx.triangles(random_regular(200, 3, seed=s).to_networkx()).values()) / 3
           for s in range(60)]  # fmt: skip
    assert abs(np.mean(tri) - 4 / 3) < 5 * math.sqrt(4 / 3 / 60)


def test_configuration_equals_networkx_simplified_pairing():
    """Our graph = networkx's simple graph of the same stub pairing (loops and repeats gone)."""
    deg = degree_sequence(300, "powerlaw", exponent=2.2, k_min=1, k_max=60, seed=4)
    deg[-1] += deg.sum() % 2
    g = configuration(degrees=deg.tolist(), seed=5)
    u, v = _pair_stubs(deg, np.uint64(_key(5)))
    ref = nx.Graph()
    ref.add_nodes_from(range(300))
    ref.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    ref.remove_edges_from(list(nx.selfloop_edges(ref)))
    mine = {tuple(e) for e in zip(*g.edges()[:2], strict=True)}
    assert mine == {(min(a, b), max(a, b)) for a, b in ref.edges()}
    assert np.all(g.degree() <= deg)
    # the pairing itself is the requested sequence
    assert np.array_equal(np.bincount(np.concatenate((u, v)), minlength=300), deg)


def test_configuration_simple_sequence_kept():
    """A degree sequence whose pairing is forced simple (a perfect matching) is exact."""
    g = configuration(degrees=[1] * 10, seed=1)
    assert set(g.degree().tolist()) == {1} and g.n_ties == 5


@pytest.mark.parametrize(("dist", "mean"), [("poisson", 4.0), ("geometric", 3.0)])
def test_degree_distribution_means(dist, mean):
    """Sample mean within 5 standard errors (poisson var = mean, geometric var = m(1+m))."""
    n = 20_000
    deg = degree_sequence(n, dist, mean_degree=mean, seed=2)
    var = mean if dist == "poisson" else mean * (1 + mean)
    assert abs(deg.mean() - mean) < 5 * math.sqrt(var / n)
    lam = configuration(n, distribution=dist, mean_degree=mean, seed=2).degree().mean()
    assert mean - 0.05 < lam + 0.05 and lam <= deg.mean() + 1 / n  # removal only lowers


def test_powerlaw_bounds():
    deg = degree_sequence(5000, "powerlaw", exponent=2.5, k_min=2, k_max=40, seed=3)
    assert deg.min() >= 2 and deg.max() <= 40
    # P(k = 2) = 2^-2.5 / sum k^-2.5 over 2..40
    p2 = 2**-2.5 / sum(k**-2.5 for k in range(2, 41))
    assert abs((deg == 2).mean() - p2) < 5 * math.sqrt(p2 * (1 - p2) / 5000)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="graph.d"):
        random_regular(11, 3)
    with pytest.raises(ConfigError, match="graph.d"):
        random_regular(5, 5)
    with pytest.raises(ConfigError, match="graph.degrees"):
        configuration(degrees=[1, 1, 1])
    with pytest.raises(ConfigError, match="graph.degrees"):
        configuration(10, degrees=[1, 1], distribution="poisson")
    with pytest.raises(ConfigError, match="graph.distribution"):
        configuration(10, distribution="zipf")
