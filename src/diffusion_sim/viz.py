"""Browser demo for educators: the strength of weak ties, as a Mesa SolaraViz page.

Run it with ``.venv/bin/solara run diffusion_sim.viz --production`` after
``pip install -e .[viz]``. Personal networks (communities) sit on a circle; strong ties are
drawn inside them, weak ties across. Press play and watch word of mouth cross between
communities only where weak ties exist; set ``weak_ties`` to 0 to see it stay trapped.

The page uses the library as any Mesa user would: :class:`WeakTiesDemo` is a
:class:`~diffusion_sim.model.DiffusionModel` with slider-friendly scalar parameters and a Mesa
``DataCollector``; the network view reads each :class:`~diffusion_sim.model.Consumer`'s state.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import mesa
import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from .contagion import TiesRule
from .graph import clustered
from .model import DiffusionModel
from .seeding import Seeding
from .states import Cause, State

__all__ = ["WeakTiesDemo", "community_layout", "page"]

_STATE_COLOURS = {State.UNAWARE: "#d5d8dc", State.AWARE: "#f5b041", State.ADOPTED: "#c0392b"}


def community_layout(community: np.ndarray) -> np.ndarray:
    """Positions, shape (n, 2): communities on a unit circle, members on a small circle each."""
    k = int(community.max()) + 1
    centre_angle = 2 * np.pi * np.arange(k) / k
    centres = np.column_stack([np.cos(centre_angle), np.sin(centre_angle)])
    pos = np.empty((community.shape[0], 2))
    r = min(0.45, 2.2 / max(k, 1))
    for c in range(k):
        members = np.flatnonzero(community == c)
        a = 2 * np.pi * np.arange(members.size) / max(members.size, 1)
        pos[members] = centres[c] + r * np.column_stack([np.cos(a), np.sin(a)])
    return pos


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


@solara.component
def NetworkView(model):  # noqa: N802 (solara components are CamelCase)
    update_counter.get()  # re-render after every step
    solara.FigureMatplotlib(network_figure(model), dependencies=[model.steps])


model_params = {
    "weak_ties": {"type": "SliderFloat", "value": 0.5, "label": "weak ties per consumer",
                  "min": 0.0, "max": 3.0, "step": 0.1},
    "beta_strong": {"type": "SliderFloat", "value": 0.15, "label": "β strong (per step)",
                    "min": 0.0, "max": 0.5, "step": 0.01},
    "beta_weak": {"type": "SliderFloat", "value": 0.15, "label": "β weak (per step)",
                  "min": 0.0, "max": 0.5, "step": 0.01},
    "communities": {"type": "SliderInt", "value": 16, "label": "communities",
                    "min": 4, "max": 40, "step": 1},
    "group_size": {"type": "SliderInt", "value": 10, "label": "community size",
                   "min": 3, "max": 20, "step": 1},
    "seed": {"type": "InputText", "value": 1, "label": "seed"},
}  # fmt: skip


@solara.component
def Page():  # noqa: N802
    # One model per browser session (a module-level model would be shared by every visitor).
    model = solara.use_memo(lambda: WeakTiesDemo(), dependencies=[])
    SolaraViz(
        model,
        components=[
            (NetworkView, 0),
            make_plot_component(["adopted", "aware", "via weak ties"]),
        ],
        model_params=model_params,
        name="diffusion_sim · the strength of weak ties",
    )


page = Page
