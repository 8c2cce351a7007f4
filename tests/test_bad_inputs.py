"""Every bad input gets one line, exit 2, no traceback and no folder: a corpus of refusals.

The command runs in this process (``cli.main`` with ``sys.argv``), which is what the console
script does, so hundreds of cases take seconds. Cases are generated from the schemas where
that is possible (every numeric field of the market gets NaN and infinity), so a field added
later is covered without editing this file.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import math
import sys
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from diffusion_sim import cli
from diffusion_sim.config import build
from diffusion_sim.errors import ConfigError, GraphFormatError
from diffusion_sim.graph import read_edgelist
from diffusion_sim.market.params import MarketParams

_count = itertools.count()


def _call(tmp: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp / f"run{next(_count)}"
    res = run_cli(tmp, *args, f"hydra.run.dir={out}", "sim.progress=false")
    return res.returncode, res.stderr, out


def _lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("[")]


def _numeric_market_keys() -> list[str]:
    """Every int/float field of the market's sections, as ``market.<section>.<key>``."""
    keys = []
    for sec in dataclasses.fields(MarketParams):
        sub = typing.get_type_hints(MarketParams)[sec.name]
        if not dataclasses.is_dataclass(sub):
            continue
        hints = typing.get_type_hints(sub)
        for f in dataclasses.fields(sub):
            if hints[f.name] in (int, float):
                keys.append(f"market.{sec.name}.{f.name}")
    return keys


# (overrides, expected exit code, message fragment)
CASES: list[tuple[tuple[str, ...], int, str]] = [
    # unknown keys, plain and with +, and near misses
    (("sim.step=5",), 2, "did you mean 'steps'"),
    (("+sim.step=5",), 2, "did you mean 'steps'"),
    (("+graph.x=1",), 2, "graph.x=1 is not allowed"),
    (("+contagion.x=1",), 2, "contagion.x=1 is not allowed"),
    (("+seeding.x=1",), 2, "seeding.x=1 is not allowed"),
    (("+compare.x=1",), 2, "compare.x=1 is not allowed"),
    (("+market.ads.ctrr=0.1",), 2, "did you mean 'ctr'"),
    (("market.ads.ctrr=0.1",), 2, "did you mean 'ctr'"),
    (("market.adz.ctr=0.1",), 2, "did you mean 'ads'"),
    (("foo=1",), 2, "'foo' is not a key of the config"),
    (("+foo=1",), 2, "foo=1 is not allowed"),
    (("graph.threshold=0.5",), 2, "'threshold' is not a key of graph"),
    (("graph.mean_degree=4",), 2, "'mean_degree' is not a key of graph"),
    (("contagion.phi=0.2",), 2, "'phi' is not a key of contagion"),
    # unknown options, experiments and jobs
    (("graph=foo",), 2, "graph=foo is not allowed: one of clustered"),
    (("graph=clusterd",), 2, "did you mean 'clustered'"),
    (("contagion=tie",), 2, "did you mean 'ties'"),
    (("seeding=hub",), 2, "did you mean 'hubs'"),
    (("market=nope",), 2, "market=nope is not allowed"),
    (("experiment=nope",), 2, "experiment=nope is not allowed: one of"),
    (("experiment=weak_ties_dem",), 2, "did you mean 'weak_ties_demo'"),
    (("job=difuse",), 2, "did you mean 'diffuse'"),
    (("job=everything",), 2, "job='everything' is not allowed"),
    (("hydra/launcher=nope",), 2, "hydra/launcher=nope is not allowed"),
    # types the schema refuses
    (("sim.steps=abc",), 2, "sim.steps=abc is not allowed: an integer"),
    (("sim.replications=1.5",), 2, "sim.replications=1.5 is not allowed: an integer"),
    (("graph.n=1e10",), 2, "graph.n=1e10 is not allowed: an integer"),
    (("seed=abc",), 2, "seed=abc is not allowed: an integer"),
    (("plot=maybe",), 2, "plot='maybe' is not allowed: true or false"),
    (("sim.progress=sometimes",), 2, "true or false"),
    (("compare.budget=lots",), 2, "compare.budget=lots is not allowed: a number"),
    (("sim.steps=[",), 2, "cannot parse the override"),
    (("compare.plays=[none,ads",), 2, "cannot parse the override"),
    # values out of range
    (("seed=-1",), 2, "seed=-1 is not allowed"),
    (("sim.steps=0",), 2, "sim.steps=0 is not allowed"),
    (("sim.replications=0",), 2, "sim.replications=0 is not allowed"),
    (("sim.threads=0",), 2, "sim.threads=0 is not allowed"),
    (("sim.workers=0",), 2, "sim.workers=0 is not allowed"),
    (("sim.backend=dask",), 2, "sim.backend='dask' is not allowed"),
    (("sim.steps=100000",), 2, "at most 36,500 days"),
    (("sim.replications=1000000",), 2, "at most 10,000"),
    (("graph.n=0",), 2, "graph.n=0 is not allowed"),
    (("graph.n=10000000000",), 2, "fits in memory"),
    (("graph.weak_ties=nan",), 2, "graph.weak_ties=nan is not allowed: a finite number"),
    (("graph.weak_ties=inf",), 2, "a finite number"),
    (("graph.weak_ties=-1",), 2, "graph.weak_ties"),
    (("graph.p_strong=1.5",), 2, "graph.p_strong"),
    (("graph.group_size=0",), 2, "graph.group_size"),
    (("contagion.alpha=nan",), 2, "contagion.alpha=nan"),
    (("contagion.beta_weak=1.5",), 2, "contagion.beta_weak=1.5 is not allowed: a probability"),
    (("contagion.beta_strong=-0.1",), 2, "contagion.beta_strong"),
    (("contagion=threshold", "job=compare"), 2, "job=diffuse runs plain diffusion"),
    (("job=diffuse", "contagion=threshold", "contagion.phi=nan"), 2, "contagion.phi=nan"),
    (("job=diffuse", "contagion=threshold", "contagion.mode=odd"), 2, "contagion.mode"),
    (("job=diffuse", "contagion=cascade", "contagion.p_weak=2"), 2, "contagion.p_weak"),
    (("job=diffuse", "market.ads.ctr=5"), 2, "market.ads.ctr=5.0 is not allowed"),
    (("seeding.random=-3",), 2, "seeding.random"),
    (("seeding.fraction=2",), 2, "seeding.fraction"),
    (("compare.budget=-5",), 2, "compare.budget"),
    (("compare.budget=nan",), 2, "compare.budget=nan"),
    (("compare.budget=inf",), 2, "compare.budget=inf"),
    (("compare.plays=[none,nosuchplay]",), 2, "nosuchplay"),
    (("compare.baseline=nosuch",), 2, "compare.baseline"),
    (("market.ads.ctr=1.2",), 2, "market.ads.ctr=1.2 is not allowed: a probability in [0, 1]"),
    (("market.ads.targeting=nobody",), 2, "market.ads.targeting='nobody'"),
    (("market.vip.entry=sometimes",), 2, "market.vip.entry"),
    (
        ("market.ads.targeting=community", "market.ads.communities=[99999]", "graph.n=200"),
        2,
        "not in the graph: [99999]",
    ),
    (
        ("market.ads.targeting=community", "market.ads.communities=[-1]", "graph.n=200"),
        2,
        "market.ads.communities",
    ),
    (("seeding.nodes=[5000]", "graph.n=200"), 2, "seeding.nodes=5000 is not allowed"),
    (("market.product.price=-1",), 2, "market.product.price"),
    (("market.product.margin=2",), 2, "market.product.margin"),
    (("market.product.price=1e308",), 2, "at most 1,000,000,000 CNY"),
    (("market.ads.cpm=1e-300",), 2, "market.ads.cpm=1e-300 is not allowed: a number in [0.1"),
    (("compare.budget=1e20",), 2, "compare.budget=1e+20 is not allowed"),
    (("market.ads.view_days=1000000",), 2, "(days)"),
    (("graph=sbm", "graph.p_in=inf"), 2, "graph.p_in=inf"),
    (("graph=sbm", "graph.blocks=0"), 2, "graph.blocks"),
    (("graph=erdos_renyi", "graph.mean_degree=nan"), 2, "graph.mean_degree=nan"),
    (("graph=erdos_renyi", "graph.tie=medium"), 2, "graph.tie"),
    (("graph=watts_strogatz", "graph.p=1.5"), 2, "graph.p"),
    (("graph=powerlaw_cluster", "graph.m=0"), 2, "graph.m"),
    (("graph=complete", "graph.n=0"), 2, "graph.n"),
    (("graph=edgelist",), 2, "graph.path"),
    (("graph=edgelist", "graph.path=/no/such/file.csv"), 2, "graph.path='/no/such/file.csv'"),
    (("graph=edgelist", "graph.path=/etc/hostname", "graph.ids=maybe"), 2, "graph.ids"),
    (("graph=edgelist", "graph.path=/etc/hostname"), 2, "graph.path='/etc/hostname'"),
    # booleans: OmegaConf would read any integer as true
    (("market.groups.enabled=3",), 2, "market.groups.enabled='3' is not allowed: true or false"),
    (("plot=yes",), 2, "plot='yes' is not allowed: true or false"),
    (("sim.parallel=2",), 2, "sim.parallel='2' is not allowed: true or false or null"),
    (("-m", "sim.fresh_graph=true,1"), 2, "sim.fresh_graph='1' is not allowed"),
]
# every numeric field of the market, NaN and -inf: checked at build() (the same ConfigError
# the command prints; the command path itself is covered by CASES above)
GENERATED = [(key, v) for key in _numeric_market_keys() for v in (math.nan, -math.inf)]


def test_boolean_keys_come_from_the_schemas():
    from diffusion_sim.config import bool_keys, check_bool_overrides

    keys = bool_keys()
    assert {"plot", "sim.parallel", "market.groups.enabled", "market.ads.count_as_message"} <= set(
        keys
    )
    assert keys["sim.parallel"] and not keys["plot"]  # which may be null
    for ok in (
        "plot=False",
        "plot=TRUE",
        "sim.parallel=null",
        "market.groups.enabled=true,false",
        "sim.steps=3",
        "plot",
        "plot=${oc.env:NO_PLOT,false}",
        "plot=choice(true,false)",
    ):
        check_bool_overrides([ok])  # accepted


def test_corpus_is_large_enough():
    assert len(CASES) + len(GENERATED) + len(EDGE_CASES) >= 150


@pytest.mark.parametrize("key, value", GENERATED, ids=[f"{k}={v}" for k, v in GENERATED])
def test_every_market_number_refuses_nan_and_infinity(key, value):
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = _default_config()
    import copy

    cfg = copy.deepcopy(_DEFAULT)
    node = cfg
    *path, last = key.split(".")
    for k in path:
        node = node[k]
    node[last] = value
    with pytest.raises(ConfigError) as ex:
        build(cfg)
    assert ex.value.key == key and "\n" not in str(ex.value)


@pytest.mark.parametrize("args, code, fragment", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_override_gets_one_line(tmp_path, args, code, fragment):
    got, err, out = _call(tmp_path, *args)
    lines = _lines(err)
    assert got == code, err
    assert len(lines) == 1, err
    assert lines[0].startswith("diffusion-sim: error: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in err
    assert not out.exists(), list(out.rglob("*"))  # no run folder left behind


# -- edge-list files -------------------------------------------------------------------------
H = "source,target,tie\n"
EDGE_CASES: list[tuple[str, bytes, str]] = [
    ("empty.csv", b"", "the file is empty"),
    ("header.csv", H.encode(), "has a header but no ties"),
    ("blank.csv", b"\n\n", "the file is empty"),
    ("fields.csv", (H + "a,b,strong\nc,d,weak,extra\n").encode(), "line 3 (data row 2): 4 fields"),
    ("quote.csv", (H + 'a,b,strong\n"c,d,weak\ne,f,weak\n').encode(), "never closed"),
    ("tie.csv", (H + "a,b,strong\nc,d,medium\n").encode(), "data row 2: tie='medium'"),
    ("nosrc.csv", (H + ",b,strong\n").encode(), "data row 1: empty source"),
    ("nodst.csv", (H + "a,,strong\n").encode(), "data row 1: empty target"),
    ("cols.csv", b"from,to\na,b\n", "missing"),
    ("gz.csv", gzip.compress((H + "a,b,weak\n").encode()), "holds gzip data"),
    ("zst.csv", b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "holds zstd data"),
    ("pq.csv", b"PAR1" + b"\x00" * 40, "holds Parquet data"),
    ("bin.csv", bytes(range(256)), "binary data"),
    ("text.parquet", (H + "a,b,weak\n").encode(), "not a Parquet file"),
    ("broken.parquet", b"PAR1garbage", "cannot read the Parquet file"),
    ("bad.csv.gz", b"not gzip at all", "cannot read"),
    ("latin.csv", (H + "caf\xe9,b,weak\n").encode("latin-1"), "not UTF-8"),
    ("ties.xlsx", b"PK\x03\x04", "is not allowed"),
    ("noext", (H + "a,b,weak\n").encode(), "is not allowed"),
    ("weights.csv", b"source,target,weight\na,b,heavy\n", "weight='heavy'"),
    ("wnan.csv", b"source,target,weight\na,b,nan\n", "is not a finite number"),
    ("winf.csv", b"source,target,weight\na,b,inf\n", "is not a finite number"),
]


@pytest.mark.parametrize("name, body, fragment", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_bad_edge_list_gets_one_line(tmp_path, name, body, fragment):
    p = tmp_path / name
    p.write_bytes(body)
    extra = ["graph.threshold=1.0"] if name.startswith("w") else []
    got, err, out = _call(tmp_path, "graph=edgelist", f"graph.path={p}", *extra)
    lines = _lines(err)
    assert got == 2, err
    assert len(lines) == 1 and fragment in lines[0], err
    assert "Traceback" not in err and not out.exists()


def test_unreadable_edge_list(tmp_path):
    p = tmp_path / "locked.csv"
    p.write_text(H + "a,b,weak\n")
    d = tmp_path / "dir.csv"
    d.mkdir()
    got, err, out = _call(tmp_path, "graph=edgelist", f"graph.path={d}")
    assert got == 2 and len(_lines(err)) == 1 and "graph.path" in err


def test_numeric_ids_are_one_consumer_unless_kept_as_text(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text(H + "1,2,strong\n01,3,weak\n1.0,4,weak\n")
    assert read_edgelist(p).n == 4
    assert read_edgelist(p).labels.tolist() == [1, 2, 3, 4]
    assert read_edgelist(p, ids="text").n == 6
    (tmp_path / "ids.csv.gz").write_bytes(gzip.compress(p.read_bytes()))
    assert read_edgelist(tmp_path / "ids.csv.gz").n == 4


def test_the_engine_issue_example_runs_as_typed(tmp_path):
    """Typed exactly as in the engine issue: no job=, a threshold rule → plain diffusion."""
    got, err, out = _call(
        tmp_path, "graph=erdos_renyi", "graph.n=10000", "graph.mean_degree=4",
        "contagion=threshold", "contagion.phi=0.18", "seeding.random=1", "sim.replications=100",
    )  # fmt: skip
    assert got == 0, err
    assert (out / "COMPLETE.json").is_file() and (out / "consumers.parquet").is_file()


def test_help_lists_only_real_options(tmp_path, capsys):
    sys.argv, old = ["diffusion-sim", "--help"], sys.argv
    try:
        cli.main()
    finally:
        sys.argv = old
    text = capsys.readouterr().out
    assert "base_" not in text and "powered by Hydra" not in text
    for word in ("clustered", "erdos_renyi", "threshold", "weak_ties_demo", "local_cores",
                 "sim.resume", "compare.budget"):  # fmt: skip
        assert word in text, word


# -- properties --------------------------------------------------------------------------------
def _default_config() -> dict:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=cli.CONF_DIR, version_base="1.3"):
        return OmegaConf.to_container(compose(config_name="config"), resolve=True)


_DEFAULT = None


def _leaves(c, prefix=()):
    for k, v in c.items():
        if isinstance(v, dict):
            yield from _leaves(v, (*prefix, k))
        else:
            yield (*prefix, k)


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.lists(st.integers(-5, 5), max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_anywhere_builds_or_gets_a_config_error(data):
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = _default_config()
    import copy

    cfg = copy.deepcopy(_DEFAULT)
    path = data.draw(st.sampled_from(sorted(_leaves(cfg))))
    value = data.draw(values)
    node = cfg
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    try:
        spec = build(cfg)
    except ConfigError as err:
        assert "\n" not in str(err) and " is not allowed: " in str(err)
        return
    # accepted: then the values are usable (finite where numeric)
    assert spec.steps >= 1 and spec.replications >= 1
    if isinstance(value, float):
        assert math.isfinite(value)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       suffix=st.sampled_from([".csv", ".tsv", ".parquet", ".csv.gz", ".txt"]))  # fmt: skip
def test_any_file_reads_or_gets_a_format_error(tmp_path_factory, body, suffix):
    p = tmp_path_factory.mktemp("el") / f"ties{suffix}"
    p.write_bytes(body)
    try:
        g = read_edgelist(p)
    except (GraphFormatError, ConfigError) as err:
        assert "\n" not in str(err)
        return
    g.check()
