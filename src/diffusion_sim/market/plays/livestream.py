"""Livestream selling (直播带货): scheduled sessions of a host, watched by the brand's followers
and customer-group members and by the host's own fans; viewers buy during the session at a
live discount.

Schedule: a session on days ``1, 1 + every_days, 1 + 2 every_days, …`` while the budget left
covers the host's ``fee`` (reserved, i.e. paid, before the session). Viewers of a session:

* each follower (relationship WEAK or STRONG, not churned) watches with ``follower_watch``,
  a customer-group member with ``group_watch`` instead (the session is announced in the
  group; the announcement is a group post, not an enterprise mass message, so it uses no
  quota — a simplification);
* the host's audience: ``host_fans`` consumers drawn once at random (a fixed fan base of the
  hired host, counter-based, so the same consumers in every play of a comparison), each
  watching a session with ``fan_watch``. A consumer is counted once if both.

Channel: ``livestream`` (cause LIVESTREAM), hazard ``conversion`` for a viewer who is not yet
a customer, on the session day (prepare pass); a viewer becomes aware of the product and
their last tracked touch becomes LIVESTREAM, so a viewer who buys later through another path
(a strong tie) keeps the channel code LIVESTREAM with that other cause. Tallies:
``live_sessions``, ``live_viewers``, ``live_sales`` (first purchases caused by a session).
Revenue: a livestream sale books ``price * (1 - discount)`` instead of ``price``. The discount
raises the session's conversion through the price response: ``conversion`` is stated at
``reference_discount`` and multiplied by the logit price response of the live price,
``exp(elasticity * price * (reference_discount - discount) / reference_price)``
(:mod:`diffusion_sim.market.brand.price`). Cost: ``fee`` per session plus
``commission`` per sale, so spend = sessions × fee + sales × commission; the commission is
capped by the budget left after the fee (never above the budget).

Random numbers: the play's own key (the market key mixed with :data:`STREAM_KEY`), so a play
without budget changes nobody's random numbers, and no session consumes the other plays'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...rng import uniforms
from ...states import Cause, State
from .. import _kernels as kern
from .._validate import check_fields
from ._base import Play

__all__ = ["Livestream", "LivestreamPlay"]

#: Offset of the play's own step counter in the market key's counter space (far above the
#: ``4 t + pass`` counters of the brand's passes).
STREAM_KEY = 1 << 40


@dataclass
class Livestream:
    """Scheduled livestream sessions: a fee per session, a commission per sale, a live
    discount on the price of every livestream sale."""

    every_days: int = 7
    fee: float = 2000.0
    commission: float = 20.0
    discount: float = 0.2
    follower_watch: float = 0.05
    group_watch: float = 0.15
    host_fans: int = 200
    fan_watch: float = 0.2
    conversion: float = 0.03
    reference_discount: float = 0.2
    _rules: ClassVar[dict] = {
        "reference_discount": ("prob",),
        "every_days": ("int", 1),
        "fee": ("nonneg",),
        "commission": ("nonneg",),
        "discount": ("prob",),
        "follower_watch": ("prob",),
        "group_watch": ("prob",),
        "host_fans": ("int", 0),
        "fan_watch": ("prob",),
        "conversion": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.livestream")


class LivestreamPlay(Play):
    """The livestream strategy: today's viewers (``viewers``), marked in ``live_today``."""

    module = "livestream"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        #: viewers of today's session (read and cleared by the prepare pass)
        self.live_today = np.zeros(n, np.uint8)
        self.viewers = np.zeros(0, np.int64)
        self.fans = np.zeros(0, np.int64)
        self.sessions = 0

    def _u(self, t: int, ids: np.ndarray, stream: int) -> np.ndarray:
        return uniforms(self.model.market_key, STREAM_KEY + t, ids, stream)

    def start(self) -> None:
        if not self.funded():
            return
        m = self.model
        n = m.graph.n
        k = min(m.params.livestream.host_fans, n)
        if k:  # the host's fan base: the k consumers with the smallest priority uniform
            u = self._u(0, np.arange(n, dtype=np.int64), 0)
            self.fans = np.sort(np.argpartition(u, k - 1)[:k]) if k < n else np.arange(n)

    def plan(self, t: int) -> None:
        self.viewers = self.viewers[:0]
        m = self.model
        p = m.params.livestream
        s = m.strategy_index["livestream"]
        if m.remaining[s] <= 0 or (t - 1) % p.every_days != 0 or m.remaining[s] < p.fee:
            return
        m._pay("livestream", p.fee)  # the host's fee, reserved before the session
        self.sessions += 1
        m._tally_today[kern.K_LIVE_SESSIONS] += 1
        # followers and group members
        fol = np.flatnonzero((m.rel != kern.ABSENT) & ~m.churned)
        watch = np.where(m.group[fol] >= 0, p.group_watch, p.follower_watch)
        v1 = fol[self._u(t, fol, 0) < watch]
        # the host's fans
        v2 = self.fans[self._u(t, self.fans, 1) < p.fan_watch]
        self.viewers = ids = np.union1d(v1, v2).astype(np.int64)
        m._tally_today[kern.K_LIVE_VIEWERS] += ids.size
        not_yet = ids[m.engine.state[ids] != State.ADOPTED]
        m.engine.mark_aware(ids)  # a viewer has heard of the product
        m.touch[not_yet] = kern.C_LIVESTREAM  # last tracked touch (overwritten by later ones)
        self.live_today[not_yet] = 1
        m._visit[not_yet] = 1

    def settle(self, t: int, tally: np.ndarray) -> None:
        if self.viewers.size == 0:
            return
        m = self.model
        p = m.params.livestream
        eng = m.engine
        b = self.viewers
        sold = (eng.adopted_at[b] == t) & (eng.cause[b] == Cause.LIVESTREAM)
        sales = int(np.count_nonzero(sold))
        tally[kern.K_LIVE_SALES] += sales
        s = m.strategy_index["livestream"]
        m._pay("livestream", min(sales * p.commission, m.remaining[s]))

    def price_cut(self, tally: np.ndarray) -> float:
        """Revenue given up today: the live discount on each livestream sale."""
        m = self.model
        return tally[kern.K_LIVE_SALES] * m.params.product.price * m.params.livestream.discount
