"""Runs for the strategist page: the page's inputs as Hydra overrides, the CLI command that
reproduces them, and a background worker process that runs the CLI's own :func:`run`.

The page never computes anything itself. Its inputs become a list of Hydra overrides
(:func:`overrides`); the config is composed from them with Hydra's compose API exactly as
the ``diffusion-sim`` command composes it, and :func:`diffusion_sim.cli.run` runs it, so the
same inputs give the same numbers as ``diffusion-sim <the same overrides>`` (tested). The run
happens in a separate process (spawned: numba's threads are not fork-safe), which makes it
cancellable at any moment (the process is terminated) and keeps the web server responsive;
progress bars (tqdm) inside the run are reported back through a queue.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import shlex
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

__all__ = [
    "Inputs",
    "Job",
    "check",
    "command",
    "compose_config",
    "default_config",
    "new_run_dir",
    "options",
    "overrides",
    "start",
]

#: Jobs the strategist page offers (docs/model.md §10): the comparison and three decisions.
JOBS = ("compare", "curves", "optimize", "uncertainty")
# Hydra's global state (GlobalHydra) allows one initialised config search path at a time.
_HYDRA_LOCK = threading.Lock()


def _conf_dir() -> str:
    from ..cli import CONF_DIR

    return CONF_DIR


def options(group: str) -> list[str]:
    """The options of a config group (its YAML files), e.g. ``options("market")``."""
    from ..hydra_errors import group_options

    return group_options(_conf_dir(), group)


def compose_config(ovr: list[str], *, with_hydra: bool = False) -> DictConfig:
    """The config ``diffusion-sim <ovr>`` would run (Hydra's compose API on the same files).

    ``with_hydra``: keep the ``hydra`` node (its ``overrides.task`` names the figures).
    Raises Hydra's or OmegaConf's exception for a bad override (see :func:`check`)."""
    from hydra import compose, initialize_config_dir

    from .. import runs  # noqa: F401  (registers the resolver the config names)
    from ..config import register_configs

    register_configs()
    with _HYDRA_LOCK, initialize_config_dir(config_dir=_conf_dir(), version_base="1.3",
                                            job_name="diffusion_sim"):  # fmt: skip
        return compose("config", overrides=list(ovr), return_hydra_config=with_hydra)


def default_config() -> dict:
    """The composed default config as plain data (resolved)."""
    cfg = compose_config([])
    return OmegaConf.to_container(cfg, resolve=True)


@dataclass
class Inputs:
    """What the strategist sets on the page; every field is text or a choice as typed, and
    becomes one override (Hydra parses and the config's checks judge it, as on the command
    line)."""

    job: str = "compare"
    market: str = "default"
    network: str = "clustered"
    n: str = ""
    organic: str = "ties"
    budget: str = ""
    horizon: str = ""
    replications: str = ""
    seed: str = ""
    plays: list[str] = field(default_factory=list)
    splits: dict[str, dict[str, float]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def overrides(inp: Inputs, defaults: dict | None = None) -> list[str]:
    """Hydra overrides for ``inp``: groups that differ from the defaults, then the values
    given (empty fields keep the default), then custom splits and edited parameters."""
    d = defaults if defaults is not None else default_config()
    out = []
    for group, value in (("market", inp.market), ("graph", inp.network),
                         ("contagion", inp.organic)):  # fmt: skip
        if value and value != _default_option(group):
            out.append(f"{group}={value}")
    if inp.job and inp.job != "compare":
        out.append(f"job={inp.job}")
    for key, value in (("graph.n", inp.n), ("compare.budget", inp.budget),
                       ("sim.steps", inp.horizon), ("sim.replications", inp.replications),
                       ("seed", inp.seed)):  # fmt: skip
        if str(value).strip():
            out.append(f"{key}={str(value).strip()}")
    if inp.plays and list(inp.plays) != list(d["compare"]["plays"]):
        out.append(f"compare.plays=[{','.join(inp.plays)}]")
    for name, split in inp.splits.items():  # new plays only (the page refuses known names)
        body = ",".join(f"{s}:{v:g}" for s, v in split.items())
        out.append(f"+compare.splits.{name}={{{body}}}")
    for key, value in inp.values.items():
        out.append(f"{key}={str(value).strip()}")
    return out


def _default_option(group: str) -> str:
    from pathlib import Path

    import yaml

    root = yaml.safe_load((Path(_conf_dir()) / "config.yaml").read_text())
    for item in root.get("defaults", []):
        if isinstance(item, dict) and group in item:
            return str(item[group])
    return ""


def command(ovr: list[str]) -> str:
    """The shell command that runs the same job: ``diffusion-sim`` with the overrides."""
    return " ".join(["diffusion-sim", *(shlex.quote(o) for o in ovr)])


def check(ovr: list[str]) -> str | None:
    """``None`` if the overrides make a valid run, else the CLI's one-line message."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from ..config import build
    from ..errors import ConfigError, GraphFormatError
    from ..hydra_errors import one_line

    try:
        build(compose_config(ovr))
    except (HydraException, OmegaConfBaseException) as err:
        return one_line(err, _conf_dir(), ovr)
    except (ConfigError, GraphFormatError) as err:
        return str(err)
    return None


def new_run_dir(root: str | Path = "results/app") -> Path:
    """A new folder ``results/app/<date>/<time>`` (claimed atomically)."""
    from ..runs import claim_unique_dir

    now = datetime.now()
    return claim_unique_dir(Path(root) / now.strftime("%Y-%m-%d") / now.strftime("%H-%M-%S"))


class Job:
    """A run in a worker process. :meth:`poll` returns the events so far:
    ``("progress", desc, done, total)``, ``("done", files, text)`` or ``("error", line)``."""

    def __init__(self, ovr: list[str], out_dir: Path):
        ctx = mp.get_context("spawn")
        self.overrides = list(ovr)
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.queue = ctx.Queue()
        self.process = ctx.Process(target=_worker, args=(self.overrides, str(out_dir),
                                                         self.queue), daemon=True)  # fmt: skip
        self.started = time.perf_counter()
        self.process.start()
        self.finished = False

    def poll(self, timeout: float = 0.2) -> list[tuple]:
        """Events since the last call (waits up to ``timeout`` s for the first)."""
        events = []
        try:
            events.append(self.queue.get(timeout=timeout))
            while True:
                events.append(self.queue.get_nowait())
        except queue_mod.Empty:
            pass
        if any(e[0] in ("done", "error") for e in events):
            self.finished = True
        elif not self.process.is_alive() and self.queue.empty() and not self.finished:
            self.finished = True
            events.append(("error", f"the run stopped (exit code {self.process.exitcode}); "
                                    f"the outputs in {self.out_dir} are incomplete"))  # fmt: skip
        return events

    def cancel(self) -> None:
        """Stop the run now (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
        self.finished = True

    def wait(self, timeout: float = 600.0) -> tuple:
        """Block until the run ends; returns its last event (for tests and scripts)."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            for e in self.poll(0.5):
                if e[0] in ("done", "error"):
                    self.process.join(10)
                    return e
        self.cancel()
        return ("error", f"no result within {timeout:.0f} s")


def start(ovr: list[str], out_dir: Path | None = None) -> Job:
    """Start ``diffusion-sim <ovr>``'s job in a worker process writing into ``out_dir``."""
    return Job(ovr, out_dir if out_dir is not None else new_run_dir())


def _worker(ovr: list[str], out_dir: str, q) -> None:
    """The worker process: the command's steps (compose, check, run, mark complete) with its
    progress bars reported through ``q``."""
    try:
        import tqdm

        class _Reported(tqdm.tqdm):
            # every bar of the run reports its count instead of drawing on a terminal
            def __init__(self, *a, **k):
                import os

                k["file"] = open(os.devnull, "w")  # noqa: SIM115 (closed with the bar)
                k.pop("disable", None)
                super().__init__(*a, **k)
                q.put(("progress", str(self.desc or ""), 0, self.total or 0))

            def update(self, n=1):
                out = super().update(n)
                q.put(("progress", str(self.desc or ""), self.n, self.total or 0))
                return out

            def close(self):
                f = self.fp
                super().close()
                f.close()

        tqdm.tqdm = _Reported  # modules import it by name when a run starts
        import numba
        from hydra.core.hydra_config import HydraConfig

        from ..cli import format_summary, run
        from ..config import build
        from ..errors import ConfigError, GraphFormatError
        from ..runs import config_digest, mark_complete, mark_incomplete
        from ..threads import choose_threads

        cfg = compose_config(ovr, with_hydra=True)
        HydraConfig.instance().set_config(cfg)  # figure titles name the overrides, as in the CLI
        with open_dict(cfg):
            del cfg["hydra"]  # the task's config, as Hydra hands it to the command
        try:
            build(cfg)
        except (ConfigError, GraphFormatError) as err:
            q.put(("error", str(err)))
            return
        numba.set_num_threads(choose_threads(cfg.sim.get("threads"), 1))
        folder = Path(out_dir)
        digest = config_digest(cfg)
        started = time.perf_counter()
        mark_incomplete(folder, digest)
        out = run(cfg, folder, progress=True)
        mark_complete(folder, digest, out.files.values(), started)
        files = {k: str(v) for k, v in out.files.items()}
        q.put(("done", files, format_summary(out)))
    except Exception as err:  # one line on the page, never a traceback
        from ..errors import ConfigError, GraphFormatError

        if isinstance(err, ConfigError | GraphFormatError):
            q.put(("error", str(err)))
        else:
            q.put(("error", f"internal error: {type(err).__name__}: {err}"))
