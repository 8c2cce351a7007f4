"""Shared helpers of the market tests (a market, parameters as from the command line)."""

from __future__ import annotations

from diffusion_sim.config import market_params
from diffusion_sim.contagion import TiesRule
from diffusion_sim.graph import GENERATORS, SocialGraph
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import MarketParams

RULE = TiesRule(alpha=2e-4, beta_strong=0.01, beta_weak=0.005)


def _graph(n=2000, weak_ties=2.0, seed=3):
    return GENERATORS["clustered"](n=n, group_size=10, weak_ties=weak_ties, seed=seed)


#: The sample market the unit tests are written on: the default market (the dataclass
#: defaults = ``conf/market/default.yaml``) with four of ``market=viral``'s values, stated here
#: because the tests' exact counts and small markets rely on them:
#: - ``size: None``: the sample is the market (no scaling of budgets and counts by
#:   ``graph.n / size``; tests/market/test_scale.py tests the scaling itself);
#: - ``start`` empty: no customers or leads at t = 0, so every purchase, follower and member a
#:   test counts comes from the mechanism it tests (tests/market/test_start.py tests a base);
#: - ``value.long_horizon: 0``: no continuation after the horizon (seconds, not minutes;
#:   tests/market/test_value.py tests the continuation);
#: - VIP members' word of mouth 0.01 / 0.002 per tie and day: VIP tests see member
#:   referrals within a few days.
SAMPLE = {
    "size": None,
    "start": {"customers": 0.0, "leads": 0.0},
    "value": {"long_horizon": 0},
    "vip": {"advocacy_strong": 0.01, "advocacy_weak": 0.002},
}


def _params(**sections) -> MarketParams:
    """The tests' sample market (:data:`SAMPLE`) with some sections' values replaced (as from
    the command line); ``size=`` replaces the market size."""
    values = {k: dict(v) for k, v in SAMPLE.items() if k != "size"}
    values["size"] = sections.pop("size", SAMPLE["size"])
    for k, v in sections.items():
        values[k] = {**values.get(k, {}), **dict(v)}
    return market_params(values)


def sample_params(**sections) -> MarketParams:
    """Alias of :func:`_params` for modules outside tests/market."""
    return _params(**sections)


def _no_ties(n: int) -> SocialGraph:
    return SocialGraph.from_edges(n, [], [], [])


def _run_arrays(m: MarketModel) -> dict:
    r = m.result()
    return {
        "counts": r.counts,
        "new_by_cause": r.new_by_cause,
        "new_by_channel": r.new_by_channel,
        "tally": r.tally,
        "levels": r.levels,
        "spend": r.spend,
        "revenue": r.revenue,
        "adopted_at": m.engine.adopted_at,
        "cause": m.engine.cause,
        "purchases": m.purchases,
        "trust": m.trust,
        "rel": m.rel,
    }
