"""Replications: the same market and rule run with independent random streams."""

from __future__ import annotations

import numpy as np

from .backends import run_tasks
from .contagion import Rule
from .errors import ConfigError
from .graph.social_graph import SocialGraph
from .model import DiffusionModel
from .results import Replications, RunResult
from .seeding import Seeding

__all__ = ["replicate"]


def _one_run(shared, task) -> RunResult:
    """One replication (a task of :func:`~diffusion_sim.backends.run_tasks`)."""
    graph, rule, seeding, steps, parallel = shared
    _, child = task
    model = DiffusionModel(graph, rule, seeding, agents="lazy", parallel=parallel, seed=child)
    return model.run(steps)


def replicate(
    graph: SocialGraph,
    rule: Rule,
    seeding: Seeding,
    *,
    steps: int,
    replications: int,
    seed=None,
    parallel: bool | None = None,
    progress: bool = False,
    backend: str = "serial",
    workers: int | None = None,
) -> Replications:
    """Run ``replications`` independent runs of ``steps`` steps.

    Replication ``k`` is seeded with child ``k`` of ``SeedSequence(seed).spawn(replications)``,
    so it gives the same result whether run alone (``replicate_one``) or in a batch, and adding
    replications never changes the earlier ones. ``backend`` (``serial``, ``processes``,
    ``ray``) chooses where they run (:func:`~diffusion_sim.backends.run_tasks`); the result
    is the same.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError("sim.replications", replications, "an integer >= 1")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ConfigError("sim.steps", steps, "an integer >= 0")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(replications)
    runs = run_tasks(
        _one_run,
        (graph, rule, seeding, steps, parallel),
        list(enumerate(children)),
        backend=backend,
        workers=workers,
        progress=progress,
    )
    return Replications(tuple(runs))
