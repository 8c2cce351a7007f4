"""Social graphs: the :class:`SocialGraph` container, generators and file input."""

from .generators import (
    GENERATORS,
    clustered,
    complete,
    erdos_renyi,
    powerlaw_cluster,
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
    "erdos_renyi",
    "powerlaw_cluster",
    "read_edgelist",
    "sbm",
    "watts_strogatz",
]
