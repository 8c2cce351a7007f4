"""Published results reproduced by the engine: what a reviewer asks for before trusting it.

``job=validation`` (``experiment=validation``) runs four classic checks at a size that takes a
minute or two and writes a table of target vs engine with the tolerance of each row, and one
figure per check:

``bass``
    Bass (1969) on a network: the ``ties`` rule on the complete graph with ``alpha = p`` and
    ``beta_weak = q / (n - 1)`` against the exact mean-field recursion of its adopter count
    (and its linear-noise variance, which sets the tolerance).
``percolation``
    Independent cascade from one seed on G(n, z/n) is bond percolation with transmissibility
    ``T``: a large outbreak starts with probability ``S`` and reaches ``S n``, where
    ``S = 1 - exp(-z T S)`` (Newman 2002), swept over ``T``.
``watts``
    Watts (2002): the threshold rule (fraction ``phi``) on G(n, z/n) has global cascades only
    inside the window where ``sum_k k (k - 1) p_k [1/k >= phi] > z`` (Poisson ``p_k``).
``centola_macy``
    Centola & Macy (2007): on a ring lattice (k = 4) rewired with probability ``p``, long ties
    speed simple contagion and stop complex contagion (a threshold of two adopting neighbours,
    one focal consumer and its neighbours seeded).

Each tolerance follows from the theory and the number of runs (4.5 standard deviations, or an
exact value where the process is deterministic), never from the engine's output; ``scale``
multiplies the number of runs (tolerances follow). The same checks, at fixed seeds, are in
``tests/test_theory.py`` and ``tests/test_seeding_more.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import ConfigError
from .rng import key_from_seed_sequence

__all__ = [
    "CHECKS",
    "Row",
    "Validation",
    "ValidationParams",
    "bass_mean_field",
    "percolation_size",
    "run_validation",
    "watts_condition",
]

#: Checks in the order of the table (one figure panel each).
CHECKS = ("bass", "percolation", "watts", "centola_macy")


@dataclass
class ValidationParams:
    """``job=validation``.

    Parameters
    ----------
    checks : list of str
        Checks to run, from :data:`CHECKS`.
    scale : float
        Multiplies the number of runs of every check (0.1–10); tolerances follow from it.
    """

    checks: list[str] = field(default_factory=lambda: list(CHECKS))
    scale: float = 1.0

    def __post_init__(self):
        if not self.checks:
            raise ConfigError(
                "validation.checks", list(self.checks), f"a non-empty subset of {list(CHECKS)}"
            )
        for c in self.checks:
            if c not in CHECKS:
                raise ConfigError("validation.checks", c, f"one of {list(CHECKS)}")
        s = self.scale
        if isinstance(s, bool) or not isinstance(s, int | float) or not 0.1 <= s <= 10:
            raise ConfigError("validation.scale", s, "a number in [0.1, 10]")


class Row(NamedTuple):
    """One row of the table: the engine's value passes when ``|engine - target| <= tolerance``
    (``relation='±'``), ``engine < target`` (``'<'``) or ``engine > target`` (``'>'``)."""

    check: str
    quantity: str
    target: float
    relation: str
    tolerance: float
    engine: float
    source: str

    @property
    def passed(self) -> bool:
        if self.relation == "±":
            return abs(self.engine - self.target) <= self.tolerance
        if self.relation == "<":
            return self.engine < self.target
        return self.engine > self.target


@dataclass
class Validation:
    """Rows of the table and, per check, the curves of its figure panel."""

    rows: list[Row]
    panels: dict[str, dict]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    def to_frame(self):
        """One row per comparison: check, quantity, target, relation, tolerance, engine,
        passed, source."""
        import pandas as pd

        frame = pd.DataFrame([r._asdict() for r in self.rows])
        frame.insert(6, "passed", [r.passed for r in self.rows])
        return frame

    def text(self) -> str:
        """The table as printed by the command."""
        lines = [f"{'check':<13} {'quantity':<46} {'target':>17} {'engine':>9}  result"]
        for r in self.rows:
            tgt = (f"{r.target:.4g} ± {r.tolerance:.2g}" if r.relation == "±"
                   else f"{r.relation} {r.target:.4g}")  # fmt: skip
            lines.append(f"{r.check:<13} {r.quantity:<46} {tgt:>17} {r.engine:>9.4g}  "
                         f"{'pass' if r.passed else 'FAIL'}")  # fmt: skip
        n_ok = sum(r.passed for r in self.rows)
        lines.append(f"{n_ok} of {len(self.rows)} comparisons within their tolerance")
        return "\n".join(lines)

    def plot(self, path) -> Path:
        """One panel per check (target lines, engine points with their tolerance)."""
        from .plotting import plt, save_png

        names = list(self.panels)
        cols = min(2, len(names))
        rows = math.ceil(len(names) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.4 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=False):
            _PANELS[name](ax, self.panels[name])
        for ax in list(axes.flat)[len(names) :]:
            ax.set_visible(False)
        fig.suptitle("Published results vs the engine (lines: theory; points: engine)")
        fig.tight_layout()
        return save_png(fig, path)


# --- theory ---------------------------------------------------------------------------------


def bass_mean_field(n: int, p: float, beta: float, steps: int):
    """Mean, linear-noise variance and a second-order bias bound of the adopter count X_t on
    the complete graph, ``X_t = X_{t-1} + Binomial(n - X_{t-1}, h(X_{t-1}))`` with
    ``h(X) = 1 - (1 - p)(1 - beta)^X``.

    Linearising ``g(X) = X + (n - X) h(X)``: ``v_t = g'(m)^2 v_{t-1} + (n - m) h (1 - h)``,
    and the mean of ``X_t`` differs from the recursion by at most ``|g''| v / 2`` per step.

    Returns
    -------
    mean, variance, bias : ndarray, shape (steps + 1,)
        In consumers, for t = 0..steps.
    """
    L = -math.log1p(-beta)
    m = v = b = 0.0
    means, variances, bias = [0.0], [0.0], [0.0]
    for _ in range(steps):
        h = 1 - (1 - p) * math.exp(-L * m)
        dh = (1 - h) * L
        d2h = -(1 - h) * L * L
        g1 = 1 - h + (n - m) * dh
        g2 = -2 * dh + (n - m) * d2h
        b = abs(g1) * b + 0.5 * abs(g2) * v
        v = g1 * g1 * v + (n - m) * h * (1 - h)
        m = m + (n - m) * h
        means.append(m)
        variances.append(v)
        bias.append(b)
    return np.array(means), np.array(variances), np.array(bias)


def percolation_size(c: float) -> float:
    """Giant-cluster share S of bond percolation on G(n, z/n) with ``c = z T``:
    the root of ``S = 1 - exp(-c S)`` in (0, 1] (0 when ``c <= 1``)."""
    if c <= 1:
        return 0.0
    s = 1.0
    for _ in range(500):  # the map is a contraction near the root for c > 1
        s = 1 - math.exp(-c * s)
    return s


def watts_condition(z: float, phi: float, kmax: int = 80) -> float:
    """Watts (2002): ``sum_k k (k - 1) rho_k p_k / z`` with ``rho_k = [1/k >= phi]`` and
    Poisson(z) ``p_k``; global cascades are possible when it exceeds 1."""
    total = 0.0
    pk = math.exp(-z)
    for k in range(1, kmax):
        pk = pk * z / k
        if 1.0 / k >= phi:
            total += k * (k - 1) * pk
    return total / z


# --- the checks -----------------------------------------------------------------------------


def _runs(base: int, scale: float) -> int:
    return max(5, round(base * scale))


def _run(graph, rule, seeds, steps, key, *, until_quiet=False):
    """Adopter counts for t = 0..steps; ``until_quiet``: stop once a step adds nobody (cascade
    and threshold rules: nothing can change afterwards)."""
    from .contagion import Engine
    from .states import State

    e = Engine(graph, rule, key, parallel=False)
    e.seed(np.asarray(seeds, dtype=np.int64))
    counts = [e.counts[State.ADOPTED]]
    for _ in range(steps):
        e.step()
        counts.append(e.counts[State.ADOPTED])
        if until_quiet and counts[-1] == counts[-2]:
            break
    return e, np.array(counts, dtype=np.float64)


def _bass(ss: np.random.SeedSequence, scale: float):
    from .contagion import TiesRule
    from .graph import complete

    n, p, q, steps = 2000, 0.01, 0.25, 60
    R = _runs(200, scale)
    g = complete(n)
    rule = TiesRule(alpha=p, beta_strong=0.0, beta_weak=q / (n - 1))
    keys = [key_from_seed_sequence(s) for s in ss.spawn(R)]
    curves = np.array([_run(g, rule, [], steps, k)[1] for k in keys])
    mean, var, bias = bass_mean_field(n, p, q / (n - 1), steps)
    tol = 4.5 * np.sqrt(var / R) + bias + 1.0
    src = "Bass (1969) on the complete graph; exact mean-field recursion"
    label = f"(n={n}, p={p}, q={q})"
    rows = [
        Row("bass", f"adopter share at day {t} {label}", mean[t] / n, "±", tol[t] / n,
            curves[:, t].mean() / n, src)
        for t in (10, 20, 30, 45, 60)
    ]  # fmt: skip
    panel = {"t": np.arange(steps + 1), "theory": mean / n, "engine": curves.mean(axis=0) / n,
             "tol": tol / n, "n": n, "R": R}  # fmt: skip
    return rows, panel


def _percolation(ss: np.random.SeedSequence, scale: float):
    from .contagion import CascadeRule
    from .graph import erdos_renyi

    n, z = 100_000, 4.0
    grid = (0.35, 0.5, 0.65, 0.8)
    R = _runs(150, scale)
    rows, shares, sizes, prob = [], [], [], []
    for T, child in zip(grid, ss.spawn(len(grid)), strict=True):
        S = percolation_size(z * T)
        c = z * T
        finals = []
        for r, s in enumerate(child.spawn(R)):
            g_seed, run_seed = s.spawn(2)  # a fresh graph per run, as in the theory
            g = erdos_renyi(n, mean_degree=z, seed=key_from_seed_sequence(g_seed))
            e, _ = _run(g, CascadeRule(T, T), [(r * 7919) % n], 400,
                        key_from_seed_sequence(run_seed), until_quiet=True)  # fmt: skip
            finals.append(_adopted(e) / n)
        finals = np.array(finals)
        large = finals[finals > 0.05]
        sd_p = math.sqrt(S * (1 - S) / R)
        # giant-cluster share: sd sqrt(S(1-S)/n) / (1 - c(1-S)) per percolated graph, and
        # the graph's own realisation about as much again
        sd_s = math.sqrt(2 * S * (1 - S) / n) / (1 - c * (1 - S))
        src = "Newman (2002): bond percolation on G(n, z/n), S = 1 - exp(-zTS)"
        rows.append(Row("percolation", f"P(large outbreak), z={z}, T={T}", S, "±", 4.5 * sd_p,
                        large.size / R, src))  # fmt: skip
        if large.size:
            tol = 4.5 * sd_s / math.sqrt(large.size) + 2.0 / n
            rows.append(Row("percolation", f"large outbreak share, z={z}, T={T}", S, "±", tol,
                            large.mean(), src))  # fmt: skip
        shares.append(S)
        sizes.append(large.mean() if large.size else np.nan)
        prob.append(large.size / R)
    fine = np.linspace(0.0, 1.0, 101)
    panel = {"T": np.array(grid), "size": np.array(sizes), "prob": np.array(prob),
             "fine": fine, "theory": np.array([percolation_size(z * t) for t in fine]),
             "z": z, "n": n, "R": R}  # fmt: skip
    return rows, panel


def _adopted(engine) -> int:
    from .states import State

    return int(engine.counts[State.ADOPTED])


def _watts(ss: np.random.SeedSequence, scale: float):
    from .contagion import ThresholdRule
    from .graph import erdos_renyi

    phi, n = 0.18, 10_000
    zs = tuple(np.arange(1.0, 10.5, 0.5).tolist())
    trials = _runs(100, scale)
    freq = []
    for z, child in zip(zs, ss.spawn(len(zs)), strict=True):
        hits = 0
        for r, s in enumerate(child.spawn(trials)):
            g_seed, run_seed = s.spawn(2)
            g = erdos_renyi(n, mean_degree=z, seed=key_from_seed_sequence(g_seed))
            e, _ = _run(g, ThresholdRule(phi=phi), [(r * 2477) % n], 400,
                        key_from_seed_sequence(run_seed), until_quiet=True)  # fmt: skip
            hits += _adopted(e) > 0.1 * n
        freq.append(hits / trials)
    cond = np.array([watts_condition(z, phi) for z in zs])
    src = "Watts (2002): cascade window sum_k k(k-1) rho_k p_k > z"
    rows = []
    for z, f, w in zip(zs, freq, cond, strict=True):
        if w > 1.5:  # well inside: seeds next to the percolating vulnerable cluster cascade
            rows.append(Row("watts", f"global cascade frequency, z={z:g} (inside)", 0.0, ">",
                            0.0, f, src))  # fmt: skip
        elif w < 0.5 and z > 1.0:  # well outside (above the window): the cluster does not percolate
            rows.append(Row("watts", f"global cascade frequency, z={z:g} (outside)", 0.0, "±",
                            0.0, f, src))  # fmt: skip
    fine = np.linspace(0.5, 11, 200)
    panel = {"z": np.array(zs), "freq": np.array(freq), "fine": fine,
             "cond": np.array([watts_condition(z, phi) for z in fine]), "phi": phi, "n": n,
             "R": trials}  # fmt: skip
    return rows, panel


def _centola_macy(ss: np.random.SeedSequence, scale: float):
    from .contagion import CascadeRule, ThresholdRule
    from .graph import watts_strogatz
    from .seeding import Seeding

    n, k = 2000, 4
    ps = (0.0, 0.01, 0.05, 0.1, 0.3, 1.0)
    R = _runs(30, scale)
    complex_share, simple_half = [], []
    for p, child in zip(ps, ss.spawn(len(ps)), strict=True):
        shares, halves = [], []
        for s in child.spawn(R):
            g_seed, seed_seed, k1, k2 = s.spawn(4)
            g = watts_strogatz(n, k=k, p=p, seed=key_from_seed_sequence(g_seed))
            seeds = Seeding(focal=1).choose(g, np.random.default_rng(seed_seed))
            e, _ = _run(g, ThresholdRule(phi=2, mode="count"), seeds, 2000,
                        key_from_seed_sequence(k1), until_quiet=True)  # fmt: skip
            shares.append(_adopted(e) / n)
            # simple contagion: every tie transmits at once (deterministic given the graph)
            _, curve = _run(g, CascadeRule(1.0, 1.0), seeds, 2000, key_from_seed_sequence(k2),
                            until_quiet=True)  # fmt: skip
            halves.append(int(np.argmax(curve >= n / 2)) if curve[-1] >= n / 2 else np.nan)
        complex_share.append(float(np.mean(shares)))
        simple_half.append(float(np.nanmean(halves)))
    src = "Centola & Macy (2007): long ties help simple and hinder complex contagion"
    # on the lattice the front of the complex contagion advances one consumer per side per
    # day and never stops: everyone adopts (exact); the simple one reaches n/2 at ~(n/2 - 5)/4
    lattice_half = math.ceil((n / 2 - (k + 1)) / k)
    rows = [
        Row("centola_macy", "complex (2 of 4 neighbours): final share, p=0", 1.0, "±", 0.0,
            complex_share[0], src),
        Row("centola_macy", "complex: final share, p=1 (random graph)", 0.05, "<", 0.0,
            complex_share[-1], src),
        Row("centola_macy", "simple (T=1): days to half, p=0 (exact)", lattice_half, "±", 1.0,
            simple_half[0], src),
        Row("centola_macy", "simple: days to half, p=0.1 vs p=0 (ratio)", 0.25, "<", 0.0,
            simple_half[3] / simple_half[0], src),
    ]  # fmt: skip
    panel = {"p": np.array(ps), "complex": np.array(complex_share),
             "simple": np.array(simple_half), "n": n, "R": R}  # fmt: skip
    return rows, panel


_RUNNERS = {"bass": _bass, "percolation": _percolation, "watts": _watts,
            "centola_macy": _centola_macy}  # fmt: skip


def run_validation(
    params: ValidationParams, seed: int = 0, *, progress: bool = False
) -> Validation:
    """Run the checks of ``params`` with streams spawned from ``seed`` (check ``i`` of
    :data:`CHECKS` always uses child ``i``, whichever checks run)."""
    children = dict(zip(CHECKS, np.random.SeedSequence(seed).spawn(len(CHECKS)), strict=True))
    rows, panels = [], {}
    names = [c for c in CHECKS if c in params.checks]
    it = names
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(names, desc="validation", unit="check")
    for name in it:
        r, p = _RUNNERS[name](children[name], params.scale)
        rows += r
        panels[name] = p
    return Validation(rows, panels)


# --- figure panels --------------------------------------------------------------------------


def _panel_bass(ax, d):
    ax.fill_between(d["t"], d["theory"] - d["tol"], d["theory"] + d["tol"], color="#bbbbbb",
                    label="tolerance")  # fmt: skip
    ax.plot(d["t"], d["theory"], color="black", label="mean-field recursion")
    ax.plot(d["t"][::3], d["engine"][::3], "o", color="#1f77b4", ms=4,
            label=f"engine (mean of {d['R']})")  # fmt: skip
    ax.set(title=f"Bass on a complete graph (n={d['n']})", xlabel="day",
           ylabel="share adopted")  # fmt: skip
    ax.legend(fontsize=8)


def _panel_percolation(ax, d):
    ax.plot(d["fine"], d["theory"], color="black", label="S = 1 - exp(-zTS)")
    ax.plot(d["T"], d["size"], "o", color="#1f77b4", label="engine: large-outbreak share")
    ax.plot(d["T"], d["prob"], "s", color="#ff7f0e", mfc="none", label="engine: P(large)")
    ax.set(title=f"Percolation on G(n, z/n) (z={d['z']:g}, n={d['n']:,})",
           xlabel="transmissibility T", ylabel="share")  # fmt: skip
    ax.legend(fontsize=8)


def _panel_watts(ax, d):
    inside = d["cond"] > 1
    ax.fill_between(d["fine"], 0, 1, where=inside, color="#dddddd", label="cascade window")
    ax.plot(d["z"], d["freq"], "o-", color="#1f77b4", label=f"engine ({d['R']} seeds each)")
    ax.set(title=f"Watts' cascade window (phi={d['phi']}, n={d['n']:,})",
           xlabel="mean degree z", ylabel="frequency of global cascades",
           ylim=(-0.02, 1.02))  # fmt: skip
    ax.legend(fontsize=8)


def _panel_centola(ax, d):
    x = np.where(d["p"] > 0, d["p"], 1e-3)
    ax.semilogx(x, d["complex"], "o-", color="#d62728", label="complex: final share")
    ax.set(title=f"Centola & Macy ring (n={d['n']}, k=4)", xlabel="rewiring p (0 at 1e-3)",
           ylabel="final share (complex)", ylim=(-0.02, 1.05))  # fmt: skip
    ax2 = ax.twinx()
    ax2.semilogx(x, d["simple"], "s--", color="#2ca02c", label="simple: days to half")
    ax2.set_ylabel("days to half (simple)")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="center left")


_PANELS = {"bass": _panel_bass, "percolation": _panel_percolation, "watts": _panel_watts,
           "centola_macy": _panel_centola}  # fmt: skip
