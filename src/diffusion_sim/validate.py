"""Checks of a composed configuration that apply to every key: known keys, finite numbers,
and the memory and length a run will need — all before any work starts.

Each check raises :class:`~diffusion_sim.errors.ConfigError` naming the key, the value and
what is allowed, with a "did you mean" for a near miss.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from pathlib import Path

from .errors import ConfigError

__all__ = [
    "MAX_REPLICATIONS",
    "MAX_STEPS",
    "available_memory",
    "check_against_graph",
    "check_finite",
    "check_keys",
    "check_resources",
    "did_you_mean",
    "estimate_memory",
]

#: Bounds past which a run is almost surely a typo (``sim.check_resources=false`` lifts them):
#: 100 years of days, and replications whose intervals are already far below model error.
MAX_STEPS = 36_500
MAX_REPLICATIONS = 10_000


def did_you_mean(word: str, options) -> str:
    """``" (did you mean 'x'?)"`` for the closest option, or ``""``.

    >>> did_you_mean("stepz", ["steps", "replications"])
    " (did you mean 'steps'?)"
    """
    best = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {best[0]!r}?)" if best else ""


def _dataclass_of(tp):
    """The dataclass behind a field type (``Foo``, ``Foo | None``), else None."""
    if dataclasses.is_dataclass(tp):
        return tp
    for arg in typing.get_args(tp):
        if dataclasses.is_dataclass(arg):
            return arg
    return None


def _kind_ok(v, tp) -> str | None:
    """None if ``v`` fits the annotation ``tp``, else what is allowed."""
    if tp is typing.Any:
        return None
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if args and origin is not list and origin is not dict:  # a union such as int | None
        if v is None and type(None) in args:
            return None
        wants = [a for a in args if a is not type(None)]
        bad = [_kind_ok(v, a) for a in wants]
        return None if any(b is None for b in bad) else " or ".join(b for b in bad if b)
    if tp is bool:
        return None if isinstance(v, bool) else "true or false"
    if tp is int:
        return None if isinstance(v, int) and not isinstance(v, bool) else "an integer"
    if tp is float:
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        return None if ok else "a number"
    if tp is str:
        return None if isinstance(v, str) else "text"
    if tp is list or origin is list:
        return None if isinstance(v, list | tuple) else "a list"
    if tp is dict or origin is dict:
        return None if isinstance(v, dict) else "a mapping"
    if dataclasses.is_dataclass(tp):
        return None if isinstance(v, dict) else "a section of keys"
    return None


def check_keys(values: dict, schema, prefix: str = "") -> None:
    """Every key of ``values`` (nested dicts) must be a field of the dataclass ``schema``,
    with a value of the field's type.

    Hydra rejects unknown keys and wrong types in plain overrides but accepts new keys with
    ``+key=value``; this catches those too, and protects callers that pass plain dicts.
    """
    if not isinstance(values, dict) or not dataclasses.is_dataclass(schema):
        return
    hints = typing.get_type_hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    for key, v in values.items():
        full = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(
                full,
                v,
                f"not a key of {prefix.rstrip('.') or 'the config'}{did_you_mean(key, names)};"
                f" keys: {', '.join(names)}",
            )
        wrong = _kind_ok(v, hints.get(key, typing.Any))
        if wrong is not None:
            raise ConfigError(full, v, wrong)
        sub = _dataclass_of(hints.get(key))
        if sub is not None and isinstance(v, dict):
            check_keys(v, sub, f"{full}.")


def check_finite(values, prefix: str = "") -> None:
    """No NaN or infinity anywhere in the configuration."""
    if isinstance(values, dict):
        for k, v in values.items():
            check_finite(v, f"{prefix}{k}.")
    elif isinstance(values, list | tuple):
        for i, v in enumerate(values):
            check_finite(v, f"{prefix[:-1]}[{i}].")
    elif isinstance(values, float) and not math.isfinite(values):
        raise ConfigError(prefix[:-1], values, "a finite number (not NaN or infinity)")


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _mean_degree(kind: str, g: dict) -> float:
    if kind == "clustered":
        return (g["group_size"] - 1) * g.get("p_strong", 1.0) + 2 * g["weak_ties"]
    if kind == "sbm":
        n, b = g["n"], max(g["blocks"], 1)
        return g["p_in"] * n / b + g["p_out"] * n
    if kind == "erdos_renyi":
        return g["mean_degree"]
    if kind == "watts_strogatz":
        return g["k"]
    if kind == "powerlaw_cluster":
        return 2 * g["m"]
    if kind == "complete":
        return g["n"] - 1
    if kind == "random_regular":
        return g["d"]
    if kind == "configuration":
        if g.get("degrees"):
            return sum(g["degrees"]) / len(g["degrees"])
        return g.get("mean_degree", 10.0) if g.get("distribution") != "powerlaw" else 10.0
    return 10.0


# Bytes per consumer and per directed tie at the peak of graph generation and of a run,
# from the benchmarks (1M consumers / 10M ties: 505 MB generating, 522 MB with every play).
_PER_TIE = 40
_PER_CONSUMER_ENGINE = 60
_PER_CONSUMER_MARKET = 420
_PER_CONSUMER_RESULT = 5  # adoption step (int32) and cause (int8) kept per run


def estimate_memory(kind: str, graph: dict, job: str, replications: int) -> tuple[int, int]:
    """``(bytes, consumers)`` a run is expected to need at its peak, from the config alone.

    An edge list is sized from its file (about 12 bytes per row of CSV)."""
    if kind == "edgelist":
        try:
            size = Path(graph["path"]).stat().st_size
        except (OSError, KeyError, TypeError):
            return 0, 0
        ties = 2 * size / 12
        n = int(ties / 10) + 1
    else:
        n = int(graph["n"] if graph.get("n") is not None else len(graph.get("degrees") or []))
        ties = n * _mean_degree(kind, graph)
    per = _PER_CONSUMER_ENGINE + (_PER_CONSUMER_MARKET if job != "diffuse" else 0)
    total = _PER_TIE * ties + per * n + _PER_CONSUMER_RESULT * n * replications
    return int(total), n


def _gib(b: float) -> str:
    return f"{b / 2**30:.1f} GiB"


def check_resources(kind: str, graph: dict, job: str, steps: int, replications: int) -> None:
    """Refuse before any work a run that cannot fit in memory or is absurdly long."""
    if steps > MAX_STEPS:
        raise ConfigError("sim.steps", steps, f"at most {MAX_STEPS:,} days (100 years); "
                          "pass sim.check_resources=false to go past it")  # fmt: skip
    if replications > MAX_REPLICATIONS:
        raise ConfigError("sim.replications", replications, f"at most {MAX_REPLICATIONS:,}; "
                          "pass sim.check_resources=false to go past it")  # fmt: skip
    need, n = estimate_memory(kind, graph, job, replications)
    have = available_memory()
    if have is not None and need > 0.8 * have:
        key = "graph.path" if kind == "edgelist" else "graph.n"
        value = graph.get("path") if kind == "edgelist" else n
        raise ConfigError(
            key,
            value,
            f"a market that fits in memory: this run needs about {_gib(need)}, this machine "
            f"has {_gib(have)} available (pass sim.check_resources=false to try anyway)",
        )


def check_against_graph(spec, graph) -> None:
    """Values that name parts of the graph must exist in it (checked once it is built, before
    any simulation): the communities an ad targets."""
    import numpy as np

    market = getattr(spec, "market", None)
    if market is None:
        return
    from .market.scale import check_size

    check_size(market.size, graph.n)  # the sample cannot be larger than the market
    ads = market.ads
    if ads.targeting == "community" or ads.communities:
        have = np.unique(graph.community)
        missing = [c for c in ads.communities if c not in set(have.tolist())]
        if missing:
            shown = ", ".join(str(c) for c in have[:10]) + (" ..." if have.size > 10 else "")
            raise ConfigError(
                "market.ads.communities",
                list(ads.communities),
                f"community ids of this graph ({have.size} communities: {shown}); "
                f"not in the graph: {missing}",
            )
