"""The Mesa model: agents are views on the arrays; one RNG owner; results and replications."""

from __future__ import annotations

import random

import mesa
import numpy as np
import pandas as pd
import pytest

from diffusion_sim.contagion import ThresholdRule, TiesRule
from diffusion_sim.graph import clustered
from diffusion_sim.model import Consumer, DiffusionModel
from diffusion_sim.replicate import replicate
from diffusion_sim.results import Replications, RunResult, mean_interval
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, State


@pytest.fixture(scope="module")
def graph():
    return clustered(2000, group_size=10, weak_ties=2.0, seed=1)


def test_agents_are_views_on_model_arrays(graph):
    m = DiffusionModel(graph, TiesRule(0.01, 0.1, 0.02), Seeding(random=3), seed=1)
    assert len(m.agents) == graph.n and all(isinstance(a, Consumer) for a in m.agents)
    m.run(10)
    assert m.steps == 10  # Mesa's own step counter
    states = np.array([int(a.state) for a in m.agents])
    np.testing.assert_array_equal(states, m.engine.state)
    a = m.consumer(int(m.seeds[0]))
    assert a.adopted and a.adopted_at == 0 and a.cause is Cause.SEED
    assert a.community == graph.community[a.index]
    assert {b.index for b in a.neighbors()} == set(graph.neighbors(a.index)[0].tolist())
    by_state = m.agents.groupby("state").count()
    assert by_state.get(State.ADOPTED, 0) == m.engine.counts[State.ADOPTED]


def test_large_markets_make_agents_on_demand(graph):
    m = DiffusionModel(graph, TiesRule(0.01), agents="lazy", seed=1)
    assert len(m.agents) == 0
    a = m.consumer(7)
    assert m.consumer(7) is a and len(m.agents) == 1
    with pytest.raises(IndexError):
        m.consumer(graph.n)


def test_mesa_datacollector_works(graph):
    m = DiffusionModel(graph, TiesRule(0.01, 0.1, 0.02), Seeding(random=3), seed=2)
    dc = mesa.DataCollector(
        model_reporters={"adopted": lambda mod: mod.adopted_share},
        agent_reporters={"state": lambda ag: int(ag.state)},
    )
    for _ in range(3):
        m.step()
        dc.collect(m)
    mv = dc.get_model_vars_dataframe()
    assert mv["adopted"].tolist() == (m.counts[1:, State.ADOPTED] / graph.n).tolist()
    av = dc.get_agent_vars_dataframe()
    assert len(av) == 3 * graph.n


def test_no_global_rng_is_touched(graph):
    np.random.seed(0)
    random.seed(0)
    before = (np.random.get_state()[1].copy(), random.getstate())
    rule = ThresholdRule(phi=0.2, distribution="uniform", phi_low=0.1, phi_high=0.3)
    DiffusionModel(graph, rule, Seeding(random=20), seed=3).run(5)
    assert np.array_equal(np.random.get_state()[1], before[0])
    assert random.getstate() == before[1]


def test_replications_are_independent_and_stable(graph):
    rule = TiesRule(0.005, 0.05, 0.02)
    r3 = replicate(graph, rule, Seeding(random=2), steps=15, replications=3, seed=9)
    r5 = replicate(graph, rule, Seeding(random=2), steps=15, replications=5, seed=9)
    for a, b in zip(r3.runs, r5.runs[:3], strict=True):  # more replications: same first ones
        np.testing.assert_array_equal(a.adopted_at, b.adopted_at)
    assert not np.array_equal(r5.runs[0].adopted_at, r5.runs[1].adopted_at)


def test_run_result_tables():
    counts = np.array([[8, 0, 2], [5, 2, 3], [1, 2, 7], [0, 0, 10]])
    new = np.zeros((4, len(Cause)), dtype=np.int64)
    new[0, Cause.SEED] = 2
    new[1, Cause.WEAK] = 1
    new[2, Cause.STRONG] = 3
    new[2, Cause.EXTERNAL] = 1
    new[3, Cause.STRONG] = 3
    adopted_at = np.array([0, 0, 1, 2, 2, 2, 2, 3, 3, 3], dtype=np.int32)
    cause = np.zeros(10, dtype=np.int8)
    r = RunResult(counts, new, adopted_at, cause)
    assert r.time_to(0.1) == 0 and r.time_to(0.5) == 2 and r.time_to(0.3) == 1
    assert r.time_to(1.0) == 3
    df = r.to_frame(replication=4)
    assert list(df.columns) == [
        "replication",
        "step",
        "unaware",
        "aware",
        "adopted",
        "new_seed",
        "new_external",
        "new_strong",
        "new_weak",
    ]
    assert df["replication"].eq(4).all() and df["step"].tolist() == [0, 1, 2, 3]
    cum = df[[c for c in df.columns if c.startswith("new_")]].sum(axis=1).cumsum()
    assert cum.tolist() == df["adopted"].tolist()
    reps = Replications((r, r))
    s = reps.summary().set_index("metric")
    assert s.loc["final_share", "mean"] == 1.0 and s.loc["t_50", "mean"] == 2
    assert s.loc["by_strong", "mean"] == 6


def test_time_to_share_never_reached_is_nan():
    counts = np.array([[10, 0, 0], [9, 0, 1]])
    r = RunResult(
        counts,
        np.zeros((2, len(Cause)), np.int64),
        np.full(10, -1, np.int32),
        np.zeros(10, np.int8),
    )
    assert np.isnan(r.time_to(0.5))
    s = Replications((r,)).summary().set_index("metric")
    assert s.loc["t_50", "reached"] == 0.0


def test_mean_interval_uses_student_t():
    m, lo, hi = mean_interval([1.0, 2.0, 3.0])
    assert m == 2.0 and hi - m == pytest.approx(4.303 * 1.0 / np.sqrt(3))
    assert mean_interval([5.0]) == (5.0, 5.0, 5.0)


def test_save_writes_tidy_files(tmp_path, graph):
    reps = replicate(graph, TiesRule(0.01, 0.05), Seeding(), steps=5, replications=2, seed=1)
    paths = reps.save(tmp_path)
    ts = pd.read_parquet(paths["timeseries"])
    assert len(ts) == 2 * 6 and set(ts["replication"]) == {0, 1}
    assert (ts[["unaware", "aware", "adopted"]].sum(axis=1) == graph.n).all()
    assert "final_share" in pd.read_csv(paths["summary"])["metric"].tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers
    assert paths["summary"].stat().st_mode & 0o044  # readable by others, not mkstemp's 0600


def test_failed_write_keeps_the_old_file(tmp_path):
    from diffusion_sim.results import atomic_write

    target = tmp_path / "summary.csv"
    target.write_text("old")

    def broken(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]
