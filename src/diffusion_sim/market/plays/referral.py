"""Share-for-reward referral: customers who bought in the last ``share_days`` days post about
the product; a friend who buys through such a post earns the sharer a reward.

Channel: ``referral_posts`` (cause REFERRAL), per-tie hazards ``advocacy_strong`` /
``advocacy_weak`` times the sharer's trust over the initial trust, times the reward response
``(reward / reference_reward) ** reward_elasticity`` (a larger reward, more sharing). Tally:
``referrals``. Cost: ``reward`` per referral.

Budget (``admission``):

- ``budget`` (default): every recent buyer shares while the budget left covers at least one
  reward, and rewards are paid while the budget lasts — on the day it runs out, the first
  ``floor(left / reward)`` referrals are paid and the rest of that day's (at most one day's
  referrals) go unrewarded ("while the budget lasts", 预算用完即止). The expected number of
  referrals then grows with the reward (the sharing response), until the budget runs out:
  after that, a larger reward buys fewer paid referrals (``budget / reward``) — budget
  exhaustion, not the reward, caps them.
- ``reserve`` (the rule before issue 14's fix; ``market=viral``, the golden digest): only as
  many sharers post each day as the budget left covers if every friend of theirs who has not
  bought yet were to buy through them (most recent buyers first). This worst case reserves
  ``reward × open friends`` per sharer while a post converts a few per cent of them, so the cap
  binds every day long before the money is spent, and a larger reward admits
  proportionally fewer sharers: referrals fell with the reward (measured: 3,960 / 3,010 / 1,040
  referrals at 5 / 15 / 60 CNY with 100,000 CNY on the default market, graph.n=5000, 4
  replications, no continuation; 45 % of the budget spent at 15 CNY).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import _kernels as kern
from .._validate import check_fields
from ..channels import ADVOCACY_ROW
from ._base import Play

__all__ = ["Referral", "ReferralPlay"]


@dataclass
class Referral:
    """Share-for-reward: customers share after a purchase; paid per successful referral."""

    reward: float = 15.0
    share_days: int = 14
    advocacy_strong: float = 0.004
    advocacy_weak: float = 0.002
    reference_reward: float = 15.0
    reward_elasticity: float = 0.5
    admission: str = "budget"
    _rules: ClassVar[dict] = {
        "admission": ("choice", ("budget", "reserve")),
        "reference_reward": ("pos",),
        "reward_elasticity": ("range", 0.0, 2.0),
        "reward": ("pos",),
        "share_days": ("int", 1),
        "advocacy_strong": ("prob",),
        "advocacy_weak": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.referral")


class ReferralPlay(Play):
    """The referral strategy."""

    module = "referral"

    def posters(self, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        m = self.model
        p = m.params.referral
        left = m.remaining[m.strategy_index["referral"]]
        if left <= 0 or (p.admission == "budget" and left < p.reward):
            return None  # not one more reward can be paid
        lo = max(1, t - p.share_days)
        ref = np.flatnonzero(m.last_buy >= lo)
        if p.admission == "budget":  # every recent buyer; paid while the budget lasts
            return ref, np.full(ref.size, ADVOCACY_ROW["referral"], np.int64)
        # Rewards are paid per success, so only as many sharers post as the budget covers
        # even if every friend of theirs who has not bought yet were to buy through them
        # (an upper bound: deg - customer friends, from the engine's counts), most recent
        # buyers first.
        age = t - m.last_buy[ref]  # in [0, share_days]: a small key, so numpy's stable sort
        if p.share_days < 2**15:  # is a radix sort (the same order as sorting -last_buy)
            age = age.astype(np.int16)
        ref = ref[np.argsort(age, kind="stable")]
        strong, weak = m.engine.adopter_counts(ref)
        open_ = m._degree[ref] - strong - weak
        k = int(np.searchsorted(np.cumsum(open_), left / p.reward, side="right"))
        ref = ref[:k]
        return ref, np.full(ref.size, ADVOCACY_ROW["referral"], np.int64)

    def settle(self, t: int, tally: np.ndarray) -> None:
        m = self.model
        p = m.params.referral
        paid = int(tally[kern.K_REFERRALS])
        if p.admission == "budget":  # the day the budget runs out: whole rewards it covers
            left = m.remaining[m.strategy_index["referral"]]
            paid = min(paid, int(np.floor(left / p.reward * (1 + 1e-12))))
        m._pay("referral", paid * p.reward)
