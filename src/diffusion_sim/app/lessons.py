"""The educator's lessons as plain Python: settings, arms (runs compared side by side) and
figures. The page (:mod:`.educator`) only lays them out, so every lesson can be run and
tested without a browser.

Each lesson compares *arms*: :class:`~diffusion_sim.model.DiffusionModel` runs that share the
graph, the seed consumers and the random numbers (one model seed), and differ in exactly one
thing, which the figure titles name:

* ``weak_ties`` — the strength of weak ties (Granovetter 1973; Goldenberg, Libai & Muller
  2001): word of mouth with weak ties working vs switched off (``beta_weak = 0``).
* ``structural_holes`` — structural holes (Burt 1992): the same number of seeds placed on
  bridges (most other communities reached, then lowest constraint: the bridging play's rule),
  on hubs (most ties: the KOL rule) or at random (the KOC rule).
* ``complex_contagion`` — Centola & Macy (2007): a ring lattice with and without long ties,
  under simple contagion (one adopter friend can convince) and complex contagion (two are
  needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from ..contagion import ThresholdRule, TiesRule
from ..graph import clustered, watts_strogatz
from ..graph.bridges import bridge_scores
from ..market.colours import strategy_colour
from ..market.registry import CAUSE_COLOURS
from ..model import DiffusionModel
from ..states import Cause, State

__all__ = ["LESSONS", "Arm", "Lesson", "Setting", "build", "community_layout", "curves_figure",
           "holes_graph", "network_figure", "parse_settings"]  # fmt: skip

_MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Setting:
    """One input of a lesson: ``kind`` is ``"int"`` or ``"float"``, in ``[low, high]``."""

    key: str
    label: str
    kind: str
    default: float
    low: float
    high: float


@dataclass
class Arm:
    """One run of a lesson: its label, colour, line style and model."""

    label: str
    colour: str
    style: str
    model: DiffusionModel

    @property
    def adopted(self) -> int:
        return int(self.model.engine.counts[State.ADOPTED])

    def curve(self) -> np.ndarray:
        """Adopted share after each step so far, shape (steps + 1,)."""
        return self.model.counts[:, State.ADOPTED] / self.model.graph.n


@dataclass(frozen=True)
class Lesson:
    """A lesson: what it teaches (Markdown), its settings, and how to build its arms."""

    key: str
    title: str
    explanation: str
    look_for: str
    questions: tuple[str, ...]
    settings: tuple[Setting, ...]
    make: Callable[[dict], list[Arm]]
    differs: Callable[[dict], str]  # what differs between the arms, for figure titles
    layout: str  # "communities" or "ring"


def parse_settings(lesson: Lesson, raw: dict[str, str]) -> tuple[dict, list[str]]:
    """Typed values of a lesson's settings from the page's text, and one message per bad
    field naming it, the value and what is allowed (the default is used for a bad field).

    >>> v, errors = parse_settings(LESSONS["weak_ties"], {"seed": "abc"})
    >>> errors
    ["seed: 'abc' is not allowed: an integer in [0, 2147483647]"]
    """
    values, errors = {}, []
    for s in lesson.settings:
        text = str(raw.get(s.key, s.default)).strip()
        try:
            v = int(text) if s.kind == "int" else float(text)
            ok = s.low <= v <= s.high and np.isfinite(v)
        except ValueError:
            ok = False
        if s.kind == "int" and ok and s.key == "k" and v % 2:
            errors.append(f"{s.label}: {text!r} is not allowed: an even number")
            values[s.key] = int(s.default)
            continue
        if not ok:
            what = "an integer" if s.kind == "int" else "a number"
            errors.append(
                f"{s.label}: {text!r} is not allowed: {what} in [{_num(s.low)}, {_num(s.high)}]"
            )
            values[s.key] = int(s.default) if s.kind == "int" else float(s.default)
        else:
            values[s.key] = v
    return values, errors


def _num(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _seeds(n: int, k: int, seed: int) -> np.ndarray:
    # the seed consumers, drawn once: every arm starts from the same people
    return np.sort(np.random.default_rng(seed).choice(n, size=min(k, n), replace=False))


def _weak_ties(v: dict) -> list[Arm]:
    g = clustered(v["communities"] * v["size"], v["size"], v["weak_ties"], seed=v["seed"])
    seeds = _seeds(g.n, v["seeds"], v["seed"])
    on = TiesRule(0.0, v["beta_strong"], v["beta_weak"])
    off = TiesRule(0.0, v["beta_strong"], 0.0)
    return [
        Arm(f"weak ties on (β weak {v['beta_weak']:g})", CAUSE_COLOURS[Cause.WEAK], "-",
            DiffusionModel(g, on, seeds, agents="lazy", seed=v["seed"])),
        Arm("weak ties off (β weak 0)", CAUSE_COLOURS[Cause.STRONG], "-",
            DiffusionModel(g, off, seeds, agents="lazy", seed=v["seed"])),
    ]  # fmt: skip


def rank_bridges(graph) -> np.ndarray:
    """Consumers by brokerage: most other communities reached, then lowest constraint, then
    index (the rule of the bridging play, ``market/plays/advocates.py``)."""
    sc = bridge_scores(graph)
    idx = np.arange(graph.n)
    con = np.nan_to_num(sc["constraint"], nan=np.inf)
    return idx[np.lexsort((idx, con, -sc["communities_reached"]))]


def rank_hubs(graph) -> np.ndarray:
    """Consumers by number of ties (most first), then index (the KOL play's rule)."""
    idx = np.arange(graph.n)
    return idx[np.lexsort((idx, -graph.degree()))]


def holes_graph(communities: int, size: int, big: int, weak_ties: float, seed: int):
    """Small communities and one large close-knit one (a village, a factory floor), everyone
    tied by strong ties inside their community, joined by about ``weak_ties`` weak ties per
    consumer between communities (drawn with ``seed``); members of the large one have a
    fifth of the others' chance to be an end of a weak tie. They have the most ties (they
    are the hubs) but reach few other communities: hubs and bridges differ."""
    from ..graph import SocialGraph

    rng = np.random.default_rng(seed)
    sizes = [big, *([size] * communities)]
    community = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    n = community.size
    us, vs, start = [], [], 0
    for s in sizes:
        iu, ju = np.triu_indices(s, 1)
        us.append(iu + start)
        vs.append(ju + start)
        start += s
    m = rng.poisson(weak_ties * n / 2)
    # members of the large group know few outsiders (a fifth of the others' weak ties)
    w = np.where(community == 0, 0.2, 1.0)
    a = rng.choice(n, 3 * m + 1, p=w / w.sum())
    b = rng.choice(n, 3 * m + 1, p=w / w.sum())
    keep = community[a] != community[b]
    a, b = a[keep][:m], b[keep][:m]
    strong = np.concatenate(us)
    u = np.concatenate([strong, a])
    other = np.concatenate([np.concatenate(vs), b])
    tie = np.concatenate([np.ones(strong.size, np.uint8), np.zeros(a.size, np.uint8)])
    return SocialGraph.from_edges(n, u, other, tie, community=community,
                                  name=f"holes(communities={communities}+1)")  # fmt: skip


def _structural_holes(v: dict) -> list[Arm]:
    g = holes_graph(v["communities"], v["size"], v["big"], v["weak_ties"], v["seed"])
    k = v["seeds"]
    rule = TiesRule(0.0, v["beta_strong"], v["beta_weak"])
    picks = {
        "bridges": (rank_bridges(g)[:k], strategy_colour("bridging")),
        "hubs": (rank_hubs(g)[:k], strategy_colour("kol")),
        "random": (_seeds(g.n, k, v["seed"]), strategy_colour("koc")),
    }
    return [Arm(f"{k} seeds on {name}", colour, "-",
                DiffusionModel(g, rule, np.sort(s), agents="lazy", seed=v["seed"]))
            for name, (s, colour) in picks.items()]  # fmt: skip


def _complex(v: dict) -> list[Arm]:
    n, k = v["n"], v["k"]
    lattice = watts_strogatz(n, k, 0.0, group_size=max(1, k), seed=v["seed"])
    rewired = watts_strogatz(n, k, v["p"], group_size=max(1, k), seed=v["seed"])
    seeds = np.arange(int(v["threshold"]) + 2)  # a neighbourhood of adjacent consumers
    simple = TiesRule(0.0, v["beta"], v["beta"])
    complex_ = ThresholdRule(phi=float(v["threshold"]), mode="count")
    local, long = CAUSE_COLOURS[Cause.STRONG], CAUSE_COLOURS[Cause.WEAK]
    return [
        Arm("simple, lattice (p = 0)", local, "-",
            DiffusionModel(lattice, simple, seeds, agents="lazy", seed=v["seed"])),
        Arm(f"simple, long ties (p = {v['p']:g})", long, "-",
            DiffusionModel(rewired, simple, seeds, agents="lazy", seed=v["seed"])),
        Arm("complex, lattice (p = 0)", local, "--",
            DiffusionModel(lattice, complex_, seeds, agents="lazy", seed=v["seed"])),
        Arm(f"complex, long ties (p = {v['p']:g})", long, "--",
            DiffusionModel(rewired, complex_, seeds, agents="lazy", seed=v["seed"])),
    ]  # fmt: skip


_SEED = Setting("seed", "seed", "int", 1, 0, _MAX_SEED)

LESSONS: dict[str, Lesson] = {
    "weak_ties": Lesson(
        "weak_ties",
        "The strength of weak ties",
        "Consumers live in **personal networks** (communities: family, close friends) joined "
        "by **strong ties**; a few **weak ties** (acquaintances) join communities to each "
        "other (Granovetter 1973). Word of mouth passes a tie with probability β per step. "
        "Both runs use the **same network, the same first adopters and the same random "
        "numbers**; the only difference is that in the second run weak ties carry nothing "
        "(β weak = 0). Goldenberg, Libai & Muller (2001) found that weak ties matter as much "
        "as strong ties for how fast a product spreads through a market.",
        "Where does adoption stop in each run? With weak ties off, word of mouth fills the "
        "seed communities (their colour fills in) and stops there. With weak ties on, each "
        "weak tie that reaches a new community starts a new local outbreak.",
        (
            "Why does the curve with weak ties off flatten so early, and at what share?",
            "Set weak ties per consumer to 0 and press New run: why are both curves now the same?",
            "Halve β weak: does adoption still reach the whole market? What changes?",
        ),
        (
            Setting("communities", "communities", "int", 16, 2, 60),
            Setting("size", "community size", "int", 10, 2, 30),
            Setting("weak_ties", "weak ties per consumer", "float", 0.5, 0, 5),
            Setting("beta_strong", "β strong (per step)", "float", 0.15, 0, 1),
            Setting("beta_weak", "β weak (per step)", "float", 0.15, 0, 1),
            Setting("seeds", "first adopters", "int", 1, 1, 50),
            # a seed whose first adopter's community has weak ties: the lesson shows in ~20 steps
            Setting("seed", "seed", "int", 2, 0, _MAX_SEED),
        ),
        _weak_ties,
        lambda v: f"differs: β weak {v['beta_weak']:g} vs 0 (same network, seeds, random numbers)",
        "communities",
    ),
    "structural_holes": Lesson(
        "structural_holes",
        "Structural holes: where to place the seeds",
        "A **structural hole** is the gap between communities that do not talk to each other; "
        "a consumer whose ties span it is a **bridge** (Burt 1992). With the same budget — "
        "the same number of seed consumers — the runs put them on bridges (most other "
        "communities reached, lowest constraint), on **hubs** (most ties, the KOL choice) or "
        "**at random** (the KOC choice). The network, the rule and the random numbers are "
        "the same in every run.",
        "Count the communities that light up in the first steps of each run. The hubs all sit "
        "in the large close-knit community (many strong ties, few outsiders): word of mouth "
        "fills it and then waits for its rare weak ties. Bridges start word of mouth in "
        "several communities at once. Random seeds land in different communities by luck.",
        (
            "Which seeding reaches half of the market first, and why?",
            "Raise weak ties per consumer to 3 and press New run: does the advantage of bridges "
            "shrink? Why?",
            "With one seed, is the best bridge better than the best hub?",
        ),
        (
            Setting("communities", "small communities", "int", 20, 2, 60),
            Setting("size", "small community size", "int", 8, 2, 30),
            Setting("big", "large community size", "int", 40, 2, 200),
            Setting("weak_ties", "weak ties per consumer", "float", 0.5, 0, 5),
            Setting("beta_strong", "β strong (per step)", "float", 0.15, 0, 1),
            Setting("beta_weak", "β weak (per step)", "float", 0.1, 0, 1),
            Setting("seeds", "seeds (the budget)", "int", 3, 1, 50),
            _SEED,
        ),
        _structural_holes,
        lambda v: f"differs: where the {v['seeds']} seeds sit (same network, rule, random numbers)",
        "communities",
    ),
    "complex_contagion": Lesson(
        "complex_contagion",
        "Complex contagion: when long ties hinder",
        "Consumers sit on a ring, each tied to its nearest neighbours (a clustered lattice). "
        "Rewiring a share p of the ties into **long ties** makes the world small. For "
        "**simple contagion** (one adopter friend can convince, like news) long ties are "
        "short-cuts and speed spread up. For **complex contagion** (a consumer adopts only "
        "once *threshold* friends have: costly, risky or social products) a long tie brings a "
        "single adopter, which is not enough, and it removes a local tie that would have "
        "brought a second one: long ties slow or stop it (Centola & Macy 2007). Solid lines: "
        "simple; dashed: complex; red: lattice; blue: with long ties.",
        "Compare the two solid curves (simple), then the two dashed ones (complex). The "
        "ordering flips.",
        (
            "Why does the complex contagion spread steadily on the lattice but stall with long "
            "ties?",
            "Set the threshold to 1 and press New run: what happens to the dashed curves?",
            "Try p = 0.05: is a little rewiring already harmful for complex contagion?",
        ),
        (
            Setting("n", "consumers", "int", 200, 20, 2000),
            Setting("k", "neighbours on the ring (even)", "int", 6, 2, 20),
            Setting("p", "share of ties rewired (p)", "float", 0.5, 0, 1),
            Setting("beta", "simple contagion: β per adopter friend", "float", 0.15, 0, 1),
            Setting("threshold", "complex contagion: adopter friends needed", "int", 2, 1, 10),
            _SEED,
        ),
        _complex,
        lambda v: (
            f"differs: long ties p = 0 vs {v['p']:g}; simple (β {v['beta']:g}) vs complex "
            f"(threshold {v['threshold']})"
        ),
        "ring",
    ),
}


def build(lesson: Lesson, values: dict) -> list[Arm]:
    """The lesson's arms, at step 0."""
    return lesson.make(values)


def curves_figure(lesson: Lesson, values: dict, arms: list[Arm], history=()) -> Figure:
    """Adopted share against step for every arm, earlier runs faded behind.

    ``history``: ``[(run label, [(arm label, colour, style, curve)])]`` of earlier runs."""
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    for run_label, curves in history:
        for label, colour, style, curve in curves:
            ax.plot(np.arange(curve.size), curve, color=colour, ls=style, lw=1.2, alpha=0.35,
                    label=f"{run_label}: {label}")  # fmt: skip
    for k, arm in enumerate(arms):
        c = arm.curve()
        # later arms drawn thinner on top: curves that coincide stay visible
        ax.plot(np.arange(c.size), c, color=arm.colour, ls=arm.style, lw=4.0 - 1.0 * (k % 3),
                alpha=0.85, label=f"now: {arm.label}")  # fmt: skip
    ax.set(xlabel="step", ylabel="adopted share of consumers", ylim=(0, 1.02))
    ax.set_title(f"{lesson.title}: adoption over time\n{lesson.differs(values)}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def community_layout(community: np.ndarray) -> np.ndarray:
    """Positions, shape (n, 2): communities on a unit circle, members on a small circle each
    (a community's circle grows with its size)."""
    k = int(community.max()) + 1
    centre_angle = 2 * np.pi * np.arange(k) / k
    centres = np.column_stack([np.cos(centre_angle), np.sin(centre_angle)])
    pos = np.empty((community.shape[0], 2))
    sizes = np.bincount(community, minlength=k)
    r0 = min(0.45, 2.2 / max(k, 1))
    for c in range(k):
        members = np.flatnonzero(community == c)
        a = 2 * np.pi * np.arange(members.size) / max(members.size, 1)
        r = r0 * max(1.0, np.sqrt(sizes[c] / max(np.median(sizes), 1)))
        pos[members] = centres[c] + r * np.column_stack([np.cos(a), np.sin(a)])
    return pos


def _layout(graph, kind: str) -> np.ndarray:
    if kind == "communities":
        return community_layout(graph.community)
    a = 2 * np.pi * np.arange(graph.n) / graph.n
    return np.column_stack([np.cos(a), np.sin(a)])


_COMMUNITY_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


def network_figure(lesson: Lesson, arms: list[Arm]) -> Figure:
    """Each arm's network: strong ties solid grey, weak (long) ties dashed blue; a consumer's
    ring is its community's colour, filled once it has adopted (aware: half-tone)."""
    cols = len(arms) if len(arms) <= 3 else 2
    rows = -(-len(arms) // cols)
    fig = Figure(figsize=(3.6 * cols, 3.7 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, arm in zip(axes, arms, strict=True):
        g = arm.model.graph
        pos = _layout(g, lesson.layout)
        u, v, tie = g.edges()
        for cls, style in (
            (1, dict(colors="#aab7b8", linewidths=0.5, linestyles="solid")),
            (0, dict(colors="#2e86c1", linewidths=0.6, linestyles="dashed")),
        ):
            m = tie == cls
            ax.add_collection(LineCollection(np.stack([pos[u[m]], pos[v[m]]], axis=1),
                                             alpha=0.6, zorder=1, **style))  # fmt: skip
        comm = np.array(_COMMUNITY_PALETTE)[g.community % len(_COMMUNITY_PALETTE)]
        state = arm.model.engine.state
        face = np.where(state == State.ADOPTED, comm, "white")
        size = 22 if g.n <= 300 else 8
        ax.scatter(pos[:, 0], pos[:, 1], s=size, c=face, edgecolors=comm, linewidths=0.9,
                   zorder=2)  # fmt: skip
        aware = state == State.AWARE
        if aware.any():
            ax.scatter(pos[aware, 0], pos[aware, 1], s=size, c=comm[aware], alpha=0.4, zorder=2)
        ax.set_title(f"{arm.label}\nstep {arm.model.steps}: {arm.adopted} of {g.n} adopted",
                     fontsize=9, color=arm.colour)  # fmt: skip
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle("ring: community colour; filled: adopted; grey: strong tie; blue dashed: weak "
                 "tie", fontsize=8)  # fmt: skip
    return fig
