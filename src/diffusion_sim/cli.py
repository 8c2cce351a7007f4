"""The ``diffusion-sim`` command: a Hydra app around the pure function :func:`run`.

``job=compare`` (default) compares the brand's plays at equal budget
(:mod:`diffusion_sim.market.compare`); ``job=diffuse`` runs plain diffusion replications;
``job=curves``, ``job=optimize`` and ``job=calibrate`` are the decision jobs
(:mod:`diffusion_sim.decide`).
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from .config import build, register_configs
from .decide.jobs import pct
from .decide.spend import spend_columns, underspent_line
from .errors import ConfigError, GraphFormatError
from .market.compare import Comparison, compare
from .replicate import replicate
from .results import Replications, atomic_write

__all__ = ["CompareOutput", "DecisionOutput", "RunOutput", "main", "run"]

log = logging.getLogger("diffusion_sim")

#: conf/ at the top of the source tree (the package is installed in editable mode).
CONF_DIR = os.environ.get("DIFFUSION_SIM_CONF", str(Path(__file__).resolve().parents[2] / "conf"))


@dataclass(frozen=True)
class RunOutput:
    replications: Replications
    files: dict[str, Path]
    graph_name: str


@dataclass(frozen=True)
class CompareOutput:
    comparison: Comparison
    files: dict[str, Path]
    graph_name: str
    horizon: int
    extra: str = ""  # the uncertainty analysis (compare.uncertainty=N), printed after the table


@dataclass(frozen=True)
class DecisionOutput:
    """Result of a decision job: ``result`` is a ``Curves``, ``Optimization`` or
    ``Calibration`` (each with ``to_frame()``); ``text`` is its printed summary."""

    job: str
    result: object
    files: dict[str, Path]
    graph_name: str
    text: str


def run(cfg: DictConfig, out_dir) -> RunOutput | CompareOutput | DecisionOutput:
    """Validate ``cfg``, build the market, run the job and write its outputs into ``out_dir``.

    ``compare``: ``summary.csv``, ``replications.csv``, ``causes.csv``, ``timeseries.parquet``,
    ``comparison.png`` and ``config.yaml``. ``diffuse``: ``timeseries.parquet``,
    ``summary.csv``, ``consumers.parquet`` (first replication), ``adoption_curve.png`` and
    ``config.yaml``.
    """
    spec = build(cfg)  # every value checked before any work
    out_dir = Path(out_dir)
    graph = spec.make_graph()
    log.info(
        "graph %s: %d consumers, %d strong + %d weak ties, %d communities",
        graph.name,
        graph.n,
        graph.n_strong_ties,
        graph.n_weak_ties,
        graph.n_communities,
    )
    progress = bool(cfg.sim.progress) and sys.stderr.isatty()
    if spec.job == "compare":
        return _run_compare(cfg, spec, graph, out_dir, progress)
    if spec.job in ("curves", "optimize", "calibrate", "uncertainty"):
        from .decide.jobs import run_job

        result, files, text = run_job(spec, graph, out_dir, progress=progress,
                                      plot=bool(cfg.get("plot", True)))  # fmt: skip
        files["config"] = _write_config(cfg, out_dir)
        return DecisionOutput(spec.job, result, files, graph.name, text + f"\noutputs: {out_dir}")
    reps = replicate(
        graph,
        spec.rule,
        spec.seeding,
        steps=spec.steps,
        replications=spec.replications,
        seed=spec.seed,
        parallel=spec.parallel,
        progress=progress,
    )
    files = reps.save(out_dir)
    consumers = reps.runs[0].consumers_frame(0, labels=graph.labels)
    files["consumers"] = out_dir / "consumers.parquet"
    if consumers["consumer"].dtype == object:
        consumers["consumer"] = consumers["consumer"].astype(str)
    atomic_write(files["consumers"], lambda p: consumers.to_parquet(p, index=False))
    files["config"] = _write_config(cfg, out_dir)
    if cfg.get("plot", True):
        from .plotting import plot_adoption

        title = f"{graph.name} · {spec.rule.name} · {spec.replications} replications"
        files["plot"] = plot_adoption(reps, out_dir / "adoption_curve.png", title)
    return RunOutput(reps, files, graph.name)


def _write_config(cfg: DictConfig, out_dir: Path) -> Path:
    """The composed config, resolved, as ``config.yaml`` (atomically)."""
    path = out_dir / "config.yaml"
    text = OmegaConf.to_yaml(cfg, resolve=True)
    atomic_write(path, lambda p: p.write_text(text))
    return path


def _run_compare(cfg, spec, graph, out_dir: Path, progress: bool) -> CompareOutput:
    comp = compare(
        graph,
        spec.rule,
        spec.market,
        spec.plan,
        horizon=spec.steps,
        replications=spec.replications,
        seed=spec.seed,
        seeding=spec.seeding,
        parallel=spec.parallel,
        progress=progress,
    )
    files = comp.save(out_dir)
    summary = spend_columns(comp.summary(), comp)  # + budget, spent_share, underspent
    atomic_write(files["summary"], lambda p: summary.to_csv(p, index=False))
    files["config"] = _write_config(cfg, out_dir)
    if cfg.get("plot", True):
        from .market.plots import plot_comparison

        title = (
            f"{graph.name} · budget {spec.plan.budget:,.0f} CNY per play · {spec.steps} days · "
            f"{spec.replications} replications (common random numbers)"
        )
        files["plot"] = plot_comparison(comp, out_dir / "comparison.png", title)
    extra = ""
    if spec.uncertainty is not None:
        from dataclasses import replace

        from .decide.jobs import run_job

        _, more, extra = run_job(replace(spec, job="uncertainty"), graph, out_dir,
                                 progress=progress, plot=bool(cfg.get("plot", True)))  # fmt: skip
        files.update({f"uncertainty_{k}": v for k, v in more.items() if k != "summary"})
    return CompareOutput(comp, files, graph.name, spec.steps, extra)


def _fmt(v: float, lo: float, hi: float, scale: float = 1.0, digits: int = 0) -> str:
    if not math.isfinite(v):
        return "—" if math.isnan(v) else "∞"

    def f(x: float) -> str:
        text = f"{x / scale:,.{digits}f}"
        if text.startswith("-") and text[1:].strip("0.,") == "":
            text = text[1:]  # no "-0"
        return text

    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return f(v)
    return f"{f(v)} [{f(lo)}, {f(hi)}]"


def format_comparison(out: CompareOutput) -> str:
    """The strategist's table: one row per play, 95 % intervals in brackets."""
    comp = out.comparison
    s = spend_columns(comp.summary(), comp)
    n_rep = int(s["replications"].iloc[0])
    lines = [
        f"market: {out.graph_name}   horizon: {out.horizon} days   budget per play: "
        f"{comp.budget:,.0f} CNY   replications: {n_rep} (common random numbers)",
        "mean [95% CI]; ROI and CAC are incremental over the baseline "
        f"'{comp.baseline}'; money in thousand CNY",
        "",
    ]
    header = ("play", "customers", "revenue k", "profit k", "spend k", "spent", "ROI", "CAC CNY",
              "P(best)")  # fmt: skip
    rows = []
    for _, r in s.iterrows():
        rows.append(
            (
                r["play"],
                _fmt(r["customers"], r["customers_low"], r["customers_high"]),
                _fmt(r["revenue"], r["revenue_low"], r["revenue_high"], 1e3),
                _fmt(r["profit"], r["profit_low"], r["profit_high"], 1e3),
                _fmt(r["spend"], r["spend_low"], r["spend_high"], 1e3),
                pct(r["spent_share"]) + (" !" if r["underspent"] else ""),
                _fmt(r["roi"], r["roi_low"], r["roi_high"], 1.0, 2),
                _fmt(r["cac"], r["cac_low"], r["cac_high"]),
                f"{r['p_best']:.2f}",
            )
        )
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    lines.append("")
    lines.extend(_verdict(s))
    if out.extra:
        lines.extend(["", out.extra])
    lines.append("outputs: " + str(out.files["summary"].parent))
    return "\n".join(lines)


def _verdict(s) -> list[str]:
    """One line on the best play and one on plays that lose money, from the summary."""
    best = s.loc[s["profit"].idxmax()]
    note = ""
    if "underspent" in s.columns and best["underspent"]:
        note = f"; spent only {pct(best['spent_share'])} of its budget"
    out = [
        f"most profit: {best['play']} (best in {100 * best['p_best']:.0f}% of replications{note})"
    ]
    losing = [r["play"] for _, r in s.iterrows() if r["roi_high"] < 0]
    if losing:
        out.append(
            "spend more than they return (ROI < 0, 95% CI): " + ", ".join(str(x) for x in losing)
        )
    if "underspent" in s.columns:
        line = underspent_line(s)  # "!" in the table
        if line:
            out.append(line)
    return out


def format_summary(out: RunOutput | CompareOutput | DecisionOutput) -> str:
    """Short text summary printed at the end of a run."""
    if isinstance(out, CompareOutput):
        return format_comparison(out)
    if isinstance(out, DecisionOutput):
        return out.text
    s = out.replications.summary().set_index("metric")
    lines = [f"market: {out.graph_name}   replications: {len(out.replications)}"]
    f = s.loc["final_share"]
    lines.append(
        f"final adopted share  {f['mean']:.4f}  (95% CI {f['ci_low']:.4f}–{f['ci_high']:.4f};"
        f" runs {f['p2_5']:.4f}–{f['p97_5']:.4f})"
    )
    for m in ("t_10", "t_50", "t_90"):
        r = s.loc[m]
        if r["reached"] > 0:
            lines.append(
                f"time to {m[2:]:>2}%        {r['mean']:7.1f} steps (95% CI {r['ci_low']:.1f}–"
                f"{r['ci_high']:.1f}; reached in {100 * r['reached']:.0f}% of runs)"
            )
        else:
            lines.append(f"time to {m[2:]:>2}%        not reached")
    by = [(m[3:], s.loc[m, "mean"]) for m in s.index if m.startswith("by_")]
    total = sum(v for _, v in by) or 1.0
    lines.append("adoptions by cause   " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in by))
    lines.append("outputs              " + str(out.files["summary"].parent))
    return "\n".join(lines)


register_configs()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    out_dir = HydraConfig.get().runtime.output_dir
    try:
        out = run(cfg, out_dir)
    except (ConfigError, GraphFormatError) as err:
        print(f"diffusion-sim: error: {err}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(out))


def main() -> None:
    """Console entry point (``diffusion-sim``)."""
    _hydra_main()
