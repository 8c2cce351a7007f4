"""Social graphs: the :class:`SocialGraph` container, generators and file input."""

from .generators import (
    GENERATORS,
    clustered,
    complete,
    configuration,
    degree_sequence,
    erdos_renyi,
    powerlaw_cluster,
    random_regular,
    sbm,
    watts_strogatz,
)
from .io import read_edgelist
from .social_graph import SocialGraph

__all__ = [
    "GENERATORS",
    "SocialGraph",
    "clustered",
    "complete",
    "configuration",
    "degree_sequence",
    "erdos_renyi",
    "powerlaw_cluster",
    "random_regular",
    "read_edgelist",
    "sbm",
    "watts_strogatz",
]
