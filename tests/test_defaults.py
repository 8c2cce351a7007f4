"""The Python defaults are the command line's: every field of the composed default config
(``diffusion-sim`` with no override) equals the default of its dataclass, so ``MarketParams()``,
``Compare()``, ``TiesContagion()`` … give the market ``diffusion-sim`` runs, and the two can
never drift apart again (issue 14: the ``ties`` schema and VIP advocacy kept the fast market's
values while the YAML had the credible ones)."""

from __future__ import annotations

import dataclasses

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from diffusion_sim import config as cfgmod
from diffusion_sim.cli import CONF_DIR

#: Dotted keys whose YAML value differs from the dataclass default on purpose, with the
#: reason. Keep it empty unless a Python default cannot be the command line's.
INTENDED: dict[str, str] = {}


@pytest.fixture(scope="module")
def composed() -> dict:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config")
    return OmegaConf.to_container(cfg, resolve=True)


def _python_defaults() -> dict:
    """The default config as Python builds it: each section's dataclass with no argument (the
    default options of the groups: clustered graph, ties rule, random seeding)."""
    out = {
        "graph": cfgmod.ClusteredGraph(),
        "contagion": cfgmod.TiesContagion(),
        "seeding": cfgmod.SeedingConfig(),
        "market": cfgmod.MarketParams(),
        "compare": cfgmod.CompareConfig(),
        "sim": cfgmod.SimConfig(),
        **{job: cls() for job, cls in cfgmod._DECIDE_SCHEMAS.items()},
    }
    out = {k: dataclasses.asdict(v) for k, v in out.items()}
    for f in dataclasses.fields(cfgmod.Config):  # the top-level scalars (job, seed, plot)
        if f.name not in out:
            out[f.name] = f.default
    return out


def _built(composed: dict) -> dict:
    """The composed values through the same classes (normalised as a run sees them, e.g.
    ``calibrate.params: null`` becomes the default list)."""
    c = dict(composed)
    out = {
        "graph": cfgmod.ClusteredGraph(**c["graph"]),
        "contagion": cfgmod.TiesContagion(**c["contagion"]),
        "seeding": cfgmod.SeedingConfig(**c["seeding"]),
        "market": cfgmod.market_params(c["market"]),
        "compare": cfgmod.CompareConfig(**c["compare"]),
        "sim": cfgmod.SimConfig(**c["sim"]),
        **{job: cls(**c[job]) for job, cls in cfgmod._DECIDE_SCHEMAS.items()},
    }
    return {**c, **{k: dataclasses.asdict(v) for k, v in out.items()}}


def _diff(a, b, path=""):
    """Dotted keys where the nested values ``a`` and ``b`` differ (or a key is missing)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            key = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                out.append(key)
            else:
                out += _diff(a[k], b[k], key)
        return out
    # exact equality, type too (1 is not 1.0 here: an int default is a different market
    # only in name, but a float share written as 0.3333333333333334 must be that double)
    same = a == b and type(a) is type(b) if not isinstance(a, list) else a == b
    return [] if same else [path]


def test_every_default_of_the_command_line_is_the_dataclass_default(composed):
    py = _python_defaults()
    yaml = _built(composed)
    drift = [k for k in _diff(yaml, py) if k not in INTENDED]
    detail = {k: (_get(yaml, k), _get(py, k)) for k in drift}
    assert not drift, f"YAML (diffusion-sim) vs Python defaults: {detail}"


def test_the_raw_yaml_names_every_field_of_the_schemas(composed):
    """Before normalisation, too: the YAML and the dataclasses have the same keys, and each
    raw value is the default (``calibrate.params: null`` means the default list)."""
    py = _python_defaults()
    raw = dict(composed)
    drift = [k for k in _diff(raw, py) if k not in INTENDED and k != "calibrate.params"]
    assert not drift, {k: (_get(raw, k), _get(py, k)) for k in drift}


def test_the_credible_market_is_the_python_default():
    """The values of issue 14's gap, by name: organic rates, VIP advocacy, the market in
    real consumers, the brand's base, the continuation."""
    t, m = cfgmod.TiesContagion(), cfgmod.MarketParams()
    assert (t.alpha, t.beta_strong, t.beta_weak) == (2e-5, 3.5e-4, 7e-5)
    assert (m.vip.advocacy_strong, m.vip.advocacy_weak) == (0.001, 0.0002)
    assert m.size == 200_000 and not m.start.empty and m.value.long_horizon == 365


def test_intended_differences_are_real_keys(composed):
    for key in INTENDED:
        _get(_python_defaults(), key)


def _get(tree, key):
    for part in key.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return "<missing>"
        tree = tree[part]
    return tree


def test_a_python_comparison_with_the_defaults_is_the_command_lines():
    """README's Python example on a small sample gives the numbers of ``diffusion-sim``'s
    default comparison, bit for bit (continuation off and two plays on both sides, for speed;
    the mix funds VIP, ads and bridging)."""
    from dataclasses import replace

    from diffusion_sim.contagion import TiesRule
    from diffusion_sim.graph import clustered
    from diffusion_sim.market.compare import compare
    from diffusion_sim.market.params import Compare, MarketParams, Value
    from diffusion_sim.seeding import Seeding

    over = ["graph.n=2000", "sim.steps=20", "sim.replications=2", "market.value.long_horizon=0",
            "compare.plays=[none,mix]"]  # fmt: skip
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        spec = cfgmod.build(compose(config_name="config", overrides=over))
    cli = compare(spec.make_graph(), spec.rule, spec.market, spec.plan, horizon=spec.steps,
                  replications=spec.replications, seed=spec.seed, seeding=spec.seeding)  # fmt: skip
    g = clustered(2000, group_size=10, weak_ties=2.0, seed=0)
    rule = TiesRule(alpha=2e-5, beta_strong=3.5e-4, beta_weak=7e-5)  # README's rule
    market = replace(MarketParams(), value=Value(long_horizon=0))
    plan = Compare(plays=["none", "mix"])
    py = compare(g, rule, market, plan, horizon=20, replications=2, seed=0,
                 seeding=Seeding(random=10))  # fmt: skip
    assert spec.rule == rule
    assert py.per_replication().equals(cli.per_replication())
