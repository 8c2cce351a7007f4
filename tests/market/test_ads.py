"""Moments ads: impressions, clicks, frequency cap, targeting, view-through, repeat decay."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import RULE, _graph, _no_ties, _params, _run_arrays

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.market.plays import ads as ads_mod
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, State


# -- exact degenerate cases -----------------------------------------------------------------
def test_ads_with_certain_click_and_purchase_buy_exactly_the_impressions():
    n, days = 1000, 20
    p = _params(ads={"cpm": 1000.0, "daily_budget_max": 10.0, "ctr": 1.0, "click_conversion": 1.0,
                     "targeting": "non_customers", "min_daily_budget": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 10.0 * days}, horizon=days, seed=3)
    r = m.run()
    assert list(r.counts[:, State.ADOPTED]) == [10 * t for t in range(days + 1)]
    assert r.new_by_cause[:, Cause.AD].sum() == 10 * days == r.new_by_channel[:, Cause.AD].sum()
    assert np.allclose(r.spend[1:, STRATEGIES.index("ads")], 10.0)
    assert r.metrics()["cac_total"] == pytest.approx(1.0)


def test_frequency_cap_one_ad_per_48_hours():
    n = 30
    p = _params(ads={"cpm": 1000.0, "daily_budget_max": 1000.0, "ctr": 0.0, "targeting": "random"})
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e6}, horizon=8, seed=0)
    r = m.run()
    assert list(r.tally[1:, kern.K_IMPRESSIONS]) == [30, 0, 30, 0, 30, 0, 30, 0]
    assert r.spend[1:, STRATEGIES.index("ads")].sum() == pytest.approx(120.0)
    assert np.all(m.ads_seen == 4) and r.counts[-1, State.AWARE] == n


# -- directions (statistical, fixed seeds) ---------------------------------------------------
@pytest.mark.statistical
def test_more_ad_budget_makes_more_consumers_aware():
    g = _graph(n=5000)
    diffs = []
    for seed in range(5):
        aware = []
        for budget in (300.0, 1200.0):  # 3,000 vs 12,000 impressions for 5,000 consumers
            r = MarketModel(g, RULE, None, {"ads": budget}, horizon=30,
                            seeding=Seeding(random=5), seed=seed).run()  # fmt: skip
            aware.append(r.metrics()["aware"])
        diffs.append(aware[1] - aware[0])
    d = np.asarray(diffs, float)
    assert d.mean() > 4 * d.std(ddof=1) / math.sqrt(d.size) and d.mean() > 0


@pytest.mark.parametrize("targeting", ["friends", "community"])
def test_ad_targeting_reaches_only_its_audience(targeting):
    g = _graph(n=3000)
    extra = {"communities": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]} if targeting == "community" else {}
    p = _params(ads={"targeting": targeting, "min_daily_budget": 0.0, "ctr": 0.0, **extra})
    m = MarketModel(g, RULE, p, {"ads": 3000.0}, horizon=20, seeding=Seeding(random=60), seed=3)
    total = 0
    for t in range(1, 21):
        customers = m.engine.state == State.ADOPTED
        friends = m.engine.adopters != 0
        m.step()
        shown = m.last_ad == t
        total += shown.sum()
        if targeting == "friends":
            assert np.all(friends[shown] & ~customers[shown])
        else:
            assert np.all(g.community[shown] < 10)
    assert total > 0


@pytest.mark.statistical
def test_view_through_converts_for_view_days_after_one_impression():
    """One ad each on day 1 (cap 100 days), no clicks: buyers by day 3 = 1 - (1 - v)^3 of
    the market, and nobody after the impression stops working."""
    n, v = 20_000, 0.05
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": float(n), "daily_budget_max": float(n),
                     "ctr": 0.0, "view_conversion": v, "view_days": 3,
                     "frequency_cap_days": 100, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n)}, horizon=6, seed=2)
    r = m.run()
    assert r.tally[1, kern.K_IMPRESSIONS] == n and r.tally[2:, kern.K_IMPRESSIONS].sum() == 0
    assert r.new_by_cause[4:].sum() == 0  # day 4 on: the impression no longer works
    share = r.customers[3] / n
    expect = 1 - (1 - v) ** 3
    assert abs(share - expect) < 5 * math.sqrt(expect * (1 - expect) / n)
    assert r.new_by_cause[:, Cause.AD].sum() == r.customers[-1]


def test_ctr_decays_exactly_with_each_repeat_impression():
    """Everyone sees one ad a day; the k-th impression (k = 0, 1, ...) is clicked when the
    consumer's click uniform is below ``ctr * repeat_decay ** k`` (no friend is a customer,
    so no social boost)."""
    n, days, ctr, decay = 3000, 5, 0.6, 0.5
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": ctr, "repeat_decay": decay, "click_conversion": 0.0,
                     "view_conversion": 0.0, "frequency_cap_days": 1, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": float(n * days)}, horizon=days, seed=4)
    r = m.run()
    ids = np.arange(n)
    for t in range(1, days + 1):
        u = uniforms(int(m.market_key), 4 * t, ids, 0)
        assert r.tally[t, kern.K_IMPRESSIONS] == n
        assert r.tally[t, kern.K_CLICKS] == np.count_nonzero(u < ctr * decay ** (t - 1)), t
    assert np.all(m.ads_seen == days)


def test_a_customer_friend_doubles_the_ctr_under_the_ad():
    """Social boost: consumers with a customer friend click when u < ctr * social_boost."""
    from conftest import graph_from

    n = 2000
    g = graph_from(n, strong=[(0, i) for i in range(1, 1000)])
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 0.2, "social_boost": 2.0, "click_conversion": 0.0,
                     "view_conversion": 0.0, "targeting": "random"},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"ads": float(n)}, horizon=1, seeding=Seeding(nodes=[0]),
                    seed=1)  # fmt: skip
    r = m.run()
    u = uniforms(int(m.market_key), 4, np.arange(n), 0)
    p_click = np.where(np.arange(n) < 1000, 0.4, 0.2)
    assert r.tally[1, kern.K_IMPRESSIONS] == n
    assert r.tally[1, kern.K_CLICKS] == np.count_nonzero(u < p_click)


# -- delivery: budget / CPM buys impressions, the open audience absorbs them -----------------
def _delivery(cpm, budget, *, n=1000, days=10, cap=1, max_per=0, seed=0):
    p = _params(ads={"cpm": cpm, "min_daily_budget": 0.0, "daily_budget_max": 1e9, "ctr": 0.0,
                     "view_conversion": 0.0, "frequency_cap_days": cap, "targeting": "random",
                     "max_per_consumer": max_per},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": budget}, horizon=days, seed=seed)
    return m, m.run()


@pytest.mark.parametrize(("cpm", "budget"), [(1000.0, 1000.0), (3000.0, 1000.0), (70.0, 50.0)])
def test_budget_over_cpm_buys_exactly_floor_budget_over_cpm_impressions(cpm, budget):
    """The audience absorbs everything (cap 1 day, 1,000 consumers, at most ~143/day): the
    whole budget buys floor(budget / cpm * 1000) impressions, all paid at the CPM."""
    m, r = _delivery(cpm, budget)
    imp = r.tally[:, kern.K_IMPRESSIONS].sum()
    assert imp == math.floor(budget / cpm * 1000 + 1e-9)
    assert r.spend[:, STRATEGIES.index("ads")].sum() == pytest.approx(imp * cpm / 1000)
    assert r.tally[:, kern.K_AD_UNSOLD].sum() == 0


def test_twice_the_cpm_at_the_same_budget_halves_the_impressions():
    _, r1 = _delivery(1000.0, 1000.0)
    _, r2 = _delivery(2000.0, 1000.0)
    i1, i2 = (r.tally[:, kern.K_IMPRESSIONS].sum() for r in (r1, r2))
    assert i1 == 2 * i2 == 1000
    assert r1.spend.sum() == pytest.approx(r2.spend.sum()) == pytest.approx(1000.0)


def test_more_budget_more_reach_until_the_frequency_cap_binds_then_spend_is_what_was_delivered():
    """1,000 consumers, one ad each per 2 days, 10 days, CPM 1,000: the open audience takes
    at most 5,000 impressions; beyond that the rest is unsold and not paid."""
    out = []
    for budget in (200.0, 1000.0, 3000.0, 5000.0, 8000.0, 20000.0):
        m, r = _delivery(1000.0, budget, cap=2)
        rf = ads_mod.reach_frequency(r)
        out.append(rf)
        assert rf["reach"] == np.count_nonzero(m.ads_seen) and rf["impressions"] == m.ads_seen.sum()
        assert r.spend.sum() == pytest.approx(rf["impressions"])  # 1 CNY per impression
    reach = [o["reach"] for o in out]
    imp = [o["impressions"] for o in out]
    assert reach == sorted(reach) and reach[0] < reach[2] and reach[-1] == 1000
    assert imp[:3] == [200, 1000, 3000] and imp[-2] == imp[-1] == 5000
    assert out[2]["saturated_days"] == 0 and out[-1]["saturated_days"] == 10
    assert r.tally[1, kern.K_AD_UNSOLD] == 2000 - 1000  # day 1: 2,000 bought, 1,000 open
    assert out[-1]["frequency"] == pytest.approx(5.0)


def test_a_consumer_sees_at_most_max_per_consumer_ads():
    m, r = _delivery(1000.0, 1e6, n=300, days=12, max_per=3)
    assert m.ads_seen.max() == 3 and np.all(m.ads_seen == 3)
    assert r.tally[:, kern.K_IMPRESSIONS].sum() == 900
    assert r.spend.sum() == pytest.approx(900.0)  # no phantom spend: only what was delivered
    # off (0): one ad a day for each of the 12 days
    m0, _ = _delivery(1000.0, 1e6, n=300, days=12, max_per=0)
    assert np.all(m0.ads_seen == 12)


@pytest.mark.parametrize("targeting", ["random", "non_customers", "non_followers"])
def test_a_saturated_campaign_stops_scanning_with_the_same_run(targeting, monkeypatch):
    # every consumer capped after 3 impressions (frequency cap 2 days): the audience empties
    # by day 5 and, in the modes where only the cap lets consumers back in, the scan stops
    def run():
        p = _params(ads={"cpm": 1000.0, "daily_budget_max": 1000.0, "ctr": 0.05,
                         "click_conversion": 0.2, "targeting": targeting,
                         "max_per_consumer": 3, "min_daily_budget": 0.0})  # fmt: skip
        m = MarketModel(_graph(n=400), RULE, p, {"ads": 1e6, "coupons": 500.0}, horizon=20,
                        seeding=Seeding(random=4), seed=1)  # fmt: skip
        calls = []
        scan = ads_mod._ad_candidates_serial
        monkeypatch.setattr(ads_mod, "_ad_candidates_serial",
                            lambda *a: calls.append(a[0]) or scan(*a))  # fmt: skip
        return m, m.run(), calls

    m, r, calls = run()
    assert np.all(m.ads_seen[m.engine.state != State.ADOPTED] == 3) or targeting != "non_customers"
    assert r.tally[-5:, kern.K_IMPRESSIONS].sum() == 0 and r.tally[-1, kern.K_AD_UNSOLD] > 0
    closing = targeting != "non_followers"  # (an exit puts a follower back in that audience)
    assert m.plays["ads"]._closed == closing
    assert (max(calls) < 20) == closing  # the last days skip the scan
    monkeypatch.setattr(ads_mod, "_CLOSING", ())  # scan every day: the same run
    m0, r0, calls0 = run()
    assert max(calls0) == 20 and not m0.plays["ads"]._closed
    a, b = _run_arrays(m), _run_arrays(m0)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


# -- view-through decays with repetition and sits below the click path -----------------------
def test_view_through_hazard_decays_by_view_decay_per_earlier_impression():
    """Everyone gets one ad a day; the day-t view-through hazard of a non-customer is exactly
    v * d ** (t - 1) (the engine's input, read after each step)."""
    n, v, d = 500, 0.001, 0.5
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 0.0, "view_conversion": v, "view_decay": d, "view_days": 3,
                     "frequency_cap_days": 1, "targeting": "random", "max_per_consumer": 0},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": float(n * 4)}, horizon=4,
                    seed=5)  # fmt: skip
    for t in range(1, 5):
        m.step()
        at = m.engine.adopted_at
        before = (at >= 0) & (at < t)  # customers before today face no extra hazard
        assert np.all(m._h[before] == 0.0)
        assert np.all(m._h[~before] == v * d ** (t - 1)), t


def test_default_view_through_sits_well_below_the_click_path():
    a = _params().ads
    click = a.ctr * a.click_conversion
    view = a.view_conversion * a.view_days  # one isolated impression's view-through
    assert view < 0.5 * click and a.view_decay < 1


# -- feed ads are not private-domain messages ------------------------------------------------
@pytest.mark.parametrize("as_message", [False, True])
def test_ads_alone_never_mute_groups_unless_counted_as_messages(as_message):
    """Every impression is clicked and every clicker follows; fatigue mutes on any message.
    Feed ads (default) mute nobody; counted as messages (the old model) they mute all."""
    n = 500
    p = _params(
        ads={"cpm": 1000.0, "daily_budget_max": 1e6, "ctr": 1.0, "click_conversion": 0.0,
             "follow_on_click": 1.0, "targeting": "random", "view_conversion": 0.0,
             "count_as_message": as_message, "max_per_consumer": 0},
        groups={"broadcasts_per_month": 0, "exit_rate": 0.0},
        fatigue={"mute_per_message": 1.0, "tolerance": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e5}, horizon=6, seed=0)
    r = m.run()
    assert r.tally[:, kern.K_IMPRESSIONS].sum() == 3 * n
    if as_message:
        assert r.tally[:, kern.K_MUTED].sum() == n and np.all(m.churned)
    else:
        assert r.tally[:, kern.K_MUTED].sum() == 0 and not m.churned.any()
        assert r.levels[-1, 0] == n  # every clicker is still a follower


# -- objective add_staff: clicks become leads ------------------------------------------------
def test_add_staff_objective_turns_clicks_into_followers_without_purchases():
    n = 400
    common = {
        "cpm": 1000.0,
        "min_daily_budget": 0.0,
        "daily_budget_max": 1e9,
        "ctr": 1.0,
        "click_conversion": 1.0,
        "view_conversion": 0.0,
        "targeting": "random",
        "frequency_cap_days": 1,
        "add_staff_rate": 1.0,
        "follow_on_click": 0.0,
    }
    p = _params(ads={**common, "objective": "add_staff"}, groups={"join_group": 0.0})
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": float(n)}, horizon=1, seed=2)
    r = m.run()
    assert r.tally[1, kern.K_CLICKS] == n and r.customers[-1] == 0  # no purchase from a click
    assert r.levels[-1, 0] == n == r.tally[1, kern.K_NEW_FOLLOWERS]
    assert m.leads().size == n and m.consumer(0).lead
    # the same clicks with the purchase objective: everyone buys, no lead
    p = _params(ads={**common, "objective": "purchase"}, groups={"join_group": 0.0})
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": float(n)}, horizon=1, seed=2)
    r = m.run()
    assert r.customers[-1] == n and m.leads().size == 0  # (some buyers follow: customers)


@pytest.mark.statistical
def test_add_staff_rate_makes_that_share_of_clickers_leads():
    n, a = 20_000, 0.3
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 1.0, "view_conversion": 0.0, "targeting": "random",
                     "objective": "add_staff", "add_staff_rate": a})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": float(n)}, horizon=1, seed=7)
    m.run()
    share = m.leads().size / n
    assert abs(share - a) < 5 * math.sqrt(a * (1 - a) / n)


def test_bad_ads_objective_and_caps_are_one_line_errors():
    from diffusion_sim.errors import ConfigError

    with pytest.raises(ConfigError, match=r"market\.ads\.objective='buy'"):
        _params(ads={"objective": "buy"})
    with pytest.raises(ConfigError, match=r"market\.ads\.max_per_consumer=-1"):
        _params(ads={"max_per_consumer": -1})
    with pytest.raises(ConfigError, match=r"market\.ads\.view_decay=1\.5"):
        _params(ads={"view_decay": 1.5})
    with pytest.raises(ConfigError, match=r"market\.ads\.count_as_message='yes'"):
        _params(ads={"count_as_message": "yes"})


def test_non_followers_targeting_skips_the_private_domain():
    """Half the market follows (a base of leads and customers); non_followers ads reach only
    the other half, customers who do not follow included."""
    n = 2000
    p = _params(ads={"cpm": 1000.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9,
                     "ctr": 0.0, "view_conversion": 0.0, "targeting": "non_followers",
                     "frequency_cap_days": 1},
                start={"customers": 0.3, "customer_followers": 0.5, "leads": 0.3,
                       "group_share": 0.0},
                groups={"exit_rate": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {"ads": float(3 * n)}, horizon=3, seed=1)
    outside = m.rel == 0
    cust_out = outside & (m.engine.state == State.ADOPTED)
    m.run()
    assert 0 < outside.sum() < n and cust_out.any()
    assert np.all(m.ads_seen[~outside] == 0) and np.all(m.ads_seen[outside] == 3)
