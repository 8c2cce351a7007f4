"""Where the replications of one run are computed: this process, local processes or Ray.

Replication ``k`` depends only on the shared inputs (graph, rule, parameters) and on child
``k`` of the run's ``SeedSequence``, and the kernels give the same numbers with any number of
threads, so a replication computed in another process or on another machine is bit-identical
to the local one (tested). Results come back in replication order whatever order the workers
finish in.

``sim.backend``:

* ``serial`` (default) — one after the other in this process (numba threads as chosen).
* ``processes`` — ``sim.workers`` local processes (default: one per free core), one numba
  thread each, so workers × threads never exceeds the cores.
* ``ray`` — Ray tasks (``pip install -e .[cluster]``): a local Ray instance, or the cluster
  named by the ``RAY_ADDRESS`` environment variable (``ray.init`` reads it); one CPU and one
  numba thread per task. The shared inputs are put in Ray's object store once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from .errors import ConfigError

__all__ = ["BACKENDS", "run_tasks"]

#: Values of ``sim.backend``.
BACKENDS = ("serial", "processes", "ray")

_SHARED = None  # a worker process's copy of the shared inputs (set by _init)


def _init(shared) -> None:
    global _SHARED
    import numba

    numba.set_num_threads(1)  # workers side by side: one core each
    _SHARED = shared


def _call(fn, task):
    return fn(_SHARED, task)


def _progress(total: int, progress: bool, desc: str):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="run", leave=False)


def run_tasks(
    fn: Callable,
    shared,
    tasks: Sequence,
    *,
    backend: str = "serial",
    workers: int | None = None,
    progress: bool = False,
    desc: str = "replications",
) -> list:
    """``[fn(shared, task) for task in tasks]``, computed by ``backend``.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name).
    shared : object
        Inputs every task needs (pickled once per worker, or put once in Ray's store).
    tasks : sequence
        One item per task, e.g. ``(k, SeedSequence)`` of a replication.
    backend : {"serial", "processes", "ray"}
    workers : int, optional
        Processes for ``processes`` (default: the cores available); ignored otherwise.
    """
    if backend not in BACKENDS:
        raise ConfigError("sim.backend", backend, f"one of {list(BACKENDS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):  # fmt: skip
        raise ConfigError("sim.workers", workers, "an integer >= 1 or null")
    tasks = list(tasks)
    bar = _progress(len(tasks), progress, desc)
    try:
        if backend == "serial" or (len(tasks) <= 1 and backend == "processes"):
            out = []
            for t in tasks:
                out.append(fn(shared, t))
                if bar is not None:
                    bar.update()
            return out
        if backend == "processes":
            return _processes(fn, shared, tasks, workers, bar)
        return _ray(fn, shared, tasks, bar)
    finally:
        if bar is not None:
            bar.close()


def _processes(fn, shared, tasks, workers, bar) -> list:
    import multiprocessing as mp

    from .threads import available_cores

    n = min(len(tasks), workers or available_cores())
    out = [None] * len(tasks)
    # spawn: numba's threading layers are not safe to fork once they have started
    with ProcessPoolExecutor(n, mp_context=mp.get_context("spawn"), initializer=_init,
                             initargs=(shared,)) as ex:  # fmt: skip
        futures = {ex.submit(_call, fn, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futures):
            out[futures[f]] = f.result()
            if bar is not None:
                bar.update()
    return out


def _ray(fn, shared, tasks, bar) -> list:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "sim.backend", "ray", "installed first: pip install -e .[cluster] (Ray)"
        ) from None
    if not ray.is_initialized():
        ray.init(
            address=os.environ.get("RAY_ADDRESS"),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    remote = ray.remote(num_cpus=1)(_ray_task)
    ref = ray.put(shared)
    pending = {remote.remote(fn, ref, t): i for i, t in enumerate(tasks)}
    out = [None] * len(tasks)
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for d in done:
            out[pending.pop(d)] = ray.get(d)
            if bar is not None:
                bar.update()
    return out


def _ray_task(fn, shared, task):
    import numba

    numba.set_num_threads(1)
    return fn(shared, task)
