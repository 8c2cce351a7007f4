"""The decision jobs: response curves, budget flags, the optimiser and the calibration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from diffusion_sim.contagion import TiesRule
from diffusion_sim.decide.curves import response_curves
from diffusion_sim.decide.spend import UNSPENT_NOTE, spend_columns, underspent_line
from diffusion_sim.graph import clustered
from diffusion_sim.market.compare import compare
from diffusion_sim.market.params import Compare, MarketParams

RULE = TiesRule(alpha=1e-4, beta_strong=0.004, beta_weak=0.002)


@pytest.fixture(scope="module")
def small_market():
    return clustered(1500, group_size=10, weak_ties=2.0, seed=3)


@pytest.fixture(scope="module")
def small_curves(small_market):
    plan = Compare(budget=10_000.0)
    return response_curves(
        small_market, RULE, MarketParams(), plan, plays=["ads", "vip", "bridging"],
        grid=(0.0, 0.5, 1.0, 2.0), horizon=40, replications=3, seed=5,
    )  # fmt: skip


def test_curves_never_spend_more_than_the_budget(small_curves):
    """Absorbed spend is at most each grid point's budget in every replication."""
    r = small_curves.replications
    assert (r["spend"] <= r["budget"] + 1e-6).all()
    t = small_curves.table
    assert len(t) == 3 * 4 and set(t["budget"]) == {0.0, 5000.0, 10_000.0, 20_000.0}
    assert (t["spent_share"].dropna() <= 1 + 1e-9).all()


def test_zero_budget_is_the_baseline_exactly(small_market, small_curves):
    """The zero-budget point of every curve is the baseline: no spend and no increment; and a
    play whose strategies get no money is bit-identical to no action."""
    t = small_curves.table[small_curves.table["budget"] == 0]
    cols = ["spend", "incr_customers", "incr_profit"]
    assert (t[cols].to_numpy() == 0).all()
    plan = Compare(
        budget=10_000.0,
        plays=["none", "zero"],
        splits={"none": {}, "zero": {"ads": 0.0, "vip": 0.0}},
    )
    df = compare(small_market, RULE, MarketParams(), plan, horizon=30, replications=2, seed=5)
    a = df.per_replication()
    base = a[a["play"] == "none"].drop(columns=["play", "best"]).reset_index(drop=True)
    zero = a[a["play"] == "zero"].drop(columns=["play", "best"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(base, zero)


def test_common_random_numbers_across_the_grid(small_market, small_curves):
    """A grid point gives the same runs as a plain comparison at that budget with the same
    seed: the grid shares the comparison's random numbers."""
    plan = Compare(budget=5000.0, plays=["none", "ads"])
    comp = compare(small_market, RULE, MarketParams(), plan, horizon=40, replications=3, seed=5)
    d = comp.per_replication()
    r = small_curves.replications
    got = r[(r["play"] == "ads") & (r["budget"] == 5000.0)]["incr_profit"].to_numpy()
    want = d[d["play"] == "ads"]["incr_profit"].to_numpy()
    np.testing.assert_allclose(got, want)


def test_saturating_audience_shows_falling_marginal_roi():
    """A tiny market's ad audience runs out: spend stops growing with the budget, the marginal
    ROI falls and the saturation point is found on the grid."""
    g = clustered(1000, group_size=10, weak_ties=2.0, seed=1)
    c = response_curves(
        g, RULE, MarketParams(), Compare(budget=4000.0), plays=["ads"],
        grid=(0.0, 0.5, 1.0, 2.0, 4.0), horizon=30, replications=3, seed=2,
    )  # fmt: skip
    t = c.table
    m = t["mroi"].dropna().to_numpy()
    assert m.size >= 2 and m[-1] < m[0]
    sat = c.saturation().iloc[0]
    assert math.isfinite(sat["saturation_budget"])
    spend = t["spend"].to_numpy()
    assert spend[-1] < 0.9 * t["budget"].iloc[-1]  # the last yuan is not absorbed


def test_underspent_plays_are_flagged(small_market):
    """summary.csv's spent_share / underspent and the verdict line name a play that spent
    less than 90 % of its budget and say what happens to the rest."""
    plan = Compare(budget=20_000.0, plays=["none", "vip", "bridging"])
    comp = compare(small_market, RULE, MarketParams(), plan, horizon=30, replications=2, seed=1)
    s = spend_columns(comp.summary(), comp)
    row = s.set_index("play")
    assert row.loc["vip", "underspent"] and row.loc["vip", "spent_share"] < 0.9
    assert not row.loc["bridging", "underspent"]
    assert math.isnan(row.loc["none", "spent_share"]) and not row.loc["none", "underspent"]
    line = underspent_line(s)
    assert "vip" in line and "bridging" not in line and UNSPENT_NOTE in line
    assert list(s.columns).index("spent_share") == list(s.columns).index("spend_high") + 2


# --- the CLI ------------------------------------------------------------------------------
def _compose(*overrides):
    from hydra import compose, initialize_config_dir

    from diffusion_sim.cli import CONF_DIR

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


SMALL = ("graph.n=1500", "sim.steps=30", "sim.replications=2", "sim.progress=false",
         "compare.budget=10000")  # fmt: skip


def test_compare_job_flags_underspent_plays(tmp_path):
    """The comparison's table, verdict and summary.csv flag plays below 90 % of budget."""
    from diffusion_sim.cli import format_summary, run

    out = run(_compose(*SMALL, "plot=false"), tmp_path)
    text = format_summary(out)
    s = pd.read_csv(out.files["summary"])
    assert {"budget", "spent_share", "underspent"} <= set(s.columns)
    assert s.set_index("play").loc["vip", "underspent"]
    assert "spent" in text.splitlines()[3] and " !" in text
    assert "spent less than 90% of their budget: vip" in text and UNSPENT_NOTE in text


def test_curves_job_writes_its_files(tmp_path):
    from diffusion_sim.cli import format_summary, run

    cfg = _compose(*SMALL, "job=curves", "curves.grid=[0,1,2]", "curves.plays=[ads,mix]")
    out = run(cfg, tmp_path)
    for name in ("curves.csv", "curves_runs.csv", "curves.png", "config.yaml"):
        assert (tmp_path / name).is_file(), name
    t = pd.read_csv(tmp_path / "curves.csv")
    assert len(t) == 2 * 3 and {"mroi_low", "mroi_high", "saturation_budget"} <= set(t.columns)
    assert out.result.to_frame().shape == t.shape
    text = format_summary(out)
    assert "ads:" in text and "kept by the brand" in text


@pytest.mark.parametrize(
    "override, key",
    [
        ("curves.grid=[-1]", "curves.grid"),
        ("curves.min_spent_share=2", "curves.min_spent_share"),
        ("optimize.objective=revenue", "optimize.objective"),
        ("optimize.strategies=[ads,tv]", "optimize.strategies"),
        ("optimize.trials=0", "optimize.trials"),
        ("calibrate.time_unit=fortnight", "calibrate.time_unit"),
        ("calibrate.params=[contagion.phi]", "calibrate.params"),
    ],
)
def test_decision_values_are_checked(override, key):
    from diffusion_sim.config import build
    from diffusion_sim.errors import ConfigError

    job = key.split(".")[0]
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        build(_compose(f"job={job}", override, "calibrate.data=data/wechat_users.csv"))


def test_bad_decision_value_stops_with_one_line(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("diffusion-sim", path=str(Path(sys.executable).parent))
    res = subprocess.run(
        [exe, "job=calibrate", f"calibrate.data={tmp_path}/none.csv", f"hydra.run.dir={tmp_path}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().startswith("diffusion-sim: error: calibrate.data=")
    assert "an existing CSV file" in res.stderr
