"""The Hydra app: config composition, validation messages, outputs and exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from conftest import run_cli
from diffusion_sim.cli import CONF_DIR, run
from diffusion_sim.config import build
from diffusion_sim.errors import ConfigError


def _cmd():
    exe = shutil.which("diffusion-sim", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "diffusion_sim"]


def _cli(tmp_path, *args, real=False):
    """The command with ``args``: in this process (fast), or ``real=True`` as a new process
    through the installed console script, as a user runs it."""
    args = (*args, f"hydra.run.dir={tmp_path}/out", "sim.progress=false")
    if not real:
        return run_cli(tmp_path, *args)
    return subprocess.run([*_cmd(), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def _compose(*overrides):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_readme_example_runs(tmp_path):
    res = _cli(
        tmp_path,
        "job=diffuse",
        "graph=erdos_renyi",
        "graph.n=10000",
        "graph.mean_degree=4",
        "contagion=threshold",
        "contagion.phi=0.18",
        "seeding.random=1",
        "sim.replications=100",
        "sim.steps=100",
        real=True,
    )
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    for name in (
        "timeseries.parquet",
        "summary.csv",
        "adoption_curve.png",
        "config.yaml",
        "consumers.parquet",
        ".hydra/config.yaml",
    ):
        assert (out / name).is_file(), name
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["replication"].nunique() == 100 and ts["step"].max() == 100
    assert "final adopted share" in res.stdout


@pytest.mark.parametrize(
    "override, message",
    [
        ("contagion.beta_weak=1.5", "contagion.beta_weak=1.5 is not allowed: a probability"),
        ("graph.n=0", "graph.n=0 is not allowed: an integer >= 1"),
        ("sim.replications=0", "sim.replications=0 is not allowed"),
    ],
)
def test_bad_values_stop_with_one_clear_message(tmp_path, override, message):
    res = _cli(tmp_path, override)
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "timeseries.parquet").exists()


def test_missing_edgelist_and_unknown_key(tmp_path):
    res = _cli(tmp_path, "graph=edgelist", f"graph.path={tmp_path}/missing.csv")
    assert res.returncode == 2 and "graph.path=" in res.stderr and "existing" in res.stderr
    res = _cli(tmp_path, "graph.mean_degree=4")  # not a key of the clustered graph
    assert res.returncode == 2 and "mean_degree" in res.stderr
    res = _cli(tmp_path, "graph.n=many")
    assert res.returncode == 2 and "graph.n=many is not allowed: an integer" in res.stderr


@pytest.mark.parametrize(
    "overrides, key",
    [
        (["contagion=threshold", "contagion.mode=share"], "contagion.mode"),
        (["contagion=cascade", "contagion.p_strong=-0.1"], "contagion.p_strong"),
        (["seeding.random=-1"], "seeding.random"),
        (["seeding.fraction=2.0"], "seeding.fraction"),
        (["sim.steps=-5"], "sim.steps"),
    ],
)
def test_build_rejects_bad_values(overrides, key):
    with pytest.raises(ConfigError, match=key):
        build(_compose(*overrides))


def test_config_groups_compose_and_build():
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):  # once: compose is slow
        for g in ("clustered", "sbm", "erdos_renyi", "watts_strogatz", "powerlaw_cluster",
                  "complete", "random_regular", "configuration"):  # fmt: skip
            for c in ("ties", "cascade", "threshold"):
                over = ["job=diffuse", f"graph={g}", f"contagion={c}"]
                spec = build(compose(config_name="config", overrides=over))
                assert spec.graph_kind == g and spec.rule.name == c


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (Path(CONF_DIR) / "experiment").glob("*.yaml"))
)
def test_every_experiment_runs_in_miniature(tmp_path, name):
    cfg = _compose(f"experiment={name}")
    with open_dict(cfg):
        if cfg.graph.kind != "complete":
            cfg.graph.n = 400
        else:
            cfg.graph.n = 50
        cfg.sim.steps = 5
        cfg.sim.replications = 2
        cfg.sim.progress = False
        if cfg.job == "validation":  # its own set-ups: fewer runs and one check
            cfg.validation.scale = 0.1
            cfg.validation.checks = ["centola_macy"]
        if cfg.job == "calibrate":  # the data set the horizon; a small search
            cfg.calibrate.particles = 10
            cfg.calibrate.generations = 2
    out = run(cfg, tmp_path)
    assert out.files["summary"].is_file() and out.files["plot"].is_file()
    if cfg.job == "diffuse":
        assert len(out.replications) == 2
    elif cfg.job == "compare":
        assert all(len(r) == 2 for r in out.comparison.runs.values())


def test_weak_ties_experiment_script_runs_in_miniature(tmp_path, monkeypatch):
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "experiments" / "strength_of_weak_ties.py"
    spec = importlib.util.spec_from_file_location("weak_ties_experiment", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "N", 400)
    monkeypatch.setattr(mod, "STEPS", 30)
    monkeypatch.setattr(mod, "REPS", 2)
    monkeypatch.setattr(mod, "OUT", tmp_path)
    df = mod.main()
    assert len(df) == 8 and (tmp_path / "weak_ties.png").is_file()
    # more weak ties never slow the spread down (same seeds: common random numbers)
    fixed = df[df["mode"] == "fixed weak ties"].set_index("weak_ties")["final_share"]
    assert fixed[4] >= fixed[0]


# -- the default job: the brand's plays at equal budget -------------------------------------
def test_default_job_compares_the_plays_in_miniature(tmp_path):
    from diffusion_sim.cli import format_summary

    cfg = _compose("graph.n=2000", "sim.steps=30", "sim.replications=3", "sim.progress=false")
    assert build(cfg).job == "compare" and list(cfg.compare.plays) == [
        "none", "vip", "ads", "bridging", "mix"
    ]  # fmt: skip
    out = run(cfg, tmp_path)
    for name in ("summary", "replications", "causes", "timeseries", "plot", "config"):
        assert out.files[name].is_file(), name
    s = pd.read_csv(out.files["summary"]).set_index("play")
    assert list(s.index) == ["none", "vip", "ads", "bridging", "mix"]
    assert s["p_best"].sum() == pytest.approx(1.0)
    assert s.loc["none", "spend"] == 0 and (s["spend"] <= cfg.compare.budget + 1e-6).all()
    for col in ("customers", "revenue", "profit", "spend", "roi", "cac"):
        assert {col, f"{col}_low", f"{col}_high"} <= set(s.columns)
    ts = pd.read_parquet(out.files["timeseries"])
    assert len(ts) == 5 * 3 * 31 and {"play", "replication", "step", "customers"} <= set(ts)
    text = format_summary(out)
    assert "P(best)" in text and "bridging" in text and "ROI" in text


@pytest.mark.parametrize(
    "override, message",
    [
        ("compare.budget=-5", "compare.budget=-5.0 is not allowed"),
        ("market.groups.capacity=0", "market.groups.capacity=0 is not allowed: an integer >= 1"),
        ("market.ads.ctr=1.2", "market.ads.ctr=1.2 is not allowed: a probability in [0, 1]"),
        ("compare.plays=[none,tv]", "compare.plays='tv' is not allowed: a play defined"),
        ("+compare.splits.tv={billboard:1.0}", "compare.splits.tv.billboard='billboard'"),
    ],
)
def test_bad_market_input_stops_with_one_clear_message(tmp_path, override, message):
    res = _cli(tmp_path, override, "graph.n=500", "sim.replications=1")
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()


def test_experiments_override_the_root_config():
    cfg = _compose("experiment=bass_limit")
    assert cfg.job == "diffuse" and cfg.sim.steps == 60 and cfg.graph.kind == "complete"
    cfg = _compose("experiment=bass_limit", "sim.steps=7")  # the command line still wins
    assert cfg.sim.steps == 7
