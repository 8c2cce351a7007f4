"""The brand and its strategies on top of the diffusion engine (social commerce)."""
