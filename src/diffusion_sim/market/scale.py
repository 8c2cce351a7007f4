"""The market in real consumers: a simulated sample of ``graph.n`` consumers stands for a market
of ``market.size`` addressable consumers.

With ``r = graph.n / market.size`` (``0 < r <= 1``), the comparison runs the sample with every
amount and count that grows with the market multiplied by ``r`` (:func:`to_sample`), and
reports its results multiplied by ``1 / r`` (:func:`to_market`):

* **budget-like amounts** (:data:`SCALED`, kind ``money``): the budget per play
  (``compare.budget``), the ads' daily minimum and maximum, the livestream host's fee per
  session (a lump sum that buys an audience proportional to the market);
* **counts of consumers** (kind ``count``): group and VIP capacities, the livestream host's
  fans, the organic seeds (``seeding.random``, ``seeding.hubs``). A count becomes
  ``max(1, round(v * r))`` if ``v >= 1`` (half rounds to even, Python's ``round``), so a
  capacity never drops to zero; 0 stays 0;
* **unchanged**: per-unit prices and costs (CPM, fee per advocate, price, cost per member,
  coupon value, reward, commission), probabilities and rates, days, and counts that are local
  to a consumer's own network (group-buy team size, purchases for VIP entry, messages per
  month).

Results: every extensive quantity (customers, purchases, revenue, profit, spend, followers,
impressions, customers by cause, ...) is multiplied by ``1 / r``; intensive ones
(:data:`INTENSIVE`: ROI, CAC, days) are not, so ROI and CAC are the same in the sample and in
the market. ``market.size = null`` (or ``r = 1``) is the identity, exactly: nothing is
converted or rounded.

Why it is consistent: every mechanism of the market is either per consumer (hazards,
probabilities, per-unit costs) or proportional to a count of consumers (a budget buys
impressions or advocates in proportion; a group holds a share of the market), so shrinking
every market-sized quantity by ``r`` keeps each consumer's chances the same. What does not
scale is the graph's local structure (personal networks of ``group_size``), which is a
property of a consumer, not of the market. Tested: doubling ``graph.n`` at the same
``market.size`` changes the market's results only within noise (tests/market/test_scale.py).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import ConfigError
from ..seeding import Seeding

__all__ = [
    "INTENSIVE",
    "SCALED",
    "check_size",
    "ratio",
    "to_market",
    "to_sample",
]

#: Every field that grows with the market: ``"section.field" -> kind`` (``money`` or
#: ``count``); the one place to add a new market-sized parameter. ``compare.budget`` is the
#: plan's, ``seeding.*`` the organic seeds', the rest are ``market.<section>.<field>``.
SCALED: dict[str, str] = {
    "compare.budget": "money",
    "ads.min_daily_budget": "money",
    "ads.daily_budget_max": "money",
    "livestream.fee": "money",
    "groups.capacity": "count",
    "vip.capacity": "count",
    "livestream.host_fans": "count",
    "seeding.random": "count",
    "seeding.hubs": "count",
}

#: Integer fields that are counts of something local to a consumer or a rule of time, not of
#: the market (kept as they are; listed so that a new integer field must be classified, see
#: tests/market/test_scale.py).
LOCAL_COUNTS: frozenset[str] = frozenset(
    {
        "groups.broadcasts_per_month",
        "groups.monthly_quota",
        "vip.min_purchases",
        "groupbuy.team_size",
        "ads.max_per_consumer",  # impressions per consumer: the same in any market
    }
)

#: Result columns that are rates, ratios or times: not multiplied by ``1 / r``.
INTENSIVE: frozenset[str] = frozenset(
    {
        "replication",
        "roi_total",
        "cac_total",
        "t_50",
        "best",
        "step",
        "payback_day",
        "brand_roi",
        "spent_share",
        "long_horizon",
    }
)


def check_size(size, n: int) -> None:
    """``market.size`` must be ``None`` or an integer ``>= graph.n`` (one-line ConfigError)."""
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError("market.size", size, "an integer >= 1 (addressable consumers) or null")
    if size < n:
        raise ConfigError(
            "market.size",
            size,
            f"at least graph.n={n} (the simulated consumers are a sample of the market)",
        )


def ratio(size, n: int) -> float:
    """``r = n / size``: the share of the market that is simulated (1 when ``size`` is None)."""
    check_size(size, n)
    return 1.0 if size is None else n / size


def _count(v: int, r: float) -> int:
    return v if v < 1 else max(1, round(v * r))


def _scaled(obj, section: str, r: float):
    """``obj`` (a dataclass of section ``section``) with its market-sized fields times ``r``."""
    changes = {}
    for key, kind in SCALED.items():
        sec, name = key.split(".")
        if sec != section or not hasattr(obj, name):
            continue
        v = getattr(obj, name)
        changes[name] = _count(v, r) if kind == "count" else v * r
    return replace(obj, **changes) if changes else obj


def to_sample(params, plan, seeding: Seeding | None, n: int):
    """Map the real market's ``params``, ``plan`` and ``seeding`` to the sample of ``n``.

    Returns
    -------
    (params, plan, seeding, r)
        Copies with every :data:`SCALED` field multiplied by ``r = n / params.size``; the
        inputs themselves when ``params.size`` is None or ``r == 1`` (exact identity).
    """
    r = ratio(getattr(params, "size", None), n)
    if r == 1.0:
        return params, plan, seeding, 1.0
    sections = {}
    for key in SCALED:
        sec = key.split(".")[0]
        if sec in ("compare", "seeding") or sec in sections:
            continue
        sections[sec] = _scaled(getattr(params, sec), sec, r)
    params = replace(params, **sections)
    plan = _scaled(plan, "compare", r) if plan is not None else None
    if seeding is not None:
        seeding = _scaled(seeding, "seeding", r)
    return params, plan, seeding, r


def to_market(values: dict, r: float) -> dict:
    """A result row (``{column: value}``) of the sample as the real market's: every numeric
    value not in :data:`INTENSIVE` times ``1 / r``; the row itself when ``r == 1``."""
    if r == 1.0:
        return values
    k = 1.0 / r
    out = {}
    for name, v in values.items():
        numeric = isinstance(v, int | float) and not isinstance(v, bool)
        out[name] = v * k if numeric and name not in INTENSIVE and math.isfinite(v) else v
    return out
