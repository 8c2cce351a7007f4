"""Plots of results (matplotlib, Agg backend; files written atomically)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .results import Replications, atomic_write
from .states import ENGINE_CAUSES, Cause

__all__ = ["changed_settings", "plot_adoption", "rule_label", "save_png"]


def _cause_colours() -> dict[str, str]:
    # the market's registry holds the one colour of every cause; seeds are not a channel
    from .market.registry import CAUSE_COLOURS

    out = {c.name.lower(): col for c, col in CAUSE_COLOURS.items()}
    out["seed"] = "#555555"
    return out


def rule_label(rule) -> str:
    """The contagion rule with its parameters, for a figure title.

    >>> from diffusion_sim.contagion import TiesRule
    >>> rule_label(TiesRule(alpha=0.0002, beta_strong=0.05, beta_weak=0.0))
    'ties (alpha=0.0002, beta_strong=0.05, beta_weak=0, update=synchronous)'
    """
    import dataclasses

    parts = []
    for f in dataclasses.fields(rule):
        v = getattr(rule, f.name)
        parts.append(f"{f.name}={v:g}" if isinstance(v, float) else f"{f.name}={v}")
    return f"{rule.name} ({', '.join(parts)})"


def changed_settings() -> str:
    """What this run changed on the command line (Hydra's task overrides, without the keys
    that never change results), e.g. ``'experiment=weak_ties_demo contagion.beta_weak=0'``;
    ``''`` outside a Hydra run. Figure titles end with it, so two runs' figures say how
    they differ."""
    from hydra.core.hydra_config import HydraConfig

    from .runs import NON_RESULT_KEYS

    if not HydraConfig.initialized():
        return ""
    out = []
    for o in HydraConfig.get().overrides.task:
        key = o.split("=", 1)[0].lstrip("+~")
        if key in NON_RESULT_KEYS or key.startswith("hydra"):
            continue
        out.append(o)
    return " ".join(out)


def plot_adoption(reps: Replications, path, title: str = "") -> Path:
    """Adoption curve with its interval band, and cumulative adoptions by cause.

    Left: mean adopted share ``F_t`` over replications, with the 2.5–97.5 % range of the
    replications (light band) and the 95 % confidence interval of the mean (dark band).
    Right: mean cumulative adoptions by cause, stacked, as shares of the market.
    """
    F = reps.adopted_share()
    t = np.arange(F.shape[1])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    mean = F.mean(axis=0)
    lo, hi = np.percentile(F, [2.5, 97.5], axis=0)
    r = F.shape[0]
    if r > 1:
        half = 1.96 * F.std(axis=0, ddof=1) / np.sqrt(r)
        ax.fill_between(
            t, lo, hi, color="#2e86c1", alpha=0.18, lw=0, label="2.5–97.5 % of replications"
        )
        ax.fill_between(
            t,
            mean - half,
            mean + half,
            color="#2e86c1",
            alpha=0.45,
            lw=0,
            label="95 % CI of the mean",
        )
    ax.plot(t, mean, color="#1b4f72", lw=2, label=f"mean of {r} replications")
    ax.set(xlabel="step t", ylabel="adopted share $F_t$", ylim=(0, 1.02), xlim=(0, t[-1] or 1))
    ax.set_title("Adoption curve")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)

    n = reps.runs[0].n
    cum = np.mean([np.cumsum(run.new_by_cause, axis=0) for run in reps.runs], axis=0) / n
    names = [c.name.lower() for c in ENGINE_CAUSES]
    layers = [cum[:, Cause[name.upper()]] for name in names]
    bx.stackplot(t, layers, labels=names, colors=[_cause_colours()[x] for x in names], alpha=0.85)
    bx.set(
        xlabel="step t",
        ylabel="cumulative adoptions (share of market)",
        ylim=(0, 1.02),
        xlim=(0, t[-1] or 1),
    )
    bx.set_title("Adoptions by cause (mean)")
    bx.grid(alpha=0.3)
    bx.legend(loc="upper left", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return save_png(fig, path, dpi=120)


def save_png(fig, path, dpi: int = 110) -> Path:
    """Write ``fig`` as a PNG through a temporary file (never half-written), close it and
    return the path; the one way every figure of the project is saved."""
    import matplotlib.pyplot as plt

    path = Path(path)
    atomic_write(path, lambda p: fig.savefig(p, dpi=dpi, format="png"))
    plt.close(fig)
    return path
