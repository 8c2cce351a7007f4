"""Calibration, campaign mode: market rates fitted to the brand's campaign results.

``job=calibrate calibrate.mode=campaign calibrate.data=<csv>``. The CSV has a column ``t``
(the period number, 1, 2, ... in ``calibrate.time_unit``, day or week) and counts per period of
any of the market's per-day records (:func:`campaign_columns`): the tallies of
:data:`~diffusion_sim.market.results.TALLIES` (``impressions``, ``clicks``,
``new_followers``, ``purchases``, ...), ``spend``, and ``orders_<code>`` for the new customers
whose first order carries the last-touch channel code ``<code>`` (``orders_ad``,
``orders_group``, ... ; the brand's view, :attr:`MarketRun.new_by_channel`), with two aliases
(:data:`ALIASES`: ``follows``, ``orders``). Row ``t`` is the sum over days
``(t - 1) d + 1 .. t d`` (``d`` days per unit); the run's horizon is the data's last day.

The play ``calibrate.play`` of ``compare.splits`` with ``compare.budget`` is the campaign
that produced the data, run on the configured market (``graph.n`` consumers: the campaign's
market, no scaling). The fitted rates (``calibrate.params``, default
:data:`~diffusion_sim.decide.params.CAMPAIGN_DEFAULT_PARAMS`) start from moments of the data
(:data:`MOMENTS`: ``ctr ~ clicks / impressions``, ``click_conversion ~ orders_ad / clicks``,
``follow_on_click ~ new_followers / clicks``; otherwise the configured value) and are fitted
with the curve mode's ABC-SMC (:func:`~diffusion_sim.decide.calibrate.abc_smc`, log-uniform
prior ``[start / spread, start * spread]``, probabilities capped at 1). Distance: the root mean
square over every (period, column) of simulated minus observed counts, each column divided by
its observed mean per period (at least 1), so every observed column weighs alike.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..contagion import TiesRule
from ..errors import ConfigError
from ..market.model import MarketModel
from ..market.params import MarketParams
from ..market.results import TALLIES
from ..states import CAUSE_NAMES
from .calibrate import _wquantile, abc_smc, write_calibration

__all__ = [
    "ALIASES",
    "MOMENTS",
    "CampaignCalibration",
    "calibrate_campaign",
    "campaign_columns",
    "check_campaign_param",
    "read_campaign",
    "run_calibrate_campaign",
]

#: Other names the brand's reports use for a market column.
ALIASES = {"follows": "new_followers", "orders": "purchases"}
#: Moment start of a rate: (numerator column, denominator column) of the data's totals.
MOMENTS = {
    "market.ads.ctr": ("clicks", "impressions"),
    "market.ads.click_conversion": ("orders_ad", "clicks"),
    "market.ads.follow_on_click": ("new_followers", "clicks"),
}
#: Units a campaign's period can be in.
CAMPAIGN_UNITS = {"day": 1, "week": 7}
_CONTAGION = ("alpha", "beta_strong", "beta_weak")


def campaign_columns() -> dict[str, str]:
    """Accepted data column -> column of :meth:`MarketRun.to_frame`, derived from the market's
    tally and channel-code names (plus :data:`ALIASES`)."""
    cols = {name: name for name in TALLIES}
    cols["spend"] = "spend"
    for code in ("none", *CAUSE_NAMES):
        cols[f"orders_{code}"] = f"new_channel_{code}"
    for alias, name in ALIASES.items():
        cols[alias] = cols[name]
    return cols


def _market_rate(param: str):
    """``(section, key, rule kind)`` of a fittable ``market.<section>.<key>``, else None."""
    parts = param.split(".")
    if len(parts) != 3 or parts[0] != "market":
        return None
    section = getattr(MarketParams(), parts[1], None)
    if section is None or parts[2] not in {f.name for f in fields(section)}:
        return None
    rule = getattr(type(section), "_rules", {}).get(parts[2])
    value = getattr(section, parts[2])
    if rule is None or rule[0] not in ("prob", "pos", "nonneg") or isinstance(value, bool):
        return None
    return parts[1], parts[2], rule[0]


def check_campaign_param(param: str) -> None:
    """Refuse a parameter the campaign mode cannot fit (a ``ConfigError`` naming it)."""
    ok = isinstance(param, str) and (
        param in {f"contagion.{k}" for k in _CONTAGION} or _market_rate(param) is not None
    )
    if not ok:
        raise ConfigError(
            "calibrate.params", param,
            "a numeric market rate market.<section>.<key> (e.g. market.ads.ctr) or "
            "contagion.alpha / beta_strong / beta_weak",
        )  # fmt: skip


def read_campaign(path, time_unit: str = "day") -> pd.DataFrame:
    """The observed campaign results: ``t`` and known count columns (canonical names, aliases
    resolved), sorted by ``t``; every problem is a ``ConfigError`` naming the file and column."""
    where = str(path)
    if time_unit not in CAMPAIGN_UNITS:
        raise ConfigError(
            "calibrate.time_unit", time_unit, f"one of {list(CAMPAIGN_UNITS)} in campaign mode"
        )

    def bad(what: str):
        return ConfigError("calibrate.data", where, what)

    try:
        df = pd.read_csv(path, comment="#")
    except Exception as err:
        raise bad(f"a readable CSV file ({str(err).splitlines()[0]})") from None
    known = campaign_columns()
    df.columns = [str(c).strip() for c in df.columns]
    if "t" not in df.columns:
        raise bad("a CSV file with a column t (the period: 1, 2, ... in calibrate.time_unit)")
    seen: dict[str, str] = {}
    for col in df.columns:
        if col == "t":
            continue
        if col not in known:
            raise bad(
                f"column {col!r} is not a campaign result; columns: t and any of {list(known)}"
            )
        name = ALIASES.get(col, col)
        if name in seen:
            raise bad(f"column {col!r} repeats column {seen[name]!r}")
        seen[name] = col
    if not seen:
        raise bad(f"at least one count column besides t, from {list(known)}")
    if len(df) < 2:
        raise bad("at least 2 rows (periods)")
    for col in df.columns:
        v = pd.to_numeric(df[col], errors="coerce")
        if v.isna().any() or not np.isfinite(v).all():
            row = int(np.flatnonzero(v.isna() | ~np.isfinite(v.fillna(0)))[0]) + 2
            raise bad(f"column {col!r}: a number on every row (line {row})")
        if (v < 0).any():
            row = int(np.flatnonzero(v < 0)[0]) + 2
            raise bad(f"column {col!r}: counts >= 0 (line {row} has {v[v < 0].iloc[0]:g})")
        df[col] = v.astype(float)
    t = df["t"]
    if (t < 1).any() or (t != np.round(t)).any() or t.duplicated().any():
        raise bad("column 't': distinct whole periods 1, 2, ... (each row sums one period)")
    df = df.rename(columns=ALIASES).sort_values("t").reset_index(drop=True)
    return df[["t", *seen]]


@dataclass(frozen=True)
class CampaignCalibration:
    """Moment start, ABC-SMC posterior and posterior predictive band of a campaign.

    ``data``: ``t`` and the observed columns; ``band``: per period and column, ``median``,
    ``low``, ``high`` of simulated counts (long format: ``t``, ``column``, ...); other
    attributes as :class:`~diffusion_sim.decide.calibrate.Calibration`.
    """

    data: pd.DataFrame
    columns: tuple[str, ...]
    start: dict
    posterior: pd.DataFrame
    estimates: pd.DataFrame
    band: pd.DataFrame
    generations: pd.DataFrame
    time_unit: str
    play: str
    budget: float
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        return self.estimates

    def point(self) -> dict[str, float]:
        return dict(zip(self.estimates["param"], self.estimates["median"], strict=True))


def _configured(spec, param: str) -> float:
    g, *rest = param.split(".")
    if g == "contagion":
        return float(getattr(spec.rule, rest[0]))
    return float(getattr(getattr(spec.market, rest[0]), rest[1]))


def _with(spec, values: dict):
    """``(rule, market)`` of ``spec`` with ``values`` (probabilities capped at 1)."""
    r = spec.rule
    rule_kw = {k: getattr(r, k) for k in _CONTAGION}
    market = spec.market
    sections: dict[str, dict] = {}
    for p, v in values.items():
        if p.startswith("contagion."):
            rule_kw[p.split(".")[1]] = min(float(v), 1.0)
            continue
        section, key, kind = _market_rate(p)
        sections.setdefault(section, {})[key] = min(float(v), 1.0) if kind == "prob" else float(v)
    for section, kw in sections.items():
        market = replace(market, **{section: replace(getattr(market, section), **kw)})
    return TiesRule(**rule_kw), market


def calibrate_campaign(spec, graph, data: pd.DataFrame, *, progress: bool = False):
    """Fit ``spec.calibrate.params`` to ``data`` (from :func:`read_campaign`) by running
    ``spec.calibrate.play`` with ``spec.plan.budget`` on ``graph``."""
    t0 = time.perf_counter()
    c = spec.calibrate
    d = CAMPAIGN_UNITS[c.time_unit]
    cols = tuple(x for x in data.columns if x != "t")
    frame_cols = campaign_columns()
    t = data["t"].to_numpy().astype(int)
    hi_day, lo_day = t * d, (t - 1) * d
    horizon = int(hi_day.max())
    obs = data[list(cols)].to_numpy(dtype=np.float64)  # (periods, columns)
    scale = np.maximum(obs.mean(axis=0), 1.0)
    budgets = spec.plan.budgets(c.play)
    if not any(b > 0 for b in budgets.values()):
        raise ConfigError(
            "calibrate.play", c.play, f"a play that spends (compare.budget={spec.plan.budget:g})"
        )
    par = bool(spec.parallel)
    totals = dict(zip(cols, obs.sum(axis=0), strict=True))
    start = {}
    for p in c.params:
        num, den = MOMENTS.get(p, (None, None))
        if num in totals and den in totals and totals[den] > 0 and totals[num] > 0:
            start[p] = totals[num] / totals[den]
        else:
            start[p] = _configured(spec, p)
        if not start[p] > 0:
            raise ConfigError(
                "calibrate.params", p, "a rate configured > 0 or with data for its moment start"
            )
    names = list(c.params)
    lows, highs = [], []
    for p in names:
        lo, hi = start[p] / c.spread, start[p] * c.spread
        if p.startswith("contagion.") or _market_rate(p)[2] == "prob":
            hi = min(hi, 1.0)
        lows.append(math.log(lo))
        highs.append(math.log(max(hi, lo * 1.0001)))

    from ..market.scale import to_sample

    def periods(theta, seed) -> np.ndarray:
        rule, market = _with(spec, dict(zip(names, np.exp(theta), strict=True)))
        # the campaign ran in the real market (market.size): the sample's budgets and counts
        # scaled by r, its counts back by 1 / r (market/scale.py)
        market, _, seeding, r = to_sample(market, None, spec.seeding, graph.n)
        sample_budgets = {k: v * r for k, v in budgets.items()}
        run = MarketModel(graph, rule, market, sample_budgets, horizon=horizon, seeding=seeding,
                          parallel=par, seed=seed).run()  # fmt: skip
        f = run.to_frame()
        cs = np.cumsum(f[[frame_cols[x] for x in cols]].to_numpy(dtype=np.float64), axis=0)
        return (cs[hi_day] - cs[lo_day]) / r

    theta, w, dists, log = abc_smc(
        lambda th, s: (periods(th, s) / scale).ravel(),
        (obs / scale).ravel(),
        lows,
        highs,
        particles=c.particles,
        generations=c.generations,
        quantile=c.quantile,
        seed=spec.seed,
        progress=progress,
    )
    vals = np.exp(theta)
    post = pd.DataFrame(vals, columns=names)
    post["weight"] = w
    post["distance"] = dists
    est = pd.DataFrame(
        [
            {
                "param": p,
                "start": start[p],
                "median": _wquantile(vals[:, k], w, 0.5),
                "low": _wquantile(vals[:, k], w, 0.025),
                "high": _wquantile(vals[:, k], w, 0.975),
                "prior_low": math.exp(lows[k]),
                "prior_high": math.exp(highs[k]),
            }
            for k, p in enumerate(names)
        ]
    )
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(11,)))
    picks = rng.choice(len(w), size=spec.replications, p=w)
    kids = np.random.SeedSequence(spec.seed, spawn_key=(12,)).spawn(spec.replications)
    sims = np.array([periods(theta[j], kid) for j, kid in zip(picks, kids, strict=True)])
    rows = []
    for k, col in enumerate(cols):
        rows.append(
            pd.DataFrame(
                {
                    "t": t,
                    "column": col,
                    "observed": obs[:, k],
                    "median": np.median(sims[:, :, k], axis=0),
                    "low": np.quantile(sims[:, :, k], 0.025, axis=0),
                    "high": np.quantile(sims[:, :, k], 0.975, axis=0),
                }
            )
        )
    return CampaignCalibration(
        data.copy(), cols, start, post, est, pd.concat(rows, ignore_index=True),
        pd.DataFrame(log), c.time_unit, c.play, float(spec.plan.budget),
        time.perf_counter() - t0,
    )  # fmt: skip


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def campaign_yaml(cal: CampaignCalibration, data_path: str) -> str:
    """``calibration.yaml``: the posterior medians as an experiment file (nested sections),
    intervals and moment starts as comments."""
    lines = [
        "# @package _global_",
        f"# Campaign results {data_path} (t in {cal.time_unit}s; columns "
        f"{', '.join(cal.columns)}) of play '{cal.play}' with compare.budget = {cal.budget:g} "
        "CNY; one step = one day.",
        "# Values: ABC-SMC posterior medians; [2.5 %, 97.5 %] weighted quantiles in comments.",
        "# Use: copy to <dir>/experiment/<name>.yaml and run "
        "`diffusion-sim --config-dir <dir> experiment=<name>`, or pass the values as "
        "overrides, e.g.",
        "#   diffusion-sim job=compare "
        + " ".join(f"{r['param']}={_fmt(r['median'])}" for _, r in cal.estimates.iterrows()),
    ]
    tree: dict = {}
    for _, r in cal.estimates.iterrows():
        *path, key = r["param"].split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[key] = (
            f"{_fmt(r['median'])}   # 95% [{_fmt(r['low'])}, {_fmt(r['high'])}], "
            f"start {_fmt(r['start'])}"
        )

    def emit(node, depth):
        for k, v in node.items():
            if isinstance(v, dict):
                lines.append("  " * depth + f"{k}:")
                emit(v, depth + 1)
            else:
                lines.append("  " * depth + f"{k}: {v}")

    emit(tree, 0)
    return "\n".join(lines) + "\n"


def run_calibrate_campaign(spec, graph, out_dir, *, progress: bool = False):
    """Campaign mode of ``job=calibrate``: the same files as the curve mode."""
    data = read_campaign(spec.calibrate.data, spec.calibrate.time_unit)
    cal = calibrate_campaign(spec, graph, data, progress=progress)
    return cal, write_calibration(cal, campaign_yaml(cal, spec.calibrate.data), out_dir)


def format_campaign(cal: CampaignCalibration) -> str:
    gens = cal.generations
    lines = [
        f"data: {len(cal.data)} {cal.time_unit}s of play '{cal.play}' "
        f"(compare.budget = {cal.budget:,.0f} CNY); columns: {', '.join(cal.columns)}",
        f"ABC-SMC: {len(gens)} generations, {int(gens['simulations'].sum())} simulations, "
        f"final tolerance {gens['tolerance'].iloc[-1]:.3g}; {cal.seconds:.0f} s",
        "",
        "parameter                      start        median       95% interval",
    ]
    for _, r in cal.estimates.iterrows():
        lines.append(
            f"{r['param']:<30} {_fmt(r['start']):<12} {_fmt(r['median']):<12} "
            f"[{_fmt(r['low'])}, {_fmt(r['high'])}]"
        )
    return "\n".join(lines)


def plot_campaign(cal: CampaignCalibration, path) -> Path:
    """One panel per observed column: observed counts over the posterior predictive band;
    last panel: each parameter's posterior relative to its moment start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(cal.columns) + 1
    ncol = min(k, 3)
    nrow = math.ceil(k / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    axes = axes.ravel()
    for ax, col in zip(axes, cal.columns, strict=False):
        b = cal.band[cal.band["column"] == col]
        ax.fill_between(b["t"], b["low"], b["high"], color="#2e86c1", alpha=0.25, lw=0,
                        label="simulated, 95% band", step="mid")  # fmt: skip
        ax.plot(b["t"], b["median"], color="#2e86c1", label="simulated, median",
                drawstyle="steps-mid")  # fmt: skip
        ax.plot(b["t"], b["observed"], "o", color="#c0392b", ms=4, label="observed")
        ax.set(title=col, xlabel=f"t, {cal.time_unit}", ylabel=f"per {cal.time_unit}")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    ax = axes[len(cal.columns)]
    post = cal.posterior
    for i, (_, r) in enumerate(cal.estimates.iterrows()):
        v = post[r["param"]] / r["start"]
        jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(v))
        ax.scatter(v, i + jitter, s=8 + 200 * post["weight"], alpha=0.4, color="#2e86c1")
        ax.errorbar([r["median"] / r["start"]], [i],
                    xerr=[[(r["median"] - r["low"]) / r["start"]],
                          [(r["high"] - r["median"]) / r["start"]]],
                    fmt="o", color="#c0392b", capsize=4)  # fmt: skip
    ax.axvline(1.0, color="#999999", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(cal.estimates)), [p.split(".", 1)[1] for p in cal.estimates["param"]],
                  fontsize=8)  # fmt: skip
    ax.set(xlabel="value / moment start (log)", title="posterior: median, 95% interval")
    ax.grid(alpha=0.3)
    for extra in axes[k:]:
        extra.axis("off")
    fig.suptitle(f"campaign '{cal.play}', {cal.budget:,.0f} CNY: fitted band over the data")
    fig.tight_layout()
    from ..plotting import save_png

    return save_png(fig, path)
