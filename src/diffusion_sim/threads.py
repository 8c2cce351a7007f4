"""How many numba threads a job gets: never more than the cores other work leaves free.

The kernels pick their threaded variant only when numba has more than one thread and a pass
touches at least :data:`~diffusion_sim.contagion.PARALLEL_MIN` consumers, so a job with one
thread runs the serial kernels (results are identical either way). On a loaded machine, or
with several jobs side by side, extra threads only compete for the same cores: on a 2-core
machine 10 default runs took 3.3–17.6 s threaded against 3.0–3.8 s serial while the other
core was busy. :func:`choose_threads` therefore counts the cores that are free now.
"""

from __future__ import annotations

import os
import time

import numba

__all__ = ["available_cores", "busy_cores", "choose_threads", "jobs_side_by_side"]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity; ``os.cpu_count()`` elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _proc_stat() -> tuple[int, int]:
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return sum(v[:8]) - idle, sum(v[:8])


def busy_cores(window: float = 0.2) -> float:
    """Cores kept busy by *other* processes over the last ``window`` seconds (Linux
    ``/proc/stat`` minus this process's own CPU time); 0.0 where that cannot be read."""
    try:
        b0, t0 = _proc_stat()
        own0 = sum(os.times()[:2])
        time.sleep(window)
        b1, t1 = _proc_stat()
        own1 = sum(os.times()[:2])
    except (OSError, ValueError, IndexError):
        return 0.0
    if t1 <= t0:
        return 0.0
    ncpu = os.cpu_count() or 1
    busy = (b1 - b0) / (t1 - t0) * ncpu - (own1 - own0) / window
    return max(0.0, busy)


def jobs_side_by_side(launcher: dict | None) -> int:
    """Jobs a Hydra launcher runs at once on this machine (1 for the basic launcher and for
    cluster launchers, whose jobs get their own cores)."""
    if not launcher:
        return 1
    target = str(launcher.get("_target_", ""))
    if "Joblib" in target:
        n = launcher.get("n_jobs") or -1
        return available_cores() if n < 0 else max(1, int(n))
    if "submitit" in target and "Local" in target:
        return max(1, available_cores() // max(1, int(launcher.get("cpus_per_task") or 1)))
    if "Ray" in target:
        return available_cores()  # a local Ray instance runs one job per core by default
    return 1


def choose_threads(requested: int | None = None, side_by_side: int = 1,
                   busy: float | None = None) -> int:  # fmt: skip
    """Threads for one job: ``requested`` if given (capped at numba's maximum), else the
    cores left by the jobs running beside it and by other processes, at least 1.

    >>> choose_threads(requested=1)
    1
    >>> choose_threads(side_by_side=64, busy=0.0)
    1
    """
    top = numba.config.NUMBA_NUM_THREADS
    if requested is not None:
        return max(1, min(int(requested), top))
    cores = available_cores()
    per_job = max(1, cores // max(1, side_by_side))
    if busy is None:
        busy = busy_cores() if side_by_side == 1 else 0.0
    free = max(1, int(cores - busy + 0.5))
    return max(1, min(per_job, free, top))
