"""Typed results of runs and replications, with tidy tables.

:class:`RunResult` holds one run; :class:`Replications` a list of runs with the same settings
(independent random streams). ``to_frame()`` gives one row per (replication, step) with one
count column per state and one column of new adoptions per cause; ``summary()`` gives the mean
and 95 % intervals of final adoption share, times to 10/50/90 % of the market and adoptions by
cause.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .states import ENGINE_CAUSES, STATE_NAMES, Cause, State

__all__ = ["Replications", "RunResult", "atomic_write", "mean_interval", "t975"]

#: Market shares whose first-passage steps the summary reports.
MILESTONES = (0.1, 0.5, 0.9)

# Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """97.5 % quantile of Student's t with ``df`` degrees of freedom: the table up to 30, then
    the Cornish–Fisher expansion (error < 1e-4 for ``df > 30``)."""
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)


def mean_interval(x) -> tuple[float, float, float]:
    """Mean and 95 % confidence interval of the mean (Student t), ignoring NaN.

    Returns ``(mean, low, high)``; the interval is ``(mean, mean)`` for one value and all NaN
    for none.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if x.size == 1:
        return (m, m, m)
    half = t975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return (m, m - half, m + half)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write) -> None:
    """Write a file through a temporary sibling and rename, so a crash leaves no half file.

    ``write`` is called with the temporary path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal modes
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class RunResult:
    """Result of one run.

    Attributes
    ----------
    counts : ndarray of int64, shape (T + 1, len(State))
        Consumers in each state after step t (row 0: the seed state).
    new_by_cause : ndarray of int64, shape (T + 1, len(Cause))
        Adoptions made in step t by cause (column ``Cause.NONE`` is always 0).
    adopted_at : ndarray of int32, shape (n,)
        Adoption step per consumer, -1 if never.
    cause : ndarray of int8, shape (n,)
        Adoption cause per consumer (``Cause.NONE`` if never).
    """

    counts: np.ndarray
    new_by_cause: np.ndarray
    adopted_at: np.ndarray
    cause: np.ndarray

    @property
    def n(self) -> int:
        return int(self.adopted_at.shape[0])

    @property
    def steps(self) -> int:
        return int(self.counts.shape[0]) - 1

    def adopted_share(self) -> np.ndarray:
        """``F_t`` for t = 0..T, float64 of shape (T + 1,)."""
        return self.counts[:, State.ADOPTED] / self.n

    def time_to(self, x: float) -> float:
        """``T_x = min{t : F_t >= x}``; NaN if the share is never reached."""
        hit = np.flatnonzero(self.counts[:, State.ADOPTED] >= x * self.n - 1e-9)
        return float(hit[0]) if hit.size else math.nan

    def adoptions_by_cause(self) -> dict[str, int]:
        return {name: int(self.new_by_cause[:, c].sum()) for name, c in _cause_cols()}

    def to_frame(self, replication: int = 0) -> pd.DataFrame:
        """Tidy per-step table: replication, step, one column per state and per cause."""
        steps = self.counts.shape[0]
        data = {
            "replication": np.full(steps, replication, dtype=np.int64),
            "step": np.arange(steps, dtype=np.int64),
        }
        for name, s in zip(STATE_NAMES, State, strict=True):
            data[name] = self.counts[:, s]
        for name, c in _cause_cols():
            data[f"new_{name}"] = self.new_by_cause[:, c]
        return pd.DataFrame(data)

    def consumers_frame(self, replication: int = 0, labels=None) -> pd.DataFrame:
        """Per-consumer table: consumer, adopted_at (-1 never) and cause name."""
        names = np.array([c.name.lower() for c in Cause])
        df = pd.DataFrame(
            {
                "replication": replication,
                "consumer": np.arange(self.n) if labels is None else labels,
                "adopted_at": self.adopted_at,
                "cause": names[self.cause],
            }
        )
        return df


def _cause_cols():
    # The engine's rules only produce these; brand channels are reported by diffusion_sim.market.
    return [(c.name.lower(), c) for c in ENGINE_CAUSES]


@dataclass(frozen=True)
class Replications:
    """Runs with the same settings and independent random streams."""

    runs: tuple[RunResult, ...]

    def __len__(self) -> int:
        return len(self.runs)

    def to_frame(self) -> pd.DataFrame:
        """One row per (replication, step): see :meth:`RunResult.to_frame`."""
        return pd.concat([r.to_frame(k) for k, r in enumerate(self.runs)], ignore_index=True)

    def adopted_share(self) -> np.ndarray:
        """``F_t`` per replication, float64 of shape (R, T + 1)."""
        return np.stack([r.adopted_share() for r in self.runs])

    def per_replication(self) -> pd.DataFrame:
        """One row per replication: final share, T_10/T_50/T_90 and adoptions by cause."""
        rows = []
        for k, r in enumerate(self.runs):
            row = {"replication": k, "final_share": float(r.adopted_share()[-1])}
            for x in MILESTONES:
                row[f"t_{round(100 * x)}"] = r.time_to(x)
            row.update({f"by_{name}": v for name, v in r.adoptions_by_cause().items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Mean, 95 % confidence interval of the mean, and 2.5–97.5 % range across runs.

        The t interval is clipped to the metric's support (steps and counts >= 0, shares in
        [0, 1]); with few replications it is wide, as it should be.

        One row per metric. For ``t_10``/``t_50``/``t_90`` the statistics are over the runs
        that reached the share, and ``reached`` gives their fraction.
        """
        per = self.per_replication()
        rows = []
        for col in per.columns.drop("replication"):
            x = per[col].to_numpy(dtype=np.float64)
            mean, lo, hi = mean_interval(x)
            # every metric is a count, a step or a share: keep the interval in its support
            lo = max(lo, 0.0)
            if col == "final_share":
                hi = min(hi, 1.0)
            ok = x[~np.isnan(x)]
            rows.append(
                {
                    "metric": col,
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p2_5": float(np.percentile(ok, 2.5)) if ok.size else math.nan,
                    "p97_5": float(np.percentile(ok, 97.5)) if ok.size else math.nan,
                    "reached": ok.size / x.size,
                    "replications": x.size,
                }
            )
        return pd.DataFrame(rows)

    def save(self, folder) -> dict[str, Path]:
        """Write ``timeseries.parquet`` and ``summary.csv`` into ``folder`` (atomically)."""
        folder = Path(folder)
        paths = {"timeseries": folder / "timeseries.parquet", "summary": folder / "summary.csv"}
        frame = self.to_frame()
        atomic_write(paths["timeseries"], lambda p: frame.to_parquet(p, index=False))
        summ = self.summary()
        atomic_write(paths["summary"], lambda p: summ.to_csv(p, index=False))
        return paths
