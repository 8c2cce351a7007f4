"""The browser app's logic without a browser: inputs -> overrides -> the CLI's numbers,
sources and ranges from the config, the report, the lessons, colours and titles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from diffusion_sim.app import runner
from diffusion_sim.app.lessons import (
    LESSONS,
    build,
    curves_figure,
    holes_graph,
    network_figure,
    parse_settings,
    rank_bridges,
    rank_hubs,
)
from diffusion_sim.app.report import result_view, write_report
from diffusion_sim.app.sources import market_parameters, organic_parameters, yaml_notes
from diffusion_sim.app.strategist import parse_split
from diffusion_sim.market.colours import play_colour, play_colours, strategy_colour
from diffusion_sim.market.registry import CAUSE_COLOURS, STRATEGIES
from diffusion_sim.states import Cause, State

SMALL = runner.Inputs(n="600", horizon="20", replications="2", budget="20000", seed="3",
                      plays=["none", "ads", "bridging", "ab"],
                      splits={"ab": {"ads": 0.5, "bridging": 0.5}},
                      values={"market.ads.cpm": "150"})  # fmt: skip


def test_inputs_become_the_overrides_and_command_a_user_would_type():
    ovr = runner.overrides(SMALL)
    assert ovr == ["graph.n=600", "compare.budget=20000", "sim.steps=20", "sim.replications=2",
                   "seed=3", "compare.plays=[none,ads,bridging,ab]",
                   "+compare.splits.ab={ads:0.5,bridging:0.5}", "market.ads.cpm=150"]  # fmt: skip
    assert runner.command(ovr).startswith("diffusion-sim graph.n=600 ")
    assert "'compare.plays=[none,ads,bridging,ab]'" in runner.command(ovr)  # shell-quoted
    assert runner.overrides(runner.Inputs()) == []  # all defaults: the bare command


@pytest.mark.parametrize(
    "extra, message",
    [
        (["compare.budget=abc"], "compare.budget=abc is not allowed"),
        (["market.ads.ctr=1.5"], "market.ads.ctr=1.5 is not allowed: a probability in [0, 1]"),
        (["sim.steps=-1"], "sim.steps"),
    ],
)
def test_bad_input_gets_the_commands_one_line_message(extra, message):
    assert runner.check(runner.overrides(SMALL)) is None
    got = runner.check(runner.overrides(SMALL) + extra)
    assert got is not None and message in got and "\n" not in got and "Traceback" not in got


def test_the_page_run_gives_the_numbers_of_the_command(tmp_path):
    """Same inputs, same numbers: the page's worker process vs ``diffusion-sim`` itself."""
    ovr = runner.overrides(SMALL)
    job = runner.start(ovr, tmp_path / "page")
    event = job.wait(300)
    assert event[0] == "done", event
    cli_dir = tmp_path / "cli"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = [sys.executable, "-m", "diffusion_sim", *ovr, f"hydra.run.dir={cli_dir}"]
    subprocess.run(argv, check=True, capture_output=True, env=env, timeout=300)
    for name in ("summary.csv", "replications.csv", "causes.csv"):
        page = pd.read_csv(tmp_path / "page" / name)
        cli = pd.read_csv(cli_dir / name)
        pd.testing.assert_frame_equal(page, cli, check_exact=True)
    assert (tmp_path / "page" / "config.yaml").read_text() == (cli_dir / "config.yaml").read_text()
    # the figure too, title included (it names the same changed settings)
    page_png = (tmp_path / "page" / "comparison.png").read_bytes()
    assert page_png == (cli_dir / "comparison.png").read_bytes()
    view = result_view(tmp_path / "page")
    assert [r[0] for r in view["rows"]] == ["none", "ads", "bridging", "ab"]
    assert view["verdict"][0].startswith("most profit: ")
    report = write_report(tmp_path / "page", runner.command(ovr), [], event[2])
    text = report.read_text()
    assert runner.command(ovr).replace("'", "&#x27;") in text
    assert "data:image/png;base64," in text and "<td>bridging</td>" in text


def test_a_cancelled_run_stops_its_process(tmp_path):
    job = runner.start([*runner.overrides(SMALL), "sim.replications=200"], tmp_path / "c")
    job.cancel()
    assert not job.process.is_alive()


def test_sources_and_ranges_come_from_the_config_files():
    cfg = runner.default_config()
    conf = runner._conf_dir()
    params = {p.key: p for p in market_parameters(cfg, conf)}
    cpm = params["market.ads.cpm"]
    assert cpm.value == cfg["market"]["ads"]["cpm"] and cpm.label == "SOURCED-2nd"
    assert cpm.range == tuple(cfg["uncertainty"]["ranges"]["market"]["ads"]["cpm"])
    assert params["market.ads.ctr"].label == "ESTIMATE" and params["market.ads.ctr"].allowed
    notes = yaml_notes(str(Path(conf) / "market" / "default.yaml"))
    labelled = [k for k, (_, lab, _) in notes.items() if lab]
    assert len(labelled) > 30  # every labelled line of the file is read
    organic = {p.key: p for p in organic_parameters(cfg, conf, "ties")}
    assert organic["contagion.beta_weak"].label == "ESTIMATE"


def test_extra_play_text_is_parsed_or_answered():
    assert parse_split("ab: ads=0.5, vip=0.5", ["none"]) == ("ab", {"ads": 0.5, "vip": 0.5})
    assert "taken" in parse_split("mix: ads=1", ["mix"])
    assert "not a strategy" in parse_split("x: tv=1", [])
    assert "[0, 1]" in parse_split("x: ads=2", [])


def test_colours_are_fixed_per_play_and_derived_from_the_registry():
    for s in STRATEGIES:
        assert play_colour(s) == strategy_colour(s)
    assert play_colour("ads") == CAUSE_COLOURS[Cause.AD]
    # order does not matter; no two plays of one figure share a colour
    a = play_colours(["none", "ads", "vip", "mix"])
    b = play_colours(["mix", "vip", "ads", "none"])
    assert a == b and len(set(a.values())) == 4
    many = play_colours([f"split{k}" for k in range(8)])
    assert len(set(many.values())) == 8
    assert len(set(CAUSE_COLOURS.values())) == len(CAUSE_COLOURS)


# -- lessons -------------------------------------------------------------------------------


def test_lesson_settings_answer_bad_input():
    v, errors = parse_settings(LESSONS["weak_ties"], {"seed": "abc", "beta_weak": "2"})
    assert errors == ["β weak (per step): '2' is not allowed: a number in [0, 1]",
                      "seed: 'abc' is not allowed: an integer in [0, 2147483647]"]  # fmt: skip
    assert v["seed"] == 2  # the default stands in
    _, errors = parse_settings(LESSONS["complex_contagion"], {"k": "7"})
    assert errors and "even" in errors[0]


def test_weak_ties_off_keeps_word_of_mouth_in_the_seed_communities():
    lesson = LESSONS["weak_ties"]
    v, _ = parse_settings(lesson, {"beta_strong": "0.5", "seeds": "2", "seed": "4"})
    on, off = build(lesson, v)
    assert on.model.graph is off.model.graph
    assert np.array_equal(on.model.seeds, off.model.seeds)  # the same first adopters
    for _ in range(40):
        on.model.step()
        off.model.step()
    g = off.model.graph
    seeded = set(g.community[off.model.seeds])
    adopted_off = np.flatnonzero(off.model.engine.state == State.ADOPTED)
    assert set(g.community[adopted_off]) == seeded  # exact: no path out without weak ties
    assert on.adopted > off.adopted
    fig = curves_figure(lesson, v, [on, off])
    assert "β weak 0.15 vs 0" in fig.axes[0].get_title()
    assert fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel() == "step"
    net = network_figure(lesson, [on, off])
    assert f"{off.adopted} of {g.n} adopted" in net.axes[1].get_title()


def test_structural_holes_seeds_differ_and_match_the_plays_rules():
    g = holes_graph(10, 6, 30, 0.5, seed=2)
    hubs = rank_hubs(g)[:3]
    assert set(g.community[hubs]) == {0}  # the large close-knit group has the most ties
    deg = g.degree()
    assert deg[hubs].min() >= np.sort(deg)[-3]
    bridges = rank_bridges(g)[:3]
    from diffusion_sim.graph.bridges import bridge_scores

    reach = bridge_scores(g)["communities_reached"]
    assert reach[bridges].min() >= np.sort(reach)[-3]  # most other communities reached
    lesson = LESSONS["structural_holes"]
    v, _ = parse_settings(lesson, {})
    arms = build(lesson, v)
    assert [a.label.split()[-1] for a in arms] == ["bridges", "hubs", "random"]
    assert all(len(a.model.seeds) == v["seeds"] for a in arms)  # the same budget


def test_complex_contagion_long_ties_help_simple_and_stop_complex():
    lesson = LESSONS["complex_contagion"]
    v, _ = parse_settings(lesson, {"n": "200", "k": "6", "p": "0.5", "threshold": "2"})
    simple_lattice, simple_long, complex_lattice, complex_long = build(lesson, v)
    for _ in range(60):
        for arm in (simple_lattice, simple_long, complex_lattice, complex_long):
            arm.model.step()
    # threshold 2 on a ring of 6 neighbours from 4 adjacent seeds: on the lattice a front
    # advances deterministically both ways (two consumers a step each way): all by step 50
    assert complex_lattice.adopted == 200
    assert complex_long.adopted < 0.2 * 200
    assert simple_long.curve()[20] > simple_lattice.curve()[20]


# -- colours and titles of the project's figures ---------------------------------------------


def test_comparison_figure_colours_follow_the_play_not_its_position(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from diffusion_sim.contagion import TiesRule
    from diffusion_sim.graph import clustered
    from diffusion_sim.market import plots
    from diffusion_sim.market.compare import compare
    from diffusion_sim.market.params import Compare, MarketParams

    g = clustered(300, 10, 1.0, seed=1)
    rule = TiesRule(1e-3, 0.01, 0.005)
    seen = []
    monkeypatch.setattr(plt, "close", lambda fig: seen.append(fig))  # keep the figure
    for plays in (["none", "ads", "vip"], ["none", "vip", "ads"]):
        comp = compare(g, rule, MarketParams(), Compare(budget=5000.0, plays=plays),
                       horizon=5, replications=1, seed=0)  # fmt: skip
        plots.plot_comparison(comp, tmp_path / "c.png")
        lines = {ln.get_label(): ln.get_color() for ln in seen[-1].axes[0].get_lines()}
        assert lines == {p: play_colour(p) for p in plays}


def test_figure_titles_name_the_rule_and_the_changed_settings():
    from hydra.core.hydra_config import HydraConfig

    from diffusion_sim.contagion import TiesRule
    from diffusion_sim.plotting import changed_settings, rule_label

    assert rule_label(TiesRule(0.0002, 0.05, 0.02)) != rule_label(TiesRule(0.0002, 0.05, 0.0))
    titles = []
    for extra in ([], ["contagion.beta_weak=0"]):
        cfg = runner.compose_config(["experiment=weak_ties_demo", "sim.threads=1", *extra],
                                    with_hydra=True)  # fmt: skip
        HydraConfig.instance().set_config(cfg)
        titles.append(changed_settings())
    HydraConfig.instance().cfg = None
    assert titles == ["experiment=weak_ties_demo",
                      "experiment=weak_ties_demo contagion.beta_weak=0"]  # fmt: skip
