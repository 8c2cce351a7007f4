"""One table for a whole sweep: every job's summary with its swept parameters as columns.

A Hydra multirun (``diffusion-sim -m compare.budget=25000,50000 seed=0,1``) writes one folder
per job. :func:`aggregate` reads them back and writes, at the sweep's root:

* ``sweep_summary.parquet`` and ``sweep_summary.csv`` — one row per job × play for the
  comparison (``summary.csv`` of each job), one row per job for plain diffusion (its
  ``summary.csv`` turned into ``<metric>``, ``<metric>_low``, ``<metric>_high`` ... columns),
  with every override of the job as a typed column (``compare.budget`` float, ``seed`` int,
  ``graph`` the chosen option) and the job folder's name in ``job_dir``;
* ``sweep_jobs.csv`` — every job the sweep asked for with its status (``complete``,
  ``incomplete``, ``not started``), so a partly finished sweep says what is missing;
* ``sweep_<metric>.png`` — the chosen metric against a swept parameter with intervals.

It runs at the end of every multirun (:class:`AggregateSweep`, a Hydra callback in
``diffusion_sim/conf/config.yaml``) and on demand: ``diffusion-sim-aggregate <sweep folder>``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from .results import atomic_write, t975
from .runs import NON_RESULT_KEYS, folder_status, safe_dirname

__all__ = ["AggregateSweep", "SweepTable", "aggregate", "expected_jobs", "main"]

log = logging.getLogger("diffusion_sim")

#: Columns of a diffusion job's ``summary.csv`` and their suffix in the sweep table.
_DIFFUSE_STATS = {"mean": "", "ci_low": "_low", "ci_high": "_high", "p2_5": "_p2_5",
                  "p97_5": "_p97_5", "reached": "_reached"}  # fmt: skip


@dataclass(frozen=True)
class SweepTable:
    """The aggregate of one sweep.

    Attributes
    ----------
    frame : DataFrame
        One row per job × play (comparison) or per job (diffusion); swept parameters first.
    jobs : DataFrame
        One row per expected job: ``job_dir``, ``status``, ``overrides``.
    params : list of str
        The override keys (the swept parameters and any fixed overrides), in column order.
    files : dict of str to Path
    """

    frame: pd.DataFrame
    jobs: pd.DataFrame
    params: list[str]
    files: dict

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    @property
    def missing(self) -> list[str]:
        """Jobs without a complete output set."""
        return self.jobs.loc[self.jobs["status"] != "complete", "job_dir"].tolist()


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def expected_jobs(sweep_dir: str | Path) -> list[tuple[str, list[str]]] | None:
    """``(folder name, overrides)`` of every job the sweep in ``sweep_dir`` asked for, from
    Hydra's ``multirun.yaml`` (basic sweeper: the Cartesian product of the values); ``None``
    when that cannot be worked out (another sweeper, no ``multirun.yaml``)."""
    path = Path(sweep_dir) / "multirun.yaml"
    if not path.is_file():
        return None
    try:
        from hydra._internal.config_loader_impl import get_overrides_dirname
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        cfg = OmegaConf.load(path)
        if "BasicSweeper" not in str(OmegaConf.select(cfg, "hydra.sweeper._target_")):
            return None
        task = list(OmegaConf.select(cfg, "hydra.overrides.task") or [])
        od = cfg.hydra.job.config.override_dirname
        parser = OverridesParser.create()
        batches = BasicSweeper.split_arguments(parser.parse_overrides(task), None)
        out = []
        for batch in batches:
            for job in batch:
                name = get_overrides_dirname(
                    parser.parse_overrides(job),
                    exclude_keys=list(od.exclude_keys),
                    item_sep=od.item_sep,
                    kv_sep=od.kv_sep,
                )
                out.append((safe_dirname(name), list(job)))
        return out
    except Exception as err:  # a sweep written by another version: fall back to the folders
        log.warning("cannot list the sweep's jobs from %s: %s", path, err)
        return None


def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(p.parent.parent for p in sweep_dir.glob("*/.hydra/overrides.yaml"))


def _typed_params(job_dir: Path, overrides: list[str]) -> dict:
    """Each override's value as the job's composed config holds it (int, float, bool, str);
    a group choice (``graph=sbm``) or a list keeps the text the user typed."""
    cfg_path = job_dir / "config.yaml"
    if not cfg_path.is_file():
        cfg_path = job_dir / ".hydra" / "config.yaml"
    try:
        cfg = OmegaConf.load(cfg_path)
    except Exception:
        cfg = OmegaConf.create({})
    row = {}
    for o in overrides:
        if "=" not in o:
            continue
        key, text = _key(o), o.split("=", 1)[1]
        if key in NON_RESULT_KEYS:
            continue
        try:
            value = OmegaConf.select(cfg, key, throw_on_missing=False)
        except Exception:
            value = None
        if OmegaConf.is_config(value) or value is None:
            parsed = yaml.safe_load(text) if text else None
            value = parsed if isinstance(parsed, int | float | bool | str) else text
        row[key] = value
    return row


def _job_rows(job_dir: Path) -> pd.DataFrame | None:
    path = job_dir / "summary.csv"
    if not path.is_file():
        return None
    s = pd.read_csv(path)
    if "play" in s.columns:  # the comparison: one row per play
        return s
    if "metric" in s.columns:  # plain diffusion: one row per metric -> one row
        row = {}
        for _, r in s.iterrows():
            for col, suffix in _DIFFUSE_STATS.items():
                if col in s.columns:
                    row[f"{r['metric']}{suffix}"] = r[col]
        if "replications" in s.columns:
            row["replications"] = int(s["replications"].iloc[0])
        return pd.DataFrame([row])
    return s


def aggregate(sweep_dir: str | Path, *, metric: str | None = None, x: str | None = None,
              plot: bool = True) -> SweepTable:  # fmt: skip
    """Read every job of the sweep in ``sweep_dir`` and write the sweep's table and figure.

    Parameters
    ----------
    sweep_dir : path
        The sweep's root (``hydra.sweep.dir``), holding one folder per job.
    metric : str, optional
        Column to plot (default ``incr_profit`` for a comparison, ``final_share`` for
        diffusion); ``<metric>_low`` / ``_high`` give the interval.
    x : str, optional
        Swept parameter on the x axis (default: the numeric one with most values).
    plot : bool
        Write ``sweep_<metric>.png``.

    Only jobs with a complete output set (``COMPLETE.json``) enter the table; the others are
    listed in ``sweep_jobs.csv`` with their status.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"no sweep folder {sweep_dir}")
    found = {p.name: p for p in _job_dirs(sweep_dir)}
    wanted = expected_jobs(sweep_dir)
    if wanted is None:
        wanted = [(name, _read_overrides(p)) for name, p in found.items()]
    parts, params, statuses = [], [], []
    for name, overrides in wanted:
        job_dir = sweep_dir / name
        status = folder_status(job_dir)[0] if job_dir.is_dir() else "not started"
        if status == "empty":
            status = "not started" if not (job_dir / ".hydra").is_dir() else "incomplete"
        statuses.append({"job_dir": name, "status": status, "overrides": " ".join(overrides)})
        if status != "complete":
            continue
        rows = _job_rows(job_dir)
        if rows is None:
            continue
        p = _typed_params(job_dir, _read_overrides(job_dir) or overrides)
        for k in p:
            if k not in params:
                params.append(k)
        front = pd.DataFrame([p] * len(rows), index=rows.index)
        front.insert(0, "job_dir", name)
        parts.append(pd.concat([front, rows], axis=1))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"job_dir": []})
    first = ["job_dir", *params]
    frame = frame[[*first, *[c for c in frame.columns if c not in first]]]
    jobs = pd.DataFrame(statuses, columns=["job_dir", "status", "overrides"])
    files = {
        "summary_parquet": sweep_dir / "sweep_summary.parquet",
        "summary_csv": sweep_dir / "sweep_summary.csv",
        "jobs": sweep_dir / "sweep_jobs.csv",
    }
    atomic_write(files["summary_parquet"], lambda q: frame.to_parquet(q, index=False))
    atomic_write(files["summary_csv"], lambda q: frame.to_csv(q, index=False))
    atomic_write(files["jobs"], lambda q: jobs.to_csv(q, index=False))
    table = SweepTable(frame, jobs, params, files)
    if plot and len(frame):
        fig = plot_sweep(table, sweep_dir, metric=metric, x=x)
        if fig is not None:
            files["plot"] = fig
    return table


def _read_overrides(job_dir: Path) -> list[str]:
    try:
        return [str(o) for o in OmegaConf.load(job_dir / ".hydra" / "overrides.yaml")]
    except Exception:
        return []


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def plot_sweep(table: SweepTable, folder: Path, *, metric: str | None = None,
               x: str | None = None) -> Path | None:  # fmt: skip
    """``sweep_<metric>.png``: the metric against a swept parameter, one line per play and
    per combination of the other swept parameters; replicated seeds are averaged (interval
    across seeds), a single job shows its own 95 % interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = table.frame
    if metric is None:
        metric = "incr_profit" if "incr_profit" in df else "final_share"
    if metric not in df:
        raise KeyError(f"metric {metric!r} is not a column of the sweep table")
    varied = [p for p in table.params if p in df and df[p].nunique(dropna=False) > 1]
    if x is None:
        numeric = [p for p in varied if p != "seed" and _numeric(df[p])]
        if not numeric:
            return None
        x = max(numeric, key=lambda p: df[p].nunique())
    if x not in df:
        raise KeyError(f"x {x!r} is not a swept parameter ({', '.join(varied)})")
    lines = [p for p in varied if p not in (x, "seed")]
    if "play" in df:
        lines = ["play", *lines]
    fig, ax = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    groups = df.groupby(lines, sort=False, dropna=False) if lines else [((), df)]
    styles_used: dict[str, int] = {}
    for label, g in groups:
        xs, ms, los, his = [], [], [], []
        for xv, h in g.groupby(x, sort=True):
            v = h[metric].to_numpy(np.float64)
            if v.size > 1:  # several seeds: mean and t interval across them
                m = float(np.nanmean(v))
                half = t975(v.size - 1) * float(np.nanstd(v, ddof=1)) / math.sqrt(v.size)
                lo, hi = m - half, m + half
            else:
                m = float(v[0])
                lo = float(h[f"{metric}_low"].iloc[0]) if f"{metric}_low" in h else m
                hi = float(h[f"{metric}_high"].iloc[0]) if f"{metric}_high" in h else m
            xs.append(float(xv))
            ms.append(m)
            los.append(lo)
            his.append(hi)
        lab = ", ".join(
            str(v) if k == "play" else f"{k}={v}"
            for k, v in zip(lines, label if isinstance(label, tuple) else (label,), strict=False)
        )
        colour, style = None, "-"
        if "play" in lines:  # the play's colour of every figure; other swept keys: line style
            from .market.colours import play_colour

            colour = play_colour(str((label if isinstance(label, tuple) else (label,))[0]))
            k = styles_used.get(colour, 0)
            styles_used[colour] = k + 1
            style = ("-", "--", ":", "-.")[k % 4]
        (ln,) = ax.plot(xs, ms, marker="o", ls=style, label=lab or metric, color=colour)
        ax.fill_between(xs, los, his, color=ln.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    seeds = "seed" in varied
    ax.set_title(
        f"{metric} against {x} · {df['job_dir'].nunique()} jobs · bands: 95 % "
        + ("interval across seeds" if seeds else "interval over replications"),
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    if lines:
        ax.legend(fontsize=8, ncol=2 if len(ax.lines) > 6 else 1)
    from .plotting import save_png

    return save_png(fig, folder / f"sweep_{metric}.png")


def _report(table: SweepTable, sweep_dir: Path) -> str:
    n = len(table.jobs)
    done = n - len(table.missing)
    lines = [f"sweep {sweep_dir}: {done} of {n} jobs complete; table: "
             f"{table.files['summary_csv']}"]  # fmt: skip
    if table.missing:
        shown = ", ".join(table.missing[:10]) + (" ..." if len(table.missing) > 10 else "")
        lines.append(
            f"missing ({len(table.missing)}): {shown} (see {table.files['jobs'].name};"
            " re-run the sweep with sim.resume=true and the same hydra.sweep.dir)"
        )
    return "\n".join(lines)


class AggregateSweep(Callback):
    """Hydra callback: aggregate the sweep when a multirun ends (``hydra.callbacks``)."""

    def __init__(self, metric: str | None = None, x: str | None = None, plot: bool = True):
        self.metric, self.x, self.plot = metric, x, plot

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            table = aggregate(sweep_dir, metric=self.metric, x=self.x, plot=self.plot)
        except (OSError, KeyError, ValueError) as err:
            print(f"diffusion-sim: warning: sweep not aggregated: {err}", file=sys.stderr)
            return
        print(_report(table, sweep_dir))


def main(argv: list[str] | None = None) -> None:
    """``diffusion-sim-aggregate <sweep folder> [--metric M] [--x KEY] [--no-plot]``."""
    ap = argparse.ArgumentParser(
        prog="diffusion-sim-aggregate",
        description="Combine the jobs of a diffusion-sim sweep into sweep_summary.csv/.parquet",
    )
    ap.add_argument("sweep_dir", help="the sweep's folder (hydra.sweep.dir)")
    ap.add_argument("--metric", help="column to plot (default incr_profit or final_share)")
    ap.add_argument("--x", help="swept parameter on the x axis")
    ap.add_argument("--no-plot", action="store_true", help="write the tables only")
    a = ap.parse_args(argv)
    sweep_dir = Path(a.sweep_dir)
    if not sweep_dir.is_dir():
        ap.exit(2, f"diffusion-sim-aggregate: error: sweep_dir={a.sweep_dir!r} is not allowed: "
                   "an existing sweep folder\n")  # fmt: skip
    if not list(sweep_dir.glob("*/.hydra")) and not (sweep_dir / "multirun.yaml").is_file():
        ap.exit(
            2,
            f"diffusion-sim-aggregate: error: sweep_dir={a.sweep_dir!r} is not allowed: "
            "a folder written by diffusion-sim -m (multirun.yaml or job folders)\n",
        )
    try:
        table = aggregate(sweep_dir, metric=a.metric, x=a.x, plot=not a.no_plot)
    except KeyError as err:
        ap.exit(2, f"diffusion-sim-aggregate: error: {err.args[0]}\n")
    except OSError as err:
        ap.exit(1, f"diffusion-sim-aggregate: error: cannot write in {sweep_dir}: "
                   f"{err.strerror or err}\n")  # fmt: skip
    print(_report(table, sweep_dir))
