"""The brand's levers as responses: price and discounts (a logit price response with the
meta-analysis' elasticity at the reference price), and the content mix of group broadcasts
(docs/model.md §9.3–9.5).

Every purchase probability of the market — organic first purchases, the brand's channels and
repeat purchases — is multiplied by the **price response**

.. math:: \\pi(p) = \\exp\\big(\\varepsilon\\,(p - p_0) / P_{ref}\\big)

with ``p`` the price paid, ``p_0`` the price at which the hazard was stated, ``P_ref`` the
product's reference price (``product.reference_price``, where every behavioural rate is stated)
and ``ε`` the price elasticity of demand at ``P_ref`` (``product.elasticity``; SOURCED-LIT
mean −2.62, Bijmolt, van Heerde & Pieters 2005; range −5 to −0.5). This is the logit demand of
brand-choice models (price linear in utility: Guadagni & Little 1983, Marketing Science 2(3);
Train 2009, *Discrete Choice Methods with Simulation*, §3.6) in its small-probability limit —
a purchase probability ``s ∝ exp(−b p)`` per day is far below 1, so the logit's elasticity
``−b p (1 − s)`` is ``−b p``; ``b = −ε / P_ref`` gives the point elasticity ``ε`` at
``P_ref``, the meta-analysis' value, and ``ε p / P_ref`` elsewhere (price-sensitive above the
reference, less so below). SOURCED-LIT functional form; the elasticity's value as above.

Why not the constant elasticity ``(p / p_0)^ε`` used before: halving the price multiplied
every purchase hazard by ``2^2.62 ≈ 6.1`` and a free product by infinity. The logit response is
bounded: a cut to price ``p ≥ 0`` multiplies a hazard by at most ``exp(−ε p_0 / P_ref)``
(``e^2.62 ≈ 13.7`` for the product given away at ``ε = −2.62``; half price ``≈ 3.7``), and it is
never above the constant elasticity's (``ln x ≤ x − 1``; tested).

One demand curve for every channel: a discounted channel's hazard was stated at its reference
discount, so it is multiplied by the response of its effective price relative to that
reference, on the same curve: ``exp(ε ((P − v) − (P − v_ref)) / P_ref)`` for a coupon of value
``v``, likewise for a group-buy discount ``d``, and ``exp(ε P (δ_ref − δ) / P_ref)`` for a live
discount share ``δ`` (effective price ``P (1 − δ)``).

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


def price_response(
    price: float, reference: float, elasticity: float, anchor: float | None = None
) -> float:
    """Logit price response ``exp(elasticity * (price - reference) / anchor)``.

    Parameters
    ----------
    price, reference : float
        Price paid and the price at which the hazard was stated, CNY.
    elasticity : float
        Price elasticity of demand at ``anchor`` (<= 0).
    anchor : float or None
        Price at which ``elasticity`` holds (``product.reference_price``), CNY;
        ``None``: ``reference``.

    Returns
    -------
    float
        The hazard multiplier: exactly 1.0 if ``elasticity == 0`` or the two prices are equal;
        ``d ln π / d ln price = elasticity`` at ``price = anchor``; at most
        ``exp(-elasticity * reference / anchor)`` for any ``price >= 0``.
    """
    if elasticity == 0.0 or price == reference:
        return 1.0
    a = reference if anchor is None else anchor
    return float(np.exp(elasticity * (price - reference) / a))


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
    P_ref = pr.reference_price  # one demand curve: every effective price on the same one
    P[kern.P_PRICE_RESP] = price_response(pr.price, P_ref, eps)
    c, gb, live = p.coupons, p.groupbuy, p.livestream
    P[kern.P_COUPON_RESP] = price_response(
        pr.price - c.value, pr.price - c.reference_value, eps, P_ref
    )
    P[kern.P_GB_RESP] = price_response(
        pr.price - gb.discount, pr.price - gb.reference_discount, eps, P_ref
    )
    P[kern.P_LIVE_RESP] = price_response(
        pr.price * (1.0 - live.discount), pr.price * (1.0 - live.reference_discount), eps, P_ref
    )
    g = p.groups
    P[kern.P_BCAST_RESP] = content_response(g.marketing_share, g.reference_share,
                                            g.content_response)  # fmt: skip
    P[kern.P_JOINT_CONV] = p.bridging.joint_conversion
    P[kern.P_MUTE_LOSS] = p.fatigue.mute_trust_loss
    P[kern.P_ENGAGE] = g.engagement
    P[kern.P_REF_SHARE] = g.reference_share
