"""Hydra configuration: dataclass schemas in the ConfigStore, values in ``diffusion_sim/conf/``.

Every option of a group has its own schema (``base_<name>``), so a key that does not belong to
the chosen option (``graph.mean_degree`` on a clustered graph) is rejected by Hydra before the
run starts. Ranges are checked by :func:`build`, which turns a composed config into the
objects of a run — again before any work starts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from .backends import BACKENDS
from .contagion import Rule, make_rule
from .decide.params import CalibrateParams, CurvesParams, OptimizeParams, UncertaintyParams
from .errors import ConfigError
from .graph import GENERATORS, SocialGraph, read_edgelist
from .market.params import (
    Compare,
    MarketParams,
)
from .published import ValidationParams
from .seeding import Seeding
from .validate import check_finite, check_keys, check_resources, did_you_mean

__all__ = ["Config", "RunSpec", "build", "register_configs"]


# --- graph group --------------------------------------------------------------------------
@dataclass
class ClusteredGraph:
    kind: str = "clustered"
    n: int = 20_000
    group_size: int = 10
    weak_ties: float = 2.0
    p_strong: float = 1.0
    meetings_per_step: int = 0
    seed: int | None = None


@dataclass
class SbmGraph:
    kind: str = "sbm"
    n: int = 10_000
    blocks: int = 10
    p_in: float = 0.01
    p_out: float = 0.0001
    seed: int | None = None


@dataclass
class ErdosRenyiGraph:
    kind: str = "erdos_renyi"
    n: int = 10_000
    mean_degree: float = 10.0
    tie: str = "weak"
    seed: int | None = None


@dataclass
class WattsStrogatzGraph:
    kind: str = "watts_strogatz"
    n: int = 10_000
    k: int = 10
    p: float = 0.1
    group_size: int = 10
    seed: int | None = None


@dataclass
class PowerlawClusterGraph:
    kind: str = "powerlaw_cluster"
    n: int = 10_000
    m: int = 3
    p: float = 0.5
    min_common: int = 1
    seed: int | None = None


@dataclass
class CompleteGraph:
    kind: str = "complete"
    n: int = 1_000
    tie: str = "weak"
    seed: int | None = None


@dataclass
class RandomRegularGraph:
    kind: str = "random_regular"
    n: int = 10_000
    d: int = 4
    tie: str = "weak"
    seed: int | None = None


@dataclass
class ConfigurationGraph:
    kind: str = "configuration"
    n: int | None = 10_000
    degrees: list[int] | None = None
    distribution: str | None = "poisson"
    mean_degree: float = 4.0
    exponent: float = 2.5
    k_min: int = 1
    k_max: int | None = None
    tie: str = "weak"
    seed: int | None = None


@dataclass
class EdgelistGraph:
    kind: str = "edgelist"
    path: str = MISSING
    nodes: str | None = None
    tie_column: str = "tie"
    weight_column: str = "weight"
    threshold: float | None = None
    ids: str = "numeric"
    seed: int | None = None


# --- contagion group ----------------------------------------------------------------------
@dataclass
class TiesContagion:
    rule: str = "ties"
    alpha: float = 2e-5  # conf/contagion/ties.yaml's credible organic market (viral: 1e-4)
    beta_strong: float = 3.5e-4  # (viral: 0.004)
    beta_weak: float = 7e-5  # (viral: 0.002)
    update: str = "synchronous"


@dataclass
class CascadeContagion:
    rule: str = "cascade"
    p_strong: float = 0.3
    p_weak: float = 0.1
    update: str = "synchronous"


@dataclass
class ThresholdContagion:
    rule: str = "threshold"
    phi: float = 0.18
    mode: str = "fraction"
    w_strong: float = 1.0
    w_weak: float = 1.0
    distribution: str = "fixed"
    phi_low: float = 0.0
    phi_high: float = 1.0
    phi_sd: float = 0.0
    update: str = "synchronous"


# --- seeding and root ---------------------------------------------------------------------
@dataclass
class SeedingConfig:
    random: int = 10  # the default option's (conf/seeding/random.yaml); the others set 0
    fraction: float = 0.0
    hubs: int = 0
    nodes: list[Any] = field(default_factory=list)
    focal: int = 0
    influence: int = 0
    epsilon: float = 0.1
    delta: float | None = None
    influence_key: int = 0
    method: str = "imm"


@dataclass
class SimConfig:
    steps: int = 180
    replications: int = 20
    parallel: bool | None = None
    progress: bool = True
    threads: int | None = None
    check_resources: bool = True
    backend: str = "serial"
    workers: int | None = None
    resume: bool = False
    overwrite: bool = False
    fresh_graph: bool = False


@dataclass
class CompareConfig(Compare):
    """The ``compare`` section: the plays (:class:`Compare`) and ``uncertainty``, the number
    of parameter sets of the uncertainty analysis run after the comparison (0: none)."""

    uncertainty: int = 0


@dataclass
class Config:
    job: str = "auto"
    graph: Any = MISSING
    contagion: Any = MISSING
    seeding: SeedingConfig = field(default_factory=SeedingConfig)
    market: MarketParams = field(default_factory=MarketParams)
    compare: CompareConfig = field(default_factory=CompareConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    seed: int = 0
    plot: bool = True
    curves: CurvesParams = field(default_factory=CurvesParams)
    optimize: OptimizeParams = field(default_factory=OptimizeParams)
    calibrate: CalibrateParams = field(default_factory=CalibrateParams)
    uncertainty: UncertaintyParams = field(default_factory=UncertaintyParams)
    validation: ValidationParams = field(default_factory=ValidationParams)


#: Jobs of the command: compare the brand's plays (default), plain diffusion, and the
#: decision jobs (:mod:`diffusion_sim.decide`): response curves, the best split, calibration;
#: and the published results reproduced (:mod:`diffusion_sim.published`).
JOBS = ("compare", "diffuse", "curves", "optimize", "calibrate", "uncertainty", "validation")
#: Settings of the decision jobs (section of the config named like the job).
_DECIDE_SCHEMAS = {
    "curves": CurvesParams,
    "optimize": OptimizeParams,
    "calibrate": CalibrateParams,
    "uncertainty": UncertaintyParams,
    "validation": ValidationParams,
}
#: Jobs that run the brand's market (and need ``market`` and ``compare``).
MARKET_JOBS = ("compare", "curves", "optimize", "uncertainty")


_GRAPH_SCHEMAS = {
    "clustered": ClusteredGraph,
    "sbm": SbmGraph,
    "erdos_renyi": ErdosRenyiGraph,
    "watts_strogatz": WattsStrogatzGraph,
    "powerlaw_cluster": PowerlawClusterGraph,
    "complete": CompleteGraph,
    "random_regular": RandomRegularGraph,
    "configuration": ConfigurationGraph,
    "edgelist": EdgelistGraph,
}
_CONTAGION_SCHEMAS = {
    "ties": TiesContagion,
    "cascade": CascadeContagion,
    "threshold": ThresholdContagion,
}


def bool_keys() -> dict[str, bool]:
    """Dotted keys of every boolean field of the schemas (``plot``, ``market.groups.enabled``),
    each mapped to whether it may also be null (``sim.parallel``).

    OmegaConf turns any integer into a boolean (``market.groups.enabled=3`` becomes true), so
    the command line checks these keys itself (:func:`check_bool_overrides`).
    """
    import typing

    out = {}

    def walk(cls, prefix):
        for name, tp in typing.get_type_hints(cls).items():
            if tp in (bool, bool | None):
                out[prefix + name] = tp is not bool
            elif is_dataclass(tp):
                walk(tp, f"{prefix}{name}.")

    walk(Config, "")
    for group, schemas in (("graph", _GRAPH_SCHEMAS), ("contagion", _CONTAGION_SCHEMAS)):
        for node in schemas.values():
            walk(node, f"{group}.")
    return out


def check_bool_overrides(overrides: list[str]) -> None:
    """Refuse ``key=value`` overrides of a boolean key unless the value is ``true`` or
    ``false`` (any case; ``null`` where the key may be unset), each value of a sweep too.

    Raises
    ------
    ConfigError
        Naming the key, the value and what is allowed.
    """
    keys = bool_keys()
    for a in overrides:
        key, eq, value = a.partition("=")
        key = key.lstrip("+~")
        if not eq or key not in keys:
            continue
        if "(" in value or "${" in value:  # sweep functions, interpolations: Hydra's to resolve
            continue
        allowed = ("true", "false", "null") if keys[key] else ("true", "false")
        for v in value.split(","):  # a sweep: every value
            if v.strip().lower() not in allowed:
                raise ConfigError(key, v, " or ".join(allowed))


def register_configs() -> None:
    """Register the schemas; ``diffusion_sim/conf/<group>/<name>.yaml`` extends ``base_<name>``."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for name, node in _GRAPH_SCHEMAS.items():
        cs.store(group="graph", name=f"base_{name}", node=node)
    for name, node in _CONTAGION_SCHEMAS.items():
        cs.store(group="contagion", name=f"base_{name}", node=node)
    cs.store(group="seeding", name="base_seeding", node=SeedingConfig)
    cs.store(group="market", name="base_market", node=MarketParams)


@dataclass(frozen=True)
class RunSpec:
    """Validated objects of a run; the graph is built by :meth:`make_graph`, whose generator
    checks its own arguments before it samples anything."""

    graph_kind: str
    graph_params: dict
    graph_seed: int | None
    rule: Rule
    seeding: Seeding
    steps: int
    replications: int
    seed: int
    parallel: bool | None
    job: str = "diffuse"
    market: MarketParams | None = None
    plan: Compare | None = None
    backend: str = "serial"
    workers: int | None = None
    curves: CurvesParams | None = None
    optimize: OptimizeParams | None = None
    calibrate: CalibrateParams | None = None
    uncertainty: UncertaintyParams | None = None
    validation: ValidationParams | None = None
    fresh_graph: bool = False

    def graph_factory(self):
        """``sim.fresh_graph=true``: the generator with its arguments, called with ``seed=``
        once per replication (picklable, for the process and Ray backends)."""
        from functools import partial

        return partial(GENERATORS[self.graph_kind], **self.graph_params)

    def make_graph(self) -> SocialGraph:
        if self.graph_kind == "edgelist":
            return read_edgelist(**self.graph_params)
        seed = self.graph_seed if self.graph_seed is not None else self.seed
        return GENERATORS[self.graph_kind](**self.graph_params, seed=seed)


def _int(key: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")
    return value


def _check_seed_ids(seeding: Seeding, n: int) -> None:
    """Seed consumers named by index must exist in a generated graph of ``n`` consumers (an
    edge list's ids are checked once it is read)."""
    for x in seeding.nodes:
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < n:
            raise ConfigError("seeding.nodes", x, f"a consumer index in [0, {n}) (graph.n={n})")
    for key in ("hubs", "focal", "influence"):
        if getattr(seeding, key) > n:
            raise ConfigError(f"seeding.{key}", getattr(seeding, key), f"at most graph.n={n}")


def build(cfg: DictConfig | dict) -> RunSpec:
    """Check every value of a composed config and return the objects of the run.

    Raises
    ------
    ConfigError
        Naming the first bad key, its value and what is allowed.
    """
    c = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    check_finite(c)
    for section in ("graph", "contagion"):
        if not isinstance(c.get(section), dict):
            raise ConfigError(section, c.get(section), "a section of keys (choose an option)")
    g = dict(c["graph"])
    kind = g.pop("kind")
    if not isinstance(kind, str) or kind not in _GRAPH_SCHEMAS:
        raise ConfigError("graph.kind", kind, f"one of {sorted(_GRAPH_SCHEMAS)}")
    # keys added with +key=value bypass Hydra's schema: check every section against its own
    check_keys({k: v for k, v in c.items() if k not in ("graph", "contagion")}, Config)
    check_keys(c["graph"], _GRAPH_SCHEMAS[kind], "graph.")
    rule_name = c["contagion"].get("rule")
    if not isinstance(rule_name, str) or rule_name not in _CONTAGION_SCHEMAS:
        raise ConfigError("contagion.rule", rule_name, f"one of {sorted(_CONTAGION_SCHEMAS)}")
    check_keys(c["contagion"], _CONTAGION_SCHEMAS[rule_name], "contagion.")
    graph_seed = g.pop("seed", None)
    if graph_seed is not None:
        _int("graph.seed", graph_seed, 0)
    if kind == "edgelist":
        from pathlib import Path

        if not g.get("path") or not Path(g["path"]).is_file():
            raise ConfigError("graph.path", g.get("path"), "an existing edge-list file")
    con = dict(c["contagion"])
    rule_name = con.pop("rule")
    rule = make_rule(rule_name, **con)
    seeding = Seeding(**c["seeding"])
    if kind != "edgelist" and isinstance(g.get("n"), int):
        _check_seed_ids(seeding, g["n"])  # before any folder or graph: n is known already
    if seeding.influence:  # the rule must have a live-edge form: refused before any work
        from .influence.weights import check_rule

        check_rule(rule)
    sim = c["sim"]
    steps = _int("sim.steps", sim["steps"], 0)
    reps = _int("sim.replications", sim["replications"], 1)
    seed = _int("seed", c["seed"], 0)
    if sim.get("threads") is not None:
        _int("sim.threads", sim["threads"], 1)
    backend = sim.get("backend", "serial")
    if backend not in BACKENDS:
        raise ConfigError("sim.backend", backend, f"one of {list(BACKENDS)}")
    workers = sim.get("workers")
    if workers is not None:
        _int("sim.workers", workers, 1)
    job = c.get("job", "diffuse")
    if job == "auto":  # what the user asked for: the brand's plays need the ties rule
        job = "compare" if rule_name == "ties" else "diffuse"
    if job not in JOBS:
        raise ConfigError("job", job, f"one of {['auto', *JOBS]}{did_you_mean(job, JOBS)}")
    fresh = sim.get("fresh_graph", False)
    if not isinstance(fresh, bool):
        raise ConfigError("sim.fresh_graph", fresh, "true or false")
    if fresh:
        if kind == "edgelist":
            raise ConfigError("sim.fresh_graph", fresh,
                              "false for graph=edgelist (a file is one network)")  # fmt: skip
        if graph_seed is not None:
            raise ConfigError(
                "graph.seed",
                graph_seed,
                "null with sim.fresh_graph=true (each replication draws its own)",
            )
        if job != "diffuse":
            raise ConfigError(
                "sim.fresh_graph", fresh, f"false for job={job} (fresh graphs are for job=diffuse)"
            )
    market = plan = None
    if sim.get("check_resources", True):
        check_resources(kind, g, job, steps, reps)
    # the market is checked for every job: a bad value is an error even where it is unused
    market = market_params(c.get("market") or {})
    plan_values = dict(c.get("compare") or {})
    n_sets = _int("compare.uncertainty", plan_values.pop("uncertainty", 0), 0)
    # calibrate.mode=campaign runs the brand's play on the market: a market job too
    campaign = job == "calibrate" and (c.get("calibrate") or {}).get("mode") == "campaign"
    if job in MARKET_JOBS or campaign:
        if rule_name != "ties":
            raise ConfigError(
                "contagion", rule_name,
                f"'ties' for the {job} job (job=diffuse runs plain diffusion with any rule)",
            )  # fmt: skip
        if getattr(rule, "update", "synchronous") != "synchronous":
            raise ConfigError("contagion.update", rule.update,
                              f"'synchronous' for the {job} job (the market's channels are "
                              "synchronous; job=diffuse runs the contrast)")  # fmt: skip
        if steps < 1 and not campaign:  # a campaign's horizon is its data's span
            raise ConfigError("sim.steps", steps, "an integer >= 1 (the plan's horizon, days)")
        plan = _make(Compare, plan_values, "compare")
        if kind != "edgelist" and isinstance(g.get("n"), int):  # an edge list: once it is read
            from .market.scale import check_size

            check_size(market.size, g["n"])
    else:
        market = None
    decide = {}
    if job in _DECIDE_SCHEMAS:
        decide[job] = _make(_DECIDE_SCHEMAS[job], c.get(job) or {}, job)
    if job == "compare" and n_sets:  # compare.uncertainty=N: the analysis after the comparison
        values = {**(c.get("uncertainty") or {}), "sets": n_sets}
        decide["uncertainty"] = _make(UncertaintyParams, values, "uncertainty")
    if job == "calibrate":
        if rule_name != "ties":
            raise ConfigError("contagion", rule_name, "'ties' for the calibrate job")
        from dataclasses import replace
        from pathlib import Path

        data = decide["calibrate"].data
        # a relative path: from the working directory, else from the package (shipped data)
        here = Path(data) if data else None
        if here is not None and not here.is_file() and not here.is_absolute():
            here = Path(__file__).resolve().parent / data
        columns = "t and campaign counts" if campaign else "t, adopters"
        if here is None or not here.is_file():
            raise ConfigError(
                "calibrate.data", data, f"an existing CSV file with columns {columns}"
            )
        decide["calibrate"] = replace(decide["calibrate"], data=str(here))
        if campaign:  # the data checked before any work: columns, counts, periods, the play
            from .decide.campaign import read_campaign

            read_campaign(here, decide["calibrate"].time_unit)
            if decide["calibrate"].play not in plan.splits:
                raise ConfigError(
                    "calibrate.play", decide["calibrate"].play,
                    f"a play of compare.splits: {list(plan.splits)}",
                )  # fmt: skip
    return RunSpec(
        kind, g, graph_seed, rule, seeding, steps, reps, seed, sim.get("parallel"), job, market,
        plan, backend, workers, **decide, fresh_graph=fresh,
    )  # fmt: skip


#: The market's sections and their schemas, from :class:`MarketParams` itself (never listed
#: twice): every field that is a section (a dataclass).
_MARKET_PARTS = {
    f.name: type(getattr(MarketParams(), f.name))
    for f in fields(MarketParams)
    if is_dataclass(getattr(MarketParams(), f.name))
}


def _make(cls, values: dict, key: str):
    try:
        return cls(**values)
    except TypeError as err:  # an unknown key (Hydra's schema normally catches it first)
        raise ConfigError(key, sorted(values), f"keys of {cls.__name__}: {err}") from None


def market_params(values: dict) -> MarketParams:
    """:class:`MarketParams` from a plain dict (``cfg.market``), every value checked."""
    parts = {}
    defaults = MarketParams()
    for name, cls in _MARKET_PARTS.items():
        v = asdict(getattr(defaults, name))  # a section's missing keys keep their defaults
        v.update(values.get(name) or {})
        parts[name] = _make(cls, v, f"market.{name}")
    if "size" in values:  # the one top-level value: addressable consumers (market.scale)
        parts["size"] = values["size"]
    unknown = set(values) - set(_MARKET_PARTS) - {"size"}
    if unknown:
        raise ConfigError("market", sorted(unknown), f"sections {sorted(_MARKET_PARTS)}")
    return MarketParams(**parts)
