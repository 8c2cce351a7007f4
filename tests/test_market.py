"""The brand's strategies: exact degenerate cases, invariants, references and directions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from diffusion_sim.config import market_params
from diffusion_sim.contagion import Engine, TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import GENERATORS, SocialGraph
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.compare import Comparison, compare, ratio_interval
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES, Compare, MarketParams
from diffusion_sim.market.results import MarketRun
from diffusion_sim.model import DiffusionModel
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State

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


# -- the engine with brand channels ---------------------------------------------------------
def test_zero_extra_hazard_is_the_ties_rule_exactly():
    g = GENERATORS["erdos_renyi"](n=3000, mean_degree=6, seed=1)
    rule = TiesRule(alpha=0.002, beta_strong=0.05, beta_weak=0.03)
    a, b = Engine(g, rule, key=99), Engine(g, rule, key=99)
    a.seed([1, 2, 3])
    b.seed([1, 2, 3])
    zeros = (np.zeros(g.n), np.zeros(g.n, np.int8), np.ones(g.n))
    for _ in range(40):
        assert np.array_equal(a.step(), b.step(extra=zeros))
    assert np.array_equal(a.adopted_at, b.adopted_at)
    assert np.array_equal(a.cause, b.cause)


def test_extra_hazard_decisions_equal_a_naive_reference():
    """Same uniforms, decision by p = min(1, m (1 - (1-a)(1-bs)^S (1-bw)^W (1-h)))."""
    g = GENERATORS["erdos_renyi"](n=4000, mean_degree=5, seed=2)
    g = SocialGraph.from_edges(g.n, *g.edges()[:2], (np.arange(g.n_ties) % 3 == 0).astype(int))
    rule = TiesRule(alpha=0.01, beta_strong=0.08, beta_weak=0.03)
    eng = Engine(g, rule, key=5)
    eng.seed(np.arange(0, 4000, 9))
    rng = np.random.default_rng(0)
    for t in (1, 2, 3):
        h = np.where(rng.random(g.n) < 0.5, rng.random(g.n) * 0.3, 0.0)
        c = np.full(g.n, Cause.AD, np.int8)
        m = np.where(rng.random(g.n) < 0.3, 1.5, 1.0)
        before = eng.state.copy()
        s, w = eng.n_strong.copy(), eng.n_weak.copy()
        eng.step(extra=(h, c, m))
        ids = np.arange(g.n)
        u = uniforms(int(eng.key), t, ids, 0)
        p0 = 1 - (1 - rule.alpha) * (1 - rule.beta_strong) ** s * (1 - rule.beta_weak) ** w
        p = np.minimum(1.0, m * (1 - (1 - p0) * (1 - h)))
        expect = (before != State.ADOPTED) & (u < p)
        assert np.array_equal(eng.adopted_at == t, expect)


@pytest.mark.statistical
def test_extra_hazard_rate_and_cause_split():
    n = 200_000
    g = _no_ties(n)
    eng = Engine(g, TiesRule(alpha=0.1), key=11)
    h = np.full(n, 0.2)
    m = np.where(np.arange(n) < n // 2, 1.0, 1.5)
    eng.step(extra=(h, np.full(n, Cause.GROUP, np.int8), m))
    new = eng.adopted_at == 1
    for half, mult in ((slice(0, n // 2), 1.0), (slice(n // 2, n), 1.5)):
        p = mult * (1 - 0.9 * 0.8)
        sd = math.sqrt(p * (1 - p) / (n // 2))
        assert abs(new[half].mean() - p) < 5 * sd
    # the channel's share of adoptions is h / (alpha + h)
    share = (eng.cause[new] == Cause.GROUP).mean()
    k = new.sum()
    assert abs(share - 2 / 3) < 5 * math.sqrt(2 / 9 / k)


def test_market_with_every_mechanism_off_is_the_ties_rule_exactly():
    g = _graph()
    p = _params(groups={"enabled": False})
    m = MarketModel(g, RULE, p, {}, horizon=80, seeding=Seeding(random=5), seed=7)
    m.run()
    d = DiffusionModel(g, RULE, Seeding(random=5), seed=7)
    d.run(80)
    assert np.array_equal(m.counts, d.counts)
    assert np.array_equal(m.new_by_cause, d.new_by_cause)
    assert np.array_equal(m.engine.adopted_at, d.engine.adopted_at)
    assert np.array_equal(m.engine.cause, d.engine.cause)
    assert m.result().spend.sum() == 0 and m.result().revenue.sum() > 0


# -- budgets and invariants -----------------------------------------------------------------
def test_zero_budget_strategies_give_exactly_the_no_action_run():
    g = _graph()
    zero = dict.fromkeys(STRATEGIES, 0.0)
    a = MarketModel(g, RULE, None, {}, horizon=60, seeding=Seeding(random=5), seed=4)
    b = MarketModel(g, RULE, None, zero, horizon=60, seeding=Seeding(random=5), seed=4)
    a.run()
    b.run()
    for key, x in _run_arrays(a).items():
        assert np.array_equal(x, _run_arrays(b)[key]), key
    comp = compare(g, RULE, MarketParams(), Compare(budget=0.0), horizon=30, replications=2,
                   seed=1, seeding=Seeding(random=5))  # fmt: skip
    base = comp.runs["none"]
    for play in comp.plays:
        for r, r0 in zip(comp.runs[play], base, strict=True):
            assert np.array_equal(r.counts, r0.counts) and r.spend.sum() == 0


def _busy_params():
    return _params(
        groups={"capacity": 7, "broadcasts_per_month": 30, "execution_rate": 1.0,
                "follow_on_purchase": 0.8, "join_group": 1.0},
        vip={"capacity": 5, "min_purchases": 1, "inactive_days": 10, "winback_cost": 50.0},
        ads={"ctr": 0.2, "click_conversion": 0.2, "follow_on_click": 1.0, "min_daily_budget": 50.0},
        coupons={"every_days": 7, "redeem": 0.2},
        groupbuy={"team_size": 2, "join": 0.3},
        referral={"advocacy_strong": 0.05},
        fatigue={"mute_per_message": 0.02},
        trust={"recovery": True},
    )  # fmt: skip


@pytest.mark.parametrize("budget", [3000.0, 40000.0])
def test_invariants_hold_every_step(budget):
    g = _graph(n=1500)
    p = _busy_params()
    budgets = {s: budget / len(STRATEGIES) for s in STRATEGIES}
    m = MarketModel(g, RULE, p, budgets, horizon=70, seeding=Seeding(random=20), seed=2)
    quota = p.groups.monthly_quota
    cap = p.ads.frequency_cap_days
    for t in range(1, 71):
        last_ad = m.last_ad.copy()
        customers = m.engine.counts[State.ADOPTED]
        m.step()
        r = m.result()
        spent = r.spend.sum(axis=0)
        assert np.all(spent <= m.budget + 1e-6) and np.all(m.remaining >= 0)
        assert np.allclose(spent + m.remaining, m.budget)
        ng = int(m._n_groups[0])
        members = np.bincount(m.group[m.group >= 0], minlength=ng)
        assert np.array_equal(members, m.group_count[:ng])
        assert members.max(initial=0) <= p.groups.capacity
        vmem = np.bincount(m.vip_group[m.vip_group >= 0], minlength=m.vip_count.size)
        assert np.array_equal(vmem, m.vip_count)
        assert m.vip_count.max() <= p.vip.capacity
        assert m.msgs_month.max() <= quota
        hit = m.last_ad == t
        assert np.all(t - last_ad[hit] >= cap)
        assert np.all(last_ad[~hit] == m.last_ad[~hit])
        new = m.engine.counts[State.ADOPTED] - customers
        assert r.new_by_cause[-1].sum() == new == r.new_by_channel[-1].sum()
        assert np.all(m.engine.state[m.rel == Relationship.STRONG] == State.ADOPTED)
        assert np.all(m.rel[m.churned] == Relationship.ABSENT)
        assert np.all(m.rel[m.group >= 0] != Relationship.ABSENT)
        assert m.engine.counts.sum() == g.n
        assert np.array_equal(r.levels[-1], m._level_counts())
    r = m.result()
    assert r.new_by_cause.sum() == r.customers[-1] == r.new_by_channel.sum()
    # the limits were actually reached, so the checks above were not vacuous
    assert m.msgs_month.max() == quota and m.group_count.max() == p.groups.capacity
    assert (
        r.tally[:, kern.K_IMPRESSIONS].sum() > 0 and r.tally[:, kern.K_COUPONS_REDEEMED].sum() > 0
    )
    if budget < 10000:
        assert np.all(m.remaining < 0.05 * m.budget + 400)  # small budgets get used up


def test_no_action_spends_nothing_and_books_revenue():
    g = _graph()
    r = MarketModel(g, RULE, None, {}, horizon=60, seeding=Seeding(random=5), seed=1).run()
    assert r.spend.sum() == 0
    met = r.metrics()
    assert met["revenue"] == met["purchases"] * MarketParams().product.price
    assert math.isnan(met["roi_total"]) and math.isnan(met["cac_total"])


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


def test_group_capacity_opens_new_groups_and_quota_stops_broadcasts():
    n = 2000
    p = _params(
        ads={"cpm": 1000.0, "daily_budget_max": 1e6, "ctr": 1.0, "click_conversion": 0.0,
             "follow_on_click": 1.0, "targeting": "random", "view_conversion": 0.0},
        groups={"capacity": 300, "join_group": 1.0, "broadcasts_per_month": 30,
                "execution_rate": 1.0, "exit_rate": 0.0, "broadcast_conversion": 0.0},
        fatigue={"mute_per_message": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 2000.0}, horizon=30, seed=0)
    r = m.run()
    # day 1: 2000 impressions (the budget paced over 30 days allows 66 per day... so all
    # followers come gradually); every follower is in a group of at most 300
    followers = int(np.count_nonzero(m.rel == Relationship.WEAK))
    assert followers == np.count_nonzero(m.group >= 0)
    assert int(m._n_groups[0]) == math.ceil(followers / 300)
    assert np.all(m.group_count[: int(m._n_groups[0]) - 1] == 300)
    # 30 broadcasts were scheduled this month; each member received at most 4
    assert m.msgs_month.max() == 4
    assert r.tally[:, kern.K_DELIVERED].sum() <= 4 * followers


def test_fatigue_above_tolerance_mutes_everyone_who_gets_a_message():
    n = 500
    p = _params(
        ads={"cpm": 1000.0, "daily_budget_max": 1e6, "ctr": 1.0, "click_conversion": 0.0,
             "follow_on_click": 1.0, "targeting": "random", "view_conversion": 0.0},
        fatigue={"mute_per_message": 1.0, "tolerance": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e5}, horizon=4, seed=0)
    r = m.run()
    # day 1: every clicker follows (settle), nobody mutes (not yet a follower when the ad came);
    # day 3: the next ad reaches every follower, who mutes with certainty
    assert r.levels[1, 0] == n and r.tally[1, kern.K_MUTED] == 0
    assert r.tally[3, kern.K_MUTED] == n and np.all(m.churned) and r.levels[-1, 0] == 0


def test_advocate_count_and_cost_follow_the_budget():
    g = _graph()
    p = MarketParams()
    unit = p.product.unit_cost
    for name, fee in (("bridging", p.bridging.fee), ("kol", p.kol.fee), ("koc", p.koc.fee)):
        budget = 10_000.0
        m = MarketModel(g, TiesRule(), p, {name: budget}, horizon=1, seed=0)
        k = int(budget // (fee + unit))
        cause = {"bridging": Cause.BRIDGE, "kol": Cause.KOL, "koc": Cause.KOC}[name]
        assert np.count_nonzero(m.engine.cause == cause) == k
        assert m.result().spend[0].sum() == pytest.approx(k * (fee + unit))
        assert np.all(m.purchases[m.engine.cause == cause] == 0)  # samples are not sales
    hubs = MarketModel(g, TiesRule(), p, {"kol": 10_000.0}, horizon=1, seed=0)
    chosen = hubs.engine.cause == Cause.KOL
    assert g.degree()[chosen].min() >= g.degree()[~chosen].max()


def test_vip_admission_is_paced_so_fees_fit_the_budget():
    g = _graph(n=3000)
    p = _params(vip={"min_purchases": 1, "cost_per_member_month": 30.0, "birthday_cost": 0.0,
                     "winback_cost": 0.0})  # fmt: skip
    seeding = Seeding(fraction=0.3)
    m = MarketModel(g, RULE, p, {"vip": 900.0}, horizon=30, seeding=seeding, seed=1)
    m.rel[m.seeds] = Relationship.WEAK  # followers who bought before the plan
    m.purchases[m.seeds] = 1
    m.last_buy[m.seeds] = 0
    m.step()
    # fee 1 CNY per member-day over 30 days: 30 members fit 900 CNY
    assert np.count_nonzero(m.rel == Relationship.STRONG) == 30
    m.run()
    assert m.result().spend.sum() <= 900.0 + 1e-9


# -- economics ------------------------------------------------------------------------------
def _hand_run(revenue, spend, customers, margin=0.5):
    steps = len(revenue)
    counts = np.zeros((steps, len(State)), np.int64)
    counts[:, State.ADOPTED] = customers
    spend_arr = np.zeros((steps, len(STRATEGIES)))
    spend_arr[:, 0] = spend
    by = np.zeros((steps, len(Cause)), np.int64)
    return MarketRun(
        counts=counts,
        new_by_cause=by,
        new_by_channel=by,
        tally=np.zeros((steps, kern.N_TALLY), np.int64),
        levels=np.zeros((steps, 4), np.int64),
        spend=spend_arr,
        revenue=np.asarray(revenue, float),
        service_cost=np.zeros(steps),
        budget=np.full(len(STRATEGIES), 1000.0),
        margin=margin,
        organic_seeds=int(customers[0]),
    )


def test_roi_and_cac_match_their_formulas():
    base = [_hand_run([0, 100, 100], [0, 0, 0], [10, 20, 30]),
            _hand_run([0, 200, 100], [0, 0, 0], [10, 25, 40])]  # fmt: skip
    play = [_hand_run([0, 300, 300], [40, 10, 0], [10, 40, 60]),
            _hand_run([0, 400, 300], [50, 0, 0], [10, 45, 70])]  # fmt: skip
    comp = Comparison({"none": tuple(base), "play": tuple(play)}, "none", 1000.0)
    met = play[0].metrics()
    assert met["gross_profit"] == 300.0 and met["spend"] == 50.0 and met["profit"] == 250.0
    assert met["roi_total"] == pytest.approx((300 - 50) / 50)
    assert met["cac_total"] == pytest.approx(50 / 50)
    s = comp.summary().set_index("play")
    # increments: gross profit +200 and +200, spend 50 and 50, customers +30 and +30
    assert s.loc["play", "roi"] == pytest.approx((200 - 50) / 50)
    assert s.loc["play", "cac"] == pytest.approx(50 / 30)
    assert s.loc["play", "p_best"] == 1.0 and s.loc["none", "p_best"] == 0.0
    assert math.isnan(s.loc["none", "roi"])
    assert s.loc["play", "incr_customers"] == 30


def test_ratio_interval_is_the_delta_method():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 1, 50)
    x = 2 * y + rng.normal(0, 0.5, 50)
    r, lo, hi = ratio_interval(x, y)
    assert r == pytest.approx(x.mean() / y.mean())
    # linearised residuals x - r y: their standard error over mean(y) is the half-width / t
    e = x - r * y
    half = 2.0096 * e.std(ddof=1) / math.sqrt(50) / y.mean()
    assert hi - r == pytest.approx(half, rel=1e-3) and r - lo == pytest.approx(half, rel=1e-3)
    # bootstrap agrees on the width within 30 %
    boots = [x[i].mean() / y[i].mean() for i in rng.integers(0, 50, (2000, 50))]
    q = np.percentile(boots, [2.5, 97.5])
    assert (hi - lo) == pytest.approx(q[1] - q[0], rel=0.3)


def test_p_best_shares_ties_and_sums_to_one():
    g = _graph(n=1000)
    comp = compare(g, RULE, MarketParams(), Compare(budget=5000.0), horizon=20, replications=3,
                   seed=0, seeding=Seeding(random=5))  # fmt: skip
    s = comp.summary()
    assert s["p_best"].sum() == pytest.approx(1.0)
    per = comp.per_replication()
    assert np.allclose(per.groupby("replication")["best"].sum(), 1.0)


# -- reproducibility -------------------------------------------------------------------------
def test_runs_repeat_exactly_alone_in_a_comparison_and_with_threads():
    g = _graph(n=20_000, seed=5)  # large enough for the parallel kernels
    plan = Compare(budget=20_000.0, plays=["none", "mix"])
    comp = compare(g, RULE, MarketParams(), plan, horizon=25, replications=2, seed=9,
                   seeding=Seeding(random=5))  # fmt: skip
    child = np.random.SeedSequence(9).spawn(2)[1]
    for parallel in (False, True):
        m = MarketModel(g, RULE, MarketParams(), plan.budgets("mix"), horizon=25,
                        seeding=Seeding(random=5), parallel=parallel, seed=child)  # fmt: skip
        r = m.run()
        ref = comp.runs["mix"][1]
        for f in ("counts", "new_by_cause", "new_by_channel", "tally", "levels", "spend"):
            assert np.array_equal(getattr(r, f), getattr(ref, f)), (parallel, f)


def test_agents_read_the_brand_arrays():
    g = _graph(n=300)
    m = MarketModel(g, RULE, None, {"ads": 5000.0}, horizon=10, agents="all",
                    seeding=Seeding(random=30), seed=0)  # fmt: skip
    m.run()
    assert len(m.agents) == g.n
    for i in (0, 17, 299):
        a = m.consumer(i)
        assert a.relationship == Relationship(int(m.rel[i]))
        assert a.trust == m.trust[i] and a.purchases == m.purchases[i]
        assert a.channel == Cause(int(m.channel[i]))


# -- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, key",
    [
        (lambda: Compare(budget=-1.0), "compare.budget"),
        (lambda: _params(groups={"capacity": 0}), "market.groups.capacity"),
        (lambda: _params(vip={"capacity": 0}), "market.vip.capacity"),
        (lambda: _params(ads={"ctr": 1.5}), "market.ads.ctr"),
        (lambda: _params(ads={"targeting": "everyone"}), "market.ads.targeting"),
        (lambda: _params(kol={"fee": -3.0}), "market.kol.fee"),
        (
            lambda: Compare(splits={"none": {}, "x": {"tv": 1.0}}, plays=["none", "x"]),
            "compare.splits.x.tv",
        ),
        (lambda: Compare(plays=["none", "nosuch"]), "compare.plays"),
        (
            lambda: Compare(splits={"none": {}, "x": {"ads": 0.7, "vip": 0.7}}, plays=["none"]),
            "compare.splits.x",
        ),
        (lambda: _params(product={"nosuchkey": 1}), "market.product"),
    ],
)
def test_bad_market_values_name_the_key(make, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make()


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


@pytest.mark.statistical
def test_vip_perks_raise_members_repurchase():
    g = _graph(n=5000)
    rates = {}
    for boost in (1.0, 3.0):
        p = _params(vip={"repurchase_boost": boost, "min_purchases": 1})
        purchases = member_days = 0
        for seed in range(4):
            r = MarketModel(g, RULE, p, {"vip": 30_000.0}, horizon=120,
                            seeding=Seeding(fraction=0.05), seed=seed).run()  # fmt: skip
            purchases += r.tally[:, kern.K_VIP_REPEAT].sum()
            member_days += r.levels[:-1, 1].sum()
        rates[boost] = purchases / member_days
    # rate ~ repurchase * boost * trust factor (+ broadcasts): tripling the boost must at
    # least double the members' rate (Poisson counts of a few thousand: sd ~ 2 %)
    assert rates[3.0] > 2.0 * rates[1.0]
    base = MarketParams().product.repurchase
    assert 0.8 * base < rates[1.0] < 3 * base


@pytest.mark.statistical
def test_bridges_reach_more_communities_than_random_seeds():
    """Few weak ties between communities, no organic spread: only the advocates' posts."""
    g = GENERATORS["clustered"](n=6000, group_size=12, weak_ties=0.3, seed=4)
    p = _params(bridging={"fee": 300.0}, koc={"fee": 300.0},
                groups={"enabled": False})  # fmt: skip
    reached = {"bridging": [], "koc": []}
    for seed in range(4):
        for name in reached:
            m = MarketModel(g, TiesRule(), p, {name: 20 * (300.0 + p.product.unit_cost)},
                            horizon=30, seed=seed)  # fmt: skip
            m.run()
            cust = m.engine.state == State.ADOPTED
            # communities other than the advocates' own that gained a customer
            own = np.unique(g.community[m.adv_row > 0])
            comms = np.setdiff1d(np.unique(g.community[cust]), own)
            reached[name].append(comms.size)
    assert min(reached["bridging"]) > max(reached["koc"])


def test_advocacy_pass_equals_a_naive_sum_over_ties():
    """log-survival per (target, kind) = sum over advocate ties of log(1 - b_tie * weight)."""
    g = GENERATORS["erdos_renyi"](n=300, mean_degree=6, seed=8)
    g = SocialGraph.from_edges(g.n, *g.edges()[:2], (np.arange(g.n_ties) % 2 == 0).astype(int))
    rng = np.random.default_rng(1)
    state = np.where(rng.random(g.n) < 0.3, State.ADOPTED, State.UNAWARE).astype(np.uint8)
    sources = np.sort(rng.choice(g.n, 40, replace=False)).astype(np.int64)
    kinds = rng.integers(0, kern.N_ADVOCACY, sources.size).astype(np.int64)
    weight = rng.uniform(0.5, 1.5, sources.size)
    b_s = np.array([0.1, 0.2, 0.05, 0.3, 0.15])
    b_w = np.array([0.01, 0.02, 0.0, 0.03, 0.05])
    ref = np.zeros((g.n, kern.N_ADVOCACY))
    for j, k, wgt in zip(sources, kinds, weight, strict=True):
        nbrs, ties = g.neighbors(int(j))
        for i, tie in zip(nbrs, ties, strict=True):
            if state[i] != State.ADOPTED:
                b = (b_s if tie == 1 else b_w)[k] * wgt
                ref[i, k] += math.log(1 - b)
    hit = np.flatnonzero((ref < 0).any(axis=1))
    first = None
    for fn, parts in ((kern._advocacy_serial, 1), (kern._advocacy_parallel, 2),
                      (kern._advocacy_parallel, 7)):  # fmt: skip
        L = np.zeros((g.n, kern.N_ADVOCACY))
        flag = np.zeros(g.n, np.bool_)
        touched = np.empty(g.n, np.int64)
        nt = fn(g.indptr, g.indices, g.tie, state, sources, kinds, weight, b_s, b_w, L, flag,
                touched, parts)  # fmt: skip
        assert np.allclose(L, ref, rtol=1e-12, atol=0)
        assert nt == hit.size and np.array_equal(np.sort(touched[:nt]), hit)
        first = L if first is None else first
        assert np.array_equal(L, first)  # any number of parts: the same sums, bit for bit


@pytest.mark.statistical
def test_two_channels_combine_and_split_the_cause_by_hazard():
    """Day 1: every consumer has a coupon (0.2) and clicks an ad (then buys with 0.1):
    P(buy) = 1 - 0.8 * 0.9 = 0.28; causes COUPON : AD = 2 : 1."""
    n = 100_000
    p = _params(
        ads={"cpm": 1.0, "min_daily_budget": 0.0, "daily_budget_max": 1e9, "ctr": 1.0,
             "click_conversion": 0.1, "targeting": "random", "follow_on_click": 0.0,
             "view_conversion": 0.0},
        coupons={"every_days": 1, "redeem": 0.2, "value": 1.0},
        groups={"enabled": False},
        fatigue={"mute_per_message": 0.0},
    )  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"ads": 1e6, "coupons": 1e7}, horizon=1, seed=5)
    m.rel[:] = Relationship.WEAK  # followers, so the coupon reaches them
    r = m.run()
    bought = r.customers[-1]
    sd = math.sqrt(0.28 * 0.72 / n)
    assert abs(bought / n - 0.28) < 5 * sd
    coupon = r.new_by_cause[1, Cause.COUPON] / bought
    assert abs(coupon - 2 / 3) < 5 * math.sqrt(2 / 9 / bought)
    assert r.new_by_cause[1, Cause.AD] + r.new_by_cause[1, Cause.COUPON] == bought
    # channel codes: every buyer used the code of the channel that caused the purchase
    assert np.array_equal(r.new_by_channel[1], r.new_by_cause[1])


def test_group_buy_is_a_threshold_on_friends_recent_purchases():
    """Team of 3: consumer 2 has two friends (0, 1) who just bought, consumer 3 only one."""
    from conftest import graph_from

    g = graph_from(6, strong=[(0, 2), (1, 2), (0, 3)], weak=[(4, 5)])
    p = _params(groupbuy={"team_size": 3, "window_days": 2, "join": 1.0, "discount": 15.0},
                groups={"enabled": False})  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"groupbuy": 100.0}, horizon=3,
                    seeding=Seeding(nodes=[0, 1]), seed=0)  # fmt: skip
    m._recent_log.append(np.array([0, 1]))  # 0 and 1 bought on day 0
    m.step()
    assert m.engine.adopted_at[2] == 1 and m.engine.cause[2] == Cause.GROUPBUY
    assert m.engine.adopted_at[3] == -1
    r = m.run()
    assert r.spend[:, STRATEGIES.index("groupbuy")].sum() == 15.0
    assert r.tally[:, kern.K_GROUPBUYS].sum() == 1 and m.engine.adopted_at[3] == -1


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


def test_vip_top_entry_keeps_one_group_of_the_best_customers():
    g = _graph(n=3000)
    p = _params(vip={"entry": "top", "capacity": 25, "min_purchases": 1})
    m = MarketModel(g, RULE, p, {"vip": 1e6}, horizon=5, seeding=Seeding(fraction=0.2), seed=0)
    m.rel[m.seeds] = Relationship.WEAK
    m.purchases[m.seeds] = np.arange(m.seeds.size) % 5 + 1
    m.last_buy[m.seeds] = 0
    before = m.purchases.copy()
    m.step()
    members = np.flatnonzero(m.rel == Relationship.STRONG)
    assert members.size == 25 and m._n_vip_groups == 1
    # the best customers: nobody left out had bought more often than a member
    others = m.seeds[m.rel[m.seeds] == Relationship.WEAK]
    assert before[members].min() >= before[others].max()


def test_service_failures_cost_trust_and_recovery_restores_part_at_a_cost():
    g = _graph(n=2000)
    for recovery in (False, True):
        p = _params(product={"service_failure": 1.0, "repurchase": 0.0},
                    trust={"recovery": recovery, "failure_loss": 0.2, "recovery_share": 0.5,
                           "recovery_cost": 20.0, "purchase_gain": 0.0})  # fmt: skip
        m = MarketModel(g, RULE, p, {}, horizon=1, seeding=Seeding(random=5), seed=1)
        r = m.run()
        buyers = m.engine.adopted_at == 1
        loss = 0.1 if recovery else 0.2
        assert buyers.any() and np.allclose(m.trust[buyers], 0.5 - loss)
        assert r.tally[1, kern.K_FAILURES] == buyers.sum()
        assert r.service_cost.sum() == (20.0 * buyers.sum() if recovery else 0.0)


def test_inactive_vip_members_get_a_win_back_or_are_demoted():
    g = _graph(n=2000)
    for success, expect in ((1.0, Relationship.STRONG), (0.0, Relationship.WEAK)):
        p = _params(vip={"inactive_days": 3, "winback_success": success, "winback_cost": 10.0,
                         "min_purchases": 1},
                    product={"repurchase": 0.0, "service_failure": 0.0})  # fmt: skip
        m = MarketModel(g, TiesRule(), p, {"vip": 1e5}, horizon=4,
                        seeding=Seeding(nodes=[0, 1, 2]), seed=0)  # fmt: skip
        m.rel[[0, 1, 2]] = Relationship.WEAK
        m.purchases[[0, 1, 2]] = 1
        m.last_buy[[0, 1, 2]] = 0
        m.run()
        # admitted on day 1 (idle time counts from then), so on day 4 a win-back
        assert np.all(m.rel[[0, 1, 2]] == expect)
        spent = m.result().spend[:, STRATEGIES.index("vip")]
        assert spent[4] == pytest.approx(3 * 10.0 + (3 if success else 0) * 15.0 / 30)


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
