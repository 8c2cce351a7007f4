"""Plays compared at equal budget, with common random numbers and intervals.

Replication ``k`` of every play uses child ``k`` of ``SeedSequence(seed).spawn(R)``: the same
graph, the same organic seeds and the same random number for every (consumer, step, purpose).
Differences between plays in one replication are then due to the plays, not to noise, and the
baseline play (no action) gives each replication's counterfactual. Incremental figures:

.. math::

    \\Delta G = G_{play} - G_{base}, \\quad
    \\mathrm{ROI} = \\frac{\\overline{\\Delta G} - \\overline{S}}{\\overline{S}}, \\quad
    \\mathrm{CAC} = \\frac{\\overline{S}}{\\overline{\\Delta C}}

with ``G`` gross profit, ``S`` spend and ``C`` customers, averaged over replications; their
95 % intervals come from the delta method for a ratio of paired means. ``P(best)`` is the
share of replications in which a play has the highest profit (ties shared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..contagion import TiesRule
from ..graph.social_graph import SocialGraph
from ..results import atomic_write, mean_interval, t975
from ..seeding import Seeding
from .model import MarketModel
from .params import Compare, MarketParams
from .results import MarketRun

__all__ = ["Comparison", "compare", "ratio_interval"]

#: Metrics with a mean and 95 % interval in the summary, in table order.
SUMMARY_METRICS = (
    "customers",
    "incr_customers",
    "revenue",
    "profit",
    "incr_profit",
    "spend",
)


def ratio_interval(x, y) -> tuple[float, float, float]:
    """``mean(x) / mean(y)`` with a 95 % interval from the delta method (paired samples).

    ``Var(R) ~ (Var x - 2 R Cov(x, y) + R^2 Var y) / (n mean(y)^2)``; NaN when ``mean(y)``
    is 0 and the interval collapses to the value for one sample.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    my = y.mean() if n else math.nan
    if n == 0 or my == 0:
        return (math.nan, math.nan, math.nan)
    r = float(x.mean() / my)
    if n == 1:
        return (r, r, r)
    c = np.cov(x, y, ddof=1)
    var = (c[0, 0] - 2 * r * c[0, 1] + r * r * c[1, 1]) / (n * my * my)
    half = t975(n - 1) * math.sqrt(max(var, 0.0))
    return (r, r - half, r + half)


@dataclass(frozen=True)
class Comparison:
    """Runs of several plays, ``runs[play][k]`` being replication ``k``."""

    runs: dict[str, tuple[MarketRun, ...]]
    baseline: str
    budget: float

    @property
    def plays(self) -> list[str]:
        return list(self.runs)

    def per_replication(self) -> pd.DataFrame:
        """One row per (play, replication): the run's metrics and its increments over the
        baseline run of the same replication."""
        rows = []
        base = [r.metrics() for r in self.runs[self.baseline]]
        for play, runs in self.runs.items():
            for k, run in enumerate(runs):
                m = {"play": play, "replication": k, **run.metrics()}
                b = base[k]
                m["incr_customers"] = m["customers"] - b["customers"]
                m["incr_revenue"] = m["revenue"] - b["revenue"]
                m["incr_gross_profit"] = m["gross_profit"] - b["gross_profit"]
                m["incr_profit"] = m["profit"] - b["profit"]
                rows.append(m)
        df = pd.DataFrame(rows)
        best = df.loc[df.groupby("replication")["profit"].transform("max") == df["profit"]]
        share = 1.0 / best.groupby("replication")["play"].transform("size")
        df["best"] = 0.0
        df.loc[best.index, "best"] = share
        return df

    def summary(self) -> pd.DataFrame:
        """One row per play: mean and 95 % interval of each metric, ROI, CAC and P(best)."""
        df = self.per_replication()
        rows = []
        for play in self.plays:
            d = df[df["play"] == play]
            row = {"play": play, "replications": len(d)}
            for m in SUMMARY_METRICS:
                row[m], row[f"{m}_low"], row[f"{m}_high"] = mean_interval(d[m])
            spend = d["spend"].to_numpy()
            if spend.mean() > 0:
                r, lo, hi = ratio_interval(d["incr_gross_profit"] - spend, spend)
                c, clo, chi = ratio_interval(spend, d["incr_customers"])
                if d["incr_customers"].mean() <= 0:
                    c, clo, chi = math.inf, math.nan, math.nan
            else:
                r = lo = hi = c = clo = chi = math.nan
            row.update(roi=r, roi_low=lo, roi_high=hi, cac=c, cac_low=clo, cac_high=chi)
            row["t_50"] = float(np.nanmean(d["t_50"])) if d["t_50"].notna().any() else math.nan
            row["p_best"] = float(d["best"].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def causes(self) -> pd.DataFrame:
        """Mean new customers per play by true cause and by last-touch channel code (tidy)."""
        df = self.per_replication()
        rows = []
        for play in self.plays:
            d = df[df["play"] == play]
            for col in d.columns:
                for kind in ("cause", "channel"):
                    if col.startswith(kind + "_"):
                        rows.append(
                            {
                                "play": play,
                                "attribution": "true cause" if kind == "cause" else "channel code",
                                "channel": col[len(kind) + 1 :],
                                "customers": float(d[col].mean()),
                            }
                        )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Tidy per-step table of every run: play, replication, step and the run's columns."""
        parts = []
        for play, runs in self.runs.items():
            for k, run in enumerate(runs):
                f = run.to_frame()
                f.insert(0, "replication", k)
                f.insert(0, "play", play)
                parts.append(f)
        return pd.concat(parts, ignore_index=True)

    def save(self, folder) -> dict[str, Path]:
        """Write ``summary.csv``, ``replications.csv``, ``causes.csv`` and
        ``timeseries.parquet`` (each written to a temporary file, then renamed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "summary": folder / "summary.csv",
            "replications": folder / "replications.csv",
            "causes": folder / "causes.csv",
            "timeseries": folder / "timeseries.parquet",
        }
        summary, reps, causes = self.summary(), self.per_replication(), self.causes()
        atomic_write(files["summary"], lambda p: summary.to_csv(p, index=False))
        atomic_write(files["replications"], lambda p: reps.to_csv(p, index=False))
        atomic_write(files["causes"], lambda p: causes.to_csv(p, index=False))
        ts = self.to_frame()
        atomic_write(files["timeseries"], lambda p: ts.to_parquet(p, index=False))
        return files


def _one_replication(shared, task) -> dict[str, MarketRun]:
    """Every play of one replication (a task of :func:`~diffusion_sim.backends.run_tasks`)."""
    graph, rule, params, plan, horizon, seeding, parallel = shared
    _, child = task
    out = {}
    for play in plan.plays:
        model = MarketModel(
            graph,
            rule,
            params,
            plan.budgets(play),
            horizon=horizon,
            seeding=seeding,
            parallel=parallel,
            seed=child,  # copied by the model: every play gets the same streams
        )
        out[play] = model.run()
    return out


def compare(
    graph: SocialGraph,
    rule: TiesRule,
    params: MarketParams,
    plan: Compare,
    *,
    horizon: int = 180,
    replications: int = 20,
    seed=None,
    seeding: Seeding | None = None,
    parallel: bool | None = None,
    progress: bool = False,
    backend: str = "serial",
    workers: int | None = None,
) -> Comparison:
    """Run every play of ``plan`` ``replications`` times with common random numbers.

    ``backend`` (``serial``, ``processes``, ``ray``) spreads the replications over workers
    (:func:`~diffusion_sim.backends.run_tasks`); the result is identical for every backend.
    """
    from ..backends import run_tasks
    from ..errors import ConfigError

    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError("sim.replications", replications, "an integer >= 1")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(replications)
    shared = (graph, rule, params, plan, horizon, seeding, parallel)
    per_rep = run_tasks(
        _one_replication,
        shared,
        list(enumerate(children)),
        backend=backend,
        workers=workers,
        progress=progress,
    )
    runs = {p: tuple(r[p] for r in per_rep) for p in plan.plays}
    return Comparison(runs, plan.baseline, plan.budget)
