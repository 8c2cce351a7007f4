"""Replications: the same market and rule run with independent random streams.

With a graph *factory* instead of a graph (``sim.fresh_graph=true``), every replication also
builds its own network: replication ``k``'s graph is seeded with child ``k`` of a graph stream
separate from the runs' (``graph_seeds``), so it is the same whichever backend or thread
count computes it, and the run's own random numbers are those of the one-graph case.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .backends import run_tasks
from .contagion import Rule
from .errors import ConfigError
from .graph.social_graph import SocialGraph
from .model import DiffusionModel
from .results import Replications, RunResult
from .seeding import Seeding

__all__ = ["graph_seeds", "replicate"]

#: Spawn-key tag of the graph stream ("graph" in ASCII), far above any replication index.
_GRAPH_STREAM = 0x6772617068


def graph_seeds(seed, replications: int) -> list[np.random.SeedSequence]:
    """Seed of each replication's own graph under ``sim.fresh_graph=true``."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    root = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, _GRAPH_STREAM))
    return root.spawn(replications)


def _one_run(shared, task) -> RunResult:
    """One replication (a task of :func:`~diffusion_sim.backends.run_tasks`)."""
    graph, rule, seeding, steps, parallel = shared
    _, child, graph_seed = task
    if graph_seed is not None:  # a factory: this replication's own network
        graph = graph(seed=graph_seed)
    model = DiffusionModel(graph, rule, seeding, agents="lazy", parallel=parallel, seed=child)
    return model.run(steps)


def replicate(
    graph: SocialGraph | Callable[..., SocialGraph],
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

    ``graph`` is a :class:`SocialGraph` shared by all replications, or a picklable factory
    ``graph(seed=SeedSequence) -> SocialGraph`` (e.g. ``functools.partial(erdos_renyi,
    1000, 4.0)``) called once per replication with :func:`graph_seeds` ``[k]``: the spread
    of the results then includes network-to-network variation.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError("sim.replications", replications, "an integer >= 1")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ConfigError("sim.steps", steps, "an integer >= 0")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(replications)
    fresh = not isinstance(graph, SocialGraph)
    gseeds = graph_seeds(ss, replications) if fresh else [None] * replications
    runs = run_tasks(
        _one_run,
        (graph, rule, seeding, steps, parallel),
        [(k, c, g) for k, (c, g) in enumerate(zip(children, gseeds, strict=True))],
        backend=backend,
        workers=workers,
        progress=progress,
    )
    return Replications(tuple(runs))
