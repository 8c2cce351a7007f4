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

The comparison is stated for the real market of ``params.size`` consumers: the sample's
budgets and counts are scaled to ``graph.n`` before the runs and its results back to the
market (:mod:`diffusion_sim.market.scale`). With ``params.value.long_horizon`` every run goes
on after the horizon with spending stopped, for the value beyond the horizon; the brand's own
channel-code view of each play sits beside its true incremental ROI
(:mod:`diffusion_sim.market.value`).
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
from . import scale, value
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
    #: ``r = graph.n / market.size``: results are multiplied by ``1 / r`` (1: the sample).
    ratio: float = 1.0
    #: Per run, values measured on the model at and after the horizon (brand view, held
    #: customers, the continuation): ``extras[play][k]``, in sample units.
    extras: dict[str, tuple[dict, ...]] | None = None
    #: Per run, the continuation's per-step incremental inputs (gross profit, spend,
    #: customers) from ``t = 0`` to the long horizon; None without a continuation.
    long_runs: dict[str, tuple[MarketRun, ...]] | None = None
    #: CLV of one held customer, CNY (:func:`~diffusion_sim.market.value.lifetime_value`).
    clv_per_customer: float = 0.0
    horizon: int = 0

    @property
    def plays(self) -> list[str]:
        return list(self.runs)

    def per_replication(self) -> pd.DataFrame:
        """One row per (play, replication): the run's metrics and its increments over the
        baseline run of the same replication."""
        rows = []
        base = [self._metrics(self.baseline, k) for k in range(len(self.runs[self.baseline]))]
        for play, runs in self.runs.items():
            for k in range(len(runs)):
                m = {"play": play, "replication": k, **self._metrics(play, k)}
                b = base[k]
                m["incr_customers"] = m["customers"] - b["customers"]
                m["incr_revenue"] = m["revenue"] - b["revenue"]
                m["incr_gross_profit"] = m["gross_profit"] - b["gross_profit"]
                m["incr_profit"] = m["profit"] - b["profit"]
                if "clv" in m:
                    m["incr_clv"] = m["clv"] - b["clv"]
                if "customers_long" in m:
                    m["expansion"] = m["customers_long"] - b["customers_long"]
                    m["acceleration"] = m["incr_customers"] - m["expansion"]
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
            row.update(self._value_row(d, spend))
            rows.append(row)
        return pd.DataFrame(rows)

    def _metrics(self, play: str, k: int) -> dict:
        """Run ``k`` of ``play``: its metrics and extras, in the real market's units."""
        m = self.runs[play][k].metrics()
        if self.extras is not None:
            e = self.extras[play][k]
            m.update(e)
            m["clv"] = e["held"] * self.clv_per_customer
        return scale.to_market(m, self.ratio)

    def _value_row(self, d: pd.DataFrame, spend: np.ndarray) -> dict:
        """Value beyond the horizon and the brand's view for one play's replications."""
        out = {}
        if "clv" not in d:
            return out
        for m in ("held", "clv", "incr_clv", "expansion", "acceleration"):
            if m in d:
                out[m], out[f"{m}_low"], out[f"{m}_high"] = mean_interval(d[m])
        nan3 = (math.nan, math.nan, math.nan)
        has = spend.mean() > 0
        r = ratio_interval(d["incr_gross_profit"] + d["incr_clv"] - spend, spend) if has else nan3
        out["roi_clv"], out["roi_clv_low"], out["roi_clv_high"] = r
        b = ratio_interval(d["brand_credited_gross"] - spend, spend) if has else nan3
        out["brand_roi"], out["brand_roi_low"], out["brand_roi_high"] = b
        out["brand_credited_customers"] = float(d["brand_credited_customers"].mean())
        out["payback_day"] = self.payback_day(str(d["play"].iloc[0]))
        out["long_horizon"] = self.long_runs_steps()
        return out

    def long_runs_steps(self) -> float:
        """Last day of the continuation (NaN without one)."""
        if self.long_runs is None:
            return math.nan
        return float(next(iter(self.long_runs.values()))[0].steps)

    def payback_day(self, play: str) -> float:
        """First day from which the mean cumulative incremental profit (spend included) of
        ``play`` stays ``>= 0`` to the end of the continuation, if there is one, else of the
        horizon (NaN: not within it; NaN for the baseline and for plays that spend nothing)."""
        runs = self.long_runs if self.long_runs is not None else self.runs
        if play == self.baseline:
            return math.nan
        flow = []
        for run, base in zip(runs[play], runs[self.baseline], strict=True):
            d_gross = run.margin * run.revenue - base.margin * base.revenue
            d_cost = (run.spend.sum(axis=1) + run.service_cost) - base.service_cost
            flow.append(d_gross - d_cost)
        spend = np.mean([r.spend.sum() for r in runs[play]])
        if spend <= 0:
            return math.nan
        cum = np.cumsum(np.mean(flow, axis=0))
        if cum[-1] < 0:
            return math.nan
        below = np.flatnonzero(cum < 0)  # from the day after the last loss it stays >= 0
        return float(below[-1] + 1) if below.size else 1.0

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
                if self.ratio != 1.0:  # the real market's counts and money
                    ext = [c for c in f.columns if c not in scale.INTENSIVE]
                    f[ext] = f[ext].astype(np.float64) / self.ratio
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
    long = params.value.long_horizon
    for play in plan.plays:
        budgets = plan.budgets(play)
        model = MarketModel(
            graph,
            rule,
            params,
            budgets,
            horizon=horizon,
            seeding=seeding,
            parallel=parallel,
            seed=child,  # copied by the model: every play gets the same streams
        )
        run = model.run()
        extra = {"held": float(value.held_customers(model)), **value.brand_view(model, budgets)}
        long_run = None
        if long > horizon:  # the same run goes on, organic only (spending stopped)
            value.stop_spending(model, long)
            long_run = model.run(long - horizon)
            extra["customers_long"] = float(long_run.customers[-1])
        out[play] = (run, extra, long_run)
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
    budget = plan.budget  # the real market's, for the table
    clv = value.lifetime_value(params)
    params, plan, seeding, r = scale.to_sample(params, plan, seeding, graph.n)
    shared = (graph, rule, params, plan, horizon, seeding, parallel)
    per_rep = run_tasks(
        _one_replication,
        shared,
        list(enumerate(children)),
        backend=backend,
        workers=workers,
        progress=progress,
    )
    runs = {p: tuple(r[p][0] for r in per_rep) for p in plan.plays}
    extras = {p: tuple(r[p][1] for r in per_rep) for p in plan.plays}
    long_runs = None
    if params.value.long_horizon > horizon:
        long_runs = {p: tuple(r[p][2] for r in per_rep) for p in plan.plays}
    return Comparison(runs, plan.baseline, budget, r, extras, long_runs, clv, horizon)
