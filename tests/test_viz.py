"""The browser demo's model and drawing (the page itself was checked in headless Chromium)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("solara")

from diffusion_sim.states import State
from diffusion_sim.viz import WeakTiesDemo, community_layout, network_figure


def test_demo_model_collects_mesa_data_and_draws():
    m = WeakTiesDemo(communities=6, group_size=5, weak_ties=1.0, seed="3")
    for _ in range(5):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 6 and df["adopted"].is_monotonic_increasing
    assert df["adopted"].iloc[-1] == m.engine.counts[State.ADOPTED] / m.graph.n
    fig = network_figure(m)
    assert fig.axes[0].get_title().startswith("step 5")


def test_without_weak_ties_word_of_mouth_stays_in_the_seed_community():
    m = WeakTiesDemo(communities=8, group_size=6, weak_ties=0.0, beta_strong=0.5, seed=1)
    for _ in range(30):
        m.step()
    adopted = np.flatnonzero(m.engine.state == State.ADOPTED)
    assert set(m.graph.community[adopted]) == {m.graph.community[0]}


def test_layout_groups_communities():
    comm = np.repeat(np.arange(4), 5)
    pos = community_layout(comm)
    centres = np.array([pos[comm == c].mean(axis=0) for c in range(4)])
    assert np.allclose(np.linalg.norm(centres, axis=1), 1.0)
