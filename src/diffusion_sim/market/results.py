"""Result of one market run: per-step records, a tidy table and the run's economics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..states import CAUSE_NAMES, STATE_NAMES, Cause, State
from . import _kernels as kern
from .params import STRATEGIES
from .registry import TALLIES

__all__ = ["LEVELS", "TALLIES", "MarketRun"]

#: Levels recorded after each step.
LEVELS: tuple[str, ...] = ("followers", "vip_members", "churned", "repeat_customers")


@dataclass(frozen=True)
class MarketRun:
    """One run of :class:`~diffusion_sim.market.model.MarketModel`; row ``t`` is step ``t``.

    Attributes
    ----------
    counts : ndarray of int64, shape (T + 1, len(State))
    new_by_cause, new_by_channel : ndarray of int64, shape (T + 1, len(Cause))
        New customers by true cause / by the last-touch channel code a brand would record.
    tally : ndarray of int64, shape (T + 1, len(TALLIES))
    levels : ndarray of int64, shape (T + 1, len(LEVELS))
    spend : ndarray of float64, shape (T + 1, len(STRATEGIES))
        CNY spent per strategy and step.
    revenue, service_cost : ndarray of float64, shape (T + 1,)
        CNY per step (purchases times price; the service-recovery policy's cost).
    budget : ndarray of float64, shape (len(STRATEGIES),)
    margin : float
        Gross margin share of revenue.
    organic_seeds : int
        Customers before the plan (organic seeds at ``t = 0``).
    """

    counts: np.ndarray
    new_by_cause: np.ndarray
    new_by_channel: np.ndarray
    tally: np.ndarray
    levels: np.ndarray
    spend: np.ndarray
    revenue: np.ndarray
    service_cost: np.ndarray
    budget: np.ndarray
    margin: float
    organic_seeds: int

    @property
    def steps(self) -> int:
        return self.counts.shape[0] - 1

    @property
    def customers(self) -> np.ndarray:
        """Customers (bought at least once, or got a sample) after each step."""
        return self.counts[:, State.ADOPTED]

    def metrics(self) -> dict[str, float]:
        """Economics of the whole run.

        ``gross_profit = margin * revenue``; ``profit = gross_profit - spend - service_cost``;
        ``roi_total = (gross_profit - spend) / spend`` and ``cac_total = spend /
        customers_gained`` (NaN without spend or without new customers) count every customer,
        organic ones included; the comparison (:mod:`diffusion_sim.market.compare`) reports
        the incremental ``roi`` and ``cac`` against the baseline play. ``t_50`` is the first
        step with at least half of the final customers.
        """
        customers = int(self.customers[-1])
        gained = customers - self.organic_seeds
        revenue = float(self.revenue.sum())
        gross = self.margin * revenue
        spend = float(self.spend.sum())
        service = float(self.service_cost.sum())
        half = np.flatnonzero(self.customers >= 0.5 * customers) if customers else np.array([])
        out = {
            "customers": customers,
            "customers_gained": gained,
            "purchases": int(self.tally[:, kern.K_PURCHASES].sum()),
            "revenue": revenue,
            "gross_profit": gross,
            "spend": spend,
            "service_cost": service,
            "profit": gross - spend - service,
            "roi_total": (gross - spend) / spend if spend > 0 else math.nan,
            "cac_total": spend / gained if spend > 0 and gained > 0 else math.nan,
            "t_50": float(half[0]) if half.size else math.nan,
            "aware": int(self.counts[-1, State.AWARE] + customers),
        }
        for name, k in zip(LEVELS, range(len(LEVELS)), strict=True):
            out[name] = int(self.levels[-1, k])
        for s, name in enumerate(STRATEGIES):
            out[f"spend_{name}"] = float(self.spend[:, s].sum())
        for name in CAUSE_NAMES:
            c = Cause[name.upper()]
            out[f"cause_{name}"] = int(self.new_by_cause[:, c].sum())
        for name in ("none", *CAUSE_NAMES):
            c = Cause[name.upper()]
            out[f"channel_{name}"] = int(self.new_by_channel[:, c].sum())
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy per-step table: one row per step, one column per quantity."""
        steps = self.counts.shape[0]
        data: dict[str, np.ndarray] = {"step": np.arange(steps, dtype=np.int64)}
        for name, s in zip(STATE_NAMES, State, strict=True):
            data[name if name != "adopted" else "customers"] = self.counts[:, s]
        for name in CAUSE_NAMES:
            data[f"new_cause_{name}"] = self.new_by_cause[:, Cause[name.upper()]]
        for name in ("none", *CAUSE_NAMES):
            data[f"new_channel_{name}"] = self.new_by_channel[:, Cause[name.upper()]]
        for k, name in enumerate(TALLIES):
            data[name] = self.tally[:, k]
        for k, name in enumerate(LEVELS):
            data[name] = self.levels[:, k]
        for k, name in enumerate(STRATEGIES):
            data[f"spend_{name}"] = self.spend[:, k]
        data["spend"] = self.spend.sum(axis=1)
        data["revenue"] = self.revenue
        data["gross_profit"] = self.margin * self.revenue
        data["service_cost"] = self.service_cost
        return pd.DataFrame(data)
