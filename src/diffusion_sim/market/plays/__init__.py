"""The brand's plays, one module each (see :mod:`._base` for the protocol they follow)."""
