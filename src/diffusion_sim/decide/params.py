"""Settings of the decision jobs (``curves``, ``optimize``, ``calibrate``).

Each dataclass is the Hydra schema of its config section and the validated object the job
uses: ``__post_init__`` checks every value and raises
:class:`~diffusion_sim.errors.ConfigError` naming the key, the value and what is allowed.
Defaults are repeated in ``conf/config.yaml`` with their labels (every one is an ESTIMATE of a
sensible computing budget or a convention, not a market fact).
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..market.params import STRATEGIES

__all__ = [
    "CALIBRATE_MODES",
    "CALIBRATE_PARAMS",
    "CAMPAIGN_DEFAULT_PARAMS",
    "CalibrateParams",
    "CurvesParams",
    "OptimizeParams",
    "UncertaintyParams",
    "flat_ranges",
]

#: Parameters ``job=calibrate`` can fit, with their prior ranges (log-uniform) for the
#: ABC-SMC, relative to the Bass start: ``[start / spread, start * spread]``.
CALIBRATE_PARAMS = ("contagion.alpha", "contagion.beta_strong", "contagion.beta_weak", "graph.n")
#: Modes of ``job=calibrate``: the adoption curve (word-of-mouth rates) or the brand's campaign
#: results (market rates, :mod:`diffusion_sim.decide.campaign`).
CALIBRATE_MODES = ("curve", "campaign")
#: Parameters fitted by ``calibrate.mode=campaign`` unless ``calibrate.params`` says otherwise.
CAMPAIGN_DEFAULT_PARAMS = (
    "market.ads.ctr",
    "market.ads.click_conversion",
    "market.ads.view_conversion",
)

#: Days per unit of the data's time column.
TIME_UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0, "year": 365.25}


def _num(key, v, *, low=0.0, strict=False, high=math.inf):
    ok = not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)
    ok = ok and (v > low if strict else v >= low) and v <= high
    if not ok:
        rel = ">" if strict else ">="
        top = f" and <= {high}" if math.isfinite(high) else ""
        raise ConfigError(key, v, f"a finite number {rel} {low}{top}")


def _int(key, v, low):
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ConfigError(key, v, f"an integer >= {low}")


def _reps(key, v):
    if v is not None:
        _int(key, v, 2)


@dataclass
class CurvesParams:
    """``job=curves``: response curves of each play over a budget grid.

    Parameters
    ----------
    plays : list of str
        Plays (keys of ``compare.splits``); empty: every play of ``compare.plays`` but the
        baseline.
    grid : list of float
        Budgets as multiples of ``compare.budget`` (0 is always included: the baseline).
    replications : int or None
        Paired replications per grid point (None: ``sim.replications``).
    min_spent_share : float
        A budget is *not absorbed* when mean spend is below this share of it.
    """

    plays: list[str] = field(default_factory=list)
    grid: list[float] = field(default_factory=lambda: [0.0, 0.25, 0.5, 1.0, 1.5, 2.0])
    replications: int | None = None
    min_spent_share: float = 0.9

    def __post_init__(self):
        if not self.grid:
            raise ConfigError("curves.grid", list(self.grid), "at least one budget multiple")
        for g in self.grid:
            _num("curves.grid", g, high=100.0)
        if len(set(self.grid)) != len(self.grid):
            raise ConfigError("curves.grid", list(self.grid), "multiples without repeats")
        _reps("curves.replications", self.replications)
        _num("curves.min_spent_share", self.min_spent_share, high=1.0)


@dataclass
class OptimizeParams:
    """``job=optimize``: the split of ``compare.budget`` across strategies.

    Parameters
    ----------
    strategies : list of str
        Strategies to split over; empty: those of ``compare.splits.mix``.
    objective : {"profit", "customers", "roi"}
        Mean incremental profit, incremental customers, or incremental ROI (trials spending
        less than ``spend_floor`` of the budget score ``-inf`` for ``roi``).
    spend_floor : float
        Share of the budget a trial must spend for the ``roi`` objective.
    allow_unspent : bool
        Let a split keep part of the budget (an extra "unspent" share).
    trials : int
        Optuna trials in total (a resumed study runs only the missing ones).
    replications : int
        Paired replications per trial (same seeds every trial).
    top : int
        Best distinct splits re-evaluated on fresh replications.
    final_replications : int
        Replications of the re-evaluation (another seed stream).
    sampler : {"tpe", "random"}
    """

    strategies: list[str] = field(default_factory=list)
    objective: str = "profit"
    spend_floor: float = 0.9
    allow_unspent: bool = False
    trials: int = 60
    replications: int = 4
    top: int = 3
    final_replications: int = 20
    sampler: str = "tpe"

    def __post_init__(self):
        for s in self.strategies:
            if s not in STRATEGIES:
                raise ConfigError("optimize.strategies", s, f"strategies of {list(STRATEGIES)}")
        if len(set(self.strategies)) != len(self.strategies):
            raise ConfigError(
                "optimize.strategies", list(self.strategies), "strategies without repeats"
            )
        if self.objective not in ("profit", "customers", "roi"):
            raise ConfigError(
                "optimize.objective", self.objective, "one of ['profit', 'customers', 'roi']"
            )
        _num("optimize.spend_floor", self.spend_floor, high=1.0)
        _int("optimize.trials", self.trials, 1)
        _int("optimize.replications", self.replications, 2)
        _int("optimize.top", self.top, 1)
        _int("optimize.final_replications", self.final_replications, 2)
        if self.sampler not in ("tpe", "random"):
            raise ConfigError("optimize.sampler", self.sampler, "one of ['tpe', 'random']")


@dataclass
class CalibrateParams:
    """``job=calibrate``: fit rates of the ``ties`` rule to an observed adoption curve.

    Parameters
    ----------
    mode : {"curve", "campaign"}
        ``curve``: fit the ``ties`` rule to a cumulative adoption curve; ``campaign``: fit
        market rates to the brand's campaign results (:mod:`diffusion_sim.decide.campaign`).
    data : str or None
        Curve mode: CSV with columns ``t`` (in ``time_unit``) and ``adopters`` (cumulative
        count). Campaign mode: ``t`` and counts per period
        (:func:`diffusion_sim.decide.campaign.campaign_columns`).
    time_unit : {"day", "week", "month", "year"}
    population : float or None
        Observed adopters a share of 1 stands for (the market potential); None: the Bass
        fit's ``m``. With ``graph.n`` fitted, the market potential is ``population`` times
        ``graph.n / graph.n of the config``.
    params : list of str or None
        Parameters to fit. Curve mode: from :data:`CALIBRATE_PARAMS` (None: the three rates).
        Campaign mode: numeric ``market.<section>.<key>`` rates and ``contagion.*`` rates
        (None: :data:`CAMPAIGN_DEFAULT_PARAMS`).
    play : str
        Campaign mode: the play of ``compare.splits`` that produced the data, run with
        ``compare.budget`` as its budget over the data's span.
    spread : float
        Prior of each parameter: log-uniform on ``[start / spread, start * spread]``.
    particles : int
        ABC-SMC population size.
    generations : int
        ABC-SMC generations (the tolerance is the ``quantile`` of the last distances).
    quantile : float
        Next tolerance: this quantile of the accepted distances.

    The posterior predictive band has ``sim.replications`` runs.
    """

    data: str | None = None
    mode: str = "curve"
    time_unit: str = "day"
    population: float | None = None
    params: list[str] | None = None
    play: str = "ads"
    spread: float = 10.0
    particles: int = 60
    generations: int = 6
    quantile: float = 0.5

    def __post_init__(self):
        if self.mode not in CALIBRATE_MODES:
            raise ConfigError("calibrate.mode", self.mode, f"one of {list(CALIBRATE_MODES)}")
        if self.time_unit not in TIME_UNITS:
            raise ConfigError("calibrate.time_unit", self.time_unit, f"one of {list(TIME_UNITS)}")
        if self.population is not None:
            _num("calibrate.population", self.population, strict=True)
            if self.mode == "campaign":
                raise ConfigError(
                    "calibrate.population", self.population,
                    "null in campaign mode (graph.n is the campaign's market)",
                )  # fmt: skip
        if not isinstance(self.play, str) or not self.play:
            raise ConfigError("calibrate.play", self.play, "a play name of compare.splits")
        if self.params is None:
            self.params = list(
                CAMPAIGN_DEFAULT_PARAMS if self.mode == "campaign" else CALIBRATE_PARAMS[:3]
            )
        self.params = list(self.params)
        if not self.params:
            raise ConfigError("calibrate.params", list(self.params), "at least one parameter")
        if self.mode == "campaign":
            from .campaign import check_campaign_param

            for p in self.params:
                check_campaign_param(p)
        for p in self.params if self.mode == "curve" else ():
            if p not in CALIBRATE_PARAMS:
                raise ConfigError("calibrate.params", p, f"some of {list(CALIBRATE_PARAMS)}")
        if len(set(self.params)) != len(self.params):
            raise ConfigError("calibrate.params", list(self.params), "parameters without repeats")
        _num("calibrate.spread", self.spread, low=1.0, strict=True)
        _int("calibrate.particles", self.particles, 10)
        _int("calibrate.generations", self.generations, 1)
        _num("calibrate.quantile", self.quantile, strict=True, high=1.0)

    @property
    def days_per_unit(self) -> float:
        return TIME_UNITS[self.time_unit]


def flat_ranges(tree: dict, prefix: str = "") -> dict[str, tuple[float, float]]:
    """``{"market": {"ads": {"ctr": [lo, hi]}}}`` -> ``{"market.ads.ctr": (lo, hi)}``."""
    out = {}
    for k, v in (tree or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat_ranges(v, key + "."))
            continue
        ok = isinstance(v, list | tuple) and len(v) == 2
        ok = ok and all(not isinstance(x, bool) and isinstance(x, int | float) for x in v)
        if not ok or not (math.isfinite(v[0]) and math.isfinite(v[1]) and v[0] <= v[1]):
            raise ConfigError(f"uncertainty.ranges.{key}", v, "[low, high] with low <= high")
        out[key] = (float(v[0]), float(v[1]))
    return out


@functools.cache
def _config_ranges() -> dict:
    from omegaconf import OmegaConf  # Hydra's own reader: the values the command line gets

    path = Path(__file__).resolve().parents[1] / "conf" / "config.yaml"
    cfg = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    return cfg["uncertainty"]["ranges"]


def default_ranges() -> dict[str, Any]:
    """``uncertainty.ranges`` of ``conf/config.yaml`` (a fresh copy): the ranges and their
    sources are kept in one place, and the Python default is the command line's."""
    return copy.deepcopy(_config_ranges())


@dataclass
class UncertaintyParams:
    """``job=uncertainty``: the comparison over parameter sets and a one-at-a-time sweep.

    Parameters
    ----------
    sets : int
        Latin-hypercube parameter sets.
    replications : int or None
        Replications per set and per sweep end (None: ``sim.replications``).
    ranges : dict
        Nested like the config (``market: {ads: {ctr: [low, high]}}``, ``contagion: {...}``).
    posterior : str or None
        Posterior draws (a calibration's ``posterior.csv``) to take the sets' values of those
        parameters from, instead of the hypercube.
    """

    sets: int = 8
    replications: int | None = 5
    ranges: dict[str, Any] = field(default_factory=lambda: default_ranges())
    posterior: str | None = None

    def __post_init__(self):
        _int("uncertainty.sets", self.sets, 1)
        _reps("uncertainty.replications", self.replications)
        flat_ranges(self.ranges)
        if self.posterior is not None and not Path(self.posterior).is_file():
            raise ConfigError("uncertainty.posterior", self.posterior, "an existing posterior.csv")
