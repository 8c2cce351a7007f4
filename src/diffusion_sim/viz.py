"""The weak-ties demo model for Mesa users, and the old entry point of the browser page.

The browser page is now the app (:mod:`diffusion_sim.app`, ``bash scripts/app.sh``):
``solara run diffusion_sim.viz`` still works and shows the app's educator page (the lessons,
weak ties among them). :class:`WeakTiesDemo` stays: a
:class:`~diffusion_sim.model.DiffusionModel` with slider-friendly scalar parameters and a Mesa
``DataCollector``, for use in Mesa's own ``SolaraViz`` or a notebook;
:func:`network_figure` draws it.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import mesa
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from .app.educator import EducatorPage
from .app.lessons import community_layout
from .contagion import TiesRule
from .graph import clustered
from .model import DiffusionModel
from .seeding import Seeding
from .states import Cause, State

__all__ = ["Page", "WeakTiesDemo", "community_layout", "network_figure"]

_STATE_COLOURS = {State.UNAWARE: "#d5d8dc", State.AWARE: "#f5b041", State.ADOPTED: "#c0392b"}


class WeakTiesDemo(DiffusionModel):
    """A small clustered market with one seed, for the page's sliders.

    Parameters
    ----------
    communities, group_size : int
        Number and size of personal networks.
    weak_ties : float
        Mean weak ties per consumer between communities.
    beta_strong, beta_weak, alpha : float
        The ``ties`` rule's probabilities per step.
    seed : int
    """

    def __init__(
        self,
        communities: int = 16,
        group_size: int = 10,
        weak_ties: float = 0.5,
        beta_strong: float = 0.15,
        beta_weak: float = 0.15,
        alpha: float = 0.0,
        seed: int = 1,
    ):
        seed = int(seed)  # the page's text box gives a string
        graph = clustered(communities * group_size, group_size, float(weak_ties), seed=seed)
        super().__init__(
            graph, TiesRule(alpha, beta_strong, beta_weak), Seeding(nodes=[0]), agents="all",
            seed=seed,
        )  # fmt: skip
        self.layout = community_layout(graph.community)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "adopted": lambda m: m.adopted_share,
                "aware": lambda m: m.engine.counts[State.AWARE] / m.graph.n,
                "via weak ties": lambda m: float(np.mean(m.engine.cause == Cause.WEAK)),
            }
        )
        self.datacollector.collect(self)

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)


def network_figure(model: WeakTiesDemo) -> Figure:
    """The market drawn with matplotlib: strong ties solid, weak ties dashed, colour = state."""
    g = model.graph
    u, v, tie = g.edges()
    pos = model.layout
    fig = Figure(figsize=(6.2, 6.2), layout="constrained")
    ax = fig.subplots()
    for cls, style in (
        (1, dict(colors="#7f8c8d", linewidths=0.6, linestyles="solid")),
        (0, dict(colors="#2e86c1", linewidths=0.9, linestyles="dashed")),
    ):
        m = tie == cls
        segs = np.stack([pos[u[m]], pos[v[m]]], axis=1)
        ax.add_collection(LineCollection(segs, alpha=0.7, zorder=1, **style))
    states = np.array([int(a.state) for a in model.agents])  # Consumer views on the arrays
    idx = np.array([a.index for a in model.agents])
    colours = np.array([_STATE_COLOURS[State(s)] for s in states])
    ax.scatter(pos[idx, 0], pos[idx, 1], s=28, c=colours, edgecolors="#34495e",
               linewidths=0.4, zorder=2)  # fmt: skip
    for state, colour in _STATE_COLOURS.items():
        ax.scatter([], [], c=colour, s=28, label=state.name.lower())
    ax.plot([], [], color="#7f8c8d", label="strong tie")
    ax.plot([], [], color="#2e86c1", ls="--", label="weak tie")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title(f"step {model.steps}: {model.adopted_share:.0%} adopted", fontsize=11)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


#: ``solara run diffusion_sim.viz``: the app's educator page.
Page = EducatorPage
page = Page
