"""Coupons: sent to followers with a mass message, used on any purchase while valid (a first
purchase or a repeat), paid per redemption.

Target (``target = silent``): the silent followers first — those who never bought, then those
whose last purchase is oldest (``ids``: consumer order, the old rule).
Channel: ``coupon`` (cause COUPON) while a coupon is valid, hazard
``redeem × exp(elasticity × (reference_value − value) / reference_price)`` per day (the
logit price response of :mod:`~diffusion_sim.market.brand.price`, prepare pass: ``redeem`` is
stated for a coupon of ``reference_value``; a larger coupon lowers the price paid, so more are
redeemed); a valid coupon also raises the repeat-purchase chance by
the same hazard (settle pass) and is used up by any purchase. Tallies: ``coupons_issued``,
``coupons_redeemed``. Cost: ``value`` per redemption; a coupon day issues only as many as the
budget left covers if every coupon out were redeemed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np
from numba import njit

from .. import _kernels as kern
from .._validate import check_fields
from ._base import Play

__all__ = ["Coupons", "CouponsPlay"]


@dataclass
class Coupons:
    """Coupons sent to followers with a mass message; used on any purchase while valid (a
    first purchase or a repeat), paid per redemption."""

    value: float = 10.0
    every_days: int = 30
    valid_days: int = 14
    redeem: float = 0.01
    reference_value: float = 10.0
    target: str = "silent"
    _rules: ClassVar[dict] = {
        "value": ("pos",),
        "reference_value": ("nonneg",),
        "target": ("choice", ("silent", "ids")),
        "every_days": ("int", 1),
        "valid_days": ("int", 1),
        "redeem": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.coupons")


class Issue(NamedTuple):
    """What issuing a coupon writes: the holder's expiry, month's messages, last touch, today's
    receipt (read by the prepare pass) and the pass's visit mark."""

    coupon_until: np.ndarray
    msgs_month: np.ndarray
    touch: np.ndarray
    coupon_rx: np.ndarray
    visit: np.ndarray


@njit(cache=True)
def _issue(t, limit, quota, valid, order, rel, out):
    """Coupon day: up to ``limit`` coupons, in the given ``order`` of consumers, to followers
    without a valid one and with quota left (a coupon is an enterprise mass message).
    ``out`` is an :class:`Issue`. Returns how many."""
    coupon_until, msgs_month, touch, coupon_rx, visit = out
    left = limit
    for a in range(order.shape[0]):
        if left == 0:
            break
        i = order[a]
        if rel[i] != kern.ABSENT and coupon_until[i] < t and msgs_month[i] < quota:
            left -= 1
            msgs_month[i] += 1
            coupon_until[i] = t + valid - 1
            touch[i] = kern.C_COUPON
            coupon_rx[i] = 1
            visit[i] = 1
    return limit - left


class CouponsPlay(Play):
    """The coupons strategy."""

    module = "coupons"

    def _limit(self, t: int) -> int:
        m = self.model
        p = m.params.coupons
        left = m.remaining[m.strategy_index["coupons"]]
        if left <= 0 or (t - 1) % p.every_days != 0:
            return 0
        outstanding = np.count_nonzero(m.coupon_until >= t)
        # every coupon out may be redeemed: keep their value reserved
        return max(0, int((left - outstanding * p.value) // p.value))

    def _order(self) -> np.ndarray:
        """Who gets a coupon first: ``silent`` — followers who never bought, then those whose
        last purchase is oldest (ties by id); ``ids`` — consumer order."""
        m = self.model
        if m.params.coupons.target == "ids":
            return np.arange(m.rel.shape[0], dtype=np.int64)
        fol = np.flatnonzero(m.rel != kern.ABSENT)  # (never bought: last_buy = -1, first)
        return fol[np.argsort(m.last_buy[fol], kind="stable")].astype(np.int64)

    def plan(self, t: int) -> None:
        limit = self._limit(t)
        if limit:
            m = self.model
            g = m.params.groups
            out = Issue(m.coupon_until, m.msgs_month, m.touch, m._coupon_rx, m._visit)
            issued = _issue(t, limit, g.monthly_quota, m.params.coupons.valid_days,
                            self._order(), m.rel, out)  # fmt: skip
            m._tally_today[kern.K_COUPONS_ISSUED] += issued

    def settle(self, t: int, tally: np.ndarray) -> None:
        m = self.model
        m._pay("coupons", tally[kern.K_COUPONS_REDEEMED] * m.params.coupons.value)
