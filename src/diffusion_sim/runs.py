"""Run folders that never lose a result: unique names, markers, resume and clean refusals.

Every job of ``diffusion-sim`` writes into one folder. This module decides whether that folder
may be used and records what happened there:

* ``INCOMPLETE.json`` is written before the work starts and removed when the job has written
  every output; a job that was interrupted, killed or ran out of disk leaves it behind.
* ``COMPLETE.json`` is written last. It holds the digest of the configuration that changes
  results (:func:`config_digest`) and the size and sha256 of every output, so a resumed sweep
  can skip the job and a later run can tell its own folder from another run's.

A folder is refused (:class:`RunDirError`) when it holds another run's outputs (a different
digest) unless ``sim.overwrite=true`` cleans it first, or files that no run of this program
wrote. :func:`claim_unique_dir` makes a new run folder atomically (``mkdir`` fails if the name
exists), so two runs started in the same second get two folders.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from .results import atomic_write

__all__ = [
    "COMPLETE",
    "INCOMPLETE",
    "NON_RESULT_KEYS",
    "RunDirError",
    "claim_unique_dir",
    "config_digest",
    "folder_status",
    "mark_complete",
    "mark_incomplete",
    "prepare_folder",
    "remove_if_unused",
    "safe_dirname",
]

COMPLETE = "COMPLETE.json"
INCOMPLETE = "INCOMPLETE.json"

#: Keys that change how a job runs but never what it computes: left out of job folder names
#: and of the config digest (so a sweep resumed with ``sim.resume=true`` finds its jobs).
NON_RESULT_KEYS = (
    "sim.resume",
    "sim.overwrite",
    "sim.progress",
    "sim.parallel",
    "sim.threads",
    "sim.backend",
    "sim.workers",
)

# Hydra's own files in a job folder: not outputs of the job.
_HYDRA_FILES = (".hydra",)
_MAX_NAME = 150  # bytes of a folder name before it is shortened with a hash


class RunDirError(RuntimeError):
    """The output folder cannot be used; the message says why and what to do."""


def safe_dirname(overrides: str) -> str:
    """A job folder name from Hydra's ``override_dirname``.

    Characters that a file system or a shell treats specially (``/``, ``\\``, ``:``, quotes,
    brackets, spaces) become ``_`` and such a name, or one longer than 150 bytes (cut to 120),
    ends in a 12-digit hash of the input, so distinct override sets get distinct folders.

    >>> safe_dirname("compare.budget=25000,seed=1")
    'compare.budget=25000,seed=1'
    >>> safe_dirname("graph.path=/data/ties.csv")
    'graph.path=_data_ties.csv~d6f21aee261f'
    >>> safe_dirname("")
    'default'
    """
    if not overrides:
        return "default"
    bad = set("/\\:*?\"<>|'` []{}$;&") | {chr(c) for c in range(32)}
    name = "".join("_" if ch in bad else ch for ch in overrides)
    if name.startswith("."):
        name = "_" + name[1:]
    if name != overrides or len(name.encode()) > _MAX_NAME:
        # two different inputs may sanitise alike: keep them apart with a hash of the input
        digest = hashlib.sha1(overrides.encode()).hexdigest()[:12]
        name = name.encode()[:120].decode(errors="ignore") if len(name.encode()) > 120 else name
        name = f"{name}~{digest}"
    return name


def claim_unique_dir(base: str | os.PathLike) -> Path:
    """Create ``base`` (or ``base_2``, ``base_3``, ...) atomically and return it.

    ``os.mkdir`` fails when the name exists, so two processes that start in the same second
    never share a folder.

    Raises
    ------
    OSError
        When the parent cannot be created or written (read-only, no space, no permission).
    """
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    for k in range(1, 10_000):
        path = base if k == 1 else base.with_name(f"{base.name}_{k}")
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        return path
    raise OSError(errno.EEXIST, f"no free folder name next to {base}")


def config_digest(cfg: DictConfig | dict) -> str:
    """sha256 of the resolved configuration without :data:`NON_RESULT_KEYS` (hex, 16 digits).

    Two jobs with the same digest compute the same results (same seed, same parameters).
    """
    c = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    c = json.loads(json.dumps(c, default=str))
    c.pop("hydra", None)
    for key in NON_RESULT_KEYS:
        node = c
        *path, last = key.split(".")
        for p in path:
            node = node.get(p, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(last, None)
    text = json.dumps(c, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _contents(folder: Path) -> list[Path]:
    """What the folder holds besides Hydra's files (``.hydra/`` and the job's ``*.log``)."""
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.iterdir()
        if p.name not in _HYDRA_FILES and not (p.suffix == ".log" and p.is_file())
    ]


def folder_status(folder: str | os.PathLike) -> tuple[str, dict | None]:
    """``("complete" | "incomplete" | "empty" | "foreign", marker)`` of a job folder.

    ``foreign``: files that no run of this program wrote (no marker).
    """
    folder = Path(folder)
    done = _read_marker(folder / COMPLETE)
    if done is not None and not (folder / INCOMPLETE).exists():
        return "complete", done
    started = _read_marker(folder / INCOMPLETE)
    if started is not None:
        return "incomplete", started
    if done is not None:  # both markers: the last run was interrupted
        return "incomplete", done
    return ("foreign" if _contents(folder) else "empty"), None


def prepare_folder(
    folder: str | os.PathLike, digest: str, *, resume: bool = False, overwrite: bool = False
) -> str:
    """Decide whether a job may write into ``folder``; returns ``"run"`` or ``"skip"``.

    * empty (only Hydra's files): run.
    * complete with the same digest: ``"skip"`` when resuming, else run again (the same
      configuration writes the same files).
    * incomplete with the same digest (an interrupted run of this job): run; files it left,
      such as an optimiser's study, are kept so the job can continue.
    * another configuration's outputs: cleaned when ``overwrite``, else :class:`RunDirError`.
    * files no run wrote: always :class:`RunDirError` (nothing is deleted).
    """
    folder = Path(folder)
    status, marker = folder_status(folder)
    if status == "empty":
        return "run"
    if status == "foreign":
        names = ", ".join(sorted(p.name for p in _contents(folder))[:3])
        raise RunDirError(
            f"output folder {folder} holds files that are not a diffusion-sim run ({names}, ...):"
            " choose an empty folder (hydra.run.dir=...)"
        )
    if marker.get("digest") == digest:
        return "skip" if (status == "complete" and resume) else "run"
    if not overwrite:
        raise RunDirError(
            f"output folder {folder} holds the outputs of another configuration "
            f"(digest {marker.get('digest')}, this run {digest}): choose another folder "
            "(hydra.run.dir=...) or pass sim.overwrite=true to replace them"
        )
    for p in _contents(folder):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    return "run"


def mark_incomplete(folder: str | os.PathLike, digest: str) -> None:
    """Write ``INCOMPLETE.json`` before any output (removed by :func:`mark_complete`)."""
    folder = Path(folder)
    info = {"digest": digest, "started": datetime.now().isoformat(timespec="seconds"),
            "pid": os.getpid()}  # fmt: skip
    atomic_write(folder / INCOMPLETE, lambda p: p.write_text(json.dumps(info, indent=1)))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mark_complete(folder: str | os.PathLike, digest: str, files, started: float) -> Path:
    """Write ``COMPLETE.json`` (digest, outputs with size and sha256, run time), then remove
    ``INCOMPLETE.json``: the marker is the last thing a finished job writes."""
    from . import __version__

    folder = Path(folder)
    outputs = {}
    for path in sorted({Path(p) for p in files}):
        if path.is_file():
            rel = os.path.relpath(path, folder)
            outputs[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    info = {
        "digest": digest,
        "finished": datetime.now().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 3),
        "version": __version__,
        "outputs": outputs,
    }
    path = folder / COMPLETE
    atomic_write(path, lambda p: p.write_text(json.dumps(info, indent=1)))
    (folder / INCOMPLETE).unlink(missing_ok=True)
    return path


def remove_if_unused(folder: str | os.PathLike) -> bool:
    """Remove a folder that holds only Hydra's files (a run rejected before any work);
    returns whether it was removed. The parent sweep folder goes too once it holds nothing
    but Hydra's ``multirun.yaml``."""
    folder = Path(folder)
    if not folder.is_dir() or _contents(folder):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    parent = folder.parent
    try:
        rest = [p.name for p in parent.iterdir()]
    except OSError:
        return True
    if rest and set(rest) <= {"multirun.yaml"}:
        shutil.rmtree(parent, ignore_errors=True)
    return True


def _register_resolver() -> None:
    # Hydra resolves ``hydra.sweep.subdir`` in every process that runs a job (launcher
    # workers import this module with the task function), so register at import.
    if not OmegaConf.has_resolver("ds_dirname"):
        OmegaConf.register_new_resolver("ds_dirname", lambda s: safe_dirname(str(s)))


_register_resolver()
