"""Run the benchmark suite: ``python -m benchmarks.run [--quick]``.

Each (workload, size) runs in a fresh worker process that builds the graph once, prepares
every library (conversion and compilation, reported apart), then interleaves the libraries'
repetitions (ours, peer, ours, peer, …) so that machine noise hits all alike. Peak memory of
each library is measured in a separate process that runs one repetition. Results go to
``results/benchmarks/latest.md`` and ``latest.json`` (written atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import libs
from benchmarks.workloads import WORKLOADS

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _graph(spec: dict, n: int):
    from diffusion_sim.graph import GENERATORS

    kw = {k: v for k, v in spec.items() if k not in ("kind", "seed")}
    return GENERATORS[spec["kind"]](n, **kw, seed=spec["seed"])


def _adapter(w: dict, lib: str, g, cap: float):
    p = w["params"]
    table = {
        ("cascade", "diffusion_sim"): lambda: libs.cascade_ours(g, p["p"], p["seeds"], cap),
        ("cascade", "cynetdiff"): lambda: libs.cascade_cynetdiff(g, p["p"], p["seeds"], cap),
        ("cascade", "ndlib"): lambda: libs.cascade_ndlib(g, p["p"], p["seeds"], cap),
        ("simple_contagion", "diffusion_sim"): lambda: libs.si_ours(
            g, p["beta"], p["steps"], p["seeds"], cap),
        ("simple_contagion", "ndlib"): lambda: libs.si_ndlib(
            g, p["beta"], p["steps"], p["seeds"], cap),
        ("simple_contagion", "mesa"): lambda: libs.si_mesa(
            g, p["beta"], p["steps"], p["seeds"], cap),
        ("threshold", "diffusion_sim"): lambda: libs.threshold_ours(
            g, p["phi"], p["seed_fraction"], p["steps"], cap),
        ("threshold", "ndlib"): lambda: libs.threshold_ndlib(
            g, p["phi"], p["seed_fraction"], p["steps"], cap),
        ("ties_step_1m", "diffusion_sim"): lambda: libs.ties_ours(
            g, p["alpha"], p["beta"], p["steps"], cap),
        ("ties_step_1m", "numba_full_scan"): lambda: libs.ties_full_scan(
            g, p["alpha"], p["beta"], p["steps"], cap),
        ("social_commerce", "diffusion_sim"): lambda: libs.market_ours(g, p, cap),
        ("social_commerce", "engine_only"): lambda: libs.market_engine_only(g, p, cap),
    }  # fmt: skip
    return table[(w["name"], lib)]()


def worker(name: str, n: int, reps: int, libs_: list[str], memory_only: bool, cap: float) -> dict:
    """Body of a worker process; returns the JSON-able measurements."""
    w = next(x for x in WORKLOADS if x["name"] == name)
    g = _graph(w["graph"], n)
    base = _rss_mb()
    out = {"n": n, "ties": g.n_ties, "rss_after_graph_mb": base, "libs": {}}
    onces = {}
    for lib in libs_:
        t = time.perf_counter()
        try:
            once = _adapter(w, lib, g, cap)
        except ImportError as err:
            out["libs"][lib] = {"skipped": f"not installed ({err.name}); pip install -e .[bench]"}
            continue
        setup = time.perf_counter() - t
        if once is None:
            out["libs"][lib] = {"skipped": "takes minutes per repetition at this size"}
            continue
        onces[lib] = once
        out["libs"][lib] = {"setup_s": setup, "times": [], "arcs": [], "outcome": [], "note": ""}
    for rep in range(1 if memory_only else reps):
        for lib, once in onces.items():  # interleaved
            dt, arcs, outcome, note = once(rep + 1)
            r = out["libs"][lib]
            r["times"].append(dt)
            r["arcs"].append(arcs)
            r["outcome"].append(outcome)
            r["note"] = note
    out["peak_mb"] = _peak_mb()
    return out


def _spawn(args: list[str], env=None, timeout=3600) -> dict:
    res = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip
    if res.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _stats(times: list[float]) -> dict:
    a = np.asarray(times)
    return {"median": float(np.median(a)), "min": float(a.min()), "max": float(a.max())}


def bench_engine_workload(w: dict, n: int, reps: int, cap: float) -> dict:
    args = ["--worker", w["name"], "--size", str(n), "--reps", str(reps), "--cap", str(cap),
            "--libs", ",".join(w["libraries"])]  # fmt: skip
    timing = _spawn(args)
    for lib in w["libraries"]:
        r = timing["libs"].get(lib, {})
        if "times" not in r:
            continue
        mem = _spawn([*args[:-2], "--libs", lib, "--memory"])
        r["peak_mb"] = mem["peak_mb"]
        r["rss_after_graph_mb"] = mem["rss_after_graph_mb"]
        r.update(_stats(r["times"]))
        arcs = np.asarray(r["arcs"], dtype=float)
        r["arcs_per_s"] = float(np.median(arcs / np.asarray(r["times"]))) if arcs.any() else None
        r["mean_outcome"] = float(np.mean(r["outcome"]))
    ours = timing["libs"].get("diffusion_sim", {}).get("median")
    for r in timing["libs"].values():
        if "median" in r and ours:
            r["ratio_to_ours"] = r["median"] / ours
    return timing


_GEN_CODE = """
import json, resource, sys, time
from benchmarks.run import _rss_mb
kind, n, z, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if kind == "diffusion_sim":
    from diffusion_sim.graph import erdos_renyi
    erdos_renyi(100, z, seed=0)  # compile outside the timing
    base = _rss_mb(); t = time.perf_counter(); g = erdos_renyi(n, z, seed=seed)
    ties = g.n_ties
else:
    import networkx as nx
    base = _rss_mb(); t = time.perf_counter()
    G = nx.fast_gnp_random_graph(n, z / (n - 1), seed=seed)
    ties = G.number_of_edges()
dt = time.perf_counter() - t
print(json.dumps({"time": dt, "ties": ties, "base_mb": base,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_generation(w: dict, n: int, reps: int) -> dict:
    z, seed = w["graph"]["mean_degree"], w["graph"]["seed"]
    out = {"n": n, "libs": {lib: {"times": [], "peak_mb": 0.0, "extra_mb": 0.0}
                            for lib in w["libraries"]}}  # fmt: skip
    for rep in range(reps):
        for lib in w["libraries"]:
            if lib == "networkx" and n >= 1_000_000 and rep > 0:
                continue  # one ~45 s repetition is enough for the reference
            res = subprocess.run([sys.executable, "-c", _GEN_CODE, lib, str(n), str(z),
                                  str(seed + rep)], cwd=ROOT, capture_output=True, text=True,
                                 timeout=1800)  # fmt: skip
            if res.returncode != 0:
                raise RuntimeError(res.stderr[-2000:])
            m = json.loads(res.stdout.strip().splitlines()[-1])
            r = out["libs"][lib]
            r["times"].append(m["time"])
            r["ties"] = m["ties"]
            r["peak_mb"] = max(r["peak_mb"], m["peak_mb"])
            r["extra_mb"] = max(r["extra_mb"], m["peak_mb"] - m["base_mb"])
    for r in out["libs"].values():
        r.update(_stats(r["times"]))
        r["arcs_per_s"] = 2 * r["ties"] / r["median"]
    ours = out["libs"]["diffusion_sim"]["median"]
    for r in out["libs"].values():
        r["ratio_to_ours"] = r["median"] / ours
    return out


_COLD_CODE = """
import time; t0 = time.perf_counter()
import numpy as np
from diffusion_sim.graph import clustered
from diffusion_sim.contagion import Engine, TiesRule, CascadeRule, ThresholdRule
t1 = time.perf_counter()
g = clustered(1000, seed=1)
for rule in (TiesRule(0.01, 0.1, 0.05), CascadeRule(0.3, 0.1), ThresholdRule(phi=0.2)):
    for par in (False, True):
        e = Engine(g, rule, 1, parallel=par); e.seed([0]); e.step(); e.step()
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import STRATEGIES
for par in (False, True):  # the brand's kernels, every strategy on
    MarketModel(g, TiesRule(0.01, 0.1, 0.05), None, dict.fromkeys(STRATEGIES, 1e4),
                horizon=3, parallel=par, seed=0).run()
t2 = time.perf_counter()
print(f'{{"import_s": {t1 - t0}, "first_calls_s": {t2 - t1}, "total_s": {t2 - t0}}}')
"""


# The default job (`diffusion-sim` with no arguments) shortened to 1 replication of 30 days: it
# compiles the same kernels as the full job (checked: the same 68 compilations before issue 9's
# start-up work, 50 after), so its empty-cache run measures the default job's compile time.
_DEFAULT_ARGS = ["sim.progress=false", "sim.replications=1", "sim.steps=30"]
_DEFAULT_CODE = """
import json, os, resource, sys, tempfile, time
t0 = time.perf_counter()
from numba.core import event

class Compiles(event.Listener):
    # CPU seconds of each compilation, its nested compilations (callees) excluded
    def __init__(self):
        self.stack, self.cost = [], {}
    def on_start(self, ev):
        self.stack.append([time.process_time(), 0.0])
    def on_end(self, ev):
        t, inner = self.stack.pop()
        dt = time.process_time() - t
        if self.stack:
            self.stack[-1][1] += dt
        fn = getattr(ev.data["dispatcher"], "py_func", None)
        name = f"{fn.__module__}.{fn.__qualname__}" if fn is not None else "?"
        c = self.cost.setdefault(name, [0.0, 0])
        c[0] += dt - inner
        c[1] += 1

rec = Compiles()
event.register("numba:compile", rec)
load0 = os.getloadavg()[0]
with tempfile.TemporaryDirectory() as d:
    sys.argv = ["diffusion-sim", f"hydra.run.dir={d}", *json.loads(sys.argv[1])]
    import numba
    from diffusion_sim import cli
    try:
        cli.main()
    except SystemExit as e:
        if e.code:
            raise
ru = resource.getrusage(resource.RUSAGE_SELF)
top = sorted(rec.cost.items(), key=lambda kv: -kv[1][0])
print(json.dumps({"wall_s": time.perf_counter() - t0, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "compile_cpu_s": sum(c for c, _ in rec.cost.values()),
                  "compiles": sum(k for _, k in rec.cost.values()), "functions": len(rec.cost),
                  "threads": numba.get_num_threads(), "load": [load0, os.getloadavg()[0]],
                  "top": [[name, c, k] for name, (c, k) in top[:15]]}))
"""


def _cold_then_warm(argv: list[str], reps: int) -> list[dict]:
    """``reps`` pairs of runs of ``python argv``: from an empty numba cache, then from the
    cache that run filled; each run prints its measurements as JSON on its last line."""
    runs = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            pair = {}
            for label in ("empty_cache", "warm_cache"):
                res = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env,
                                     capture_output=True, text=True, timeout=900)  # fmt: skip
                if res.returncode != 0:
                    raise RuntimeError(res.stderr[-2000:])
                pair[label] = json.loads(res.stdout.strip().splitlines()[-1])
            runs.append(pair)
    return runs


def bench_cold_start(w: dict, n: int, reps: int, full_job: bool = True) -> dict:
    # the default job from an empty numba cache, then again from the warm one; then every kernel
    job = _cold_then_warm(["-c", _DEFAULT_CODE, json.dumps(_DEFAULT_ARGS)], reps)
    out = {"n": n, "runs": _cold_then_warm(["-c", _COLD_CODE], reps), "default_job_cold": job}
    if not full_job:
        return out
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        res = subprocess.run([sys.executable, "-m", "diffusion_sim", f"hydra.run.dir={d}",
                              "sim.progress=false"], cwd=ROOT, capture_output=True, text=True,
                             timeout=900)  # fmt: skip
    out["default_job_s"] = time.perf_counter() - t
    out["default_job_ok"] = res.returncode == 0
    out["default_job_stderr"] = res.stderr[-2000:] if res.returncode else ""
    return out


def _fmt_t(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def to_markdown(report: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Run {report['date']} on {report['machine']} ({report['mode']} mode), "
        f"`python -m benchmarks.run{' --quick' if report['mode'] == 'quick' else ''}`. "
        "Times are median (min–max) over repetitions, compile and set-up excluded; ratios are "
        "peer median / our median measured in the same worker, repetitions interleaved.",
        "",
    ]
    for res in report["results"]:
        w = next(x for x in WORKLOADS if x["name"] == res["workload"])
        lines += [f"## {w['title']}", ""]
        if "date" in res:
            lines += [f"Measured {res['date']}.", ""]
        if res["workload"] == "cold_start":
            for k, r in enumerate(res["runs"]):
                e, c = r["empty_cache"], r["warm_cache"]
                lines.append(
                    f"- run {k + 1}: empty numba cache {e['total_s']:.1f} s (import "
                    f"{e['import_s']:.1f} s + first calls {e['first_calls_s']:.1f} s); warm cache "
                    f"{c['total_s']:.1f} s (first calls {c['first_calls_s']:.1f} s)"
                )
            for k, r in enumerate(res.get("default_job_cold", [])):
                e, c = r["empty_cache"], r["warm_cache"]
                lines.append(
                    f"- default job, run {k + 1} (`diffusion-sim {' '.join(_DEFAULT_ARGS)}`: "
                    f"the same kernels as the full job; {e['threads']} numba thread(s), load "
                    f"{e['load'][0]:.1f}–{e['load'][1]:.1f} on {os.cpu_count()} cores): empty "
                    f"cache {e['wall_s']:.1f} s wall, {e['cpu_s']:.1f} s CPU, of which compiling "
                    f"{e['compile_cpu_s']:.1f} s CPU ({e['compiles']} compilations of "
                    f"{e['functions']} functions); warm cache {c['wall_s']:.1f} s wall, "
                    f"{c['cpu_s']:.1f} s CPU"
                )
            runs = res.get("default_job_cold", [])
            if runs:
                top = runs[0]["empty_cache"]["top"]
                lines.append(
                    "- its costliest compilations (CPU s, callees excluded; × specialisations): "
                    + ", ".join(f"`{name.split('.<locals>')[0].rsplit('.', 1)[-1]}` {c:.2f}"
                                + (f" ×{k}" if k > 1 else "") for name, c, k in top[:10])
                )  # fmt: skip
            if "default_job_s" in res:
                lines.append(
                    f"- default job end to end (`diffusion-sim`: the comparison of 5 plays × 20 "
                    f"replications on 20,000 consumers, 180 days; warm cache): "
                    f"{res['default_job_s']:.1f} s, {'ok' if res['default_job_ok'] else 'FAILED'}"
                )
            lines.append("")
            continue
        lines += [
            "| consumers | library | time | ratio to ours | arcs/s | mean outcome | peak RSS "
            "| note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for size in res["sizes"]:
            for lib, r in size["libs"].items():
                if "skipped" in r:
                    lines.append(f"| {size['n']:,} | {lib} | — | — | — | — | — | {r['skipped']} |")
                    continue
                arcs = f"{r['arcs_per_s']:.3g}" if r.get("arcs_per_s") else "—"
                outcome = f"{r['mean_outcome']:,.0f}" if "mean_outcome" in r else "—"
                peak = f"{r['peak_mb']:,.0f} MB"
                if "extra_mb" in r:
                    peak += f" (+{r['extra_mb']:,.0f} MB)"
                lines.append(
                    f"| {size['n']:,} | {lib} | {_fmt_t(r['median'])} ({_fmt_t(r['min'])}–"
                    f"{_fmt_t(r['max'])}) | {r.get('ratio_to_ours', 1.0):.2f}× | {arcs} | "
                    f"{outcome} | {peak} | {r.get('note', '')} |"
                )
        lines.append("")
    lines += [
        "Notes: `mean outcome` is the mean final number of adopters (shows the libraries run "
        "the same process; NDlib's SI uses β·k instead of 1 − (1 − β)^k, so it runs slightly "
        "ahead; a peer timed over fewer steps than ours reports the adopters after those "
        "steps). Peak RSS is that of a process that built the graph and ran one repetition "
        "(graph generation: + the rise above the interpreter's baseline). Social commerce: "
        "`engine_only` is the same market without the brand (organic word of mouth only), so "
        "its ratio is what the brand's strategies cost on top of the engine; `mean outcome` "
        "is the final number of customers.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes; under 3 minutes")
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--out", default=str(ROOT / "results" / "benchmarks"))
    ap.add_argument("--worker")
    ap.add_argument("--size", type=int)
    ap.add_argument("--reps", type=int)
    ap.add_argument("--libs")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--cap", type=float, default=20.0)
    ap.add_argument(
        "--no-full-job",
        action="store_true",
        help="cold_start: leave out the full default job (minutes under load)",
    )
    a = ap.parse_args(argv)
    if a.worker:
        libs_ = a.libs.split(",")
        print(json.dumps(worker(a.worker, a.size, a.reps, libs_, a.memory, a.cap)))
        return
    from diffusion_sim.results import atomic_write

    only = set(a.only.split(",")) if a.only else None
    mode = "quick" if a.quick else "full"
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}",
        "mode": mode,
        "results": [],
    }
    for w in WORKLOADS:
        if only and w["name"] not in only:
            continue
        sizes = w["quick_sizes"] if a.quick else w["sizes"]
        reps = w["quick_repetitions"] if a.quick else w["repetitions"]
        cap = w["quick_cap_s"] if a.quick else w["cap_s"]
        print(f"[bench] {w['name']} sizes={sizes} reps={reps}", file=sys.stderr, flush=True)
        if w["name"] == "cold_start":
            res = bench_cold_start(w, sizes[0], reps, full_job=not a.no_full_job)
        elif w["name"] == "graph_generation":
            res = {"sizes": [bench_generation(w, n, reps) for n in sizes]}
        else:
            res = {"sizes": [bench_engine_workload(w, n, reps, cap) for n in sizes]}
        res["workload"] = w["name"]
        res["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        report["results"].append(res)
    out = Path(a.out)
    if only and (out / "latest.json").is_file():
        # a partial run updates its workloads in the latest report of the same mode
        old = json.loads((out / "latest.json").read_text())
        if old.get("mode") == mode:
            fresh = {r["workload"]: r for r in report["results"]}
            order = [w["name"] for w in WORKLOADS]
            kept = {r["workload"]: r for r in old["results"]}
            kept.update(fresh)
            report["results"] = [kept[name] for name in order if name in kept]
            report["date"] = old["date"] + f"; updated {report['date']}: {', '.join(fresh)}"
    text = to_markdown(report)
    atomic_write(out / "latest.json", lambda p: p.write_text(json.dumps(report, indent=1)))
    atomic_write(out / "latest.md", lambda p: p.write_text(text))
    print(text)


if __name__ == "__main__":
    main()
