"""``python -m diffusion_sim`` is the same as ``diffusion-sim``."""

from .cli import main

main()
