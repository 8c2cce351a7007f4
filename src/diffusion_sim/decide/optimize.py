"""The best split of one budget across strategies, searched with Optuna.

A split gives strategy ``i`` the share ``s_i = w_i / sum(w)`` of the budget, with weights
``w_i`` in ``[0, 1]`` sampled by Optuna (TPE by default, multivariate); with
``allow_unspent`` an extra weight is the share the brand keeps. Shares are rounded *down* to
1e-4, so a split never allots more than the budget, and each strategy never spends more than
its allotment (the model's rule), so no trial spends more than the budget.

**Common random numbers.** Every trial runs the same ``replications`` seeds (child ``k`` of
``SeedSequence(seed)``, the same streams as the comparison), against one baseline run per
seed. The objective is then a deterministic function of the split, and two trials differ only
by their splits. Objectives: mean incremental profit (``profit``), mean incremental customers
(``customers``), or incremental ROI ``mean(dG - S) / mean(S)`` (``roi``), where a trial
spending less than ``spend_floor`` of the budget scores ``-10 - 100 x shortfall`` (below any
play that spends).

**Re-evaluation.** A search on a few seeds overfits them (the winner's curse), so the best
``top`` distinct splits (some share differs by 0.05 or more) and the even split are run again
on ``final_replications`` fresh seeds (children of ``SeedSequence(seed,
spawn_key=(FRESH,))``, a stream no trial used), all paired, and the best split is the one
with the best re-evaluated objective. Its difference from the even split is reported with a
paired 95 % interval.

**Resuming.** The study lives in the run folder (``optimize.journal``, Optuna's
``JournalFileBackend``); running again in the same folder (``hydra.run.dir=<folder>``) loads
it and runs only the missing trials.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..market.compare import compare, ratio_interval
from ..market.model import MarketModel
from ..market.params import Compare
from ..results import atomic_write, mean_interval

__all__ = [
    "FRESH",
    "Optimization",
    "even_split",
    "optimize_split",
    "run_optimize",
    "search_splits",
    "shares_from_weights",
]

#: Spawn key of the re-evaluation's seed stream (distinct from every trial's seeds).
FRESH = 1_000_003
UNSPENT = "unspent"
#: Re-evaluated splits differ by at least this much in some share.
DISTINCT = 0.05


def shares_from_weights(weights: dict[str, float]) -> dict[str, float]:
    """Shares ``w / sum(w)`` rounded down to 1e-4 (so they never sum above 1); equal weights
    if all are 0. The ``unspent`` weight, if any, is dropped from the result."""
    total = sum(weights.values())
    keys = list(weights)
    if total <= 0:
        weights = dict.fromkeys(keys, 1.0)
        total = float(len(keys))
    return {k: math.floor(w / total * 1e4) / 1e4 for k, w in weights.items() if k != UNSPENT}


def even_split(strategies) -> dict[str, float]:
    """The even split over ``strategies`` (rounded down like every trial)."""
    return shares_from_weights(dict.fromkeys(strategies, 1.0))


def search_splits(
    objective,
    strategies,
    *,
    trials: int,
    allow_unspent: bool = False,
    seed: int = 0,
    sampler: str = "tpe",
    storage=None,
    study_name: str = "optimize",
    progress: bool = False,
):
    """Maximise ``objective(shares) -> (value, attrs)`` over splits of ``strategies`` with
    Optuna; return the study and the number of trials it had already completed. ``storage``
    (an Optuna storage, or None for in-memory) makes the study resumable: completed trials
    count towards ``trials``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    keys = [*strategies, *([UNSPENT] if allow_unspent else [])]
    if sampler == "tpe":
        smp = optuna.samplers.TPESampler(
            seed=seed, multivariate=True, n_startup_trials=min(10, max(1, trials // 4))
        )
    else:
        smp = optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        sampler=smp,
        direction="maximize",
        load_if_exists=True,
    )
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:  # the even split first: the search starts from the default play
        study.enqueue_trial(
            dict.fromkeys((f"w_{k}" for k in strategies), 1.0)
            | ({f"w_{UNSPENT}": 0.0} if allow_unspent else {})
        )

    def fn(trial):
        w = {k: trial.suggest_float(f"w_{k}", 0.0, 1.0) for k in keys}
        shares = shares_from_weights(w)
        for k, v in shares.items():
            trial.set_user_attr(f"share_{k}", v)
        value, attrs = objective(shares)
        for k, v in attrs.items():
            trial.set_user_attr(k, float(v))
        return float(value)

    left = trials - len(done)
    if left > 0:
        study.optimize(fn, n_trials=left, show_progress_bar=progress)
    return study, len(done)


@dataclass(frozen=True)
class Optimization:
    """A split search and its re-evaluation.

    Attributes
    ----------
    trials : DataFrame
        Every trial: number, shares, objective value, spend, incremental profit and customers.
    final : DataFrame
        The re-evaluated splits (``best_1`` …, ``even``) on fresh seeds: shares, mean and 95 %
        CI of incremental profit, customers, spend and ROI, and the paired difference from the
        even split.
    best : dict
        Shares of the best re-evaluated split.
    """

    trials: pd.DataFrame
    final: pd.DataFrame
    best: dict[str, float]
    strategies: list[str]
    objective: str
    budget: float
    seconds: float
    resumed: int = 0
    extra: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.trials

    def best_row(self) -> pd.Series:
        f = self.final
        return f.loc[f["rank"] == 1].iloc[0]

    def even_row(self) -> pd.Series:
        return self.final.loc[self.final["split"] == "even"].iloc[0]

    def override(self, name: str = "best") -> str:
        """The split as a Hydra override, e.g. ``+compare.splits.best={ads:0.4,vip:0.1}``."""
        inner = ",".join(f"{k}:{v:g}" for k, v in self.best.items())
        return f"+compare.splits.{name}={{{inner}}}"


def _metric(obj: str, incr_profit, incr_customers, incr_gross, spend, budget, floor):
    if obj == "profit":
        return float(np.mean(incr_profit))
    if obj == "customers":
        return float(np.mean(incr_customers))
    s = float(np.mean(spend))
    short = floor - (s / budget if budget > 0 else 0.0)
    if short > 0 or s <= 0:
        return -10.0 - 100.0 * max(short, 0.0)
    return float((np.mean(incr_gross) - s) / s)


def optimize_split(
    graph,
    rule,
    params,
    plan: Compare,
    strategies,
    *,
    objective: str = "profit",
    spend_floor: float = 0.9,
    allow_unspent: bool = False,
    trials: int = 60,
    replications: int = 4,
    top: int = 3,
    final_replications: int = 20,
    sampler: str = "tpe",
    horizon: int = 180,
    seed: int = 0,
    seeding=None,
    parallel=None,
    storage=None,
    study_name: str = "optimize",
    progress: bool = False,
) -> Optimization:
    """Search the split of ``plan.budget`` over ``strategies`` maximising ``objective``,
    then re-evaluate the best ``top`` splits and the even split on fresh seeds."""
    t0 = time.perf_counter()
    strategies = list(strategies)
    budget = float(plan.budget)
    base = plan.baseline
    children = np.random.SeedSequence(seed).spawn(replications)
    base_plan = Compare(
        budget=budget, plays=[base], splits={base: plan.splits.get(base) or {}}, baseline=base
    )
    b = compare(
        graph,
        rule,
        params,
        base_plan,
        horizon=horizon,
        replications=replications,
        seed=seed,
        seeding=seeding,
        parallel=parallel,
    ).per_replication()
    b_profit, b_cust, b_gross = (b[c].to_numpy() for c in ("profit", "customers", "gross_profit"))

    from ..market.scale import to_market, to_sample

    # the trials run the sample of the market (market.size) and report the market's totals,
    # as the baseline above (compare() does the same mapping)
    s_params, _, s_seeding, r = to_sample(params, None, seeding, graph.n)

    def evaluate(shares):
        m = [
            to_market(
                MarketModel(
                    graph,
                    rule,
                    s_params,
                    {s: budget * r * v for s, v in shares.items()},
                    horizon=horizon,
                    seeding=s_seeding,
                    parallel=parallel,
                    seed=children[k],
                )
                .run()
                .metrics(),
                r,
            )
            for k in range(replications)
        ]
        profit = np.array([x["profit"] for x in m]) - b_profit
        cust = np.array([x["customers"] for x in m]) - b_cust
        gross = np.array([x["gross_profit"] for x in m]) - b_gross
        spend = np.array([x["spend"] for x in m])
        value = _metric(objective, profit, cust, gross, spend, budget, spend_floor)
        return value, {
            "spend": spend.mean(),
            "incr_profit": profit.mean(),
            "incr_customers": cust.mean(),
            "max_spend": spend.max(),
        }

    study, n_before = search_splits(
        evaluate,
        strategies,
        trials=trials,
        allow_unspent=allow_unspent,
        seed=seed,
        sampler=sampler,
        storage=storage,
        study_name=study_name,
        progress=progress,
    )
    trials_df = _trials_frame(study, strategies)
    # re-evaluate the best distinct splits and the even split on fresh, paired seeds
    done = trials_df.dropna(subset=["value"]).sort_values(
        ["value", "trial"], ascending=[False, True]
    )
    cand = {}
    for _, r in done.iterrows():
        shares = {s: float(r[f"share_{s}"]) for s in strategies}
        if any(max(abs(shares[s] - c[s]) for s in strategies) < DISTINCT for c in cand.values()):
            continue  # distinct: some share differs by DISTINCT or more
        cand[f"best_{len(cand) + 1}"] = shares
        if len(cand) == top:
            break
    cand["even"] = even_split(strategies)
    splits = {base: plan.splits.get(base) or {}, **cand}
    fresh = np.random.SeedSequence(seed, spawn_key=(FRESH,))
    comp = compare(
        graph,
        rule,
        params,
        Compare(budget=budget, plays=list(splits), splits=splits, baseline=base),
        horizon=horizon,
        replications=final_replications,
        seed=fresh,
        seeding=seeding,
        parallel=parallel,
        progress=progress,
    )
    final = _final_frame(comp.per_replication(), cand, strategies, objective, budget, spend_floor)
    best = cand[final.loc[final["rank"] == 1, "split"].iloc[0]]
    return Optimization(
        trials_df, final, best, strategies, objective, budget, time.perf_counter() - t0, n_before
    )


def _trials_frame(study, strategies) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        row = {"trial": t.number, "state": t.state.name, "value": t.value}
        for s in strategies:
            row[f"share_{s}"] = t.user_attrs.get(f"share_{s}", math.nan)
        row["share_total"] = sum(row[f"share_{s}"] for s in strategies)
        for k in ("spend", "max_spend", "incr_profit", "incr_customers"):
            row[k] = t.user_attrs.get(k, math.nan)
        rows.append(row)
    df = pd.DataFrame(rows)
    df["best_so_far"] = df["value"].cummax()
    return df


def _final_frame(df, cand, strategies, objective, budget, floor) -> pd.DataFrame:
    rows = []
    even = df[df["play"] == "even"].reset_index(drop=True)
    for name, shares in cand.items():
        d = df[df["play"] == name].reset_index(drop=True)
        row = {"split": name, **{f"share_{s}": shares.get(s, 0.0) for s in strategies}}
        for m in ("incr_profit", "incr_customers", "spend"):
            row[m], row[f"{m}_low"], row[f"{m}_high"] = mean_interval(d[m])
        net = d["incr_gross_profit"] - d["spend"]
        row["roi"], row["roi_low"], row["roi_high"] = (
            ratio_interval(net, d["spend"]) if d["spend"].mean() > 0 else (math.nan,) * 3
        )
        row["objective"] = _metric(
            objective,
            d["incr_profit"],
            d["incr_customers"],
            d["incr_gross_profit"],
            d["spend"],
            budget,
            floor,
        )
        for m in ("incr_profit", "incr_customers"):
            diff = d[m] - even[m]
            k = m.replace("incr_", "")
            row[f"{k}_vs_even"], row[f"{k}_vs_even_low"], row[f"{k}_vs_even_high"] = mean_interval(
                diff
            )
        row["replications"] = len(d)
        rows.append(row)
    f = pd.DataFrame(rows)
    f["rank"] = f["objective"].rank(ascending=False, method="first").astype(int)
    return f


def run_optimize(spec, graph, out_dir, *, progress: bool = False):
    """``job=optimize``: search, re-evaluate and write ``optimize.csv``, ``optimize_final.csv``
    and ``best_split.yaml``; the study is ``optimize.journal`` in ``out_dir``."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    o = spec.optimize
    plan = spec.plan
    strategies = list(o.strategies) or [s for s, v in (plan.splits.get("mix") or {}).items() if v]
    if not strategies:
        from ..errors import ConfigError

        raise ConfigError("optimize.strategies", [], "strategies (compare.splits.mix is empty)")
    out_dir = Path(out_dir)
    settings = {
        "strategies": strategies,
        "budget": plan.budget,
        "objective": o.objective,
        "floor": o.spend_floor,
        "unspent": o.allow_unspent,
        "reps": o.replications,
        "seed": spec.seed,
        "steps": spec.steps,
        "sampler": o.sampler,
    }
    # one study per setting: a folder rerun with other settings starts a new study
    name = "optimize-" + hashlib.sha1(json.dumps(settings).encode()).hexdigest()[:10]
    storage = JournalStorage(JournalFileBackend(str(out_dir / "optimize.journal")))
    res = optimize_split(
        graph,
        spec.rule,
        spec.market,
        plan,
        strategies,
        objective=o.objective,
        spend_floor=o.spend_floor,
        allow_unspent=o.allow_unspent,
        trials=o.trials,
        replications=o.replications,
        top=o.top,
        final_replications=o.final_replications,
        sampler=o.sampler,
        horizon=spec.steps,
        seed=spec.seed,
        seeding=spec.seeding,
        parallel=spec.parallel,
        storage=storage,
        study_name=name,
        progress=progress,
    )
    files = {
        "trials": out_dir / "optimize.csv",
        "final": out_dir / "optimize_final.csv",
        "best": out_dir / "best_split.yaml",
        "study": out_dir / "optimize.journal",
    }
    atomic_write(files["trials"], lambda p: res.trials.to_csv(p, index=False))
    atomic_write(files["final"], lambda p: res.final.to_csv(p, index=False))
    atomic_write(files["best"], lambda p: p.write_text(best_split_yaml(res, spec)))
    return res, files


def best_split_yaml(res: Optimization, spec) -> str:
    """``best_split.yaml``: an experiment file (``# @package _global_``) adding the play
    ``best`` to ``compare.splits`` and comparing it with the baseline and the even mix."""
    base = spec.plan.baseline
    inner = ", ".join(f"{k}: {v:g}" for k, v in res.best.items())
    r = res.best_row()
    return (
        "# @package _global_\n"
        f"# The best split of {res.budget:,.0f} CNY over {', '.join(res.strategies)} "
        f"(objective: {res.objective}), re-evaluated on {int(r['replications'])} fresh "
        "replications.\n"
        "# Use it as overrides on the command line:\n"
        f"#   diffusion-sim '{res.override()}' 'compare.plays=[{base},mix,best]'\n"
        "# or copy it to <dir>/experiment/best_split.yaml and run "
        "`diffusion-sim --config-dir <dir> experiment=best_split`.\n"
        "compare:\n"
        f"  budget: {res.budget}\n"
        f"  plays: [{base}, mix, best]\n"
        "  splits:\n"
        f"    best: {{{inner}}}\n"
    )


def format_optimization(res: Optimization, graph_name: str, horizon: int) -> str:
    from .jobs import _ci

    f = res.final
    n_final = int(f["replications"].iloc[0])
    done = res.trials["value"].notna().sum()
    lines = [
        f"market: {graph_name}   horizon: {horizon} days   budget: {res.budget:,.0f} CNY   "
        f"strategies: {', '.join(res.strategies)}   objective: {res.objective}",
        f"search: {done} trials ({res.resumed} from an earlier run) on the same seeds; "
        f"re-evaluated on {n_final} fresh replications; {res.seconds:.0f} s",
        "mean [95% CI] over the baseline; money in thousand CNY; vs even: paired difference",
        "",
    ]
    header = (
        "split",
        *res.strategies,
        "incr profit k",
        "incr customers",
        "spend k",
        "ROI",
        "profit vs even k",
    )
    rows = []
    for _, r in f.sort_values("rank").iterrows():
        rows.append(
            (
                r["split"],
                *(f"{r[f'share_{s}']:.2f}" for s in res.strategies),
                _ci(r["incr_profit"], r["incr_profit_low"], r["incr_profit_high"], 1e3),
                _ci(r["incr_customers"], r["incr_customers_low"], r["incr_customers_high"]),
                _ci(r["spend"], r["spend_low"], r["spend_high"], 1e3),
                _ci(r["roi"], r["roi_low"], r["roi_high"], 1.0, 2),
                "—"
                if r["split"] == "even"
                else _ci(
                    r["profit_vs_even"], r["profit_vs_even_low"], r["profit_vs_even_high"], 1e3
                ),
            )
        )
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    best, even = res.best_row(), res.even_row()
    lines.append("")
    if best["split"] == "even":
        lines.append("best split: the even split (no searched split beat it on fresh seeds)")
    else:
        # a percentage of a loss reads as nonsense (+201 % of -13k): only of a positive profit
        base = even["incr_profit"]
        rel = f"{100 * best['profit_vs_even'] / base:+.0f}%" if base > 0 else "the even split loses"
        lines.append(
            f"best split: {best['split']}, incremental profit "
            + _ci(best["profit_vs_even"], best["profit_vs_even_low"], best["profit_vs_even_high"])
            + f" CNY more than the even split ({rel}"
            + ("; not distinguishable at 95 %)" if best["profit_vs_even_low"] <= 0 else ")")
        )
    lines.append(f"use it: diffusion-sim '{res.override()}' 'compare.plays=[none,mix,best]'")
    return "\n".join(lines)


def plot_optimization(res: Optimization, path, title: str = "") -> Path:
    """The search (objective per trial and the best so far), the trials' shares coloured by
    objective, and the re-evaluated splits with 95 % intervals against the even split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = res.trials.dropna(subset=["value"])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    scale = 1e3 if res.objective == "profit" else 1.0
    unit = {
        "profit": "incremental profit, thousand CNY",
        "customers": "incremental customers",
        "roi": "incremental ROI",
    }[res.objective]
    ax = axes[0]
    ax.plot(t["trial"], t["value"] / scale, "o", ms=3, color="#2e86c1", label="trial")
    ax.plot(t["trial"], t["best_so_far"] / scale, "-", color="#c0392b", label="best so far")
    ax.set(xlabel="trial", ylabel=unit, title="search (same seeds every trial)")
    ax.legend(fontsize=8)
    ax = axes[1]
    s0, s1 = res.strategies[0], res.strategies[1 % len(res.strategies)]
    sc = ax.scatter(t[f"share_{s0}"], t[f"share_{s1}"], c=t["value"] / scale, cmap="viridis", s=18)
    b = res.best
    ax.plot([b.get(s0, 0)], [b.get(s1, 0)], "*", color="#c0392b", ms=16, label="best")
    e = even_split(res.strategies)
    ax.plot([e[s0]], [e[s1]], "s", color="#555555", ms=9, mfc="none", mew=2, label="even split")
    fig.colorbar(sc, ax=ax, label=unit)
    ax.set(
        xlabel=f"share of {s0}",
        ylabel=f"share of {s1}",
        xlim=(-0.02, 1.02),
        ylim=(-0.02, 1.02),
        title="trials' splits",
    )
    if len(res.strategies) > 2:
        ax.plot([0, 1], [1, 0], ":", color="#999999", lw=0.8)
    ax.legend(fontsize=8)
    ax = axes[2]
    f = res.final.sort_values("rank")
    y = np.arange(len(f))
    lo = (f["incr_profit"] - f["incr_profit_low"]) / 1e3
    hi = (f["incr_profit_high"] - f["incr_profit"]) / 1e3
    colours = ["#555555" if s == "even" else "#27ae60" for s in f["split"]]
    ax.barh(y, f["incr_profit"] / 1e3, xerr=[lo, hi], color=colours, capsize=3)
    labels = [
        f"{r['split']}: " + " ".join(f"{s[:4]} {r[f'share_{s}']:.2f}" for s in res.strategies)
        for _, r in f.iterrows()
    ]
    # the paired difference to the even split right of each bar's interval, in black: inside
    # a short bar the white label ran off the bar onto the white background
    x_hi = float(f["incr_profit_high"].max()) / 1e3
    x_lo = min(0.0, float(f["incr_profit_low"].min()) / 1e3)
    span = max(x_hi - x_lo, 1e-9)
    for k, (_, r) in enumerate(f.iterrows()):
        if r["split"] != "even":
            ax.text(
                max(r["incr_profit_high"], 0.0) / 1e3 + 0.03 * span,  # right of a loss's bar too
                k,
                f"{r['profit_vs_even'] / 1e3:+.0f}k "
                f"[{r['profit_vs_even_low'] / 1e3:+.0f}, {r['profit_vs_even_high'] / 1e3:+.0f}]"
                " vs even",
                va="center",
                ha="left",
                fontsize=8,
                color="black",
            )
    ax.set_xlim(x_lo - 0.05 * span, x_hi + 1.0 * span)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(
        xlabel="incremental profit, thousand CNY (95% CI)",
        title=f"re-evaluated on {int(f['replications'].iloc[0])} fresh replications",
    )
    for a in axes:
        a.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from ..plotting import save_png

    return save_png(fig, path)
