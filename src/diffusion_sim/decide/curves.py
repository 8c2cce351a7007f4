"""Response curves: what each play buys along a budget grid, with common random numbers.

Every (play, budget) point is run on the same replications (child ``k`` of
``SeedSequence(seed)`` for every point, through :func:`~diffusion_sim.market.compare.compare`),
so differences between grid points are paired and their intervals are tight. A zero budget is
the baseline run itself (a play with no budget is no action). For play ``p`` at budget ``b``:

* absorbed spend ``S(b)`` (mean, 95 % CI) and its share of the budget;
* incremental customers and profit over the baseline of the same replication;
* ``ROI(b) = mean(dG - S) / mean(S)`` with ``dG`` the incremental gross profit (as in the
  comparison);
* marginal ROI on the segment ``(b_prev, b]``: ``mean(d(dG - S)) / mean(dS)`` with the
  paired differences of the two grid points (delta-method interval); NaN when the extra budget
  was not spent at all (mean ``dS`` below 1 CNY);
* the **saturation point**: the first budget of the grid at which either the marginal ROI's
  upper 95 % bound is below 0 (the extra yuan certainly loses money) or the play absorbs less
  than ``min_spent_share`` (default 90 %) of its budget. Money beyond it buys nothing, or less
  than it costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..market.compare import compare, ratio_interval
from ..market.params import Compare
from ..results import atomic_write, mean_interval

__all__ = ["Curves", "response_curves", "run_curves"]


@dataclass(frozen=True)
class Curves:
    """Response curves; ``table`` has one row per play × grid budget."""

    table: pd.DataFrame
    replications: pd.DataFrame
    budget: float
    baseline: str

    def to_frame(self) -> pd.DataFrame:
        return self.table

    @property
    def plays(self) -> list[str]:
        return list(dict.fromkeys(self.table["play"]))

    def saturation(self) -> pd.DataFrame:
        """One row per play: saturation budget (NaN if not reached on the grid) and why."""
        cols = ["play", "saturation_budget", "saturation_reason"]
        return self.table.drop_duplicates("play")[cols].reset_index(drop=True)

    def save(self, folder) -> dict[str, Path]:
        folder = Path(folder)
        files = {"curves": folder / "curves.csv", "replications": folder / "curves_runs.csv"}
        atomic_write(files["curves"], lambda p: self.table.to_csv(p, index=False))
        atomic_write(files["replications"], lambda p: self.replications.to_csv(p, index=False))
        return files


def _name(play: str, budget: float) -> str:
    return f"{play}@{budget:.6g}"


def response_curves(
    graph,
    rule,
    params,
    plan: Compare,
    *,
    plays=None,
    grid=(0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
    min_spent_share: float = 0.9,
    horizon: int = 180,
    replications: int = 20,
    seed=None,
    seeding=None,
    parallel=None,
    progress: bool = False,
) -> Curves:
    """Run each play of ``plays`` (default: ``plan.plays`` but the baseline) at budgets
    ``grid × plan.budget`` with common random numbers and return the curves."""
    base = plan.baseline
    if plan.splits.get(base):
        raise ConfigError("compare.baseline", base, "a play without budget for job=curves")
    plays = [p for p in (plays or plan.plays) if p != base]
    for p in plays:
        if p not in plan.splits:
            raise ConfigError("curves.plays", p, f"a play of compare.splits: {list(plan.splits)}")
    if not plays:
        raise ConfigError("curves.plays", plays, "at least one play besides the baseline")
    budgets = sorted({0.0, *(float(g) * plan.budget for g in grid)})
    top = budgets[-1]
    splits = {base: {}}
    names = {}
    for p in plays:
        for b in budgets[1:]:
            n = names[(p, b)] = _name(p, b)
            splits[n] = {s: v * b / top for s, v in (plan.splits[p] or {}).items()}
    run_plan = Compare(budget=top, plays=list(splits), splits=splits, baseline=base)
    comp = compare(
        graph,
        rule,
        params,
        run_plan,
        horizon=horizon,
        replications=replications,
        seed=seed,
        seeding=seeding,
        parallel=parallel,
        progress=progress,
    )
    df = comp.per_replication()
    cols = ["replication", "spend", "incr_customers", "incr_gross_profit", "incr_profit"]
    base_rows = df[df["play"] == base][cols].reset_index(drop=True)
    base_rows[["spend", "incr_customers", "incr_gross_profit", "incr_profit"]] = 0.0
    rows, runs = [], []
    for p in plays:
        prev = None
        sat_budget, sat_reason = math.nan, ""
        share_p = sum((plan.splits[p] or {}).values())
        for b in budgets:
            d = base_rows if b == 0 else df[df["play"] == names[(p, b)]][cols]
            d = d.reset_index(drop=True)
            runs.append(d.assign(play=p, budget=b))
            allotted = b * share_p
            row = {
                "play": p,
                "budget": b,
                "multiple": b / plan.budget if plan.budget else 0.0,
                "allotted": allotted,
            }
            for m in ("spend", "incr_customers", "incr_profit"):
                row[m], row[f"{m}_low"], row[f"{m}_high"] = mean_interval(d[m])
            row["spent_share"] = row["spend"] / allotted if allotted > 0 else math.nan
            net = d["incr_gross_profit"] - d["spend"]
            if row["spend"] > 0:
                row["roi"], row["roi_low"], row["roi_high"] = ratio_interval(net, d["spend"])
            else:
                row["roi"] = row["roi_low"] = row["roi_high"] = math.nan
            mroi = (math.nan, math.nan, math.nan)
            if prev is not None:
                dnet = net - (prev["incr_gross_profit"] - prev["spend"])
                dspend = d["spend"] - prev["spend"]
                if dspend.mean() >= 1.0:
                    mroi = ratio_interval(dnet, dspend)
            row["mroi"], row["mroi_low"], row["mroi_high"] = mroi
            if b > 0 and math.isnan(sat_budget):
                if row["spent_share"] < min_spent_share:
                    sat_budget, sat_reason = b, f"absorbs < {100 * min_spent_share:.0f}%"
                elif mroi[2] < 0:
                    sat_budget, sat_reason = b, "mROI < 0 (95% CI)"
            rows.append(row)
            prev = d
        for row in rows[-len(budgets) :]:
            row["saturation_budget"] = sat_budget
            row["saturation_reason"] = sat_reason
            row["saturated"] = bool(row["budget"] >= sat_budget)
    table = pd.DataFrame(rows)
    table.insert(1, "replications", replications)
    reps = pd.concat(runs, ignore_index=True)
    reps = reps[["play", "budget", *cols]]
    return Curves(table, reps, plan.budget, base)


def run_curves(spec, graph, out_dir, *, progress: bool = False) -> tuple[Curves, dict]:
    """``job=curves``: the curves of ``spec`` written as ``curves.csv``, ``curves_runs.csv``
    and ``curves.png`` into ``out_dir``."""
    c = spec.curves
    curves = response_curves(
        graph,
        spec.rule,
        spec.market,
        spec.plan,
        plays=list(c.plays) or None,
        grid=tuple(c.grid),
        min_spent_share=c.min_spent_share,
        horizon=spec.steps,
        replications=c.replications or spec.replications,
        seed=spec.seed,
        seeding=spec.seeding,
        parallel=spec.parallel,
        progress=progress,
    )
    files = curves.save(out_dir)
    return curves, files


def plot_curves(curves: Curves, path, title: str = "") -> Path:
    """Three panels: incremental profit with 95 % bands (saturation marked), absorbed spend
    against the budget, marginal ROI per grid segment with intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..market.colours import play_colours

    t = curves.table
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    k = 1e3
    colour = play_colours(curves.plays)  # fixed per play across every figure
    for i, play in enumerate(curves.plays):
        d = t[t["play"] == play]
        col = colour[play]
        x = d["budget"] / k
        ax = axes[0]
        ax.plot(x, d["incr_profit"] / k, "-o", color=col, label=play, ms=4)
        ax.fill_between(
            x, d["incr_profit_low"] / k, d["incr_profit_high"] / k, color=col, alpha=0.2, lw=0
        )
        sat = d["saturation_budget"].iloc[0]
        if math.isfinite(sat):
            y = d.loc[d["budget"] == sat, "incr_profit"].iloc[0] / k
            ax.plot([sat / k], [y], "x", color=col, ms=12, mew=2.5)
        axes[1].plot(x, d["spend"] / k, "-o", color=col, label=play, ms=4)
        m = d[d["mroi"].notna()]
        if len(m):
            xm = m["budget"] / k + (i - len(curves.plays) / 2) * 0.01 * (x.max() or 1)
            lo = (m["mroi"] - m["mroi_low"]).clip(lower=0)
            hi = (m["mroi_high"] - m["mroi"]).clip(lower=0)
            axes[2].errorbar(
                xm, m["mroi"], yerr=[lo, hi], fmt="-o", color=col, ms=4, capsize=3, label=play
            )
    top = t["budget"].max() / k
    axes[1].plot([0, top], [0, top], ":", color="#555555", label="budget (all spent)")
    axes[0].axhline(0, color="#999999", lw=0.8)
    axes[2].axhline(0, color="#999999", lw=0.8)
    axes[0].set(
        xlabel="budget, thousand CNY",
        ylabel="incremental profit, thousand CNY",
        title="profit over the baseline (95% CI; x: saturation)",
    )
    axes[1].set(
        xlabel="budget, thousand CNY",
        ylabel="spent, thousand CNY",
        title="absorbed spend (unspent money is kept)",
    )
    axes[2].set(
        xlabel="budget at the end of the segment, thousand CNY",
        ylabel="marginal ROI of the extra spend",
        title="marginal ROI per budget step (95% CI)",
    )
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from ..plotting import save_png

    return save_png(fig, path)
