"""Benchmarks of diffusion_sim against the tools users would pick instead (not tests)."""
