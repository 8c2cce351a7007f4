"""Validation of the market's parameter dataclasses (shared by params and the plays)."""

from __future__ import annotations

import math
from dataclasses import fields

from ..errors import ConfigError

__all__ = ["check_fields"]


def check_fields(obj, prefix: str) -> None:
    """Validate every field of ``obj`` against the ``meta`` rule of its class."""
    rules = getattr(type(obj), "_rules", {})
    for f in fields(obj):
        rule = rules.get(f.name)
        if rule is None:
            continue
        key = f"{prefix}.{f.name}"
        v = getattr(obj, f.name)
        kind = rule[0]
        if kind == "prob":
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
                raise ConfigError(key, v, "a probability in [0, 1]")
        elif kind == "nonneg":
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not (math.isfinite(v) and v >= 0)
            ):
                raise ConfigError(key, v, "a finite number >= 0")
        elif kind == "pos":
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not (math.isfinite(v) and v > 0)
            ):
                raise ConfigError(key, v, "a finite number > 0")
        elif kind == "int":
            low = rule[1]
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ConfigError(key, v, f"an integer >= {low}")
        elif kind == "choice" and v not in rule[1]:
            raise ConfigError(key, v, f"one of {list(rule[1])}")
