"""Replications: the same market and rule run with independent random streams."""

from __future__ import annotations

import numpy as np

from .contagion import Rule
from .errors import ConfigError
from .graph.social_graph import SocialGraph
from .model import DiffusionModel
from .results import Replications
from .seeding import Seeding

__all__ = ["replicate"]


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
) -> Replications:
    """Run ``replications`` independent runs of ``steps`` steps.

    Replication ``k`` is seeded with child ``k`` of ``SeedSequence(seed).spawn(replications)``,
    so it gives the same result whether run alone (``replicate_one``) or in a batch, and adding
    replications never changes the earlier ones.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError("sim.replications", replications, "an integer >= 1")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ConfigError("sim.steps", steps, "an integer >= 0")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(replications)
    it = range(replications)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="replications", unit="run", leave=False)
    runs = []
    for k in it:
        model = DiffusionModel(
            graph, rule, seeding, agents="lazy", parallel=parallel, seed=children[k]
        )
        runs.append(model.run(steps))
    return Replications(tuple(runs))
