"""VIP groups (the strong brand tie): entry, fees, perks, monitoring and win-back.

Plan: members pay ``cost_per_member_month / 30`` a day; a birthday brings a perk and a trust
boost; a member idle for ``inactive_days`` gets a win-back offer (``winback_cost``): they buy
with ``winback_purchase`` and stay, else stay with ``winback_success`` or are demoted;
followers with ``min_purchases`` purchases are admitted while their fees to the horizon are
covered — ``entry = "purchases"``: whoever qualifies, first come first served (a day's in
consumer order); ``entry = "top"``: the highest-value customers first (purchases, then
recency), into one group of ``capacity``. Members repurchase ``repurchase_boost`` times as
often (settle pass; a causal ESTIMATE, not the cross-sectional 2.8x of [PD1]) and post (channel
``vip_posts``, cause VIP) with per-tie hazards ``advocacy_strong`` / ``advocacy_weak`` times
their trust over the initial trust. Tally: ``vip_repeat_purchases``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import prange

from ...kernels._apply import BLOCK
from ...kernels._variants import serial_and_parallel
from ...rng import uniforms
from ...states import Relationship
from .. import _kernels as kern
from .._validate import check_fields
from ..channels import ADVOCACY_ROW
from ._base import Play

__all__ = ["Vip", "VipPlay"]

STRONG = kern.STRONG
WEAK = kern.WEAK


@dataclass
class Vip:
    """VIP group (strong brand tie): entry rule, perks, monitoring and win-back."""

    entry: str = "purchases"
    min_purchases: int = 2
    capacity: int = 500
    cost_per_member_month: float = 15.0
    repurchase_boost: float = 1.3
    advocacy_strong: float = 0.001  # ~3x the organic beta_strong (market=viral: 0.01)
    advocacy_weak: float = 0.0002  # ~3x the organic beta_weak (market=viral: 0.002)
    birthday_trust: float = 0.1
    birthday_cost: float = 20.0
    inactive_days: int = 60
    winback_cost: float = 10.0
    winback_success: float = 0.5
    winback_purchase: float = 0.2
    _rules: ClassVar[dict] = {
        "winback_purchase": ("prob",),
        "entry": ("choice", ("purchases", "top")),
        "min_purchases": ("int", 1),
        "capacity": ("int", 1),
        "cost_per_member_month": ("nonneg",),
        "repurchase_boost": ("nonneg",),
        "advocacy_strong": ("prob",),
        "advocacy_weak": ("prob",),
        "birthday_trust": ("prob",),
        "birthday_cost": ("nonneg",),
        "inactive_days": ("int", 1),
        "winback_cost": ("nonneg",),
        "winback_success": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.vip")


def _vip_scan(t, rel, purchases, last_buy, rule, members, eligible, block_n, block):
    """VIP members, and the candidates: followers with ``>= min_purchases`` purchases, the last
    one less than ``inactive_days`` ago (``rule``: the two; so a member demoted for inactivity
    comes back only after buying again); in consumer order. Blocks of ``block`` consumers fill
    their own slots (``block_n``: their counts, shape (blocks, 2)), then the lists are closed
    up, so the serial and parallel variants give the same lists. Returns (members,
    candidates)."""
    min_purchases, inactive_days = rule
    n = rel.shape[0]
    for b in prange(block_n.shape[0]):
        lo = np.int64(b) * block  # (prange's index is unsigned in the threaded variant)
        nm = 0
        ne = 0
        for i in range(lo, min(n, lo + block)):
            r = rel[i]
            if r == STRONG:
                members[lo + nm] = i
                nm += 1
            elif (
                r == WEAK
                and purchases[i] >= min_purchases
                and last_buy[i] >= 0
                and t - last_buy[i] < inactive_days
            ):
                eligible[lo + ne] = i
                ne += 1
        block_n[b, 0] = nm
        block_n[b, 1] = ne
    nm = 0
    ne = 0
    for b in range(block_n.shape[0]):
        lo = b * block
        for a in range(block_n[b, 0]):
            members[nm + a] = members[lo + a]
        nm += block_n[b, 0]
        for a in range(block_n[b, 1]):
            eligible[ne + a] = eligible[lo + a]
        ne += block_n[b, 1]
    return nm, ne


_vip_scan_serial, _vip_scan_parallel = serial_and_parallel(_vip_scan)


class VipPlay(Play):
    """The VIP strategy: today's members (``members``) and the number of VIP groups opened."""

    module = "vip"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        self._members_buf = np.empty(n, np.int32)  # (ids < 2**31: half the memory)
        self._eligible_buf = np.empty(n, np.int32)  # (ids < 2**31: half the memory)
        self._block_n = np.zeros(((n + BLOCK - 1) // BLOCK, 2), np.int64)
        self._none = np.zeros(0, np.int64)
        self.members = self._none
        self.n_groups = 0
        self.winback_sales = 0  # purchases caused by win-back offers

    def plan(self, t: int) -> None:
        m = self.model
        p = m.params.vip
        s = m.strategy_index["vip"]
        fee_day = p.cost_per_member_month / 30.0
        days_left = m.horizon - t + 1
        if self.n_groups == 0 and m.remaining[s] <= 0:
            self.members = self._none
            return
        scan = _vip_scan_parallel if m.engine._use_parallel(m.graph.n) else _vip_scan_serial
        n_mem, n_el = scan(t, m.rel, m.purchases, m.last_buy,
                           (np.int64(p.min_purchases), np.int64(p.inactive_days)),
                           self._members_buf, self._eligible_buf, self._block_n, BLOCK)  # fmt: skip
        members = self._members_buf[:n_mem].copy()
        committed = members.size * fee_day * days_left
        free = m.remaining[s] - committed
        # birthdays: a perk and a trust boost, if the budget allows
        bd = members[m.birthday[members] == t % 365]
        if bd.size and p.birthday_cost >= 0:
            k = bd.size if p.birthday_cost == 0 else int(max(free, 0) // p.birthday_cost)
            bd = bd[: min(bd.size, k)]
            m.trust[bd] = np.minimum(1.0, m.trust[bd] + p.birthday_trust)
            m._pay("vip", bd.size * p.birthday_cost)
            free -= bd.size * p.birthday_cost
        # monitoring: members inactive for inactive_days get a win-back action or are demoted
        since = np.maximum(m.last_buy[members], m.active_since[members])
        idle = members[t - since >= p.inactive_days]
        if idle.size:
            k = idle.size if p.winback_cost == 0 else int(max(free, 0) // p.winback_cost)
            tried = idle[: min(idle.size, k)]
            m._pay("vip", tried.size * p.winback_cost)
            free -= tried.size * p.winback_cost
            # the win-back offer (stream 3, unused by the other draws of counter 4 t + 2):
            # a purchase with winback_purchase (the member stays);
            # otherwise the old rule, stays with winback_success or is demoted
            buy = uniforms(m.market_key, 4 * t + 2, tried, 3) < p.winback_purchase
            self._winback_buy(tried[buy], t)
            ok = buy | (uniforms(m.market_key, 4 * t + 2, tried, 0) < p.winback_success)
            m.active_since[tried[ok]] = t
            self._demote(np.concatenate([tried[~ok], idle[tried.size :]]))
            members = members[m.rel[members] == Relationship.STRONG]
            committed = members.size * fee_day * days_left
            free = m.remaining[s] - committed
        # admissions, best customers first, while their fees to the horizon are covered
        if m.remaining[s] > 0:
            el = self._eligible_buf[:n_el]  # followers who bought >= min_purchases times
            if el.size:
                per = fee_day * days_left
                k = el.size if per == 0 else int(max(free, 0) // per)
                if p.entry == "top":  # the highest-value customers, one group of capacity
                    order = np.lexsort((el, -m.last_buy[el], -m.purchases[el]))
                    el = el[order]
                    k = min(k, max(p.capacity - members.size, 0))
                # entry = purchases: whoever qualifies, first come first served (those who
                # qualified on earlier days are members already; today's in consumer order)
                el = el[: min(k, el.size)]
                self._admit(el, t)
                members = np.sort(np.concatenate([members, el]))
        m._pay("vip", members.size * fee_day)
        self.members = members

    def _admit(self, ids: np.ndarray, t: int) -> None:
        m = self.model
        cap = m.params.vip.capacity
        for i in ids:
            v = self.n_groups - 1
            if v < 0 or m.vip_count[v] >= cap:
                self.n_groups += 1
                v += 1
                if v >= m.vip_count.shape[0]:
                    m.vip_count = np.concatenate([m.vip_count, np.zeros_like(m.vip_count)])
            m.vip_group[i] = v
            m.vip_count[v] += 1
        m.rel[ids] = Relationship.STRONG
        m.active_since[ids] = t

    def _winback_buy(self, ids: np.ndarray, t: int) -> None:
        """Members who accept the win-back offer buy today: a repeat purchase booked here
        (revenue, trust gain of a good purchase; no service-failure draw, not shown in the
        group), counted in ``winback_sales``."""
        if ids.size == 0:
            return
        m = self.model
        m.purchases[ids] += 1
        m.last_buy[ids] = t
        m.trust[ids] = np.minimum(1.0, m.trust[ids] + m.params.trust.purchase_gain)
        tally = m._tally_today
        for k in (kern.K_PURCHASES, kern.K_REPEAT, kern.K_VIP_REPEAT):
            tally[k] += ids.size
        self.winback_sales += int(ids.size)

    def _demote(self, ids: np.ndarray) -> None:
        m = self.model
        if ids.size == 0:
            return
        v = m.vip_group[ids]
        np.subtract.at(m.vip_count, v[v >= 0], 1)
        m.vip_group[ids] = -1
        m.rel[ids] = Relationship.WEAK

    def posters(self, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        p = self.model.params.vip
        if not (p.advocacy_strong > 0 or p.advocacy_weak > 0) or not self.members.size:
            return None
        return self.members, np.full(self.members.size, ADVOCACY_ROW["vip"], np.int64)
