"""Moments ads: bought media. A budget buys impressions at a CPM, delivered to an audience
under a frequency cap, which gives reach and frequency.

Delivery (plan): the day's budget ``b_t`` (the budget paced over the days left, at least the
platform's minimum daily budget, at most ``daily_budget_max``) buys
``I_t = floor(b_t / cpm * 1000)`` impressions. They are spread over the audience the
targeting allows that the frequency caps leave open today (no ad in the last
``frequency_cap_days`` days, fewer than ``max_per_consumer`` ads so far), one each, smallest
priority uniform first. When that audience is smaller than ``I_t`` it gets one impression
each and the rest is **unsold**: only delivered impressions are paid, the unspent money stays
in the budget (tally ``ad_unsold``), so spend is what the audience absorbed. Reach is the
number of consumers who have seen at least one ad (tally ``ad_reach``: first impressions of
the day), frequency is impressions per reached consumer (:func:`reach_frequency`).

Response (prepare pass): ``ad_click`` (an impression is clicked with
``ctr * repeat_decay ** ads_seen``, doubled by ``social_boost`` when a friend is a customer)
and ``ad_view`` (view-through: ``view_conversion * view_decay ** (ads_seen - 1)`` per day for
``view_days`` days after the latest impression), both cause AD. With ``objective: purchase``
a click converts with ``click_conversion`` and a clicker without a relationship follows the
brand with ``follow_on_click``; with ``objective: add_staff`` (加企微) the click opens the
staff's contact card: no purchase from the click, and the clicker becomes a follower (a
lead, the entry to the private domain) with ``add_staff_rate``. Feed ads are bought media,
not private-domain messages: they do not count towards the fatigue and mute of the brand's
groups (``count_as_message: true`` restores the old behaviour).

Tallies: ``impressions``, ``clicks``, ``new_aware_by_ads``, ``ad_reach``, ``ad_unsold``.
Cost: CPM per impression delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np
from numba import njit, prange

from ...errors import ConfigError
from ...kernels._apply import BLOCK
from ...kernels._variants import serial_and_parallel
from ...rng import _step_key, _uniform
from .. import _kernels as kern
from .._validate import check_fields
from ._base import Play

__all__ = ["Ads", "AdsPlay", "reach_frequency"]

ADOPTED = kern.ADOPTED
ABSENT = kern.ABSENT
_MODES = {"random": 0, "non_customers": 1, "friends": 2, "community": 3, "non_followers": 4}
#: Modes whose audience never regains a consumer except by the frequency cap expiring
#: (adoption and the impressions seen only grow; a community is fixed)
_CLOSING = (0, 1, 3)
OBJECTIVES = ("purchase", "add_staff")


@dataclass
class Ads:
    """Moments ads: CPM-priced impressions, frequency caps, reach and frequency.

    The budget is paced evenly over the remaining days, but a day's budget is at least the
    platform's minimum (so a small budget runs on fewer days) and at most ``daily_budget_max``;
    only impressions delivered are paid (CPM). An impression makes the consumer aware; a click
    converts with ``click_conversion`` (``objective = "purchase"``) or adds the brand's staff
    with ``add_staff_rate`` (``"add_staff"``); a consumer who saw an ad in the last
    ``view_days`` days (today included) converts with ``view_conversion`` per day, times
    ``view_decay`` per earlier impression (view-through). ``max_per_consumer`` caps a
    consumer's impressions over the run (0: no cap); ``count_as_message`` counts an
    impression as a marketing message of the brand's private domain (fatigue, mute).
    """

    cpm: float = 100.0
    min_daily_budget: float = 1000.0
    daily_budget_max: float = 5000.0
    frequency_cap_days: int = 2
    targeting: str = "non_customers"
    communities: list[int] = field(default_factory=list)
    ctr: float = 0.008
    click_conversion: float = 0.05
    view_conversion: float = 0.00001
    view_days: int = 7
    repeat_decay: float = 0.85
    social_boost: float = 2.0
    follow_on_click: float = 0.05
    view_decay: float = 0.85
    max_per_consumer: int = 8
    count_as_message: bool = False
    objective: str = "purchase"
    add_staff_rate: float = 0.3
    _rules: ClassVar[dict] = {
        "cpm": ("range", 0.1, 10_000.0),  # CNY per 1,000 impressions; WeChat 50-180 [AD1]
        "min_daily_budget": ("nonneg",),
        "daily_budget_max": ("nonneg",),
        "frequency_cap_days": ("int", 1),
        "targeting": ("choice", tuple(_MODES)),
        "ctr": ("prob",),
        "click_conversion": ("prob",),
        "view_conversion": ("prob",),
        "view_days": ("int", 0),
        "repeat_decay": ("prob",),
        "social_boost": ("nonneg",),
        "follow_on_click": ("prob",),
        "view_decay": ("prob",),
        "max_per_consumer": ("int", 0),
        "objective": ("choice", OBJECTIVES),
        "add_staff_rate": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.ads")
        if self.min_daily_budget > self.daily_budget_max:
            raise ConfigError(
                "market.ads.min_daily_budget",
                self.min_daily_budget,
                f"<= market.ads.daily_budget_max={self.daily_budget_max}",
            )
        if not isinstance(self.count_as_message, bool):
            raise ConfigError("market.ads.count_as_message", self.count_as_message, "true or false")
        if self.targeting == "community" and not self.communities:
            raise ConfigError(
                "market.ads.communities", self.communities, "a non-empty list of community ids"
            )


def _ad_candidates(t, key, block, state, adopters, last_ad, audience, thr, out):
    """Consumers an ad may reach today whose priority (uniform; smaller first) is below
    ``thr``, in consumer order; returns (consumers the ad may reach, how many are listed).
    Blocks of ``block`` consumers fill their own slots, then the lists are closed up, so serial
    and parallel variants give the same list.

    ``audience`` is an :class:`Audience`, ``out`` a :class:`Candidates` (filled here);
    ``mode``: 0 random, 1 non-customers, 2 friends of customers, 3 communities, 4 consumers
    outside the private domain (no relationship: customers who do not follow included, and
    those who muted the brand, who see feed ads but do not follow again).
    """
    cap_days, mode, in_community, max_per, ads_seen, rel = audience
    out_ids, out_u, block_n = out
    n = state.shape[0]
    sk = _step_key(key, 4 * t + 2)
    block_all = np.zeros(block_n.shape[0], np.int64)
    for b in prange(block_n.shape[0]):
        lo = b * block
        m = 0
        n_all = 0
        keep = np.empty(kern.SCREEN, np.int64)
        u_buf = np.empty(kern.SCREEN)
        for w in range(lo, min(n, lo + block), kern.SCREEN):
            e = min(n, lo + block, w + kern.SCREEN)
            # Who is in the audience and below the threshold, without branches (the loop
            # vectorises: over views from 0, whose indices need no negative wraparound);
            # every consumer is drawn. (The mode's test is the same for the whole loop.)
            la_, seen_, s_, ad_, rel_ = (last_ad[w:e], ads_seen[w:e], state[w:e],
                                         adopters[w:e], rel[w:e])  # fmt: skip
            ic_ = in_community[w:e] if mode == 3 else in_community[:0]
            for k in range(e - w):
                ok = t - la_[k] >= cap_days
                if max_per > 0:
                    ok &= seen_[k] < max_per  # the consumer's impressions over the run capped
                if mode == 1:
                    ok &= s_[k] != ADOPTED
                elif mode == 2:
                    ok &= (s_[k] != ADOPTED) & (ad_[k] != 0)
                elif mode == 3:
                    ok &= ic_[k]
                elif mode == 4:
                    ok &= rel_[k] == ABSENT  # not in the private domain (a follower, VIP member)
                n_all += ok
                u = _uniform(sk, w + k, 2)
                u_buf[k] = u
                keep[k] = ok & (u < thr)
            # then listed: each written to the next free slot, which only a kept one keeps
            for k in range(e - w):
                out_ids[lo + m] = w + k
                out_u[lo + m] = u_buf[k]
                m += keep[k]
        block_n[b] = m
        block_all[b] = n_all
    m = 0
    for b in range(block_n.shape[0]):
        lo = b * block
        for a in range(block_n[b]):
            out_ids[m + a] = out_ids[lo + a]
            out_u[m + a] = out_u[lo + a]
        m += block_n[b]
    return block_all.sum(), m


_ad_candidates_serial, _ad_candidates_parallel = serial_and_parallel(_ad_candidates)


@njit(cache=True)
def _mark(ids, ad_today, visit, ads_seen):
    """Mark today's impressions (``ad_today``, and ``visit``: the prepare pass visits them);
    returns how many see their first ad (one loop instead of three fancy-indexed numpy
    passes over 50k scattered consumers a day)."""
    first = 0
    for a in range(ids.shape[0]):
        i = ids[a]
        ad_today[i] = True
        visit[i] = 1
        first += ads_seen[i] == 0
    return first


class Audience(NamedTuple):
    """Who an ad may reach: frequency cap (days), targeting mode, targeted communities, the
    cap on a consumer's impressions over the run (0: none), the impressions each has seen and
    each one's relationship with the brand."""

    cap_days: int
    mode: int
    in_community: np.ndarray
    max_per: int
    ads_seen: np.ndarray
    rel: np.ndarray


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
        self._audience = n  # yesterday's open audience (sets today's listing threshold)
        self._last_sold = -(10**6)  # last day an impression was delivered
        # the audience is empty and can only stay so (see _impressions)
        self._closed = False

    def plan(self, t: int) -> None:
        self.today = ids = self._impressions(t)
        m = self.model
        # reach: consumers seeing their first ad today (ads_seen is raised in the prepare pass)
        m._tally_today[kern.K_AD_REACH] += _mark(ids, m._ad_today, m._visit, m.ads_seen)

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
        audience = Audience(p.frequency_cap_days, _MODES[p.targeting], self._in_community,
                            p.max_per_consumer, m.ads_seen, m.rel)  # fmt: skip
        out = Candidates(self._ids, self._u, self._block_n)
        args = (t, m.market_key, BLOCK, m.engine.state, m.engine.adopters, m.last_ad, audience)
        # Only the k smallest priorities are bought, and priorities are uniform: list only
        # those below a threshold a little above k / (yesterday's audience), which saves
        # writing a million entries a day at 1M consumers; when that misses some of the k
        # (the audience grew), list everyone. The picks are the same either way.
        thr = min(1.0, 1.5 * k / max(self._audience, 1) + 1e-3)
        if self._closed:
            n_cand = listed = 0  # (the scan would find nobody)
        else:
            n_cand, listed = fn(*args, thr, out)
            if listed < min(k, n_cand):
                n_cand, listed = fn(*args, 1.0, out)
        self._audience = n_cand
        # Nobody is open and nobody saw an ad within the frequency cap: then everyone is out
        # for good (capped impressions, a customer, outside the communities) in the modes
        # where only the cap lets consumers back in. A saturated campaign (max_per_consumer
        # reached by every non-customer) stops scanning a million consumers a day.
        mode = audience.mode
        if n_cand == 0 and mode in _CLOSING and t - self._last_sold >= p.frequency_cap_days:
            self._closed = True
        n_cand = listed
        if n_cand > k:
            # the k smallest priorities; they all lie below a threshold a little above k/m
            # (priorities are uniform), so only that subset needs partitioning
            u, cand = self._u[:n_cand], self._ids[:n_cand]
            sub = np.flatnonzero(u < min(1.0, 1.2 * k / n_cand + 1e-3))
            if sub.size < k:
                sub = np.arange(n_cand)
            pick = sub[np.argpartition(u[sub], k - 1)[:k]]
            # in consumer order (the candidates are): a mask, not a sort of 50k ids a day
            keep = np.zeros(n_cand, np.bool_)
            keep[pick] = True
            ids = cand[keep]
        else:
            ids = self._ids[:n_cand].copy()
        # the audience open today could not absorb what the budget bought: the rest is unsold,
        # not paid (the money stays in the budget for the days left)
        m._tally_today[kern.K_AD_UNSOLD] += k - ids.size
        if ids.size:
            self._last_sold = t
        m._pay("ads", ids.size * p.cpm / 1000.0)
        return ids

    def clear(self) -> None:
        """After the prepare pass: today's impressions are recorded, and the impressed learn
        of the product (through the engine, which keeps the state counts)."""
        m = self.model  # (the prepare pass cleared ad_today as it read it)
        m._tally_today[kern.K_NEW_AWARE] += m.engine.mark_aware(self.today)


def reach_frequency(run) -> dict[str, float]:
    """Reach and frequency of a run's ads (a :class:`~diffusion_sim.market.results.MarketRun`).

    Returns ``impressions`` (delivered), ``reach`` (consumers who saw at least one ad),
    ``frequency`` (impressions per reached consumer, NaN without reach) and
    ``saturated_days`` (days on which the open audience could not absorb what the day's budget
    bought: tally ``ad_unsold > 0``). Unsold impressions are not paid and their money is offered
    again the next day, so ``ad_unsold`` summed over days is not an amount of money; the
    budget left unspent is ``budget - spend``. Counts are of simulated consumers.
    """
    tally = np.asarray(run.tally)
    imp = int(tally[:, kern.K_IMPRESSIONS].sum())
    reach = int(tally[:, kern.K_AD_REACH].sum())
    return {
        "impressions": imp,
        "reach": reach,
        "frequency": imp / reach if reach else float("nan"),
        "saturated_days": int(np.count_nonzero(tally[:, kern.K_AD_UNSOLD])),
    }
