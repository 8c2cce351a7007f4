"""The market in real consumers (market.size, docs/model.md §9.12)."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import pytest
from mkt import RULE, _graph, _params

from diffusion_sim.errors import ConfigError
from diffusion_sim.market import scale
from diffusion_sim.market.compare import compare
from diffusion_sim.market.params import Compare
from diffusion_sim.seeding import Seeding

PLAN = Compare(budget=20_000.0, plays=["none", "ads", "koc"])


def test_every_integer_field_is_classified_as_market_sized_or_local():
    """A new count must be added to SCALED (grows with the market) or LOCAL_COUNTS."""
    p = _params()
    for f in fields(p):
        sec = getattr(p, f.name)
        if not hasattr(sec, "__dataclass_fields__"):
            continue
        for g in fields(sec):
            v = getattr(sec, g.name)
            if isinstance(v, int) and not isinstance(v, bool) and "days" not in g.name:
                key = f"{f.name}.{g.name}"
                if f.name == "value" and g.name == "long_horizon":
                    continue  # a number of days
                assert key in scale.SCALED or key in scale.LOCAL_COUNTS, key


def test_ratio_one_is_the_identity_exactly():
    params = _params(size=2000)
    p2, plan2, seed2, r = scale.to_sample(params, PLAN, Seeding(random=3), 2000)
    assert r == 1.0 and p2 is params and plan2 is PLAN and seed2.random == 3
    g = _graph(n=2000)
    kw = dict(horizon=30, replications=2, seed=4, seeding=Seeding(random=3))
    a = compare(g, RULE, params, PLAN, **kw).per_replication()
    b = compare(g, RULE, _params(), PLAN, **kw).per_replication()
    assert a.equals(b)


def test_to_sample_scales_money_and_counts_and_keeps_prices():
    params = _params(size=20_000)
    p, plan, seeding, r = scale.to_sample(params, PLAN, Seeding(random=10, hubs=0), 2000)
    assert r == 0.1
    assert plan.budget == pytest.approx(2000.0)
    assert p.ads.min_daily_budget == pytest.approx(100.0)
    assert p.ads.daily_budget_max == pytest.approx(500.0)
    assert p.livestream.fee == pytest.approx(200.0)
    assert (p.groups.capacity, p.vip.capacity, p.livestream.host_fans) == (50, 50, 20)
    assert seeding.random == 1 and seeding.hubs == 0  # 0 stays 0
    assert p.ads.cpm == params.ads.cpm and p.bridging.fee == params.bridging.fee
    assert p.product.price == params.product.price and p.groupbuy.team_size == 3
    # a capacity never drops to zero
    tiny = replace(params, size=10**7)
    assert scale.to_sample(tiny, PLAN, None, 2000)[0].vip.capacity == 1


def test_to_market_scales_extensive_results_only():
    row = {"customers": 10, "spend": 5.0, "roi_total": 0.5, "t_50": 7.0, "cac_total": 2.0}
    out = scale.to_market(row, 0.1)
    assert out["customers"] == pytest.approx(100) and out["spend"] == pytest.approx(50)
    assert (out["roi_total"], out["t_50"], out["cac_total"]) == (0.5, 7.0, 2.0)


@pytest.mark.parametrize(
    "size, n, text",
    [(1000, 2000, "at least graph.n=2000"), (0, 10, "an integer >= 1"), (2.5, 1, "integer")],
)
def test_bad_sizes_are_one_line_errors(size, n, text):
    with pytest.raises(ConfigError, match=text) as err:
        scale.check_size(size, n)
    assert "\n" not in str(err.value)


def test_bad_size_from_the_command_line():
    from hydra import compose, initialize_config_dir

    from diffusion_sim.cli import CONF_DIR
    from diffusion_sim.config import build

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["market.size=1000", "graph.n=2000"])
    with pytest.raises(ConfigError, match="market.size"):
        build(cfg)


def test_doubling_the_sample_keeps_the_market_results_within_noise():
    """Same market.size, graph.n 2,000 -> 4,000: market totals agree within their noise
    (|difference| < 4 combined standard errors of the two means; 8 replications each)."""
    params = _params(size=40_000)
    # 5 impressions per consumer: under the lifetime cap of 8, so the budget is spent
    plan = Compare(budget=20_000.0, plays=["none", "ads"])
    out = {}
    for n in (2000, 4000):
        # clustered graphs with the same local structure, one organic seed per 1,000 consumers
        c = compare(_graph(n=n, seed=5), RULE, params, plan, horizon=40, replications=8,
                    seed=11, seeding=Seeding(random=40))  # fmt: skip
        out[n] = c.per_replication()
    for play in ("none", "ads"):
        for m in ("customers", "revenue", "spend", "incr_customers", "followers", "held"):
            a = out[2000][out[2000]["play"] == play][m].to_numpy(float)
            b = out[4000][out[4000]["play"] == play][m].to_numpy(float)
            se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            tol = 4 * se + 1e-9 * max(abs(a.mean()), 1.0)
            assert abs(a.mean() - b.mean()) <= tol, (play, m, a.mean(), b.mean(), se)
    # both samples spend the real market's budget (stated for the market, not the sample)
    for n in (2000, 4000):
        spend = out[n][out[n]["play"] == "ads"]["spend"].mean()
        assert spend == pytest.approx(20_000.0, rel=0.05)
        assert np.isfinite(out[n]["customers"]).all()


def test_spent_share_is_against_the_real_budget():
    """The budget column and the share spent are the real market's, like the spend."""
    from diffusion_sim.decide.spend import spend_columns

    params = _params(size=20_000)
    plan = Compare(budget=10_000.0, plays=["none", "ads"])  # 5 impressions per consumer
    comp = compare(_graph(n=2000), RULE, params, plan, horizon=30, replications=2, seed=1,
                   seeding=Seeding(random=10))  # fmt: skip
    s = spend_columns(comp.summary(), comp).set_index("play")
    assert s.loc["ads", "budget"] == pytest.approx(10_000.0)
    assert 0.9 <= s.loc["ads", "spent_share"] <= 1.0 + 1e-9
