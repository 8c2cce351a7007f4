"""Uncertainty in the verdict: the comparison over parameter sets, and what flips it.

The comparison's intervals cover Monte Carlo noise at fixed parameters. Here the ESTIMATE
parameters vary within their ranges (``uncertainty.ranges``: key -> [low, high]):

* **Parameter sets.** ``sets`` points of a scrambled Latin hypercube (``scipy.stats.qmc``,
  seeded with ``seed``) over the ranges of non-zero width; each set runs the plain comparison
  with the same seeds (common random numbers across plays *and* sets). Pooled over sets and
  replications: mean incremental profit, ROI ``mean(dG - S) / mean(S)`` and P(best) per play,
  so the spread covers parameters and noise together.
* **What flips the verdict** (``sensitivity.csv``, tornado plot): a one-at-a-time sweep, each
  parameter at the low and the high end of its range with the others at their configured
  values: the change in each play's mean incremental profit, and the best play at each end
  (``flips`` when it differs from the configured market's best).

With every range of zero width at the configured values, each set *is* the plain comparison
(the same parameters and seeds), bit for bit (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..market.compare import compare, ratio_interval
from ..results import atomic_write, mean_interval
from .params import flat_ranges

__all__ = ["Uncertainty", "apply_values", "run_uncertainty", "verdict_uncertainty"]


def apply_values(rule, params, values: dict):
    """``(rule, params)`` with ``values`` (keys ``contagion.x`` or ``market.section.x``)."""
    rule_kw, market = {}, {}
    for key, v in values.items():
        parts = key.split(".")
        if parts[0] == "contagion" and len(parts) == 2 and hasattr(rule, parts[1]):
            rule_kw[parts[1]] = v
        elif parts[0] == "market" and len(parts) == 3 and hasattr(params, parts[1]):
            sec = getattr(params, parts[1])
            if not hasattr(sec, parts[2]):
                raise ConfigError(f"uncertainty.ranges.{key}", key, "a market parameter")
            cur = getattr(sec, parts[2])
            market.setdefault(parts[1], {})[parts[2]] = type(cur)(
                round(v) if isinstance(cur, int) and not isinstance(cur, bool) else v
            )
        else:
            raise ConfigError(
                f"uncertainty.ranges.{key}", key, "a key contagion.<rate> or market.<section>.<key>"
            )
    new_rule = replace(rule, **rule_kw) if rule_kw else rule
    new_params = replace(
        params, **{s: replace(getattr(params, s), **kv) for s, kv in market.items()}
    )
    return new_rule, new_params


def _current(rule, params, key):
    parts = key.split(".")
    if parts[0] == "contagion":
        return float(getattr(rule, parts[1]))
    return float(getattr(getattr(params, parts[1]), parts[2]))


@dataclass(frozen=True)
class Uncertainty:
    """``sets`` : parameter values per set; ``pooled`` : per play over sets and noise;
    ``sensitivity`` : one row per parameter × play; ``runs`` : per (set, play, replication)."""

    sets: pd.DataFrame
    pooled: pd.DataFrame
    sensitivity: pd.DataFrame
    runs: pd.DataFrame
    best: str
    source: str = "Latin hypercube"

    def to_frame(self) -> pd.DataFrame:
        return self.pooled


def verdict_uncertainty(
    graph,
    rule,
    params,
    plan,
    ranges: dict,
    *,
    sets: int = 8,
    horizon: int = 180,
    replications: int = 10,
    seed=0,
    seeding=None,
    parallel=None,
    progress=False,
    draws: pd.DataFrame | None = None,
) -> Uncertainty:
    """The comparison over ``sets`` Latin-hypercube parameter sets and a one-at-a-time sweep
    over ``ranges`` (see the module docstring).

    ``draws`` (e.g. a calibration's ``posterior.csv``: one column per parameter, optional
    ``weight``): the sets take those parameters from rows drawn by weight (seeded with
    ``seed``) instead of the hypercube; ranges of the same parameters are ignored for the
    sets (the sweep still uses them)."""
    from scipy.stats import qmc

    keys = list(ranges)
    for k in keys:
        lo, hi = ranges[k]
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ConfigError(f"uncertainty.ranges.{k}", [lo, hi], "[low, high] with low <= high")
        apply_values(rule, params, {k: lo})  # checks the key and the value's range
        apply_values(rule, params, {k: hi})
    wide = [k for k in keys if ranges[k][1] > ranges[k][0]]

    def run(values):
        r, p = apply_values(rule, params, values)
        return compare(
            graph,
            r,
            p,
            plan,
            horizon=horizon,
            replications=replications,
            seed=seed,
            seeding=seeding,
            parallel=parallel,
        ).per_replication()

    drawn = None
    if draws is not None:
        cols = [c for c in draws.columns if c not in ("weight", "distance")]
        if not cols or "graph.n" in cols:
            raise ConfigError(
                "uncertainty.posterior",
                cols,
                "draws of contagion.* or market.* parameters (not graph.n)",
            )
        for c in cols:
            apply_values(rule, params, {c: float(draws[c].iloc[0])})
        w = draws["weight"].to_numpy(float) if "weight" in draws else np.ones(len(draws))
        pick = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(21,))).choice(
            len(draws), size=sets, p=w / w.sum()
        )
        drawn = draws[cols].iloc[pick].reset_index(drop=True)
        wide_sets = [k for k in wide if k not in cols]
    else:
        wide_sets = wide
    if wide_sets:
        u = qmc.LatinHypercube(d=len(wide_sets), seed=np.random.default_rng(seed)).random(sets)
    else:
        u = np.zeros((sets, 0))
    rows, frames = [], []
    it = range(sets)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="parameter sets", unit="set", leave=False)
    for s in it:
        values = {k: float(ranges[k][0]) for k in keys}
        for j, k in enumerate(wide_sets):
            lo, hi = ranges[k]
            values[k] = float(lo + (hi - lo) * u[s, j])
        if drawn is not None:
            values.update({c: float(drawn.loc[s, c]) for c in drawn.columns})
        rows.append({"set": s, **values})
        frames.append(run(values).assign(set=s))
    runs = pd.concat(frames, ignore_index=True)
    pooled = []
    plays = list(plan.plays)
    # best per (set, replication), ties shared
    key = ["set", "replication"]
    top = runs.groupby(key)["profit"].transform("max") == runs["profit"]
    share = 1.0 / runs[top].groupby(key)["play"].transform("size")
    runs["best"] = 0.0
    runs.loc[share.index, "best"] = share
    for play in plays:
        d = runs[runs["play"] == play]
        row = {"play": play, "sets": sets, "replications": replications}
        row["incr_profit"], row["incr_profit_low"], row["incr_profit_high"] = mean_interval(
            d["incr_profit"]
        )
        per_set = d.groupby("set")["incr_profit"].mean()
        row["incr_profit_p2_5"] = float(per_set.quantile(0.025))
        row["incr_profit_p97_5"] = float(per_set.quantile(0.975))
        if d["spend"].mean() > 0:
            r, lo, hi = ratio_interval(d["incr_gross_profit"] - d["spend"], d["spend"])
            roi_set = d.groupby("set").apply(
                lambda x: (
                    (x["incr_gross_profit"] - x["spend"]).mean() / x["spend"].mean()
                    if x["spend"].mean() > 0
                    else math.nan
                ),
                include_groups=False,
            )
            row.update(
                roi=r,
                roi_low=lo,
                roi_high=hi,
                roi_p2_5=float(roi_set.quantile(0.025)),
                roi_p97_5=float(roi_set.quantile(0.975)),
            )
        else:
            row.update(
                roi=math.nan,
                roi_low=math.nan,
                roi_high=math.nan,
                roi_p2_5=math.nan,
                roi_p97_5=math.nan,
            )
        row["p_best"] = float(d["best"].mean())
        pooled.append(row)
    pooled = pd.DataFrame(pooled)
    # one-at-a-time sweep
    base = {k: _current(rule, params, k) for k in keys}
    ref = run({})
    ref_mean = ref.groupby("play")["incr_profit"].mean()
    best = str(ref.groupby("play")["profit"].mean().idxmax())
    sens = []
    for k in wide:
        ends = {}
        for end, v in (("low", ranges[k][0]), ("high", ranges[k][1])):
            ends[end] = run({k: float(v)})
        best_lo = str(ends["low"].groupby("play")["profit"].mean().idxmax())
        best_hi = str(ends["high"].groupby("play")["profit"].mean().idxmax())
        for play in plays:
            lo_m = float(ends["low"].loc[ends["low"]["play"] == play, "incr_profit"].mean())
            hi_m = float(ends["high"].loc[ends["high"]["play"] == play, "incr_profit"].mean())
            sens.append(
                {
                    "param": k,
                    "play": play,
                    "value": base[k],
                    "low": ranges[k][0],
                    "high": ranges[k][1],
                    "incr_profit": float(ref_mean[play]),
                    "incr_profit_at_low": lo_m,
                    "incr_profit_at_high": hi_m,
                    "swing": abs(hi_m - lo_m),
                    "best_at_low": best_lo,
                    "best_at_high": best_hi,
                    "flips": best_lo != best or best_hi != best,
                }
            )
    sens = pd.DataFrame(
        sens,
        columns=[
            "param",
            "play",
            "value",
            "low",
            "high",
            "incr_profit",
            "incr_profit_at_low",
            "incr_profit_at_high",
            "swing",
            "best_at_low",
            "best_at_high",
            "flips",
        ],
    )
    if len(sens):
        order = sens.groupby("param")["swing"].max().sort_values(ascending=False).index
        sens["param"] = pd.Categorical(sens["param"], categories=list(order), ordered=True)
        sens = sens.sort_values(["param", "play"]).reset_index(drop=True)
        sens["param"] = sens["param"].astype(str)
    source = "Latin hypercube" if drawn is None else "posterior draws"
    if drawn is not None and wide_sets:
        source += " + Latin hypercube"
    return Uncertainty(pd.DataFrame(rows), pooled, sens, runs, best, source)


def run_uncertainty(spec, graph, out_dir, *, progress: bool = False):
    """``job=uncertainty``: ``uncertainty.csv`` (pooled), ``uncertainty_sets.csv``,
    ``sensitivity.csv`` into ``out_dir``."""
    u = spec.uncertainty
    res = verdict_uncertainty(
        graph,
        spec.rule,
        spec.market,
        spec.plan,
        flat_ranges(u.ranges),
        sets=u.sets,
        horizon=spec.steps,
        replications=u.replications or spec.replications,
        seed=spec.seed,
        seeding=spec.seeding,
        parallel=spec.parallel,
        progress=progress,
        draws=None if u.posterior is None else pd.read_csv(u.posterior),
    )
    out_dir = Path(out_dir)
    files = {
        "pooled": out_dir / "uncertainty.csv",
        "sets": out_dir / "uncertainty_sets.csv",
        "sensitivity": out_dir / "sensitivity.csv",
    }
    atomic_write(files["pooled"], lambda p: res.pooled.to_csv(p, index=False))
    atomic_write(files["sets"], lambda p: res.sets.to_csv(p, index=False))
    atomic_write(files["sensitivity"], lambda p: res.sensitivity.to_csv(p, index=False))
    return res, files


def format_uncertainty(res: Uncertainty) -> str:
    from .jobs import _ci

    p = res.pooled
    lines = [
        f"{int(p['sets'].iloc[0])} parameter sets ({res.source}) x "
        f"{int(p['replications'].iloc[0])} replications, common random numbers",
        "incr profit k: mean [95% CI] over sets and noise, then the 2.5-97.5% range of set means",
        "",
    ]
    for _, r in p.iterrows():
        ci = _ci(r["incr_profit"], r["incr_profit_low"], r["incr_profit_high"], 1e3)
        lines.append(
            f"{r['play']:<10} incr profit k {ci}"
            f" (sets {r['incr_profit_p2_5'] / 1e3:,.0f}..{r['incr_profit_p97_5'] / 1e3:,.0f})   "
            f"ROI {_ci(r['roi'], r['roi_low'], r['roi_high'], 1, 2)}"
            + (
                ""
                if not math.isfinite(r["roi_p2_5"])
                else f" (sets {r['roi_p2_5']:.2f}..{r['roi_p97_5']:.2f})"
            )
            + f"   P(best) {r['p_best']:.2f}"
        )
    s = res.sensitivity
    if len(s):
        lines.append("")
        lines.append(f"what flips the verdict (best at the configured values: {res.best}):")
        for k, d in s.groupby("param", sort=False):
            r = d.iloc[0]
            flip = "flips" if r["flips"] else "keeps"
            lines.append(
                f"  {k} {r['low']:g}..{r['high']:g}: swing up to {d['swing'].max() / 1e3:,.0f}k; "
                f"best {r['best_at_low']} .. {r['best_at_high']} ({flip} the verdict)"
            )
    return "\n".join(lines)


def plot_tornado(res: Uncertainty, path) -> Path:
    """Tornado: per parameter (largest swing on top) and play, incremental profit at the low
    and the high end of the range, around the value at the configured parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..market.colours import play_colours

    s = res.sensitivity
    params = list(dict.fromkeys(s["param"]))
    plays = [p for p in dict.fromkeys(s["play"]) if s[s["play"] == p]["swing"].max() > 0]
    fig, ax = plt.subplots(figsize=(10, 0.6 + 0.55 * max(1, len(params)) * max(1, len(plays)) / 2))
    h = 0.8 / max(1, len(plays))
    colour = play_colours(plays)  # fixed per play across every figure
    for j, play in enumerate(plays):
        d = s[s["play"] == play].set_index("param").loc[params]
        y = np.arange(len(params)) + (j - (len(plays) - 1) / 2) * h
        lo = d["incr_profit_at_low"] / 1e3
        hi = d["incr_profit_at_high"] / 1e3
        left = np.minimum(lo, hi)
        col = colour[play]
        ax.barh(y, np.abs(hi - lo), left=left, height=h * 0.9, color=col, label=play)
        ax.plot(d["incr_profit"] / 1e3, y, "|", color="black", ms=8)
        ax.plot(hi, y, ">", color=col, ms=4)
    labels = []
    for p in params:
        r = s[s["param"] == p].iloc[0]
        labels.append(f"{p}\n{r['low']:g} .. {r['high']:g}" + (" (flips)" if r["flips"] else ""))
    ax.set_yticks(np.arange(len(params)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="#999999", lw=0.8)
    ax.set(
        xlabel="incremental profit, thousand CNY (bar: low to high end of the range; >: high end;"
        " |: configured values)",
        title="what moves each play's profit (one parameter at a time)",
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    from ..plotting import save_png

    return save_png(fig, path)
