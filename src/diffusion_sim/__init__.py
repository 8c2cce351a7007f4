"""diffusion_sim: agent-based simulation of social-commerce diffusion over strong and weak ties.

Data flow: :mod:`~diffusion_sim.graph` (who knows whom) → :mod:`~diffusion_sim.contagion`
(rules and compiled kernels) → :mod:`~diffusion_sim.model` (the Mesa model that owns state and
RNG) → :mod:`~diffusion_sim.results` (typed results, tidy tables) → :mod:`~diffusion_sim.plotting`.
"""

from . import _numba_cache  # noqa: F401  (must run before any kernel module is imported)

__version__ = "0.1.0"

# The public names load on first use (PEP 562), so that importing the package, or a console
# entry point inside it, costs nothing before it can catch an interrupt.
_LAZY = {
    "CascadeRule": "contagion",
    "Engine": "contagion",
    "ThresholdRule": "contagion",
    "TiesRule": "contagion",
    "make_rule": "contagion",
    "SocialGraph": "graph",
    "Cause": "states",
    "State": "states",
    "TieClass": "states",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


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
