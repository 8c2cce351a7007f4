"""Where numba caches the compiled kernels (imported first by the package).

numba's own cache notices when a function's *file* changes, not when a helper it inlines from
another file does (``_pick_cause``, ``_uniform`` …), so a stale kernel could be loaded after an
edit. We therefore key the cache folder by a hash of every file that holds compiled code: any
edit gives a fresh folder. It lives under ``$XDG_CACHE_HOME`` (or ``~/.cache``), which also
keeps an installation in a read-only location working. Set ``NUMBA_CACHE_DIR`` to choose the
folder yourself (then this module does nothing).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_COMPILED = ["rng.py", "states.py", "kernels", "graph", "market"]


def _digest() -> str:
    try:
        nb = version("numba")
    except PackageNotFoundError:  # pragma: no cover - numba is a dependency
        nb = "?"
    h = hashlib.sha256(nb.encode())
    for entry in _COMPILED:
        p = _HERE / entry
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def configure() -> str | None:
    """Point numba's cache at a folder keyed by the compiled sources; returns the folder."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = root / "diffusion_sim" / "numba" / _digest()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "diffusion_sim-numba" / _digest()
        folder.mkdir(parents=True, exist_ok=True)
    # numba reads NUMBA_CACHE_DIR when it is first imported; importing numba here would make
    # the package import slow (and an interrupt during it a traceback), so the variable is set
    # unless numba is loaded already. Child processes inherit it: they run the same sources.
    if "numba" in sys.modules:
        sys.modules["numba"].config.CACHE_DIR = str(folder)
    else:
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return str(folder)


CACHE_DIR = configure()
