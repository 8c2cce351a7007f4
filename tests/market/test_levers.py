"""Levers that move the answer (issue 14 item 5): price, coupon value, referral reward,
group-buy and live discounts, the content mix, VIP entry and win-back, joint campaigns.

Each lever has an exact degenerate test (its neutral value gives the old numbers) and a
direction test. Statistical tolerances: a binomial count of ``n`` trials with probability
``p`` has sd ``sqrt(n p (1 - p))``; a check at 5 sd fails by chance with probability < 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import RULE, _graph, _no_ties, _params, _run_arrays

from diffusion_sim.contagion import TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.graph import SocialGraph
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.brand.advocacy import advocacy_hazards
from diffusion_sim.market.brand.price import content_response, price_response
from diffusion_sim.market.channels import ADVOCACY_ROW
from diffusion_sim.market.model import MarketModel
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State

QUIET = {"groups": {"enabled": False}, "fatigue": {"mute_per_message": 0.0}}


def _spy(m: MarketModel) -> list:
    """Record the (h, c, m) arrays the brand hands to the engine each day."""
    seen = []
    step = m.engine.step

    def spy(extra=None):
        seen.append(tuple(a.copy() for a in extra))
        return step(extra=extra)

    m.engine.step = spy
    return seen


def _same(a: dict, b: dict, skip=()) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in a if k not in skip)


# -- price -------------------------------------------------------------------------------------
def test_price_response_is_exactly_one_at_the_reference_or_without_elasticity():
    assert price_response(99.0, 99.0, -2.62) == 1.0
    assert price_response(50.0, 99.0, 0.0) == 1.0
    assert price_response(69.0, 69.0, -2.62, 99.0) == 1.0  # a lever at its reference
    # the logit response (was (198/99)^-1 = 0.5 with the constant elasticity)
    assert price_response(198.0, 99.0, -1.0) == math.exp(-1.0)
    assert content_response(0.0, 0.3, 0.0) == 1.0 and content_response(0.0, 0.3, 0.5) == 0.0


@pytest.mark.parametrize("eps", [-0.5, -2.62, -5.0])
def test_price_response_has_the_elasticity_at_the_reference_price(eps):
    """d ln pi / d ln p at p = P_ref is the configured elasticity (central difference in
    ln p; the error of the difference is O(h^2) ~ 1e-10 here)."""
    ref, h = 99.0, 1e-5
    up = price_response(ref * math.exp(h), ref, eps)
    down = price_response(ref * math.exp(-h), ref, eps)
    assert (math.log(up) - math.log(down)) / (2 * h) == pytest.approx(eps, rel=1e-8)
    # on the one demand curve a coupon's point elasticity is eps (P - v) / P_ref
    p0 = 89.0
    up = price_response(p0 * math.exp(h), p0, eps, ref)
    down = price_response(p0 * math.exp(-h), p0, eps, ref)
    assert (math.log(up) - math.log(down)) / (2 * h) == pytest.approx(eps * p0 / ref, rel=1e-8)


@pytest.mark.parametrize("eps", [-0.5, -2.62, -5.0])
def test_price_response_falls_with_price_and_is_bounded_for_large_cuts(eps):
    """Monotone decreasing in the price paid; a cut to any price >= 0 multiplies a hazard by
    at most exp(-eps) (the product given away); never above the constant elasticity's
    (p/P_ref)^eps, and well below it for a large cut (half price: x3.7 not x6.1 at -2.62)."""
    ref = 99.0
    prices = np.linspace(0.0, 3 * ref, 301)
    pi = np.array([price_response(float(p), ref, eps) for p in prices])
    assert np.all(np.diff(pi) < 0)
    assert pi.max() == pytest.approx(math.exp(-eps), rel=1e-12) and pi.max() <= math.exp(-eps)
    const = (prices[1:] / ref) ** eps
    assert np.all(pi[1:] <= const * (1 + 1e-12))
    half = price_response(ref / 2, ref, eps)
    assert half == pytest.approx(math.exp(-eps / 2), rel=1e-12) and half < 2.0 ** (-eps)
    if eps == -2.62:
        assert 3.7 < half < 3.71 and 2.0**2.62 > 6.1


def test_price_at_the_reference_or_elasticity_zero_reproduces_the_old_market_exactly():
    """price = reference_price (any elasticity) equals elasticity 0; with elasticity 0 the
    price changes revenue only, never a purchase."""
    g = _graph(n=2000)
    runs = {}
    for key, product in {
        "ref": {"price": 150.0, "reference_price": 150.0},
        "flat": {"price": 150.0, "reference_price": 150.0, "elasticity": 0.0},
        "cheap_flat": {"price": 50.0, "elasticity": 0.0},
    }.items():
        p = _params(product=product)
        m = MarketModel(g, RULE, p, {"coupons": 5000.0, "ads": 5000.0}, horizon=30, seed=4)
        m.run()
        runs[key] = _run_arrays(m)
    assert _same(runs["ref"], runs["flat"])
    assert _same(runs["flat"], runs["cheap_flat"], skip=("revenue",))
    assert not np.array_equal(runs["flat"]["revenue"], runs["cheap_flat"]["revenue"])


@pytest.mark.statistical
def test_a_higher_price_gives_fewer_first_purchases_by_the_elasticity():
    """No ties, external hazard alpha = 0.1 only: P(buy on day 1) = alpha exp(e (P/P_ref - 1))
    (the logit response); twice the reference price at e = -1: 0.1/e (0.037; 0.05 with the
    old constant elasticity), half the price at e = -2.62: 0.1 e^1.31 (0.371; was 0.615)."""
    n = 100_000
    rule = TiesRule(alpha=0.1, beta_strong=0.0, beta_weak=0.0)
    cases = ((99.0, -1.0, 0.1), (198.0, -1.0, 0.1 * math.exp(-1.0)),
             (49.5, -2.62, 0.1 * math.exp(1.31)))  # fmt: skip
    for price, e, expect in cases:
        p = _params(product={"price": price, "elasticity": e}, **QUIET)
        m = MarketModel(_no_ties(n), rule, p, {}, horizon=1, seed=2)
        seen = _spy(m)
        r = m.run()
        assert seen[0][2][0] == pytest.approx(math.exp(e * (price / 99.0 - 1)), rel=1e-15)
        sd = math.sqrt(expect * (1 - expect) / n)
        assert abs(r.customers[-1] / n - expect) < 5 * sd


def test_a_higher_price_gives_fewer_first_and_repeat_purchases_in_a_market():
    g = _graph(n=3000)
    out = {}
    for price in (99.0, 150.0):
        p = _params(product={"price": price})
        r = MarketModel(g, RULE, p, {}, horizon=60, seed=1).run()
        out[price] = (r.customers[-1], r.tally[:, kern.K_REPEAT].sum())
    assert out[150.0][0] < out[99.0][0] and out[150.0][1] < out[99.0][1]


@pytest.mark.statistical
def test_a_higher_price_gives_fewer_repeat_purchases_by_the_elasticity():
    """Every consumer a customer (no first purchase possible), repurchase 0.1 a day: on day 1
    a share 0.1 exp(e (P/P_ref - 1)) buys again; twice the reference price at e = -1: 0.1/e
    (0.05 with the old constant elasticity)."""
    n = 50_000
    for price, expect in ((99.0, 0.1), (198.0, 0.1 * math.exp(-1.0))):
        p = _params(product={"price": price, "elasticity": -1.0, "repurchase": 0.1,
                             "service_failure": 0.0}, **QUIET)  # fmt: skip
        m = MarketModel(_no_ties(n), TiesRule(), p, {}, horizon=1,
                        seeding=Seeding(fraction=1.0), seed=2)  # fmt: skip
        r = m.run()
        sd = math.sqrt(expect * (1 - expect) / n)
        assert abs(r.tally[1, kern.K_REPEAT] / n - expect) < 5 * sd


# -- coupons -----------------------------------------------------------------------------------
def _coupons(n, value, reference_value=10.0, redeem=0.1, elasticity=-2.62, target="ids"):
    p = _params(coupons={"every_days": 30, "redeem": redeem, "value": value, "valid_days": 3,
                         "reference_value": reference_value, "target": target},
                product={"repurchase": 0.0, "elasticity": elasticity},
                **QUIET)  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"coupons": 1e8}, horizon=1, seed=0)
    m.rel[:] = Relationship.WEAK
    return m


@pytest.mark.statistical
def test_a_larger_coupon_is_redeemed_more_often_by_the_price_response():
    """redeem 0.1 at the reference value 10; a 30-CNY coupon: 0.1 exp(-2.62 (10 - 30) / 99)
    (0.170; 0.195 with the old constant elasticity ((99-30)/(99-10))^-2.62)."""
    n = 50_000
    got = {}
    for value in (10.0, 30.0):
        r = _coupons(n, value).run()
        got[value] = r.tally[1, kern.K_COUPONS_REDEEMED]
    expect = 0.1 * math.exp(-2.62 * (10 - 30) / 99)
    assert got[30.0] > got[10.0]
    assert abs(got[10.0] / n - 0.1) < 5 * math.sqrt(0.09 / n)
    assert abs(got[30.0] / n - expect) < 5 * math.sqrt(expect * (1 - expect) / n)


def test_coupon_value_changes_only_the_cost_without_a_price_response():
    a = _coupons(2000, 10.0, elasticity=0.0)
    b = _coupons(2000, 30.0, elasticity=0.0)
    a.run()
    b.run()
    ra, rb = _run_arrays(a), _run_arrays(b)
    assert _same(ra, rb, skip=("spend",))
    assert rb["spend"].sum() == 3 * ra["spend"].sum() > 0


def test_coupons_go_to_silent_followers_first():
    """Five coupons: never-bought followers first, then the longest since a purchase; with
    target=ids the first five followers (the old rule)."""
    n = 20
    got = {}
    for target in ("silent", "ids"):
        p = _params(coupons={"every_days": 30, "value": 10.0, "target": target}, **QUIET)
        m = MarketModel(_no_ties(n), TiesRule(), p, {"coupons": 50.0}, horizon=1, seed=0)
        m.rel[:] = Relationship.WEAK
        m.rel[[0, 1]] = Relationship.ABSENT  # not followers: never get one
        m.last_buy[:] = np.arange(n) % 10  # 0 .. 9, twice
        m.last_buy[[7, 15]] = -1  # followers who never bought
        m.step()
        got[target] = set(np.flatnonzero(m.coupon_until >= 1).tolist())
    assert got["silent"] == {7, 15, 10, 11, 2}  # -1, -1, then last_buy 0, 1, 2 (ties by id)
    assert got["ids"] == {2, 3, 4, 5, 6}


# -- referral, group-buy, livestream -----------------------------------------------------------
def test_the_referral_reward_scales_the_sharers_hazards():
    row = ADVOCACY_ROW["referral"]
    base = _params()
    s0, w0 = advocacy_hazards(base)
    for reward, eta, mult in ((15.0, 0.5, 1.0), (60.0, 0.5, 2.0), (60.0, 0.0, 1.0)):
        p = _params(referral={"reward": reward, "reward_elasticity": eta})
        s, w = advocacy_hazards(p)
        assert s[row] == s0[row] * mult and w[row] == w0[row] * mult
        others = np.arange(s.size) != row
        assert np.array_equal(s[others], s0[others]) and np.array_equal(w[others], w0[others])


def test_a_larger_referral_reward_brings_more_referrals():
    g = _graph(n=3000)
    got = {}
    for reward in (5.0, 15.0, 60.0):
        p = _params(referral={"reward": reward})
        r = MarketModel(g, RULE, p, {"referral": 1e6}, horizon=40, seeding=Seeding(fraction=0.02),
                        seed=3).run()  # fmt: skip
        got[reward] = r.tally[:, kern.K_REFERRALS].sum()
    assert got[5.0] < got[15.0] < got[60.0]


def _groupbuy(discount, elasticity=-2.62, seed=0):
    """Consumer 0 bought yesterday; its 400 friends (a star) are group-buy ready."""
    n = 401
    g = SocialGraph.from_edges(n, [0] * (n - 1), list(range(1, n)), [0] * (n - 1))
    p = _params(groupbuy={"team_size": 2, "join": 0.2, "discount": discount},
                product={"repurchase": 0.0, "elasticity": elasticity}, **QUIET)  # fmt: skip
    m = MarketModel(g, TiesRule(), p, {"groupbuy": 1e6}, horizon=1,
                    seeding=Seeding(nodes=[0]), seed=seed)  # fmt: skip
    m._recent_log.append(np.array([0]))
    return m


def test_a_larger_group_buy_discount_brings_more_joiners():
    joined = {d: sum(_groupbuy(d, seed=s).run().tally[1, kern.K_GROUPBUYS] for s in range(5))
              for d in (5.0, 15.0, 40.0)}  # fmt: skip
    assert joined[5.0] < joined[15.0] < joined[40.0]
    # exact: the hazard the kernel lists is join x the response to the discount
    m = _groupbuy(40.0)
    seen = _spy(m)
    m.step()
    # logit response exp(-2.62 (15 - 40) / 99) (was ((99 - 40) / (99 - 15))^-2.62)
    assert seen[0][0][1] == pytest.approx(0.2 * math.exp(-2.62 * (15 - 40) / 99), rel=1e-15)
    flat = [_groupbuy(d, elasticity=0.0).run().tally[1, kern.K_GROUPBUYS] for d in (5.0, 40.0)]
    assert flat[0] == flat[1]


def _live(discount, elasticity=-2.62):
    p = _params(livestream={"host_fans": 0, "follower_watch": 1.0, "conversion": 0.1,
                            "discount": discount},
                product={"repurchase": 0.0, "elasticity": elasticity}, **QUIET)  # fmt: skip
    m = MarketModel(_no_ties(3000), TiesRule(), p, {"livestream": 1e6}, horizon=1, seed=0)
    m.rel[:] = Relationship.WEAK
    return m


def test_a_deeper_live_discount_sells_more_in_the_session():
    sales = {d: _live(d).run().tally[1, kern.K_LIVE_SALES] for d in (0.1, 0.2, 0.4)}
    assert sales[0.1] < sales[0.2] < sales[0.4]
    m = _live(0.4)
    seen = _spy(m)
    m.step()
    # logit response of the live price 99 (1 - d): exp(-2.62 * 99 (0.2 - 0.4) / 99)
    # (was ((1 - 0.4) / (1 - 0.2))^-2.62)
    assert seen[0][0][0] == pytest.approx(0.1 * math.exp(-2.62 * (0.2 - 0.4)), rel=1e-15)
    flat = {d: _live(d, elasticity=0.0).run().tally[1, kern.K_LIVE_SALES] for d in (0.1, 0.4)}
    assert flat[0.1] == flat[0.4] == sales[0.2]


# -- content mix -------------------------------------------------------------------------------
def _broadcast(mu, gamma=0.5, engagement=1.0, share0=0.0, mute_loss=0.0, mute=0.0):
    """One broadcast on day 1 to 10 non-customer members of group 0 (perceived share share0)."""
    p = _params(groups={"marketing_share": mu, "content_response": gamma,
                        "engagement": engagement, "execution_rate": 1.0,
                        "broadcast_conversion": 0.1, "broadcast_repurchase": 0.0},
                fatigue={"mute_per_message": mute, "mute_trust_loss": mute_loss},
                product={"repurchase": 0.0})  # fmt: skip
    m = MarketModel(_no_ties(10), TiesRule(), p, {}, horizon=1, seed=0)
    m.rel[:] = Relationship.WEAK
    m.group[:] = 0
    m.group_count[0] = 10
    m._n_groups[0] = 1
    m.mshare[:] = share0
    return m


def test_the_broadcast_pull_grows_with_the_marketing_share_and_the_members_engagement():
    """h = h_bc (mu / 0.3)^gamma ((1 - s) / 0.7)^engagement, s after today's message
    (s = 0.8 s0 + 0.2 mu): exactly h_bc at the reference without engagement."""
    for mu, gamma, eng, s0 in ((0.3, 0.5, 0.0, 0.0), (0.3, 0.0, 0.0, 0.5), (0.6, 0.5, 0.0, 0.0),
                               (0.6, 0.5, 1.0, 0.5), (0.0, 0.5, 1.0, 0.0)):  # fmt: skip
        m = _broadcast(mu, gamma, eng, s0)
        seen = _spy(m)
        m.step()
        s = 0.8 * s0 + 0.2 * mu
        expect = 0.1 * content_response(mu, 0.3, gamma) * ((1 - s) / 0.7) ** eng
        assert seen[0][0][0] == pytest.approx(expect, rel=1e-12), (mu, gamma, eng, s0)
    neutral = _broadcast(0.3, 0.5, 0.0)
    seen = _spy(neutral)
    neutral.step()
    assert seen[0][0][0] == 0.1  # bit for bit: the old hazard


def test_a_member_who_mutes_the_brand_loses_trust():
    trust = {}
    for loss in (0.0, 0.2):
        m = _broadcast(1.0, mute_loss=loss, mute=1.0)  # certain muting (x = 1)
        m.step()
        assert np.all(m.churned)
        trust[loss] = m.trust.copy()
    assert np.allclose(trust[0.0] - trust[0.2], 0.2, rtol=0, atol=1e-15)


def test_the_best_marketing_share_is_interior():
    """Total purchases over 180 days (no budget: the brand's groups run in every play) on a
    small market, swept over the marketing share with common random numbers: the best share
    is neither 0 (no pull) nor 1 (members disengage and mute). Measured: best near 0.4-0.5,
    the 3:7 rule (0.3) within 0.1 % of it."""
    g = _graph(n=3000)
    shares = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    total = []
    for mu in shares:
        p = _params(groups={"marketing_share": mu})
        total.append(sum(MarketModel(g, RULE, p, {}, horizon=180, seed=s).run()
                         .tally[:, kern.K_PURCHASES].sum() for s in range(3)))  # fmt: skip
    best = int(np.argmax(total))
    assert 0 < best < len(shares) - 1, dict(zip(shares, total, strict=True))
    assert total[best] > 1.01 * total[0] and total[best] > 1.01 * total[-1]


# -- VIP ---------------------------------------------------------------------------------------
def _vip(entry, budget, horizon=10):
    """40 followers with 1-5 purchases (ids 0-39, value not in id order); fee 1 CNY a day."""
    p = _params(vip={"entry": entry, "capacity": 500, "min_purchases": 1,
                     "cost_per_member_month": 30.0, "birthday_cost": 0.0, "winback_cost": 0.0},
                **QUIET)  # fmt: skip
    n = 40
    m = MarketModel(_no_ties(n), TiesRule(), p, {"vip": budget}, horizon=horizon,
                    seeding=Seeding(nodes=list(range(n))), seed=0)  # fmt: skip
    m.rel[:] = Relationship.WEAK
    m.purchases[:] = (np.arange(n) * 7) % 5 + 1
    m.last_buy[:] = 0
    return m


def test_vip_entry_rules_admit_different_customers_when_the_budget_binds():
    """Budget for 10 members: ``top`` takes the 10 highest-value customers, ``purchases`` the
    first 10 who qualify (consumer order); with room for all they admit the same set."""
    members = {}
    for entry in ("top", "purchases"):
        m = _vip(entry, budget=10 * 10.0)
        m.step()
        members[entry] = np.flatnonzero(m.rel == Relationship.STRONG)
    assert members["purchases"].tolist() == list(range(10))
    top = members["top"]
    assert sorted(m.purchases[top]) == [4, 4] + [5] * 8  # (8 have 5 purchases, 8 have 4)
    assert m.purchases[top].mean() > m.purchases[members["purchases"]].mean()
    wide = {
        e: set(np.flatnonzero(_vip_step(e) == Relationship.STRONG)) for e in ("top", "purchases")
    }
    assert wide["top"] == wide["purchases"] == set(range(40))


def _vip_step(entry):
    m = _vip(entry, budget=1e6)
    m.step()
    return m.rel


def _winback(buy, n=200):
    p = _params(vip={"min_purchases": 1, "inactive_days": 5, "winback_cost": 2.0,
                     "winback_purchase": buy, "winback_success": 0.0, "birthday_cost": 0.0,
                     "cost_per_member_month": 0.0},
                product={"repurchase": 0.0}, **QUIET)  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), p, {"vip": 1e6}, horizon=10,
                    seeding=Seeding(nodes=list(range(n))), seed=0)  # fmt: skip
    m.rel[:] = Relationship.STRONG  # members idle since day 0
    m._vip_play = m.plays["vip"]
    m.purchases[:] = 1
    return m


def test_a_win_back_offer_causes_purchases_and_is_charged():
    """Day 5: 200 idle members get the offer (2 CNY each); with winback_purchase = 1 each buys
    (a repeat purchase, revenue) and stays; with 0 none buys and all are demoted (old rule)."""
    for buy in (0.0, 1.0, 0.3):
        m = _winback(buy)
        for _ in range(5):
            m.step()
        r = m.result()
        sold = m.plays["vip"].winback_sales
        assert r.spend[5].sum() == 200 * 2.0
        assert r.tally[5, kern.K_PURCHASES] == r.tally[5, kern.K_VIP_REPEAT] == sold
        assert r.revenue[5] == sold * 99.0
        assert np.count_nonzero(m.rel == Relationship.STRONG) == sold
        if buy == 1.0:
            assert sold == 200 and np.all(m.purchases == 2) and np.all(m.last_buy == 5)
        elif buy == 0.0:
            assert sold == 0 and np.all(m.purchases == 1)
        else:
            assert abs(sold - 60) < 5 * math.sqrt(200 * 0.3 * 0.7)


# -- joint campaigns ---------------------------------------------------------------------------
def _bridging(every, conv=0.002, seed=0, n=3000, horizon=40):
    p = _params(bridging={"joint_every_days": every, "joint_conversion": conv})
    m = MarketModel(_graph(n=n), RULE, p, {"bridging": 20_000.0}, horizon=horizon, seed=seed)
    return m


def test_joint_campaigns_reach_the_communities_a_bridge_spans():
    m = _bridging(7, horizon=1)
    adv = np.flatnonzero(m.engine.cause == Cause.BRIDGE)
    posts = m.plays["advocates"].joint_posts(1)[:, 1]
    comm = m.graph.community
    spanned = np.zeros(comm.max() + 1, np.int64)
    for j in adv:
        nb, _ = m.graph.neighbors(j)
        for c in set(comm[nb].tolist()) | {int(comm[j])}:
            spanned[c] += 1
    assert np.array_equal(posts, spanned[comm])
    assert posts.sum() > 0 and np.any(posts[m.engine.state != State.ADOPTED] > 0)
    assert not m.plays["advocates"].joint_posts(2).any()  # day 2: no joint campaign


def test_joint_campaigns_add_customers_and_nothing_when_off():
    on = [_bridging(7, seed=s).run().customers[-1] for s in range(3)]
    off = [_bridging(0, seed=s).run().customers[-1] for s in range(3)]
    assert sum(on) > sum(off)
    a, b = _bridging(0, conv=0.002), _bridging(0, conv=0.5)
    a.run()
    b.run()
    assert _same(_run_arrays(a), _run_arrays(b))  # joint_every_days = 0: exactly no effect


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sections",
    [
        {"product": {"elasticity": 0.5}},
        {"coupons": {"value": 120.0}},
        {"groupbuy": {"reference_discount": 99.0}},
        {"livestream": {"discount": 1.0}},
        {"groups": {"reference_share": 0.0}},
        {"groups": {"reference_share": 1.0}},
        {"referral": {"reward_elasticity": -1.0}},
        {"vip": {"winback_purchase": 1.5}},
        {"fatigue": {"mute_trust_loss": -0.1}},
        {"coupons": {"target": "first"}},
    ],
)
def test_bad_lever_values_are_one_line_config_errors(sections):
    with pytest.raises(ConfigError) as e:
        _params(**sections)
    assert "\n" not in str(e.value)


def test_a_discount_above_the_price_is_fine_without_a_price_response():
    _params(coupons={"value": 120.0}, product={"elasticity": 0.0})
