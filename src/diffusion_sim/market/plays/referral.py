"""Share-for-reward referral: customers who bought in the last ``share_days`` days post about
the product; a friend who buys through such a post earns the sharer a reward.

Channel: ``referral_posts`` (cause REFERRAL), per-tie hazards ``advocacy_strong`` /
``advocacy_weak`` times the sharer's trust over the initial trust, times the reward response
``(reward / reference_reward) ** reward_elasticity`` (a larger reward, more sharing). Tally:
``referrals``. Cost: ``reward`` per referral; only as many sharers post as the budget left
covers if every friend of theirs who has not bought yet were to buy through them (most recent
buyers first).
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
    _rules: ClassVar[dict] = {
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
        if left <= 0:
            return None
        lo = max(1, t - p.share_days)
        ref = np.flatnonzero(m.last_buy >= lo)
        # Rewards are paid per success, so only as many sharers post as the budget covers
        # even if every friend of theirs who has not bought yet were to buy through them
        # (an upper bound: deg - customer friends, from the engine's counts), most recent
        # buyers first.
        ref = ref[np.argsort(-m.last_buy[ref], kind="stable")]
        strong, weak = m.engine.adopter_counts(ref)
        open_ = m._degree[ref] - strong - weak
        k = int(np.searchsorted(np.cumsum(open_), left / p.reward, side="right"))
        ref = ref[:k]
        return ref, np.full(ref.size, ADVOCACY_ROW["referral"], np.int64)

    def settle(self, t: int, tally: np.ndarray) -> None:
        m = self.model
        m._pay("referral", tally[kern.K_REFERRALS] * m.params.referral.reward)
