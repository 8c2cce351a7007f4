"""One adapter per (workload, library): ``prepare`` does the untimed set-up (graph conversion,
compilation), then returns ``once(rep) -> (seconds, arcs_visited, outcome, note)``.

``outcome`` is the quantity that shows the libraries simulate the same process (final spread).
"""

from __future__ import annotations

import array
import time

import networkx as nx
import numpy as np
from numba import njit

from diffusion_sim.contagion import CascadeRule, Engine, ThresholdRule, TiesRule
from diffusion_sim.graph import SocialGraph
from diffusion_sim.states import State


def _seeds(n: int, k: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def to_networkx(g: SocialGraph) -> nx.Graph:
    u, v, _ = g.edges()
    G = nx.Graph()
    G.add_nodes_from(range(g.n))
    G.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    return G


def _arcs_of_adopters(g: SocialGraph, adopted: np.ndarray) -> int:
    return int(g.degree()[adopted].sum())


# --- cascade ----------------------------------------------------------------------------------
def cascade_ours(g, p, k, cap):
    seeds = _seeds(g.n, k)
    rule = CascadeRule(p, p)

    def once(rep):
        t = time.perf_counter()
        e = Engine(g, rule, key=rep + 1)
        e.seed(seeds)
        e.run_until_quiet(10 * g.n + 10)  # like cynetdiff's advance_until_completion
        dt = time.perf_counter() - t
        adopted = e.state == State.ADOPTED
        return dt, _arcs_of_adopters(g, adopted), int(adopted.sum()), ""

    once(0)  # compile / warm
    return once


def cascade_cynetdiff(g, p, k, cap):
    from cynetdiff.models import IndependentCascadeModel

    starts = array.array("I", g.indptr[:-1].astype(np.uint32).tobytes())
    edges = array.array("I", g.indices.astype(np.uint32).tobytes())
    model = IndependentCascadeModel(starts, edges, activation_prob=p, rng=1)
    model.set_seeds(_seeds(g.n, k).tolist())

    def once(rep):
        t = time.perf_counter()
        model.reset_model()
        model.advance_until_completion()
        dt = time.perf_counter() - t
        act = np.fromiter(model.get_activated_nodes(), dtype=np.int64)
        return dt, _arcs_of_adopters(g, act), int(act.size), ""

    once(0)
    return once


def _ndlib_ic(G, p, seeds):
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc  # noqa: N813 (NDlib's documented alias)

    model = ep.IndependentCascadesModel(G, seed=1)
    cfg = mc.Configuration()
    cfg.add_model_initial_configuration("Infected", seeds)
    for e in G.edges():
        cfg.add_edge_configuration("threshold", e, p)
    model.set_initial_status(cfg)
    return model


def cascade_ndlib(g, p, k, cap):
    if g.n > 200_000:
        return None  # one cascade takes minutes: skipped, the table says so
    G = to_networkx(g)
    seeds = _seeds(g.n, k).tolist()
    model = _ndlib_ic(G, p, seeds)

    def once(rep):
        t = time.perf_counter()
        model.reset()
        total = len(seeds)
        while True:
            it = model.iteration(node_status=False)
            if it["iteration"] > 0:
                total += it["status_delta"][1] if it["status_delta"][1] > 0 else 0
                if it["node_count"][1] == 0:
                    break
        dt = time.perf_counter() - t
        removed = it["node_count"][2] + it["node_count"][1]
        return dt, 0, int(removed), ""

    return once


# --- simple contagion (time per step) -----------------------------------------------------------
def si_ours(g, beta, steps, k, cap):
    seeds = _seeds(g.n, k)
    rule = TiesRule(0.0, beta, beta)

    def once(rep):
        e = Engine(g, rule, key=rep + 1, parallel=False)
        e.seed(seeds)
        t = time.perf_counter()
        for _ in range(steps):
            e.step()
        dt = (time.perf_counter() - t) / steps
        return dt, g.indices.size, int(e.counts[State.ADOPTED]), ""

    once(0)
    return once


def si_ndlib(g, beta, steps, k, cap):
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc  # noqa: N813 (NDlib's documented alias)

    G = to_networkx(g)
    seeds = _seeds(g.n, k).tolist()
    model = ep.SIModel(G, seed=1)
    cfg = mc.Configuration()
    cfg.add_model_parameter("beta", beta)
    cfg.add_model_initial_configuration("Infected", seeds)
    model.set_initial_status(cfg)
    t = time.perf_counter()
    model.iteration(node_status=False)  # iteration 0 returns the initial state
    model.iteration(node_status=False)
    per_step = time.perf_counter() - t
    run_steps = max(1, min(steps, int(cap / max(per_step, 1e-9))))

    def once(rep):
        model.reset()
        model.iteration(node_status=False)
        t = time.perf_counter()
        for _ in range(run_steps):
            it = model.iteration(node_status=False)
        dt = (time.perf_counter() - t) / run_steps
        note = "" if run_steps == steps else f"{run_steps} of {steps} steps timed"
        return dt, g.indices.size, int(it["node_count"][1]), note

    return once


def si_mesa(g, beta, steps, k, cap):
    """A Mesa model written as Mesa's virus_on_network example: a Python agent per node that
    looks at its neighbours each step (double-buffered so the update is synchronous)."""
    import mesa

    class Person(mesa.Agent):
        def __init__(self, model, idx):
            super().__init__(model)
            self.idx = idx
            self.adopted = False
            self.next = False

        def decide(self):
            if self.adopted:
                return
            people = self.model.people
            k_ad = sum(1 for j in self.model.nbrs[self.idx] if people[j].adopted)
            if k_ad and self.model.random.random() < 1 - (1 - beta) ** k_ad:
                self.next = True

        def apply(self):
            if self.next:
                self.adopted = True

    class SI(mesa.Model):
        def __init__(self, seed):
            super().__init__(rng=seed)
            self.nbrs = [g.indices[g.indptr[i] : g.indptr[i + 1]].tolist() for i in range(g.n)]
            self.people = [Person(self, i) for i in range(g.n)]
            for s in _seeds(g.n, k).tolist():
                self.people[s].adopted = True

        def step(self):
            self.agents.do("decide")
            self.agents.do("apply")

    model = SI(1)
    t = time.perf_counter()
    model.step()
    per_step = time.perf_counter() - t
    run_steps = max(1, min(steps, int(cap / max(per_step, 1e-9))))

    def once(rep):
        m = SI(rep + 2)
        t = time.perf_counter()
        for _ in range(run_steps):
            m.step()
        dt = (time.perf_counter() - t) / run_steps
        note = "" if run_steps == steps else f"{run_steps} of {steps} steps timed"
        return dt, g.indices.size, sum(p.adopted for p in m.people), note

    return once


# --- threshold ----------------------------------------------------------------------------------
def threshold_ours(g, phi, frac, steps, cap):
    seeds = _seeds(g.n, int(frac * g.n))
    rule = ThresholdRule(phi=phi)

    def once(rep):
        t = time.perf_counter()
        e = Engine(g, rule, key=rep + 1)
        e.seed(seeds)
        for _ in range(steps):
            if e.frontier_empty:
                break
            e.step()
        dt = time.perf_counter() - t
        return dt, 0, int(e.counts[State.ADOPTED]), ""

    once(0)
    return once


def threshold_ndlib(g, phi, frac, steps, cap):
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc  # noqa: N813 (NDlib's documented alias)

    G = to_networkx(g)
    seeds = _seeds(g.n, int(frac * g.n)).tolist()
    model = ep.ThresholdModel(G, seed=1)
    cfg = mc.Configuration()
    cfg.add_model_initial_configuration("Infected", seeds)
    for i in G.nodes():
        cfg.add_node_configuration("threshold", i, phi)
    model.set_initial_status(cfg)

    def once(rep):
        model.reset()
        t = time.perf_counter()
        model.iteration(node_status=False)
        for _ in range(steps):
            it = model.iteration(node_status=False)
            if it["status_delta"][1] == 0:
                break
        dt = time.perf_counter() - t
        return dt, 0, int(it["node_count"][1]), ""

    return once


# --- ties step at 1M vs a plain numba scan -------------------------------------------------------
@njit(cache=True)
def _full_scan_step(indptr, indices, tie, adopted, new, u, bs, bw, alpha):
    """Baseline: every step recounts adopter neighbours over every tie."""
    n = indptr.shape[0] - 1
    qs = 1.0 - bs
    qw = 1.0 - bw
    c = 0
    for i in range(n):
        if adopted[i]:
            continue
        s = 0
        w = 0
        for k in range(indptr[i], indptr[i + 1]):
            if adopted[indices[k]]:
                if tie[k]:
                    s += 1
                else:
                    w += 1
        if u[i] < 1.0 - (1.0 - alpha) * qs**s * qw**w:
            new[c] = i
            c += 1
    for k in range(c):
        adopted[new[k]] = True
    return c


def ties_ours(g, alpha, beta, steps, cap):
    rule = TiesRule(alpha, beta, beta)  # parallel=False below: the serial kernel, 1 thread

    def once(rep):
        e = Engine(g, rule, key=rep + 1, parallel=False)
        e.seed(_seeds(g.n, min(1000, g.n // 10)))
        ts = []
        for _ in range(steps):
            t = time.perf_counter()
            e.step()
            ts.append(time.perf_counter() - t)
        return float(np.median(ts)), g.indices.size, int(e.counts[State.ADOPTED]), ""

    once(0)
    return once


def ties_full_scan(g, alpha, beta, steps, cap):
    rng = np.random.default_rng(0)
    u = rng.random(g.n)
    new = np.empty(g.n, np.int64)

    def once(rep):
        adopted = np.zeros(g.n, np.bool_)
        adopted[_seeds(g.n, min(1000, g.n // 10))] = True
        ts = []
        for _ in range(steps):
            t = time.perf_counter()
            _full_scan_step(g.indptr, g.indices, g.tie, adopted, new, u, beta, beta, alpha)
            ts.append(time.perf_counter() - t)
        return float(np.median(ts)), g.indices.size, int(adopted.sum()), ""

    once(0)
    return once


# --- the full social-commerce model -----------------------------------------------------------
def _market_args(g, p):
    from diffusion_sim.market.params import STRATEGIES

    rule = TiesRule(p["alpha"], p["beta_strong"], p["beta_weak"])
    budget = p["budget_per_consumer"] * g.n
    budgets = {s: budget * p["splits"].get(s, 0.0) for s in STRATEGIES}
    return rule, budgets


def market_ours(g, p, cap):
    import dataclasses

    from diffusion_sim.market.model import MarketModel
    from diffusion_sim.market.params import MarketParams
    from diffusion_sim.seeding import Seeding

    rule, budgets = _market_args(g, p)
    seeding = Seeding(random=max(1, g.n // 4000))
    # the default market (its base at t = 0 included) stated in the simulated consumers: the
    # graph is the whole market, so budgets are per consumer as the workload says
    params = dataclasses.replace(MarketParams(), size=g.n)

    def once(rep):
        t = time.perf_counter()
        m = MarketModel(g, rule, params, budgets, horizon=p["steps"], seeding=seeding,
                        seed=rep)  # fmt: skip
        t1 = time.perf_counter()
        r = m.run()
        dt = time.perf_counter() - t
        per_step = (dt - (t1 - t)) / p["steps"]
        note = f"set-up {t1 - t:.2f} s, {per_step * 1e3:.1f} ms/day; spent {r.spend.sum():,.0f} CNY"
        return dt, 0, int(r.customers[-1]), note

    small = type(g).from_edges(200, [0], [1], [1])
    for par in (False, True):  # compile both variants outside the timing
        MarketModel(small, rule, params, budgets, horizon=3, parallel=par, seed=0).run()
    return once


def market_engine_only(g, p, cap):
    from diffusion_sim.model import DiffusionModel
    from diffusion_sim.seeding import Seeding

    rule, _ = _market_args(g, p)
    seeding = Seeding(random=max(1, g.n // 4000))

    def once(rep):
        t = time.perf_counter()
        r = DiffusionModel(g, rule, seeding, agents="lazy", seed=rep).run(p["steps"])
        dt = time.perf_counter() - t
        return dt, 0, int(r.counts[-1, State.ADOPTED]), f"{dt / p['steps'] * 1e3:.1f} ms/day"

    once(0)
    return once
