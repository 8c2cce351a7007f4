"""Parameters of the market, the brand's strategies and the comparison.

Each dataclass is both the Hydra schema (registered in the ConfigStore by
:mod:`diffusion_sim.config`) and the validated object a run uses: ``__post_init__`` checks
every value and raises :class:`~diffusion_sim.errors.ConfigError` naming the key, the value
and what is allowed. Values, with their sources and the date they were collected, live in
``diffusion_sim/conf/market/*.yaml``; the defaults below repeat ``default.yaml``'s so that
``MarketParams()`` is the market ``diffusion-sim`` runs (tests/test_defaults.py keeps the two
equal).

Units: one step is one day; money is CNY; probabilities and hazards are per step unless
named otherwise. Sourced values are platform rules from ``market-facts.md`` (2026-11-22); the
rest are ESTIMATES (tunable defaults, not facts) and say so in ``docs/model.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from ..errors import ConfigError
from ._validate import MAX_CNY
from ._validate import check_fields as _check
from .brand.price import check_prices
from .brand.start import Start
from .plays.ads import Ads
from .plays.advocates import Advocates
from .plays.coupons import Coupons
from .plays.groupbuy import GroupBuy
from .plays.livestream import Livestream
from .plays.referral import Referral
from .plays.vip import Vip
from .registry import STRATEGIES as _STRATEGIES
from .registry import default_splits
from .value import Value

__all__ = [
    "STRATEGIES",
    "Ads",
    "Advocates",
    "Compare",
    "Coupons",
    "Fatigue",
    "GroupBuy",
    "Groups",
    "Livestream",
    "MarketParams",
    "Product",
    "Referral",
    "Start",
    "Trust",
    "Value",
    "Vip",
]


@dataclass
class Product:
    """The product: price, margin, repurchase and service quality, and the price response.

    Every purchase probability is multiplied by the logit price response
    ``exp(elasticity * (price - reference_price) / reference_price)``, whose point elasticity
    at the reference price is ``elasticity`` (:mod:`diffusion_sim.market.brand.price`); the
    behavioural rates are stated at the reference price.
    """

    price: float = 99.0
    margin: float = 0.4
    repurchase: float = 0.004
    service_failure: float = 0.03
    reference_price: float = 99.0
    elasticity: float = -2.62
    _rules: ClassVar[dict] = {
        "price": ("pos",),
        "reference_price": ("pos",),
        "elasticity": ("range", -10.0, 0.0),
        "margin": ("prob",),
        "repurchase": ("prob",),
        "service_failure": ("prob",),
    }

    def __post_init__(self):
        _check(self, "market.product")

    @property
    def unit_cost(self) -> float:
        """Cost of one unit (a free sample), CNY."""
        return self.price * (1.0 - self.margin)


@dataclass
class Trust:
    """Trust capital per consumer, in [0, 1]; scales conversion and advocacy (``t / initial``)."""

    initial: float = 0.5
    purchase_gain: float = 0.02
    interaction_gain: float = 0.01
    failure_loss: float = 0.2
    recovery: bool = False
    recovery_share: float = 0.5
    recovery_cost: float = 20.0
    _rules: ClassVar[dict] = {
        "initial": ("prob",),
        "purchase_gain": ("prob",),
        "interaction_gain": ("prob",),
        "failure_loss": ("prob",),
        "recovery_share": ("prob",),
        "recovery_cost": ("nonneg",),
    }

    def __post_init__(self):
        _check(self, "market.trust")
        if self.initial <= 0:
            raise ConfigError("market.trust.initial", self.initial, "a trust level in (0, 1]")


@dataclass
class Groups:
    """Followers and customer groups (structural capital), run by the brand in every play."""

    enabled: bool = True
    capacity: int = 500
    follow_on_purchase: float = 0.3
    join_group: float = 0.6
    broadcasts_per_month: int = 4
    monthly_quota: int = 4
    execution_rate: float = 0.8
    marketing_share: float = 0.3
    reference_share: float = 0.3
    content_response: float = 0.5
    engagement: float = 1.0
    broadcast_conversion: float = 0.005
    broadcast_repurchase: float = 0.02
    share_prob: float = 0.1
    share_conversion: float = 0.002
    exit_rate: float = 0.001
    _rules: ClassVar[dict] = {
        "capacity": ("int", 1),
        "follow_on_purchase": ("prob",),
        "join_group": ("prob",),
        "broadcasts_per_month": ("int", 0),
        "monthly_quota": ("int", 0),
        "execution_rate": ("prob",),
        "marketing_share": ("prob",),
        "reference_share": ("prob",),
        "content_response": ("range", 0.0, 5.0),
        "engagement": ("range", 0.0, 5.0),
        "broadcast_conversion": ("prob",),
        "broadcast_repurchase": ("prob",),
        "share_prob": ("prob",),
        "share_conversion": ("prob",),
        "exit_rate": ("prob",),
    }

    def __post_init__(self):
        _check(self, "market.groups")
        if not 0 < self.reference_share < 1:
            raise ConfigError("market.groups.reference_share", self.reference_share,
                              "a marketing share in (0, 1)")  # fmt: skip
        if self.broadcasts_per_month > 30:
            raise ConfigError(
                "market.groups.broadcasts_per_month", self.broadcasts_per_month, "<= 30"
            )


@dataclass
class Fatigue:
    """Message fatigue (the 3:7 content rule): muting rises with the marketing share."""

    tolerance: float = 0.3
    mute_per_message: float = 0.005
    sensitivity: float = 10.0
    memory: float = 0.2
    mute_trust_loss: float = 0.2
    _rules: ClassVar[dict] = {
        "tolerance": ("prob",),
        "mute_trust_loss": ("prob",),
        "mute_per_message": ("prob",),
        "sensitivity": ("nonneg",),
        "memory": ("prob",),
    }

    def __post_init__(self):
        _check(self, "market.fatigue")


def _bridging() -> Advocates:
    return Advocates(name="bridging", target="bridges", fee=500.0, joint_every_days=7)


def _kol() -> Advocates:
    return Advocates(name="kol", target="hubs", fee=3000.0)


def _koc() -> Advocates:
    return Advocates(name="koc", target="random", fee=300.0)


def _influence() -> Advocates:
    return Advocates(name="influence", target="influence", fee=500.0)


@dataclass
class MarketParams:
    """Everything about the market and the brand's instruments (not the budget split).

    ``size``: addressable consumers of the real market; the simulated ``graph.n`` consumers
    are a sample of it and the comparison reports results for the whole market
    (:mod:`diffusion_sim.market.scale`); default 200,000 (ESTIMATE). ``None``: the sample
    is the market (``market=viral``).
    """

    size: int | None = 200_000
    product: Product = field(default_factory=Product)
    trust: Trust = field(default_factory=Trust)
    groups: Groups = field(default_factory=Groups)
    fatigue: Fatigue = field(default_factory=Fatigue)
    ads: Ads = field(default_factory=Ads)
    vip: Vip = field(default_factory=Vip)
    bridging: Advocates = field(default_factory=_bridging)
    kol: Advocates = field(default_factory=_kol)
    koc: Advocates = field(default_factory=_koc)
    influence: Advocates = field(default_factory=_influence)
    coupons: Coupons = field(default_factory=Coupons)
    referral: Referral = field(default_factory=Referral)
    groupbuy: GroupBuy = field(default_factory=GroupBuy)
    livestream: Livestream = field(default_factory=Livestream)
    value: Value = field(default_factory=Value)
    start: Start = field(default_factory=Start)  # the brand at t = 0 (default: a base)

    def __post_init__(self):
        s = self.size
        if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 1):
            raise ConfigError("market.size", s, "an integer >= 1 (addressable consumers) or null")
        for name in ("bridging", "kol", "koc", "influence"):
            if getattr(self, name).name != name:
                raise ConfigError(f"market.{name}.name", getattr(self, name).name, repr(name))
        check_prices(self)  # effective prices > 0 under a price response


#: Strategies a play can fund, in the order of the spend columns (from the registry).
STRATEGIES = _STRATEGIES


def _default_splits() -> dict:
    return default_splits()


def _default_plays() -> list:
    return ["none", "vip", "ads", "bridging", "mix"]


@dataclass
class Compare:
    """Plays compared at equal budget.

    Parameters
    ----------
    budget : float
        CNY each play may spend over the horizon.
    plays : list of str
        Names of the plays to run, each a key of ``splits``.
    splits : dict
        Play name -> {strategy: share of the budget}; shares in [0, 1] summing to at most 1
        (the rest is not spent). ``{}`` is no action.
    baseline : str
        The play increments are measured against (no action).
    """

    budget: float = 100_000.0
    plays: list[str] = field(default_factory=_default_plays)
    splits: dict[str, dict[str, float]] = field(default_factory=_default_splits)
    baseline: str = "none"

    def __post_init__(self):
        b = self.budget
        if (
            isinstance(b, bool)
            or not isinstance(b, int | float)
            or not (math.isfinite(b) and 0 <= b <= MAX_CNY)
        ):
            raise ConfigError("compare.budget", b, f"an amount of CNY in [0, {MAX_CNY:,.0f}]")
        if not self.plays:
            raise ConfigError("compare.plays", list(self.plays), "at least one play")
        if len(set(self.plays)) != len(self.plays):
            raise ConfigError("compare.plays", list(self.plays), "play names without repeats")
        for play in self.plays:
            if play not in self.splits:
                raise ConfigError(
                    "compare.plays", play, f"a play defined in compare.splits: {list(self.splits)}"
                )
        for play, split in self.splits.items():
            total = 0.0
            for strategy, share in (split or {}).items():
                key = f"compare.splits.{play}.{strategy}"
                if strategy not in STRATEGIES:
                    raise ConfigError(key, strategy, f"a strategy, one of {list(STRATEGIES)}")
                if (
                    isinstance(share, bool)
                    or not isinstance(share, int | float)
                    or not (0.0 <= share <= 1.0)
                ):
                    raise ConfigError(key, share, "a budget share in [0, 1]")
                total += share
            if total > 1.0 + 1e-9:
                raise ConfigError(
                    f"compare.splits.{play}", dict(split), "budget shares summing to at most 1"
                )
        if self.baseline not in self.plays:
            raise ConfigError("compare.baseline", self.baseline, f"one of {list(self.plays)}")

    def budgets(self, play: str) -> dict[str, float]:
        """Budget of each strategy in ``play``, CNY."""
        split = self.splits[play] or {}
        return {s: self.budget * float(split.get(s, 0.0)) for s in STRATEGIES}
