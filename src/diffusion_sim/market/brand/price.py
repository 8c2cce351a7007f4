"""The brand's levers as responses: price and discounts (a constant price elasticity), and the
content mix of group broadcasts (docs/model.md §9.3–9.5).

Every purchase probability of the market — organic first purchases, the brand's channels and
repeat purchases — is multiplied by the **price response**

.. math:: \\pi(P) = (P / P_{ref})^{\\varepsilon}

with ``P`` the price paid, ``P_ref`` the price at which the behavioural rates were stated
(``product.reference_price``) and ``ε`` the price elasticity of demand
(``product.elasticity``). A discounted channel's hazard was stated at its reference discount,
so it is multiplied by the response to its effective price relative to that reference:
``((P − v) / (P − v_ref))^ε`` for a coupon of value ``v``, ``((P − d) / (P − d_ref))^ε`` for a
group-buy discount ``d``, ``((1 − δ) / (1 − δ_ref))^ε`` for a live discount share ``δ``.

A broadcast's direct pull (conversion of a non-customer member, extra repurchase chance of a
customer member) grows with its marketing share ``μ``: ``(μ / μ_ref)^γ``.

Each multiplier is exactly 1.0 at its neutral value (``ε = 0``, or the lever at its reference;
``γ = 0`` or ``μ = μ_ref``), so the market's floating-point operations are then the old ones.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError
from .. import _kernels as kern

__all__ = ["check_prices", "content_response", "fill_lever_slots", "price_response"]


def price_response(price: float, reference: float, elasticity: float) -> float:
    """``(price / reference) ** elasticity``; exactly 1.0 if ``elasticity == 0`` or the two
    prices are equal (CNY, or shares of the list price for a live discount)."""
    if elasticity == 0.0 or price == reference:
        return 1.0
    return float((price / reference) ** elasticity)


def content_response(share: float, reference: float, gamma: float) -> float:
    """``(share / reference) ** gamma``: the pull of a broadcast with marketing share
    ``share`` relative to one with the reference share; exactly 1.0 if ``gamma == 0`` or
    ``share == reference``, 0 for a broadcast without marketing (``gamma > 0``)."""
    if gamma == 0.0 or share == reference:
        return 1.0
    return float((share / reference) ** gamma)


def check_prices(p) -> None:
    """Effective prices must be positive when the market responds to price (``p``: the
    :class:`~diffusion_sim.market.params.MarketParams`); raises ConfigError."""
    pr = p.product
    if pr.elasticity == 0.0:
        return
    for key, cut in (
        ("market.coupons.value", p.coupons.value),
        ("market.coupons.reference_value", p.coupons.reference_value),
        ("market.groupbuy.discount", p.groupbuy.discount),
        ("market.groupbuy.reference_discount", p.groupbuy.reference_discount),
    ):
        if not cut < pr.price:
            raise ConfigError(key, cut, f"< product.price ({pr.price:g} CNY) with a price response")
    for key, d in (
        ("market.livestream.discount", p.livestream.discount),
        ("market.livestream.reference_discount", p.livestream.reference_discount),
    ):
        if not d < 1.0:
            raise ConfigError(key, d, "a share < 1 with a price response (product.elasticity)")


def fill_lever_slots(P: np.ndarray, p) -> None:
    """Write the lever multipliers into the kernels' parameter vector ``P``."""
    pr = p.product
    eps = pr.elasticity
    P[kern.P_PRICE_RESP] = price_response(pr.price, pr.reference_price, eps)
    c, gb, live = p.coupons, p.groupbuy, p.livestream
    P[kern.P_COUPON_RESP] = price_response(pr.price - c.value, pr.price - c.reference_value, eps)
    P[kern.P_GB_RESP] = price_response(
        pr.price - gb.discount, pr.price - gb.reference_discount, eps
    )
    P[kern.P_LIVE_RESP] = price_response(1.0 - live.discount, 1.0 - live.reference_discount, eps)
    g = p.groups
    P[kern.P_BCAST_RESP] = content_response(g.marketing_share, g.reference_share,
                                            g.content_response)  # fmt: skip
    P[kern.P_JOINT_CONV] = p.bridging.joint_conversion
    P[kern.P_MUTE_LOSS] = p.fatigue.mute_trust_loss
    P[kern.P_ENGAGE] = g.engagement
    P[kern.P_REF_SHARE] = g.reference_share
