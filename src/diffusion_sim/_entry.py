"""Console entry points that load the program under guard.

The console scripts call these instead of the modules' ``main`` directly: importing the CLI
loads numba, Hydra and pandas (a second or more), and a Ctrl-C in that window would otherwise
print a traceback. Nothing has been written yet at that point, so the line says so.
"""

from __future__ import annotations

import importlib
import sys


def _load(module: str, prog: str):
    try:
        return importlib.import_module(module).main
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted while starting; nothing was written\n")
        raise SystemExit(130) from None


def main() -> None:
    """``diffusion-sim``."""
    _load("diffusion_sim.cli", "diffusion-sim")()


def aggregate() -> None:
    """``diffusion-sim-aggregate``."""
    _load("diffusion_sim.sweeps", "diffusion-sim-aggregate")()
