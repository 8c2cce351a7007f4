"""diffusion_sim: agent-based simulation of social-commerce diffusion over strong and weak ties.

Data flow: :mod:`~diffusion_sim.graph` (who knows whom) → :mod:`~diffusion_sim.contagion`
(rules and compiled kernels) → :mod:`~diffusion_sim.model` (the Mesa model that owns state and
RNG) → :mod:`~diffusion_sim.results` (typed results, tidy tables) → :mod:`~diffusion_sim.plotting`.
"""

from . import _numba_cache  # noqa: F401  (must run before any kernel module is imported)
from .contagion import CascadeRule, Engine, ThresholdRule, TiesRule, make_rule
from .graph import SocialGraph
from .states import Cause, State, TieClass

__version__ = "0.1.0"

__all__ = [
    "CascadeRule",
    "Cause",
    "Engine",
    "SocialGraph",
    "State",
    "ThresholdRule",
    "TieClass",
    "TiesRule",
    "__version__",
    "make_rule",
]
