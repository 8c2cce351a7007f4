"""``python -m diffusion_sim`` is the same as ``diffusion-sim``."""

from ._entry import main

main()
