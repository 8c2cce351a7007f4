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


def _params(**sections) -> MarketParams:
    """Default market with some sections' values replaced (as from the command line)."""
    return market_params({k: dict(v) for k, v in sections.items()})


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
