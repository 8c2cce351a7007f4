"""Compiled kernels (private). The public entry points are in :mod:`diffusion_sim.contagion`."""
