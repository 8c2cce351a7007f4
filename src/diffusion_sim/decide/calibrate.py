"""Calibration: the ``ties`` rule's rates fitted to an observed cumulative adoption curve.

Two stages.

1. **Bass mean-field fit.** Nonlinear least squares (``scipy.optimize.least_squares``, on
   log parameters, several starts) of the Bass cumulative curve
   ``N(t) = m (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` (t in days) to the data, with
   residuals relative to the largest observation. ``m`` is fixed to ``population`` when that is
   given. The mean-field limit of the ``ties`` rule is Bass with ``p = alpha`` and
   ``q = beta_strong K_s + beta_weak K_w`` (``K_s``, ``K_w`` the mean strong / weak degree);
   the start splits ``q`` between the tie kinds in the ratio of the configured
   ``beta_strong / beta_weak``.

2. **ABC-SMC** (Toni et al. 2009; kernel of Beaumont et al. 2009). Parameters live in log
   space with a uniform prior on ``[log(start / spread), log(start * spread)]`` (``graph.n``:
   from the size that just holds the data to 4x the configured size). Generation 0 draws
   ``3 x particles`` from the prior and keeps the ``particles`` closest. Each later
   generation resamples the previous population by weight, perturbs with a Gaussian kernel
   of twice the population's weighted covariance, and keeps a proposal when its distance is
   at most the tolerance, the ``quantile`` of the previous generation's distances. Weights
   are ``prior / sum_j w_j K(theta | theta_j)``. One simulation per proposal (its own seed).
   A generation that would need more than 8 simulations per particle (acceptance below
   12.5 %) stops the search, keeping the previous population: the tolerance has reached the
   simulation noise. The distance is the root mean square difference between simulated and
   observed adopters at the data's times, relative to the largest observation. The point
   estimate is the weighted posterior median; intervals are weighted 2.5 / 97.5 % quantiles.

Each simulated consumer stands for ``population / graph.n`` observed adopters (the configured
``graph.n``), so fitting ``graph.n`` fits the market potential.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..contagion import TiesRule
from ..errors import ConfigError
from ..model import DiffusionModel
from ..results import atomic_write
from ..states import State

__all__ = [
    "BassFit",
    "Calibration",
    "abc_smc",
    "bass_curve",
    "fit_bass",
    "read_curve",
    "run_calibrate",
]


def bass_curve(t, m: float, p: float, q: float) -> np.ndarray:
    """Cumulative Bass adopters at times ``t`` (same unit as ``1/p``, ``1/q``)."""
    t = np.asarray(t, dtype=np.float64)
    e = np.exp(-(p + q) * t)
    return m * (1.0 - e) / (1.0 + (q / p) * e)


@dataclass(frozen=True)
class BassFit:
    """Least-squares Bass fit; ``p``, ``q`` per day; ``rmse`` relative to the largest value."""

    m: float
    p: float
    q: float
    rmse: float


def fit_bass(t_days, adopters, *, m: float | None = None) -> BassFit:
    """Fit ``m, p, q`` (``m`` fixed if given) of the Bass curve to ``adopters`` at ``t_days``."""
    from scipy.optimize import least_squares

    t = np.asarray(t_days, dtype=np.float64)
    y = np.asarray(adopters, dtype=np.float64)
    top = float(y.max())
    if top <= 0:
        raise ConfigError("calibrate.data", "no adopters", "a curve with adopters > 0")
    span = float(t.max()) or 1.0

    def unpack(x):
        mm = m if m is not None else top * (1.0 + math.exp(x[2]))
        return mm, math.exp(x[0]), math.exp(x[1])

    def res(x):
        mm, p, q = unpack(x)
        return (bass_curve(t, mm, p, q) - y) / top

    best = None
    for qs in (1.0, 5.0, 20.0):  # q * span: slow to fast imitation
        for ps in (1e-3, 1e-2, 1e-1):  # p * span
            x0 = [math.log(ps / span), math.log(qs / span), 0.0]
            if m is not None:
                x0 = x0[:2]
            lo = [math.log(1e-9 / span)] * 2 + [-20.0]
            hi = [math.log(1e3 / span)] * 2 + [12.0]
            r = least_squares(
                res,
                x0,
                bounds=(lo[: len(x0)], hi[: len(x0)]),
                method="trf",
                xtol=1e-14,
                ftol=1e-14,
                gtol=1e-14,
                max_nfev=5000,
            )
            if best is None or r.cost < best.cost:
                best = r
    mm, p, q = unpack(best.x)
    return BassFit(mm, p, q, float(np.sqrt(np.mean(res(best.x) ** 2))))


def read_curve(path) -> pd.DataFrame:
    """The observed curve: columns ``t`` and ``adopters``, sorted by ``t``; checked."""
    try:
        df = pd.read_csv(path)
    except Exception as err:
        raise ConfigError("calibrate.data", str(path), f"a readable CSV file ({err})") from None
    if not {"t", "adopters"} <= set(df.columns):
        raise ConfigError("calibrate.data", str(path), "a CSV file with columns t, adopters")
    df = df[["t", "adopters"]].astype(float).sort_values("t").reset_index(drop=True)
    if len(df) < 3 or (df["t"] < 0).any() or (df["adopters"] < 0).any():
        raise ConfigError("calibrate.data", str(path), "at least 3 rows with t, adopters >= 0")
    if (np.diff(df["adopters"]) < 0).any():
        raise ConfigError("calibrate.data", str(path), "a cumulative (non-decreasing) curve")
    return df


@dataclass(frozen=True)
class Calibration:
    """Bass start, ABC-SMC posterior and the posterior predictive band.

    Attributes
    ----------
    data : DataFrame
        ``t`` (data unit), ``day``, ``adopters``.
    bass : BassFit
    start : dict
        Mean-field start of each fitted parameter.
    posterior : DataFrame
        Last population: one row per particle, a column per parameter, ``weight``, ``distance``.
    estimates : DataFrame
        One row per parameter: start, median, 2.5 % and 97.5 % quantiles, prior range.
    band : DataFrame
        Per day: median and 2.5–97.5 % of simulated adopters (posterior predictive).
    population : float
        Observed adopters a share of 1 stands for.
    generations : DataFrame
        Per generation: tolerance, simulations, acceptance rate.
    """

    data: pd.DataFrame
    bass: BassFit
    start: dict
    posterior: pd.DataFrame
    estimates: pd.DataFrame
    band: pd.DataFrame
    population: float
    generations: pd.DataFrame
    time_unit: str
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        return self.estimates

    def point(self) -> dict[str, float]:
        return dict(zip(self.estimates["param"], self.estimates["median"], strict=True))


def _wquantile(x, w, q):
    i = np.argsort(x)
    x, w = np.asarray(x)[i], np.asarray(w)[i]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, c, x))


#: Generation 0 simulates this many prior draws per particle and keeps the closest.
INITIAL = 3
#: A generation that needs more than this many simulations per particle (acceptance below
#: 1 / MAX_ATTEMPTS) ends the search: the tolerance has reached the simulation noise.
MAX_ATTEMPTS = 8


def abc_smc(
    simulate,
    observed,
    lows,
    highs,
    *,
    particles: int = 100,
    generations: int = 4,
    quantile: float = 0.5,
    seed=None,
    max_attempts: int = MAX_ATTEMPTS,
    progress: bool = False,
):
    """ABC-SMC in a box ``[lows, highs]`` (uniform prior; work in log space by passing logs).

    ``simulate(theta, seed_sequence) -> array`` like ``observed``. Returns ``(theta, weights,
    distances, log)`` of the last population and one dict per generation.
    """
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    d = lows.size
    ss = np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss.spawn(1)[0])
    counter = [0]

    def dist(theta):
        counter[0] += 1
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 7, counter[0]))
        return float(np.sqrt(np.mean((simulate(theta, child) - observed) ** 2)))

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=particles * generations, desc="ABC-SMC", unit="particle", leave=False)
    # generation 0: rejection from the prior, the closest particles of INITIAL x as many draws
    draws = lows + (highs - lows) * rng.random((INITIAL * particles, d))
    all_d = np.array([dist(t) for t in draws])
    keep = np.argsort(all_d, kind="stable")[:particles]
    theta, dists = draws[keep], all_d[keep]
    w = np.full(particles, 1.0 / particles)
    log = [
        {
            "generation": 0,
            "tolerance": float(dists.max()),
            "simulations": draws.shape[0],
            "acceptance": 1.0 / INITIAL,
            "kept": True,
        }
    ]
    if bar is not None:
        bar.update(particles)
    for g in range(1, generations):
        eps = float(np.quantile(dists, quantile))
        cov = 2.0 * np.atleast_2d(np.cov(theta.T, aweights=w))
        cov += np.eye(d) * 1e-12
        chol = np.linalg.cholesky(cov)
        inv = np.linalg.inv(cov)
        new_t, new_d, sims = [], [], 0
        while len(new_t) < particles and sims < max_attempts * particles:
            j = rng.choice(particles, p=w)
            prop = theta[j] + chol @ rng.standard_normal(d)
            if np.any(prop < lows) or np.any(prop > highs):
                continue
            sims += 1
            dd = dist(prop)
            if dd <= eps:
                new_t.append(prop)
                new_d.append(dd)
                if bar is not None:
                    bar.update(1)
        if len(new_t) < particles:
            log.append(
                {
                    "generation": g,
                    "tolerance": eps,
                    "simulations": sims,
                    "acceptance": len(new_t) / max(sims, 1),
                    "kept": False,
                }
            )
            break  # the noise floor: keep the previous population
        new_t = np.array(new_t)
        diff = new_t[:, None, :] - theta[None, :, :]
        k = np.exp(-0.5 * np.einsum("abi,ij,abj->ab", diff, inv, diff))
        nw = 1.0 / (k @ w)
        theta, dists, w = new_t, np.array(new_d), nw / nw.sum()
        log.append(
            {
                "generation": g,
                "tolerance": eps,
                "simulations": sims,
                "acceptance": len(new_t) / sims,
                "kept": True,
            }
        )
    if bar is not None:
        bar.close()
    return theta, w, dists, log


def _mean_degrees(graph) -> tuple[float, float]:
    return 2.0 * graph.n_strong_ties / graph.n, 2.0 * graph.n_weak_ties / graph.n


def _graph_at(spec, n: int):
    if spec.graph_kind == "edgelist":
        raise ConfigError("calibrate.params", "graph.n", "a generated graph (not an edge list)")
    return replace(spec, graph_params={**spec.graph_params, "n": int(n)}).make_graph()


def _adopted(graph, rule, seeding, steps, seed, parallel=False) -> np.ndarray:
    """Adopters after each step of the run of ``DiffusionModel(graph, rule, seeding,
    seed=seed)``, stepping its engine directly (without the model's per-step records: half
    the time per step on long runs; tested equal)."""
    model = DiffusionModel(graph, rule, seeding, agents="lazy", parallel=parallel, seed=seed)
    engine = model.engine
    out = np.empty(steps + 1, dtype=np.float64)
    out[0] = engine.counts[State.ADOPTED]
    for t in range(1, steps + 1):
        engine.step()
        out[t] = engine.counts[State.ADOPTED]
    return out


def calibrate_curve(spec, graph, data: pd.DataFrame, *, progress: bool = False) -> Calibration:
    """Fit ``spec.calibrate.params`` of ``spec.rule`` on ``graph`` to ``data`` (t, adopters)."""
    t0 = time.perf_counter()
    c = spec.calibrate
    days = data["t"].to_numpy() * c.days_per_unit
    obs = data["adopters"].to_numpy()
    steps = math.ceil(days.max())
    idx = np.rint(days).astype(int)
    bass = fit_bass(days, obs, m=c.population)
    population = float(c.population or bass.m)
    n0 = graph.n
    scale = population / n0  # observed adopters per simulated consumer
    ks, kw = _mean_degrees(graph)
    r = spec.rule
    ratio = r.beta_strong / r.beta_weak if r.beta_weak > 0 else (math.inf if r.beta_strong else 1)
    if math.isinf(ratio):
        bs, bw = bass.q / ks, 0.0
    else:
        bw = bass.q / (ratio * ks + kw)
        bs = ratio * bw
    start = {
        "contagion.alpha": -math.expm1(-bass.p),
        "contagion.beta_strong": bs,
        "contagion.beta_weak": bw,
        "graph.n": float(n0),
    }
    names = list(c.params)
    lows, highs = [], []
    for p in names:
        s0 = max(start[p], 1e-9)
        if p == "graph.n":
            lo, hi = max(obs.max() / scale, 10.0), 4.0 * n0
        else:
            lo, hi = s0 / c.spread, min(s0 * c.spread, 1.0)
        lows.append(math.log(lo))
        highs.append(math.log(max(hi, lo * 1.0001)))
    top = float(obs.max())
    graphs = {n0: graph}
    par = bool(spec.parallel)

    def rule_and_graph(theta):
        v = dict(zip(names, np.exp(theta), strict=True))
        rule = TiesRule(
            alpha=min(v.get("contagion.alpha", r.alpha), 1.0),
            beta_strong=min(v.get("contagion.beta_strong", r.beta_strong), 1.0),
            beta_weak=min(v.get("contagion.beta_weak", r.beta_weak), 1.0),
        )
        n = round(v.get("graph.n", n0))
        if n not in graphs:
            if len(graphs) > 64:
                graphs.clear()
                graphs[n0] = graph
            graphs[n] = _graph_at(spec, n)
        return rule, graphs[n]

    def simulate(theta, seed):
        rule, g = rule_and_graph(theta)
        return _adopted(g, rule, spec.seeding, steps, seed, par)[idx] * scale / top

    theta, w, dists, log = abc_smc(
        simulate,
        obs / top,
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
    rows = []
    for k, p in enumerate(names):
        rows.append(
            {
                "param": p,
                "start": start[p],
                "median": _wquantile(vals[:, k], w, 0.5),
                "low": _wquantile(vals[:, k], w, 0.025),
                "high": _wquantile(vals[:, k], w, 0.975),
                "prior_low": math.exp(lows[k]),
                "prior_high": math.exp(highs[k]),
            }
        )
    est = pd.DataFrame(rows)
    # posterior predictive band: particles drawn by weight, fresh seeds
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(11,)))
    picks = rng.choice(len(w), size=spec.replications, p=w)
    kids = np.random.SeedSequence(spec.seed, spawn_key=(12,)).spawn(spec.replications)
    curves = []
    for j, kid in zip(picks, kids, strict=True):
        rule, g = rule_and_graph(theta[j])
        curves.append(_adopted(g, rule, spec.seeding, steps, kid, par) * scale)
    curves = np.array(curves)
    band = pd.DataFrame(
        {
            "day": np.arange(steps + 1),
            "t": np.arange(steps + 1) / c.days_per_unit,
            "median": np.median(curves, axis=0),
            "low": np.quantile(curves, 0.025, axis=0),
            "high": np.quantile(curves, 0.975, axis=0),
            "bass": bass_curve(np.arange(steps + 1), bass.m, bass.p, bass.q),
        }
    )
    d = data.assign(day=days)[["t", "day", "adopters"]]
    return Calibration(
        d,
        bass,
        {p: start[p] for p in names},
        post,
        est,
        band,
        population,
        pd.DataFrame(log),
        c.time_unit,
        time.perf_counter() - t0,
    )


def _fmt_value(p: str, v: float) -> str:
    return str(round(v)) if p == "graph.n" else f"{v:.4g}"


def calibration_yaml(cal: Calibration, data_path: str) -> str:
    """``calibration.yaml``: an experiment file of the point estimates (posterior medians),
    with the intervals, the Bass start and the units as comments."""
    lines = [
        "# @package _global_",
        f"# Calibrated to {data_path} (t in {cal.time_unit}s); one step = one day.",
        f"# Bass fit: m = {cal.bass.m:.4g}, p = {cal.bass.p:.4g}/day, q = {cal.bass.q:.4g}/day "
        f"(relative RMSE {cal.bass.rmse:.3f}); population = {cal.population:.4g}.",
        "# Values: ABC-SMC posterior medians; [2.5 %, 97.5 %] weighted quantiles in comments.",
        "# Use: copy to <dir>/experiment/<name>.yaml and run "
        "`diffusion-sim --config-dir <dir> experiment=<name>`, or pass the values as "
        "overrides, e.g.",
        "#   diffusion-sim job=diffuse "
        + " ".join(
            f"{r['param']}={_fmt_value(r['param'], r['median'])}"
            for _, r in cal.estimates.iterrows()
        ),
    ]
    groups: dict[str, list[str]] = {}
    for _, r in cal.estimates.iterrows():
        g, k = r["param"].split(".")
        p = r["param"]
        groups.setdefault(g, []).append(
            f"  {k}: {_fmt_value(p, r['median'])}   # 95% [{_fmt_value(p, r['low'])}, "
            f"{_fmt_value(p, r['high'])}], start {_fmt_value(p, r['start'])}"
        )
    for g, items in groups.items():
        lines.append(f"{g}:")
        lines.extend(items)
    return "\n".join(lines) + "\n"


def run_calibrate(spec, graph, out_dir, *, progress: bool = False):
    """``job=calibrate``: write ``calibration.yaml``, ``posterior.csv``, ``calibration.csv``
    (estimates), ``calibration_band.csv`` into ``out_dir``."""
    data = read_curve(spec.calibrate.data)
    cal = calibrate_curve(spec, graph, data, progress=progress)
    return cal, write_calibration(cal, calibration_yaml(cal, spec.calibrate.data), out_dir)


def write_calibration(cal, text: str, out_dir) -> dict[str, Path]:
    """The files of either calibration mode: ``calibration.yaml`` (``text``), the posterior
    draws, the estimates and the fitted band (each written atomically)."""
    out_dir = Path(out_dir)
    files = {
        "calibration": out_dir / "calibration.yaml",
        "posterior": out_dir / "posterior.csv",
        "estimates": out_dir / "calibration.csv",
        "band": out_dir / "calibration_band.csv",
    }
    atomic_write(files["calibration"], lambda p: p.write_text(text))
    atomic_write(files["posterior"], lambda p: cal.posterior.to_csv(p, index=False))
    atomic_write(files["estimates"], lambda p: cal.estimates.to_csv(p, index=False))
    atomic_write(files["band"], lambda p: cal.band.to_csv(p, index=False))
    return files


def format_calibration(cal: Calibration) -> str:
    b = cal.bass
    gens = cal.generations
    lines = [
        f"data: {len(cal.data)} points over {cal.data['t'].max():g} {cal.time_unit}s; "
        f"population (share 1) = {cal.population:.4g}",
        f"Bass fit: m = {b.m:.4g}, p = {b.p:.3g}/day, q = {b.q:.3g}/day "
        f"(relative RMSE {b.rmse:.3f})",
        f"ABC-SMC: {len(gens)} generations, {int(gens['simulations'].sum())} simulations, "
        f"final tolerance {gens['tolerance'].iloc[-1]:.3g}; {cal.seconds:.0f} s",
        "",
        "parameter              start        median       95% interval",
    ]
    for _, r in cal.estimates.iterrows():
        p = r["param"]
        lines.append(
            f"{p:<22} {_fmt_value(p, r['start']):<12} {_fmt_value(p, r['median']):<12} "
            f"[{_fmt_value(p, r['low'])}, {_fmt_value(p, r['high'])}]"
        )
    return "\n".join(lines)


def plot_calibration(cal: Calibration, path) -> Path:
    """Observed points over the posterior predictive band (2.5–97.5 %, median) and the Bass
    fit; right: the posterior of each fitted parameter relative to its start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    b = cal.band
    top = max(float(cal.data["adopters"].max()), float(b["high"].max()))
    scale, unit = (1e6, " (millions)") if top >= 1e7 else (1.0, "")
    ax.fill_between(
        b["t"],
        b["low"] / scale,
        b["high"] / scale,
        color="#2e86c1",
        alpha=0.25,
        lw=0,
        label="simulated, 95% band (posterior)",
    )
    ax.plot(b["t"], b["median"] / scale, color="#2e86c1", label="simulated, median")
    ax.plot(b["t"], b["bass"] / scale, "--", color="#e67e22", label="Bass fit (start)")
    ax.plot(
        cal.data["t"], cal.data["adopters"] / scale, "o", color="#c0392b", ms=7, label="observed"
    )
    ax.set(
        xlabel=f"t, {cal.time_unit}s",
        ylabel=f"cumulative adopters{unit}",
        title="fitted band over the data",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[1]
    post = cal.posterior
    for k, (_, r) in enumerate(cal.estimates.iterrows()):
        v = post[r["param"]] / r["start"]
        ax.scatter(
            v,
            np.full(len(v), k) + np.random.default_rng(k).uniform(-0.15, 0.15, len(v)),
            s=8 + 200 * post["weight"],
            alpha=0.4,
            color="#2e86c1",
        )
        ax.errorbar(
            [r["median"] / r["start"]],
            [k],
            xerr=[
                [(r["median"] - r["low"]) / r["start"]],
                [(r["high"] - r["median"]) / r["start"]],
            ],
            fmt="o",
            color="#c0392b",
            capsize=4,
        )
    ax.axvline(1.0, color="#999999", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(cal.estimates)), cal.estimates["param"], fontsize=8)
    ax.set(xlabel="value / Bass mean-field start (log)", title="posterior: median, 95% interval")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    from ..plotting import save_png

    return save_png(fig, path)
