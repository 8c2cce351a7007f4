"""Moments ads: CPM-priced impressions with a frequency cap.

Plan: the budget is paced over the days left (at least the platform's minimum daily budget,
at most ``daily_budget_max``); the day's impressions go to the consumers the targeting
allows, smallest priority uniform first. Channels (prepare pass): ``ad_click`` (an
impression is clicked with ``ctr * repeat_decay ** ads_seen``, doubled by ``social_boost``
when a friend is a customer, and a click converts with ``click_conversion``) and ``ad_view``
(view-through: ``view_conversion`` per day for ``view_days`` days after an impression), both
cause AD. Tallies: ``impressions``, ``clicks``, ``new_aware_by_ads``. Cost: CPM per
impression served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np
from numba import prange

from ...errors import ConfigError
from ...kernels._apply import BLOCK
from ...kernels._variants import serial_and_parallel
from ...rng import _step_key, _uniform
from .. import _kernels as kern
from .._validate import check_fields
from ._base import Play

__all__ = ["Ads", "AdsPlay"]

ADOPTED = kern.ADOPTED
_MODES = {"random": 0, "non_customers": 1, "friends": 2, "community": 3}


@dataclass
class Ads:
    """Moments ads: CPM-priced impressions with a frequency cap.

    The budget is paced evenly over the remaining days, but a day's budget is at least the
    platform's minimum (so a small budget runs on fewer days) and at most ``daily_budget_max``;
    only impressions served are paid (CPM). An impression makes the consumer aware; a click
    converts with ``click_conversion``; an aware consumer who saw an ad in the last
    ``view_days`` days (today included) converts with ``view_conversion`` per day
    (view-through).
    """

    cpm: float = 100.0
    min_daily_budget: float = 1000.0
    daily_budget_max: float = 5000.0
    frequency_cap_days: int = 2
    targeting: str = "non_customers"
    communities: list[int] = field(default_factory=list)
    ctr: float = 0.008
    click_conversion: float = 0.05
    view_conversion: float = 0.0002
    view_days: int = 7
    repeat_decay: float = 0.85
    social_boost: float = 2.0
    follow_on_click: float = 0.3
    _rules: ClassVar[dict] = {
        "cpm": ("range", 0.1, 10_000.0),  # CNY per 1,000 impressions; WeChat 50-180 [AD1]
        "min_daily_budget": ("nonneg",),
        "daily_budget_max": ("nonneg",),
        "frequency_cap_days": ("int", 1),
        "targeting": ("choice", ("random", "non_customers", "friends", "community")),
        "ctr": ("prob",),
        "click_conversion": ("prob",),
        "view_conversion": ("prob",),
        "view_days": ("int", 0),
        "repeat_decay": ("prob",),
        "social_boost": ("nonneg",),
        "follow_on_click": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.ads")
        if self.min_daily_budget > self.daily_budget_max:
            raise ConfigError(
                "market.ads.min_daily_budget",
                self.min_daily_budget,
                f"<= market.ads.daily_budget_max={self.daily_budget_max}",
            )
        if self.targeting == "community" and not self.communities:
            raise ConfigError(
                "market.ads.communities", self.communities, "a non-empty list of community ids"
            )


def _ad_candidates(t, key, block, state, adopters, last_ad, audience, out):
    """Consumers an ad may reach today and their priority (smaller first), in consumer order;
    returns how many. Blocks of ``block`` consumers fill their own slots, then the lists are
    closed up, so serial and parallel variants give the same list.

    ``audience`` is an :class:`Audience`, ``out`` a :class:`Candidates` (filled here);
    ``mode``: 0 random, 1 non-customers, 2 friends of customers, 3 communities.
    """
    cap_days, mode, in_community = audience
    out_ids, out_u, block_n = out
    n = state.shape[0]
    sk = _step_key(key, 4 * t + 2)
    for b in prange(block_n.shape[0]):
        lo = b * block
        m = 0
        for i in range(lo, min(n, lo + block)):
            if t - last_ad[i] < cap_days:
                continue
            if mode == 1 and state[i] == ADOPTED:
                continue
            if mode == 2 and (state[i] == ADOPTED or adopters[i] == 0):
                continue
            if mode == 3 and not in_community[i]:
                continue
            out_ids[lo + m] = i
            out_u[lo + m] = _uniform(sk, i, 2)
            m += 1
        block_n[b] = m
    m = 0
    for b in range(block_n.shape[0]):
        lo = b * block
        for a in range(block_n[b]):
            out_ids[m + a] = out_ids[lo + a]
            out_u[m + a] = out_u[lo + a]
        m += block_n[b]
    return m


_ad_candidates_serial, _ad_candidates_parallel = serial_and_parallel(_ad_candidates)


class Audience(NamedTuple):
    """Who an ad may reach: frequency cap (days), targeting mode, targeted communities."""

    cap_days: int
    mode: int
    in_community: np.ndarray


class Candidates(NamedTuple):
    """Out: candidate ids and priorities (slots per block), and each block's count."""

    ids: np.ndarray
    u: np.ndarray
    block_n: np.ndarray


class AdsPlay(Play):
    """The ads strategy: today's impressions (``today``), marked in the model's ``_ad_today``."""

    module = "ads"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        p = model.params.ads
        self._ids = np.empty(n, np.int64)
        self._u = np.empty(n)
        self._block_n = np.zeros((n + BLOCK - 1) // BLOCK, np.int64)
        self._in_community = np.zeros(0, np.bool_)
        if p.targeting == "community":
            self._in_community = np.isin(model.graph.community, np.asarray(p.communities))
        self.today = self._ids[:0]

    def plan(self, t: int) -> None:
        self.today = ids = self._impressions(t)
        self.model._ad_today[ids] = True

    def _impressions(self, t: int) -> np.ndarray:
        m = self.model
        p = m.params.ads
        left = m.remaining[m.strategy_index["ads"]]
        if left <= 0:
            return self._ids[:0]
        days_left = m.horizon - t + 1
        if left < p.min_daily_budget:
            return self._ids[:0]  # below the platform's minimum daily budget
        target = min(p.daily_budget_max, max(p.min_daily_budget, left / days_left))
        target = min(target, left)
        k = int(target / p.cpm * 1000.0 + 1e-9)
        if k == 0:
            return self._ids[:0]
        parallel = m.engine._use_parallel(m.graph.n)
        fn = _ad_candidates_parallel if parallel else _ad_candidates_serial
        audience = Audience(p.frequency_cap_days, _MODES[p.targeting], self._in_community)
        out = Candidates(self._ids, self._u, self._block_n)
        n_cand = fn(t, m.market_key, BLOCK, m.engine.state, m.engine.adopters, m.last_ad,
                    audience, out)  # fmt: skip
        if n_cand > k:
            # the k smallest priorities; they all lie below a threshold a little above k/m
            # (priorities are uniform), so only that subset needs partitioning
            u, cand = self._u[:n_cand], self._ids[:n_cand]
            sub = np.flatnonzero(u < min(1.0, 1.2 * k / n_cand + 1e-3))
            if sub.size < k:
                sub = np.arange(n_cand)
            pick = sub[np.argpartition(u[sub], k - 1)[:k]]
            ids = np.sort(cand[pick])
        else:
            ids = self._ids[:n_cand].copy()
        m._pay("ads", ids.size * p.cpm / 1000.0)
        return ids

    def clear(self) -> None:
        """After the prepare pass: today's impressions are recorded, and the impressed learn
        of the product (through the engine, which keeps the state counts)."""
        m = self.model
        m._ad_today[self.today] = False
        m._tally_today[kern.K_NEW_AWARE] += m.engine.mark_aware(self.today)
