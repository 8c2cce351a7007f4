"""The ``diffusion-sim`` command: a Hydra app around the pure function :func:`run`."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from .config import build, register_configs
from .errors import ConfigError, GraphFormatError
from .replicate import replicate
from .results import Replications, atomic_write

__all__ = ["RunOutput", "main", "run"]

log = logging.getLogger("diffusion_sim")

#: conf/ at the top of the source tree (the package is installed in editable mode).
CONF_DIR = os.environ.get("DIFFUSION_SIM_CONF", str(Path(__file__).resolve().parents[2] / "conf"))


@dataclass(frozen=True)
class RunOutput:
    replications: Replications
    files: dict[str, Path]
    graph_name: str


def run(cfg: DictConfig, out_dir) -> RunOutput:
    """Validate ``cfg``, build the market, run the replications and write the outputs.

    Writes ``timeseries.parquet``, ``summary.csv``, ``consumers.parquet`` (first replication),
    ``adoption_curve.png`` and ``config.yaml`` into ``out_dir``.
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
    reps = replicate(
        graph,
        spec.rule,
        spec.seeding,
        steps=spec.steps,
        replications=spec.replications,
        seed=spec.seed,
        parallel=spec.parallel,
        progress=bool(cfg.sim.progress) and sys.stderr.isatty(),
    )
    files = reps.save(out_dir)
    consumers = reps.runs[0].consumers_frame(0, labels=graph.labels)
    files["consumers"] = out_dir / "consumers.parquet"
    if consumers["consumer"].dtype == object:
        consumers["consumer"] = consumers["consumer"].astype(str)
    atomic_write(files["consumers"], lambda p: consumers.to_parquet(p, index=False))
    files["config"] = out_dir / "config.yaml"
    text = OmegaConf.to_yaml(cfg, resolve=True)
    atomic_write(files["config"], lambda p: p.write_text(text))
    if cfg.get("plot", True):
        from .plotting import plot_adoption

        title = f"{graph.name} · {spec.rule.name} · {spec.replications} replications"
        files["plot"] = plot_adoption(reps, out_dir / "adoption_curve.png", title)
    return RunOutput(reps, files, graph.name)


def format_summary(out: RunOutput) -> str:
    """Short text summary printed at the end of a run."""
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
