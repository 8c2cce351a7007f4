"""Value beyond the horizon, and the brand's own view of a play's return.

Three measures per play, all from the same replications as the comparison (common random
numbers), in the real market's units (:mod:`diffusion_sim.market.scale`).

**Customer lifetime value of the customers held at the horizon.** A customer held at the
horizon ``H`` (bought at least once, not churned) repurchases with hazard ``lambda`` per day
(``market.product.repurchase``), each purchase bringing ``margin * price``, until they lapse
(hazard ``c = value.lapse`` per day, for reasons outside the model: they switch brands or stop
using the category); money is discounted at the annual rate ``d`` (``value.discount_rate``),
``delta = ln(1 + d) / 365`` per day. In continuous time,

.. math::

    \\mathrm{CLV} = \\int_0^\\infty m P \\lambda \\, e^{-(\\delta + c) s} \\, ds
                 = \\frac{m P \\lambda}{\\delta + c},

and ``clv = held * CLV`` for the play (``incr_clv`` against the baseline). ``roi_clv =
(mean(dG + dCLV) - mean(S)) / mean(S)``: the ROI once the future purchases of the customers a
play holds are counted. Conservative: the organic repurchase hazard only (no VIP or group
boost, which stop with the play's spending), and no word of mouth from those customers.

**Continuation after the horizon** (``value.long_horizon = L > H`` days): every run of every
play goes on from its state at ``H`` to ``L`` with the play's spending stopped
(:func:`stop_spending`: no budget left, the VIP programme ended), organic word of mouth and
the brand's free channels (groups) continuing. From the continuation:

* **expansion and acceleration** (Libai, Muller & Peres 2013): of the incremental customers
  at the horizon, ``dC(H) = C_play(H) - C_base(H)``, the ``expansion`` is what is still
  incremental at ``L``, ``dC(L)``: customers the play added who would not have bought by ``L``
  without it; ``acceleration = dC(H) - dC(L)``: customers who would have bought anyway, only
  later. A negative acceleration means the play's customers keep bringing others after the
  horizon (expansion grows);
* the **payback day**: the first day ``t <= L`` from which the mean cumulative incremental
  profit ``sum_{s <= t} (dG_s - S_s - dV_s)`` (``V`` the service cost) stays ``>= 0`` up to
  ``L`` (NaN: not within ``L``; without a continuation, within ``H``).

**The brand's view** (channel codes, 渠道活码): a brand credits a play with the gross profit of
all purchases (first and repeat, over the horizon) of the customers whose last-touch channel
code at their first purchase is one of the play's channels, and computes ``brand_roi =
(credited gross profit - S) / S``. It counts customers who would have bought anyway and misses
those the play caused through word of mouth; the true ROI is incremental against no action.
The gap ``brand_roi - roi`` is the lesson. Purchases are valued at the list price (the
livestream's discount is left out of the brand's view).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from ..states import Relationship, State
from ._validate import check_fields
from .registry import STRATEGY_TABLE

__all__ = ["Value", "brand_view", "held_customers", "lifetime_value", "stop_spending"]


@dataclass
class Value:
    """Settings of the value beyond the horizon (``market.value``).

    Parameters
    ----------
    discount_rate : float
        Annual discount rate of future profit (ESTIMATE 0.10; range 0.05-0.20).
    lapse : float
        Per-day hazard that a customer stops buying for reasons outside the model (ESTIMATE
        0.001, about 3 %/month; range 0.0003-0.0035, 1-10 %/month).
    long_horizon : int
        Days (from ``t = 0``) the runs continue with spending stopped; ``0`` or at most the
        horizon: no continuation (expansion, acceleration and a payback day after the
        horizon are then not available). Default 365.
    """

    discount_rate: float = 0.10
    lapse: float = 0.001
    long_horizon: int = 365
    _rules: ClassVar[dict] = {
        "discount_rate": ("range", 0.0, 1.0),
        "lapse": ("prob",),
        "long_horizon": ("int", 0),
    }

    def __post_init__(self):
        check_fields(self, "market.value")
        if self.long_horizon > 36_500:
            raise ConfigError("market.value.long_horizon", self.long_horizon,
                              "an integer in [0, 36,500] (days)")  # fmt: skip

    @property
    def daily_discount(self) -> float:
        """``delta = ln(1 + d) / 365`` per day."""
        return math.log1p(self.discount_rate) / 365.0


def lifetime_value(params) -> float:
    """CLV of one held customer, CNY: ``margin * price * lambda / (delta + c)`` (inf when
    ``delta + c == 0`` and ``lambda > 0``)."""
    v = params.value
    flow = params.product.margin * params.product.price * params.product.repurchase
    rate = v.daily_discount + v.lapse
    if rate == 0:
        return math.inf if flow > 0 else 0.0
    return flow / rate


def held_customers(model) -> int:
    """Customers at the model's current step who have not churned."""
    adopted = model.engine.state == State.ADOPTED
    return int(np.count_nonzero(adopted & ~model.churned))


def brand_view(model, budgets: dict) -> dict[str, float]:
    """What a brand credits a play with from its channel codes: the gross profit of every
    purchase of the customers whose channel code is one of the funded strategies' channels."""
    codes = [int(c) for s in STRATEGY_TABLE if budgets.get(s.name, 0) > 0 for c in s.causes]
    if not codes:
        return {"brand_credited_customers": 0.0, "brand_credited_gross": 0.0}
    mine = np.isin(model.channel, np.asarray(codes, dtype=model.channel.dtype))
    mine &= model.engine.state == State.ADOPTED
    p = model.params.product
    purchases = float(model.purchases[mine].sum())
    return {
        "brand_credited_customers": float(np.count_nonzero(mine)),
        "brand_credited_gross": purchases * p.price * p.margin,
    }


def stop_spending(model, long_horizon: int) -> None:
    """End every play's spending at the current step: no budget left, the VIP programme
    ended (members back to followers), the plan's horizon moved to ``long_horizon``."""
    model.remaining[:] = 0.0
    vip = model.vip_group >= 0
    model.rel[vip & (model.rel == Relationship.STRONG)] = Relationship.WEAK
    model.vip_group[vip] = -1
    model.vip_count[:] = 0
    model.horizon = long_horizon
