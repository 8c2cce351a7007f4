"""The ``diffusion-sim`` command: a Hydra app around the pure function :func:`run`.

``job=compare`` (default) compares the brand's plays at equal budget
(:mod:`diffusion_sim.market.compare`); ``job=diffuse`` runs plain diffusion replications;
``job=curves``, ``job=optimize`` and ``job=calibrate`` are the decision jobs
(:mod:`diffusion_sim.decide`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import hydra
import numba
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from .config import build, check_bool_overrides, register_configs
from .decide.jobs import pct
from .decide.spend import spend_columns, underspent_line
from .errors import ConfigError, GraphFormatError
from .market.compare import Comparison, compare
from .replicate import replicate
from .results import Replications, atomic_write
from .runs import (
    INCOMPLETE,
    RunDirError,
    claim_unique_dir,
    config_digest,
    mark_complete,
    mark_incomplete,
    prepare_folder,
    remove_if_unused,
)
from .threads import choose_threads, jobs_side_by_side
from .validate import check_against_graph

__all__ = [
    "CompareOutput",
    "DecisionOutput",
    "RunOutput",
    "comparison_table",
    "execute",
    "main",
    "run",
    "verdict_lines",
]

log = logging.getLogger("diffusion_sim")

#: The Hydra configuration shipped inside the package (``diffusion_sim/conf/``), so an
#: installed wheel finds it as well as an editable checkout; ``DIFFUSION_SIM_CONF`` points
#: elsewhere. Add your own experiments with ``--config-dir <folder>`` (see README).
CONF_DIR = os.environ.get("DIFFUSION_SIM_CONF", str(Path(__file__).resolve().parent / "conf"))


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


def run(
    cfg: DictConfig, out_dir, *, progress: bool | None = None
) -> RunOutput | CompareOutput | DecisionOutput:
    """Validate ``cfg``, build the market, run the job and write its outputs into ``out_dir``.

    ``progress``: show progress bars (tqdm); ``None`` (the command): when ``sim.progress`` is
    true and stderr is a terminal. The browser app passes ``True`` and reads the bars.

    ``compare``: ``summary.csv``, ``replications.csv``, ``causes.csv``, ``timeseries.parquet``,
    ``comparison.png`` and ``config.yaml``. ``diffuse``: ``timeseries.parquet``,
    ``summary.csv``, ``consumers.parquet`` (first replication), ``adoption_curve.png`` and
    ``config.yaml``.
    """
    spec = build(cfg)  # every value checked before any work
    out_dir = Path(out_dir)
    if progress is None:
        progress = bool(cfg.sim.progress) and sys.stderr.isatty()
    if spec.job == "validation":  # its own graphs: the configured one is not built
        return _run_validation(cfg, spec, out_dir, progress)
    graph = spec.make_graph()
    check_against_graph(spec, graph)
    log.info(
        "graph %s: %d consumers, %d strong + %d weak ties, %d communities",
        graph.name,
        graph.n,
        graph.n_strong_ties,
        graph.n_weak_ties,
        graph.n_communities,
    )
    if spec.job == "compare":
        return _run_compare(cfg, spec, graph, out_dir, progress)
    if spec.job in ("curves", "optimize", "calibrate", "uncertainty"):
        from .decide.jobs import run_job

        result, files, text = run_job(spec, graph, out_dir, progress=progress,
                                      plot=bool(cfg.get("plot", True)))  # fmt: skip
        files["config"] = _write_config(cfg, out_dir)
        return DecisionOutput(spec.job, result, files, graph.name, text + f"\noutputs: {out_dir}")
    reps = replicate(
        spec.graph_factory() if spec.fresh_graph else graph,
        spec.rule,
        spec.seeding,
        steps=spec.steps,
        replications=spec.replications,
        seed=spec.seed,
        parallel=spec.parallel,
        progress=progress,
        backend=spec.backend,
        workers=spec.workers,
    )
    files = reps.save(out_dir)
    consumers = reps.runs[0].consumers_frame(0, labels=graph.labels)
    files["consumers"] = out_dir / "consumers.parquet"
    if consumers["consumer"].dtype == object:
        consumers["consumer"] = consumers["consumer"].astype(str)
    atomic_write(files["consumers"], lambda p: consumers.to_parquet(p, index=False))
    files["config"] = _write_config(cfg, out_dir)
    if cfg.get("plot", True):
        from .plotting import changed_settings, plot_adoption, rule_label

        title = f"{graph.name} · {rule_label(spec.rule)} · {spec.replications} replications"
        if changed_settings():
            title += f"\nsettings: {changed_settings()}"
        files["plot"] = plot_adoption(reps, out_dir / "adoption_curve.png", title)
    name = graph.name + (" — a fresh graph per replication" if spec.fresh_graph else "")
    return RunOutput(reps, files, name)


def _run_validation(cfg, spec, out_dir: Path, progress: bool) -> DecisionOutput:
    """``job=validation``: the published checks, ``validation.csv`` and ``validation.png``."""
    from .published import run_validation

    result = run_validation(spec.validation, spec.seed, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"summary": out_dir / "validation.csv"}
    frame = result.to_frame()
    atomic_write(files["summary"], lambda p: frame.to_csv(p, index=False))
    if cfg.get("plot", True):
        files["plot"] = result.plot(out_dir / "validation.png")
    files["config"] = _write_config(cfg, out_dir)
    return DecisionOutput("validation", result, files, "published set-ups",
                          result.text() + f"\noutputs: {out_dir}")  # fmt: skip


def _write_config(cfg: DictConfig, out_dir: Path) -> Path:
    """The composed config, resolved, as ``config.yaml`` (atomically)."""
    path = out_dir / "config.yaml"
    c = OmegaConf.to_container(cfg, resolve=True)
    # how the job was started (resumed, overwriting) is not part of what it computed
    for key in ("resume", "overwrite"):
        if key in c.get("sim", {}):
            c["sim"][key] = False
    text = OmegaConf.to_yaml(OmegaConf.create(c))
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
        backend=spec.backend,
        workers=spec.workers,
    )
    files = comp.save(out_dir)
    summary = spend_columns(comp.summary(), comp)  # + budget, spent_share, underspent
    atomic_write(files["summary"], lambda p: summary.to_csv(p, index=False))
    files["config"] = _write_config(cfg, out_dir)
    if cfg.get("plot", True):
        from .market.plots import plot_comparison
        from .plotting import changed_settings, rule_label

        market = graph.name
        if spec.market.size is not None and spec.market.size != graph.n:
            market = f"{spec.market.size:,} consumers (sample: {graph.name})"
        title = (
            f"{market}\nbudget {spec.plan.budget:,.0f} CNY per play · {spec.steps} days · "
            f"{spec.replications} replications (common random numbers)\n"
            f"organic word of mouth: {rule_label(spec.rule)}"
        )
        if changed_settings():
            title += f"\nsettings: {changed_settings()}"
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
    size = ""
    r = getattr(comp, "ratio", 1.0)
    if r != 1.0:  # results are for the real market, the graph is its sample
        n = comp.runs[comp.baseline][0].counts[0].sum()
        size = f"{n / r:,.0f} consumers, simulated by a sample of "
    lines = [
        f"market: {size}{out.graph_name}   horizon: {out.horizon} days   budget per play: "
        f"{comp.budget:,.0f} CNY   replications: {n_rep} (common random numbers)",
        "mean [95% CI]; ROI and CAC are incremental over the baseline "
        f"'{comp.baseline}'; money in thousand CNY",
        "",
    ]
    header, rows = comparison_table(s)
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    lines.append("")
    lines.extend(verdict_lines(s))
    if out.extra:
        lines.extend(["", out.extra])
    lines.append("outputs: " + str(out.files["summary"].parent))
    return "\n".join(lines)


def comparison_table(s) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The strategist's table from the comparison's ``summary.csv`` frame (with the spend
    columns): the header and one row of formatted cells per play (the command prints it, the
    browser app and its report show it)."""
    header = ("play", "customers", "revenue k", "profit k", "spend k", "spent", "ROI", "CAC CNY",
              "P(best)")  # fmt: skip
    value = "brand_roi" in s.columns  # issue 14: the brand's view and the value after H
    if value:
        header = (*header, "brand ROI", "ROI+CLV", "payback")
    rows = []
    for _, r in s.iterrows():
        row = (
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
        if value:
            pay = r["payback_day"]
            no_spend = not (r["spend"] > 0)
            row = (
                *row,
                _fmt(r["brand_roi"], math.nan, math.nan, 1.0, 2),
                _fmt(r["roi_clv"], math.nan, math.nan, 1.0, 2),
                "—" if no_spend else (f"day {pay:.0f}" if math.isfinite(pay) else "never"),
            )
        rows.append(row)
    return header, rows


def verdict_lines(s) -> list[str]:
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
    out.extend(value_lines(s))
    return out


def value_lines(s) -> list[str]:
    """Lines on the brand's channel-code view and the value beyond the horizon (issue 14)."""
    if "brand_roi" not in s.columns:
        return []
    paid = s[s["spend"] > 0]
    if paid.empty:
        return []
    out = [
        "brand ROI: what channel codes (渠道活码) credit the play, (credited gross profit - spend)"
        " / spend, beside the true incremental ROI: "
        + ", ".join(
            f"{r['play']} {r['brand_roi']:.2f} vs {r['roi']:.2f}" for _, r in paid.iterrows()
        )
    ]
    out.append(
        "ROI+CLV counts the lifetime value of the customers held at the horizon; payback: the day"
        " from which the cumulative incremental profit stays >= 0"
    )
    if "expansion" in s.columns and s["expansion"].notna().any():
        long = s["long_horizon"].max()
        parts = [
            f"{r['play']} {r['incr_customers']:+,.0f} -> {r['expansion']:+,.0f}"
            for _, r in paid.iterrows()
        ]
        out.append(
            f"extra customers at the horizon -> still extra on day {long:.0f} with spending"
            " stopped (expansion; a fall is acceleration: customers who would have bought by then"
            " anyway, a rise is word of mouth after the horizon; Libai, Muller & Peres 2013): "
            + ", ".join(parts)
        )
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

#: Exit codes: 2 bad input (as argparse), 1 a run that could not finish, 128 + signal number
#: for an interrupt (130 Ctrl-C, 143 SIGTERM), as a shell reports them.
EXIT_BAD_INPUT, EXIT_FAILED = 2, 1


class Terminated(BaseException):
    """SIGTERM (a scheduler's kill, ``kill <pid>``), raised where Python next runs, so
    temporary files are removed on the way out as for Ctrl-C."""


_PENDING: list[type[BaseException]] = []


def _safe_to_raise(frame) -> bool:
    """Whether an exception may be raised in ``frame`` (the Python code a signal interrupted).

    Only in this package's own code, and not below numba: inside numba's compiler (or while
    it loads a kernel from the cache), or where compiled code has called back into Python (it
    unpickles constants through ``numba.core.serialize``), an exception can crash the
    process; and Python code called from C (numpy looking up an attribute through an enum's
    ``__getattr__``, for one) may have its exception cleared, so the interrupt would be lost.
    """
    from numba.core.compiler_lock import global_compiler_lock

    if frame is None or not frame.f_globals.get("__name__", "").startswith("diffusion_sim"):
        return False
    if global_compiler_lock.is_locked():
        return False
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith(("numba.", "llvmlite.")):
            return False
        frame = frame.f_back
    return True


def _raise_pending(signum, frame):
    if not _safe_to_raise(frame):  # not in our own code yet: look again shortly
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        return
    raise _PENDING.pop()()


def _interrupt(exc: type[BaseException]):
    """A handler for SIGTERM / SIGINT that raises ``exc`` where this package's code runs
    (see :func:`_safe_to_raise`): at once if it is running, else within 50 ms of its running
    again (a SIGALRM timer looks again)."""

    def handler(signum, frame):
        if not _safe_to_raise(frame):
            _PENDING.append(exc)
            signal.signal(signal.SIGALRM, _raise_pending)
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            return
        raise exc()

    return handler


def _error(text: str, code: int):
    print(f"diffusion-sim: error: {text}", file=sys.stderr)
    sys.exit(code)


def _launcher_cfg() -> dict | None:
    hc = HydraConfig.get()
    if str(hc.mode) != "RunMode.MULTIRUN":
        return None
    return OmegaConf.to_container(hc.launcher, resolve=False)


def execute(cfg: DictConfig, out_dir) -> RunOutput | CompareOutput | None:
    """One job of the command: check the folder and the config, run, write, mark complete.

    Returns ``None`` for a job skipped by ``sim.resume=true`` because its folder already
    holds its complete outputs. Every failure ends with one line and a non-zero exit.
    """
    out_dir = Path(out_dir)
    started = time.perf_counter()
    try:
        build(cfg)  # every value checked before the folder is touched
    except (ConfigError, GraphFormatError) as err:
        remove_if_unused(out_dir)  # a rejected run leaves no folder behind
        _error(str(err), EXIT_BAD_INPUT)
    sim = cfg.sim
    digest = config_digest(cfg)
    try:
        action = prepare_folder(out_dir, digest, resume=bool(sim.get("resume", False)),
                                overwrite=bool(sim.get("overwrite", False)))  # fmt: skip
    except RunDirError as err:
        remove_if_unused(out_dir)
        _error(str(err), EXIT_BAD_INPUT)
    if action == "skip":
        log.info("already complete, skipped (sim.resume=true): %s", out_dir)
        print(f"skipped (already complete): {out_dir}")
        return None
    _save_hydra_files(cfg, out_dir)
    threads = choose_threads(sim.get("threads"), jobs_side_by_side(_launcher_cfg()))
    numba.set_num_threads(threads)
    log.info("numba threads: %d", threads)
    try:
        mark_incomplete(out_dir, digest)
        out = run(cfg, out_dir)
        mark_complete(out_dir, digest, out.files.values(), started)
    except (ConfigError, GraphFormatError) as err:  # found while reading the data
        (out_dir / INCOMPLETE).unlink(missing_ok=True)
        remove_if_unused(out_dir)
        _error(str(err), EXIT_BAD_INPUT)
    except OSError as err:
        where = err.filename or out_dir
        _error(
            f"cannot write {where}: {err.strerror or err}; the outputs in {out_dir} are "
            f"incomplete (marked by {INCOMPLETE})",
            EXIT_FAILED,
        )
    except (KeyboardInterrupt, Terminated) as err:
        _interrupted(err, out_dir)
    except SystemError as err:
        # a signal handled while a compiled kernel ran: Python wraps the handler's exception
        # ("returned a result with an exception set"), its cause is the interrupt
        cause = err.__cause__ or err.__context__
        if not isinstance(cause, KeyboardInterrupt | Terminated):
            raise
        _interrupted(cause, out_dir)
    return out


def _interrupted(err: BaseException, out_dir: Path):
    """One line for Ctrl-C or SIGTERM during a job, and the shell's exit code."""
    term = isinstance(err, Terminated)
    what = "terminated (SIGTERM)" if term else "interrupted (Ctrl-C)"
    _error(f"{what}; the outputs in {out_dir} are incomplete (marked by {INCOMPLETE})",
           128 + (signal.SIGTERM if term else signal.SIGINT))  # fmt: skip


def _save_hydra_files(cfg: DictConfig, out_dir: Path) -> None:
    """Hydra's ``.hydra/`` record (config, hydra config, overrides), written only once the
    folder is accepted (``hydra.output_subdir`` is null, so Hydra does not write them
    before the checks and a refused run cannot overwrite another run's record)."""
    hc = HydraConfig.get()
    d = out_dir / ".hydra"
    parts = {
        "config.yaml": cfg,
        "hydra.yaml": OmegaConf.create({"hydra": OmegaConf.to_container(hc, resolve=False)}),
        "overrides.yaml": hc.overrides.task,
    }
    for name, node in parts.items():
        text = OmegaConf.to_yaml(node)
        atomic_write(d / name, lambda p, text=text: p.write_text(text))


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    out = execute(cfg, HydraConfig.get().runtime.output_dir)
    if out is not None:
        print(format_summary(out))


_INFO_FLAGS = ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "--shell-completion",
               "-sc", "--resolve", "--version")  # fmt: skip


def _output_dirs(argv: list[str]) -> tuple[list[str], list[Path]]:
    """Give the run (or the sweep) a folder of its own before Hydra starts.

    Hydra names folders after the time to the second, so two runs started in the same second
    would share one. Unless the user chose the folder, claim a new one atomically and pass it
    to Hydra; check that a folder the user chose can be written. Returns the arguments and
    the folders created here (removed again if the run is rejected before any work)."""
    if any(a.split("=")[0] in _INFO_FLAGS for a in argv):
        return argv, []
    multirun = any(a in ("-m", "--multirun") for a in argv) or "hydra.mode=MULTIRUN" in argv
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [a.split("=", 1)[1] for a in argv if a.startswith(key + "=")]
    created = []
    try:
        if given:
            path = Path(given[-1])
            if not path.exists():
                missing = [path]
                while not missing[-1].parent.exists() and missing[-1].parent != missing[-1]:
                    missing.append(missing[-1].parent)
                path.mkdir(parents=True)
                created.extend(reversed(missing))
            probe = path / f".diffusion-sim-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
            return argv, created
        now = datetime.now()
        root = Path("results") / ("multirun" if multirun else "runs") / now.strftime("%Y-%m-%d")
        if not root.exists():
            created.append(root)
        path = claim_unique_dir(root / now.strftime("%H-%M-%S"))
        created.append(path)
    except OSError as err:
        _error(f"{key}={given[-1] if given else err.filename}: cannot create or write the "
               f"output folder: {err.strerror or err}", EXIT_FAILED)  # fmt: skip
    return [*argv, f"{key}={path}"], created


def _config_dirs(argv: list[str]) -> list[str]:
    """Extra config folders given with ``--config-dir D`` / ``-cd D`` / ``--config-dir=D``."""
    out = []
    for i, a in enumerate(argv):
        if a in ("--config-dir", "-cd") and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif a.startswith("--config-dir="):
            out.append(a.split("=", 1)[1])
    return out


def _check_experiments(argv: list[str]) -> None:
    """``experiment`` is an optional group, so Hydra silently ignores a misspelt one."""
    from .hydra_errors import group_options
    from .validate import did_you_mean

    opts = group_options(CONF_DIR, "experiment", _config_dirs(argv))
    for a in argv:
        key, _, value = a.partition("=")
        if key.lstrip("+~") == "experiment" and value not in ("", "null"):
            for v in value.split(","):  # a sweep over experiments
                if v not in opts:
                    _error(f"experiment={v} is not allowed: one of {', '.join(opts)}"
                           f"{did_you_mean(v, opts)}", EXIT_BAD_INPUT)  # fmt: skip


def help_text() -> str:
    """``diffusion-sim --help``: the groups, their options and the keys, from the config."""
    import dataclasses

    from .config import Config, SimConfig
    from .hydra_errors import group_options

    lines = [
        "diffusion-sim: social-commerce diffusion over strong and weak ties (Hydra app)",
        "",
        "usage: diffusion-sim [key=value ...]        one run (results/runs/<date>/<time>/)",
        "       diffusion-sim -m key=a,b ...         a sweep, one job per combination",
        "       diffusion-sim --cfg job ...          show the composed config and stop",
        "",
        "groups (choose one option each, e.g. graph=sbm):",
    ]
    for group in ("graph", "contagion", "seeding", "market", "experiment"):
        lines.append(f"  {group:<11} {', '.join(group_options(CONF_DIR, group))}")
    lines.append(
        f"  {'hydra/launcher':<11} basic, {', '.join(group_options(CONF_DIR, 'hydra/launcher'))}"
    )
    lines += ["", "keys (see the YAML files of the groups and docs/model.md for the rest):"]
    notes = {
        "job": "auto (compare with the ties rule, else diffuse), compare, diffuse",
        "seed": "master seed of the graph and every replication",
        "plot": "write the figure",
    }
    for f in dataclasses.fields(Config):
        if f.name in notes:
            lines.append(f"  {f.name:<24} {notes[f.name]}")
    for f in dataclasses.fields(SimConfig):
        lines.append(f"  sim.{f.name:<20} default {f.default!r}")
    lines += [
        "  compare.budget           CNY each play may spend over the horizon",
        "  compare.plays            plays to compare, e.g. [none,vip,ads,bridging,mix]",
        "  market.<section>.<key>   the brand and its plays (conf/market/default.yaml)",
        "",
        "examples:",
        "  diffusion-sim compare.budget=50000 sim.steps=90 market.ads.cpm=150",
        "  diffusion-sim graph=erdos_renyi graph.n=10000 graph.mean_degree=4 \\",
        "      contagion=threshold contagion.phi=0.18 seeding.random=1 sim.replications=100",
        "  diffusion-sim experiment=weak_ties_demo",
        "  diffusion-sim -m compare.budget=25000,50000,100000 seed=0,1,2",
        "",
        "Hydra's own options: diffusion-sim --hydra-help",
    ]
    return "\n".join(lines)


def main() -> None:
    """Console entry point (``diffusion-sim``): Hydra overrides on the command line."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .hydra_errors import one_line

    args = sys.argv[1:]
    if any(a in ("--help", "-h") for a in args):
        print(help_text())
        return
    _check_experiments(args)
    try:
        check_bool_overrides(args)
    except ConfigError as err:
        _error(str(err), EXIT_BAD_INPUT)
    argv, created = _output_dirs(args)
    sys.argv = [sys.argv[0], *argv]
    previous = signal.signal(signal.SIGTERM, _interrupt(Terminated))
    previous_int = signal.signal(signal.SIGINT, _interrupt(KeyboardInterrupt))
    # Hydra prints its errors as a (shortened) stack; with FULL_ERROR they reach us instead
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        _hydra_main()
    except (HydraException, OmegaConfBaseException) as err:
        _error(one_line(err, CONF_DIR, args), EXIT_BAD_INPUT)
    except Exception as err:
        if os.environ.get("DIFFUSION_SIM_DEBUG"):
            raise
        _error(f"internal error: {type(err).__name__}: {err} (set DIFFUSION_SIM_DEBUG=1 for "
               "the traceback)", EXIT_FAILED)  # fmt: skip
    except KeyboardInterrupt:
        _error("interrupted (Ctrl-C)", 128 + signal.SIGINT)
    except Terminated:
        _error("terminated (SIGTERM)", 128 + signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        for path in reversed(created):  # folders made here and left empty by a rejection
            with contextlib.suppress(OSError):
                path.rmdir()
