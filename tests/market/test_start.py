"""The brand at t = 0: a generated or loaded base of customers, followers, leads, customer
groups and VIP members (market/brand/start.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mkt import RULE, _graph, _no_ties, _params, _run_arrays

from diffusion_sim.contagion import TiesRule
from diffusion_sim.errors import ConfigError
from diffusion_sim.market import _kernels as kern
from diffusion_sim.market.brand.start import (
    START_KEY,
    Start,
    base_counts,
    read_customers_csv,
    write_customers_csv,
)
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
from diffusion_sim.model import DiffusionModel
from diffusion_sim.rng import uniforms
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship, State

BASE = {"customers": 0.05, "leads": 0.01, "mean_purchases": 2.5, "mean_days_since": 40.0,
        "customer_followers": 0.5, "group_share": 0.6}  # fmt: skip


def _model(start=None, budgets=None, n=3000, horizon=30, seed=1, **sections):
    p = _params(start=start or {}, **sections)
    return MarketModel(_graph(n=n), RULE, p, budgets or {}, horizon=horizon,
                       seeding=Seeding(random=5), seed=seed)  # fmt: skip


# -- neutral and exact degenerate cases ---------------------------------------------------------
def test_a_zero_start_is_the_empty_market_bit_for_bit():
    """All shares 0 with every other start value changed: no array differs from the tests'
    sample market (an empty start, the neutral value)."""
    budgets = {"vip": 5000.0, "ads": 3000.0, "coupons": 2000.0}
    a = _model(None, budgets)
    b = _model({"customers": 0.0, "leads": 0.0, "mean_purchases": 5.0, "mean_days_since": 3.0,
                "customer_followers": 1.0, "group_share": 1.0, "trust": 0.9}, budgets)  # fmt: skip
    assert a.params.start.empty and b.params.start.empty and b.n_start == 0
    assert not Start().empty  # the default brand has a base (conf/market/default.yaml)
    a.run(), b.run()
    ra, rb = _run_arrays(a), _run_arrays(b)
    for k in ra:
        assert np.array_equal(ra[k], rb[k]), k


def test_everyone_a_customer_with_one_purchase_today_and_in_groups_of_capacity():
    n, cap = 1200, 500
    m = _model({"customers": 1.0, "mean_purchases": 1.0, "mean_days_since": 0.0,
                "customer_followers": 1.0, "group_share": 1.0, "vip": False},
               n=n, groups={"capacity": cap})  # fmt: skip
    assert m.engine.counts[State.ADOPTED] == n and m.counts[0, State.ADOPTED] == n
    assert np.all(m.purchases == 1) and np.all(m.last_buy == 0)
    assert np.all(m.rel == Relationship.WEAK) and m.leads().size == 0
    assert int(m._n_groups[0]) == 3 and list(m.group_count[:3]) == [500, 500, 200]
    assert np.array_equal(np.bincount(m.group, minlength=3), m.group_count[:3])
    assert np.all(m.touch == Cause.GROUP)
    # 5 organic seeds were already customers: the start added n - 5, all untracked SEED
    assert m.n_start == n - 5 and m.new_by_cause[0, Cause.SEED] == n
    assert m._channel_new[0][Cause.NONE] == n
    r = m.run(0)
    assert r.organic_seeds == n and r.metrics()["customers_gained"] == 0


def test_all_leads_are_aware_followers_without_purchases():
    n = 800
    m = _model({"leads": 1.0, "group_share": 0.0}, n=n)
    leads = m.leads()
    assert leads.size == n - 5  # the organic seeds are customers, not leads
    assert np.all(m.engine.state[leads] == State.AWARE) and np.all(m.purchases == 0)
    assert m.engine.counts[State.AWARE] == n - 5 and all(m.consumer(int(i)).lead for i in leads[:5])


def test_starting_customers_are_the_engines_adopters_as_if_seeded():
    """The base's word of mouth: the engine's adopter counts equal those of a plain model
    seeded with the same consumers."""
    g = _graph(n=2000)
    m = MarketModel(g, RULE, _params(start=BASE), {}, horizon=10, seed=3)
    cust = np.flatnonzero(m.engine.state == State.ADOPTED)
    ref = DiffusionModel(g, RULE, cust, seed=3)
    assert cust.size > 50
    assert np.array_equal(m.engine.adopters, ref.engine.adopters)
    assert np.array_equal(m.engine.comm_adopters, ref.engine.comm_adopters)
    assert np.all(m.engine.adopted_at[cust] == 0)


def test_the_base_is_drawn_from_the_markets_counter_based_stream():
    """Customer k iff u(START_KEY, k, 0) < customers; the same seed gives the same base in
    every play; another seed another base."""
    n = 3000
    m = _model(BASE, n=n, seed=4)
    u = uniforms(int(m.market_key), START_KEY, np.arange(n), 0)
    cust = u < BASE["customers"]
    assert np.array_equal(m.purchases > 0, cust)
    lead = ~cust & (u < BASE["customers"] + BASE["leads"])
    assert np.array_equal(np.isin(np.arange(n), m.leads()), lead)
    m2 = _model(BASE, {"ads": 5000.0, "coupons": 100.0}, n=n, seed=4)
    for name in ("purchases", "last_buy", "rel", "group", "trust"):
        assert np.array_equal(getattr(m, name), getattr(m2, name)), name
    m3 = _model(BASE, n=n, seed=5)
    assert not np.array_equal(m.purchases, m3.purchases)


@pytest.mark.statistical
def test_shares_and_purchase_history_match_their_parameters():
    n = 50_000
    c, f, lead, mp, d = 0.1, 0.4, 0.02, 3.0, 50.0
    st = {"customers": c, "customer_followers": f, "leads": lead, "mean_purchases": mp,
          "mean_days_since": d, "group_share": 0.5}  # fmt: skip
    m = MarketModel(_no_ties(n), TiesRule(), _params(start=st), {}, horizon=1, seed=0)
    k = m.purchases[m.purchases > 0]
    assert abs(k.size / n - c) < 5 * math.sqrt(c * (1 - c) / n)
    assert abs(m.leads().size / n - lead) < 5 * math.sqrt(lead * (1 - lead) / n)
    fc = np.count_nonzero((m.rel != 0) & (m.purchases > 0)) / k.size
    assert abs(fc - f) < 5 * math.sqrt(f * (1 - f) / k.size)
    # 1 + geometric of mean mp - 1: variance (mp - 1) mp
    assert abs(k.mean() - mp) < 5 * math.sqrt((mp - 1) * mp / k.size) and k.min() == 1
    # floor of an exponential of mean d: mean 1 / (e^(1/d) - 1), variance e^(1/d) / (e^(1/d)-1)^2
    days = -m.last_buy[m.purchases > 0]
    q = math.exp(1 / d)
    assert abs(days.mean() - 1 / (q - 1)) < 5 * math.sqrt(q / (q - 1) ** 2 / k.size)
    assert days.min() >= 0
    fol = np.count_nonzero(m.rel != 0)
    share = np.count_nonzero(m.group >= 0) / fol
    assert abs(share - 0.5) < 5 * math.sqrt(0.25 / fol)
    # trust of customers as if every past purchase went well
    t = m.params.trust
    assert np.allclose(m.trust[m.purchases > 0],
                       np.minimum(1, t.initial + t.purchase_gain * k))  # fmt: skip


# -- VIP members by the entry rule, paid by the VIP budget -------------------------------------
def test_vip_members_at_t0_follow_the_entry_rule_and_fit_the_budget():
    p_fee = 30.0  # 1 CNY per member-day
    sec = {"vip": {"cost_per_member_month": p_fee}}
    horizon = 30
    m = _model(BASE, {"vip": 40.0 * horizon}, n=6000, horizon=horizon, **sec)
    v = m.params.vip
    members = np.flatnonzero(m.rel == Relationship.STRONG)
    assert members.size == 40 and m.plays["vip"].n_groups == 1
    assert np.all(m.purchases[members] >= v.min_purchases)
    assert np.all(-m.last_buy[members] < v.inactive_days)
    # best customers first: no follower left out is better (more purchases, then more recent)
    out = np.flatnonzero((m.rel == Relationship.WEAK) & (m.purchases >= v.min_purchases)
                         & (-m.last_buy < v.inactive_days))  # fmt: skip
    key = lambda i: (m.purchases[i], m.last_buy[i])  # noqa: E731
    worst = min(key(i) for i in members)
    assert out.size > 0 and all(key(i) <= worst for i in out)
    r = m.run()
    assert r.spend[:, STRATEGIES.index("vip")].sum() <= 40.0 * horizon + 1e-9
    # unfunded: no member at all
    m0 = _model(BASE, {}, n=6000, horizon=horizon, **sec)
    assert np.count_nonzero(m0.rel == Relationship.STRONG) == 0


@pytest.mark.statistical
def test_a_base_makes_vip_coupons_and_winback_spend_more_than_an_empty_market():
    budgets = {"vip": 20_000.0, "coupons": 20_000.0}
    out = {}
    for label, st in (("empty", {}), ("base", BASE)):
        spend = np.zeros(len(STRATEGIES))
        winback = 0
        for seed in range(2):
            m = _model(st, budgets, n=4000, horizon=90, seed=seed,
                       vip={"inactive_days": 30})  # fmt: skip
            r = m.run()
            spend += r.spend.sum(axis=0)
            winback += int(r.levels[:, 1].max())
        out[label] = spend, winback
    vip, cpn = STRATEGIES.index("vip"), STRATEGIES.index("coupons")
    assert out["base"][0][vip] > 2 * out["empty"][0][vip] > 0
    assert out["base"][0][cpn] > out["empty"][0][cpn]
    assert out["base"][1] > out["empty"][1]


# -- the private domain's entry: leads from any play -----------------------------------------
def test_follow_hands_consumers_to_the_private_domain_as_leads():
    n = 100
    p = _params(groups={"join_group": 1.0, "exit_rate": 0.0})
    m = MarketModel(_no_ties(n), TiesRule(alpha=0.0), p, {}, horizon=2, seed=0)
    m.follow(np.arange(10))
    m.step()
    assert np.array_equal(m.leads(), np.arange(10)) and np.all(m.group[:10] == 0)
    assert m.result().tally[1, kern.K_NEW_FOLLOWERS] == 10
    m.follow([3, 50])  # an existing follower is left as it is
    m.step()
    assert np.array_equal(m.leads(), np.r_[np.arange(10), 50])


# -- CSV ------------------------------------------------------------------------------------
def test_csv_round_trip_reproduces_the_base(tmp_path):
    path = tmp_path / "base.csv"
    budgets = {"vip": 3000.0}
    m = _model(BASE, budgets, n=3000)
    rows = write_customers_csv(m, path)
    assert rows == np.count_nonzero((m.purchases > 0) | (m.rel != 0))
    m2 = _model({"customers_csv": str(path)}, budgets, n=3000)
    for name in ("purchases", "last_buy", "rel", "group", "trust", "touch", "vip_group",
                 "active_since"):  # fmt: skip
        assert np.array_equal(getattr(m, name), getattr(m2, name)), name
    assert np.array_equal(m.group_count, m2.group_count) and np.array_equal(
        m.vip_count, m2.vip_count
    )
    assert np.array_equal(m.engine.state, m2.engine.state)
    assert np.array_equal(m.counts, m2.counts) and base_counts(m) == base_counts(m2)
    r1, r2 = m.run(), m2.run()
    assert np.array_equal(r1.tally, r2.tally) and np.array_equal(r1.spend, r2.spend)


HEADER = "id,purchases,last_purchase_day,follower,group,vip\n"


@pytest.mark.parametrize(
    ("body", "row", "field", "value"),
    [
        ("0,2,-3,1,,0\n1,x,-1,0,,0\n", 3, "purchases", "x"),
        ("0,2,5,1,,0\n", 2, "last_purchase_day", "5"),
        ("0,2,,1,,0\n", 2, "last_purchase_day", ""),
        ("0,0,-4,1,,0\n", 2, "last_purchase_day", "-4"),
        ("0,0,,0,,0\n", 2, "follower", "0"),
        ("0,1,-1,2,,0\n", 2, "follower", "2"),
        ("0,1,-1,0,3,0\n", 2, "group", "3"),
        ("0,1,-1,0,,1\n", 2, "vip", "1"),
        ("0,1,-1,1,,0\n0,1,-1,1,,0\n", 3, "id", "0"),
        ("-1,1,-1,1,,0\n", 2, "id", "-1"),
        ("0,1,-1,1\n", 2, "row", "0,1,-1,1"),
    ],
)
def test_bad_csv_rows_are_one_line_errors_naming_file_row_field_and_value(
    tmp_path, body, row, field, value
):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + body)
    with pytest.raises(ConfigError) as err:
        _params(start={"customers_csv": str(path)})
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and f"row {row}, {field}={value!r}" in msg


def test_csv_ids_beyond_the_market_groups_over_capacity_and_a_bad_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "0,1,-1,1,,0\n5000,1,-1,1,,0\n")
    with pytest.raises(ConfigError, match=r"row 3, id='5000'.*<= 2999"):
        _model({"customers_csv": str(path)}, n=3000)
    path.write_text(HEADER + "".join(f"{i},1,-1,1,7,0\n" for i in range(4)))
    with pytest.raises(ConfigError, match=r"row 5, group='7'.*capacity=3"):
        read_customers_csv(str(path), 100, 3)
    path.write_text("id,purchases\n0,1\n")
    with pytest.raises(ConfigError, match=r"row 1, header"):
        read_customers_csv(str(path))
    with pytest.raises(ConfigError, match=r"customers_csv='/no/such.csv'"):
        Start(customers_csv="/no/such.csv")


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"customers": 1.5}, "customers"),
        ({"customers": 0.7, "leads": 0.4}, "leads"),
        ({"mean_purchases": 0.5}, "mean_purchases"),
        ({"mean_days_since": -1.0}, "mean_days_since"),
        ({"trust": 0.0}, "trust"),
        ({"vip": "yes"}, "vip"),
    ],
)
def test_bad_start_values_are_one_line_errors(values, key):
    with pytest.raises(ConfigError, match=rf"market\.start\.{key}="):
        _params(start=values)


def test_the_start_section_is_configured_from_the_command_line(tmp_path):
    from hydra import compose, initialize_config_dir

    from diffusion_sim.cli import CONF_DIR
    from diffusion_sim.config import build

    path = tmp_path / "base.csv"
    path.write_text(HEADER + "0,3,-10,1,0,0\n1,0,,1,0,0\n")
    over = ["graph.n=200", f"market.start.customers_csv={path}", "market.start.trust=0.8"]
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=over)
        default = compose(config_name="config")
    st = build(cfg).market.start
    assert st.customers_csv == str(path) and st.trust == 0.8 and not st.empty
    assert build(default).market.start.customers == 0.02  # the configured modest base
    path.write_text(HEADER + "0,3,-10,1,0,0\n1,0,,1,0,x\n")
    with pytest.raises(ConfigError, match=r"row 3, vip='x'"):
        build(cfg)
