"""seeding.focal, seeding.influence and sim.fresh_graph."""

from __future__ import annotations

import numpy as np
import pytest

from diffusion_sim.contagion import CascadeRule, ThresholdRule, TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import SocialGraph, erdos_renyi, random_regular, watts_strogatz
from diffusion_sim.influence import exact_optimum, live_edge
from diffusion_sim.model import DiffusionModel
from diffusion_sim.replicate import graph_seeds, replicate
from diffusion_sim.seeding import Seeding


def test_focal_is_focal_plus_neighbours():
    g = watts_strogatz(200, k=4, p=0.0, seed=0)
    rng = np.random.default_rng(3)
    seeds = Seeding(focal=2).choose(g, rng)
    focal = np.random.default_rng(3).choice(200, size=2, replace=False)
    want = set(focal.tolist())
    for f in focal:
        want |= set(g.neighbors(int(f))[0].tolist())
    assert set(seeds.tolist()) == want
    # random seeds are drawn first: adding focal seeds leaves them unchanged
    a = Seeding(random=5).choose(g, np.random.default_rng(1))
    b = Seeding(random=5, focal=1).choose(g, np.random.default_rng(1))
    assert set(a.tolist()) <= set(b.tolist())


def test_focal_ring_reaches_centola_macy_cascade():
    """Ring lattice k=4, threshold 2 adopters (count): one focal node and its 4 neighbours
    spread round the whole ring (Centola & Macy 2007); one random seed does not."""
    g = watts_strogatz(300, k=4, p=0.0, seed=0)
    rule = ThresholdRule(phi=2, mode="count")
    full = DiffusionModel(g, rule, Seeding(focal=1), seed=1).run(300).adopted_share()[-1]
    alone = DiffusionModel(g, rule, Seeding(random=1), seed=1).run(300).adopted_share()[-1]
    assert full == 1.0 and alone == pytest.approx(1 / 300)


def test_influence_seeds_are_optimal_on_a_tiny_graph():
    """Two stars joined by a weak path: IMM's 2 seeds are the exact optimum."""
    u = [0, 0, 0, 0, 5, 5, 5, 5, 4]
    v = [1, 2, 3, 4, 6, 7, 8, 9, 9]
    g = SocialGraph.from_edges(10, u, v, [0] * 9)
    rule = CascadeRule(p_weak=0.6)
    seeds = DiffusionModel(g, rule, Seeding(influence=2, epsilon=0.05), seed=0).seeds
    best, _ = exact_optimum(live_edge(g, rule), 2)
    assert sorted(seeds.tolist()) == sorted(best)


def test_influence_needs_a_live_edge_rule():
    g = random_regular(20, 3, seed=1)
    with pytest.raises(ConfigError, match="contagion"):
        DiffusionModel(g, TiesRule(0.01, 0.1, 0.1), Seeding(influence=2), seed=0)
    with pytest.raises(ConfigError, match="seeding.epsilon"):
        Seeding(influence=2, epsilon=0.0)


def _factory(seed):
    return erdos_renyi(300, 3.0, seed=seed)


def test_fresh_graph_per_replication():
    """Replication k runs on the graph of graph_seeds(seed)[k]; runs are those of the same
    model on that graph; the graphs differ between replications."""
    rule = CascadeRule(p_weak=0.4)
    reps = replicate(_factory, rule, Seeding(random=3), steps=40, replications=3, seed=7)
    children = np.random.SeedSequence(7).spawn(3)
    for k, gs in enumerate(graph_seeds(7, 3)):
        g = _factory(gs)
        want = DiffusionModel(g, rule, Seeding(random=3), agents="lazy", seed=children[k])
        np.testing.assert_array_equal(reps.runs[k].adopted_at, want.run(40).adopted_at)
    g0, g1 = (_factory(s) for s in graph_seeds(7, 2))
    assert not np.array_equal(g0.indptr, g1.indptr)


def test_agent_state_and_stage_read_as_enum_members():
    """Mesa style: ``agent.state is State.ADOPTED`` and ``model.agents.select`` on it."""
    from diffusion_sim.market.model import MarketModel
    from diffusion_sim.market.params import MarketParams
    from diffusion_sim.states import Stage, State

    g = random_regular(300, 4, seed=2)
    m = DiffusionModel(g, CascadeRule(p_weak=0.3), Seeding(random=5), seed=1)
    m.run(20)
    adopted = m.agents.select(lambda a: a.state is State.ADOPTED)
    assert len(adopted) == m.engine.counts[State.ADOPTED]
    assert all(isinstance(a.state, State) for a in m.agents)
    mm = MarketModel(g, TiesRule(0.01, 0.05, 0.05), MarketParams(), {}, horizon=30,
                     seeding=Seeding(random=20), seed=3)  # fmt: skip
    mm.run()
    st, buys, gone = mm.engine.state, mm.purchases, mm.churned.astype(bool)
    want = np.where(gone, Stage.CHURNED, np.where(st != State.ADOPTED, st,
                    np.where(buys >= 2, Stage.REPEAT, Stage.CUSTOMER)))  # fmt: skip
    got = np.array([int(mm.consumer(i).stage) for i in range(g.n)])
    np.testing.assert_array_equal(got, want)
    assert all(isinstance(mm.consumer(i).stage, Stage) for i in range(5))
    assert (got != Stage.UNAWARE).sum() >= 20
