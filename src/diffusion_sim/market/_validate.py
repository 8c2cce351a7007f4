"""Validation of the market's parameter dataclasses (shared by params and the plays)."""

from __future__ import annotations

import math
from dataclasses import fields

from ..errors import ConfigError

__all__ = ["MAX_CNY", "MAX_DAYS", "check_fields"]

#: Sanity bounds for values absurd in their unit: no price, cost, fee, reward or budget above
#: a billion CNY (revenue would overflow to infinity long before 1e308), no count of days
#: beyond 100 years; a CPM below 0.1 CNY would buy impressions for free (ROI 4e301).
MAX_CNY = 1e9
MAX_DAYS = 36_500
_MONEY = ("price", "cost", "fee", "value", "reward", "budget", "cpm")


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
            if "days" in f.name and v > MAX_DAYS:
                raise ConfigError(key, v, f"an integer in [{low}, {MAX_DAYS:,}] (days)")
        elif kind == "range":
            lo, hi = rule[1], rule[2]
            ok = isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi
            if not ok:
                raise ConfigError(key, v, f"a number in [{lo:g}, {hi:g}]")
        elif kind == "choice" and v not in rule[1]:
            raise ConfigError(key, v, f"one of {list(rule[1])}")
        if kind in ("nonneg", "pos") and any(w in f.name for w in _MONEY) and v > MAX_CNY:
            raise ConfigError(key, v, f"at most {MAX_CNY:,.0f} CNY")
