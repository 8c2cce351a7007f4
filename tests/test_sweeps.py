"""Sweeps and run folders: no job is lost, every failure ends in one line, one table per sweep.

Jobs are tiny (a few thousand consumers, a few days) so that the process start-up, not the
simulation, dominates; each CLI call is a real ``diffusion-sim`` process.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from diffusion_sim import cli
from diffusion_sim.runs import (
    COMPLETE,
    INCOMPLETE,
    RunDirError,
    claim_unique_dir,
    config_digest,
    prepare_folder,
    safe_dirname,
)
from diffusion_sim.sweeps import aggregate, expected_jobs
from diffusion_sim.threads import choose_threads, jobs_side_by_side

TINY = ["job=diffuse", "graph.n=2000", "sim.steps=20", "sim.replications=3", "sim.progress=false"]
TINY_MARKET = ["graph.n=2000", "sim.steps=20", "sim.replications=2", "sim.progress=false",
               "compare.plays=[none,ads,bridging]"]  # fmt: skip


def _cmd(name="diffusion-sim"):
    exe = shutil.which(name, path=str(Path(sys.executable).parent))
    assert exe, name
    return [exe]


def _cli(cwd, *args, timeout=300, name="diffusion-sim"):
    return subprocess.run(
        [*_cmd(name), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


_inproc = run_cli  # the command in this process: no start-up cost


def _errors(stderr: str) -> list[str]:
    """stderr without Hydra's/our log lines."""
    return [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("[")]


def _outputs(job_dir: Path) -> dict[str, str]:
    """sha256 of every output of a job (markers, logs and Hydra's record left out)."""
    out = {}
    for p in sorted(job_dir.rglob("*")):
        rel = p.relative_to(job_dir).as_posix()
        if p.is_file() and not rel.startswith(".") and p.suffix != ".log" and rel != COMPLETE:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _sweep_root(cwd: Path) -> Path:
    roots = sorted(cwd.glob("results/multirun/*/*"))
    assert len(roots) == 1, roots
    return roots[0]


# -- names and folders --------------------------------------------------------------------
def test_safe_dirname_keeps_distinct_overrides_apart():
    a = safe_dirname("+compare.splits.x={ads:0.5,vip:0.5}")
    b = safe_dirname("+compare.splits.x=[ads:0.5,vip:0.5]")
    assert a != b and "/" not in a and "{" not in a
    long = safe_dirname("market.ads.communities=[" + ",".join(map(str, range(200))) + "]")
    assert len(long.encode()) <= 150
    assert safe_dirname("graph.path=/a/b.csv") != safe_dirname("graph.path=_a_b.csv")
    assert safe_dirname("seed=1") != safe_dirname("seed=2")


def test_claim_unique_dir_never_shares(tmp_path):
    base = tmp_path / "runs" / "12-00-00"
    got = [claim_unique_dir(base) for _ in range(3)]
    assert [p.name for p in got] == ["12-00-00", "12-00-00_2", "12-00-00_3"]
    assert all(p.is_dir() for p in got)


def test_digest_ignores_only_non_result_keys():
    base = {"seed": 0, "sim": {"steps": 5, "resume": False, "threads": None}}
    same = {"seed": 0, "sim": {"steps": 5, "resume": True, "threads": 2}}
    assert config_digest(base) == config_digest(same)
    assert config_digest(base) != config_digest({**base, "seed": 1})
    assert config_digest(base) != config_digest({"seed": 0, "sim": {"steps": 6}})


def test_prepare_folder_rules(tmp_path):
    d = tmp_path / "job"
    d.mkdir()
    (d / ".hydra").mkdir()
    (d / "cli.log").write_text("")
    assert prepare_folder(d, "aaa") == "run"  # only Hydra's files
    (d / COMPLETE).write_text(json.dumps({"digest": "aaa"}))
    (d / "summary.csv").write_text("x")
    assert prepare_folder(d, "aaa") == "run"
    assert prepare_folder(d, "aaa", resume=True) == "skip"
    with pytest.raises(RunDirError, match="another configuration"):
        prepare_folder(d, "bbb")
    assert (d / "summary.csv").exists()  # refused: nothing deleted
    assert prepare_folder(d, "bbb", overwrite=True) == "run"
    assert not (d / "summary.csv").exists() and (d / ".hydra").is_dir()
    (d / INCOMPLETE).write_text(json.dumps({"digest": "ccc"}))
    (d / "study.db").write_text("x")
    assert prepare_folder(d, "ccc", resume=True) == "run"  # interrupted: keeps its files
    assert (d / "study.db").exists()
    f = tmp_path / "mine"
    f.mkdir()
    (f / "notes.txt").write_text("keep me")
    with pytest.raises(RunDirError, match="not a diffusion-sim run"):
        prepare_folder(f, "aaa", overwrite=True)
    assert (f / "notes.txt").read_text() == "keep me"


def test_threads_never_exceed_the_cores_left():
    cores = os.cpu_count() or 1
    assert choose_threads(requested=1) == 1
    assert choose_threads(side_by_side=cores, busy=0.0) == 1
    assert choose_threads(busy=float(cores)) == 1  # everything busy: serial kernels
    assert 1 <= choose_threads(busy=0.0) <= cores
    joblib = {"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"}
    assert jobs_side_by_side({**joblib, "n_jobs": -1}) == len(os.sched_getaffinity(0))
    assert jobs_side_by_side({**joblib, "n_jobs": 3}) == 3
    assert jobs_side_by_side(None) == 1


# -- single runs ---------------------------------------------------------------------------
def test_two_runs_in_the_same_second_get_two_folders(tmp_path):
    procs = [
        subprocess.Popen(
            [*_cmd(), *TINY],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    runs = sorted(tmp_path.glob("results/runs/*/*"))
    assert len(runs) == 2, runs
    for r in runs:
        assert (r / COMPLETE).is_file() and (r / "summary.csv").is_file()
        assert not (r / INCOMPLETE).exists()
        marker = json.loads((r / COMPLETE).read_text())
        assert set(marker["outputs"]) >= {"summary.csv", "timeseries.parquet", "config.yaml"}


def test_rejected_run_leaves_no_folder(tmp_path):
    for bad in ("sim.replications=0", "graph.n=0", "sim.threads=0"):
        res = _inproc(tmp_path, *TINY, bad)
        assert res.returncode == 2, res.stderr
        assert len(_errors(res.stderr)) == 1, res.stderr
    assert not list(tmp_path.glob("results/runs/*/*")), list(tmp_path.rglob("*"))
    res = _inproc(tmp_path, "-m", *TINY, "seed=0,1", "sim.replications=0")
    assert res.returncode == 2
    assert not list(tmp_path.glob("results/multirun/*/*")), list(tmp_path.rglob("*"))


def test_reused_folder_is_refused_overwritten_or_skipped(tmp_path):
    out = f"hydra.run.dir={tmp_path}/out"
    assert _inproc(tmp_path, *TINY, out).returncode == 0
    first = _outputs(tmp_path / "out")
    hydra_record = (tmp_path / "out" / ".hydra" / "overrides.yaml").read_text()
    res = _inproc(tmp_path, *TINY, "sim.steps=21", out)
    assert res.returncode == 2
    lines = _errors(res.stderr)
    assert len(lines) == 1 and "holds the outputs of another configuration" in lines[0]
    assert _outputs(tmp_path / "out") == first  # refused: nothing touched
    assert (tmp_path / "out" / ".hydra" / "overrides.yaml").read_text() == hydra_record
    res = _inproc(tmp_path, *TINY, "sim.resume=true", out)
    assert res.returncode == 0 and "skipped (already complete)" in res.stdout
    (tmp_path / "out" / "adoption_curve.png").write_bytes(b"stale")
    res = _inproc(tmp_path, *TINY, "sim.steps=21", "sim.overwrite=true", "plot=false", out)
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "out" / "adoption_curve.png").exists()  # no stale file beside
    assert "sim:\n  steps: 21" in (tmp_path / "out" / "config.yaml").read_text()


@pytest.mark.parametrize(
    "sig, code, word, cold",
    [(signal.SIGTERM, 143, "SIGTERM", True), (signal.SIGINT, 130, "Ctrl-C", False)],
)
def test_signal_ends_with_one_line_and_a_marked_folder(tmp_path, sig, code, word, cold):
    """``cold``: an empty numba cache, so the signal arrives while kernels compile (an
    exception raised inside numba's compiler crashed the process with SIGSEGV before the
    handler waited for the compiler lock)."""
    out = tmp_path / "out"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")} if cold else None
    p = subprocess.Popen(
        [*_cmd(), "graph.n=20000", "sim.replications=20", "sim.progress=false",
         f"hydra.run.dir={out}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.time() + 120
    while not (out / INCOMPLETE).exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    lines = _errors(err)
    assert len(lines) == 1 and word in lines[0] and "incomplete" in lines[0], err
    assert "Traceback" not in err
    assert (out / INCOMPLETE).is_file() and not (out / COMPLETE).exists()
    hidden = [q.name for q in out.iterdir() if q.name.startswith(".") and q.name != ".hydra"]
    assert hidden == []  # no temporary files left


def test_full_disk_in_process(tmp_path, monkeypatch, capsys):
    """The run finishes, a write fails with ENOSPC: one line, exit 1, folder marked."""
    import diffusion_sim.results as results

    real = results.atomic_write

    def full(path, write):
        if Path(path).name == "timeseries.parquet":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, write)

    monkeypatch.setattr("diffusion_sim.market.compare.atomic_write", full)
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["diffusion-sim", *TINY_MARKET, f"hydra.run.dir={out}"])
    with pytest.raises(SystemExit) as ex:
        cli.main()
    assert ex.value.code == 1
    err = capsys.readouterr().err
    assert len(_errors(err)) == 1 and "No space left on device" in err and "incomplete" in err
    assert (out / INCOMPLETE).is_file() and not (out / COMPLETE).exists()


def _mount_tmpfs(path: Path, size: str, ro: bool = False) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if ro else "")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                         capture_output=True)  # fmt: skip
    return res.returncode == 0


@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_full_disk_and_read_only_folder_for_real(tmp_path, kind):
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "200k", ro=kind == "read-only"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        res = _cli(tmp_path, *TINY_MARKET, "graph.n=5000", "sim.steps=60",
                   f"hydra.run.dir={mnt}/out")  # fmt: skip
        assert res.returncode == 1, res.stderr
        lines = _errors(res.stderr)
        assert len(lines) == 1, res.stderr
        if kind == "full":
            assert "No space left on device" in lines[0]
            assert (mnt / "out" / INCOMPLETE).is_file()
        else:
            assert "Read-only file system" in lines[0] and "hydra.run.dir=" in lines[0]
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# -- sweeps --------------------------------------------------------------------------------
SWEEP = [*TINY_MARKET, "seed=0,1", "compare.budget=5000,20000"]


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory):
    """A 4-job sweep with Hydra's basic launcher (one process, jobs in turn)."""
    cwd = tmp_path_factory.mktemp("basic")
    res = _inproc(cwd, "-m", *SWEEP)
    assert res.returncode == 0, res.stderr
    return _sweep_root(cwd), res


def test_seed_sweep_gives_every_job_its_own_folder_and_one_table(basic_sweep):
    root, res = basic_sweep
    jobs = sorted(p for p in root.iterdir() if p.is_dir())
    assert len(jobs) == 4
    assert len({json.dumps(_outputs(j)) for j in jobs}) == 4  # nothing overwritten
    assert "4 of 4 jobs complete" in res.stdout
    table = pd.read_parquet(root / "sweep_summary.parquet")
    assert len(table) == 4 * 3  # job x play
    assert table["seed"].dtype.kind == "i" and table["compare.budget"].dtype.kind == "f"
    # the aggregate is the concatenation of the jobs' own summaries
    parts = []
    for j in jobs:
        s = pd.read_csv(j / "summary.csv")
        s.insert(0, "job_dir", j.name)
        parts.append(s)
    cat = pd.concat(parts, ignore_index=True).sort_values(["job_dir", "play"])
    agg = table.sort_values(["job_dir", "play"])[cat.columns]
    pd.testing.assert_frame_equal(
        agg.reset_index(drop=True), cat.reset_index(drop=True), check_dtype=False
    )
    assert (root / "sweep_incr_profit.png").stat().st_size > 10_000
    assert set(pd.read_csv(root / "sweep_jobs.csv")["status"]) == {"complete"}


def test_killed_sweep_resumes_to_the_same_bytes(tmp_path):
    args = [*TINY_MARKET, "graph.n=5000", "sim.steps=40", "seed=0,1,2"]
    a, b = tmp_path / "a", tmp_path / "b"
    res = _inproc(tmp_path, "-m", *args, f"hydra.sweep.dir={a}")
    assert res.returncode == 0, res.stderr
    p = subprocess.Popen([*_cmd(), "-m", *args, f"hydra.sweep.dir={b}"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.time() + 200
    while not list(b.glob(f"*/{COMPLETE}")) and time.time() < deadline:
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 143, err
    done = list(b.glob(f"*/{COMPLETE}"))
    assert 1 <= len(done) < 3
    table = aggregate(b, plot=False)  # a partial sweep says what is missing
    assert len(table.missing) == 3 - len(done)
    res = _inproc(tmp_path, "-m", *args, f"hydra.sweep.dir={b}", "sim.resume=true")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("skipped (already complete)") == len(done)
    assert "3 of 3 jobs complete" in res.stdout
    jobs_a = sorted(p.name for p in a.iterdir() if p.is_dir())
    assert jobs_a == sorted(p.name for p in b.iterdir() if p.is_dir())
    for name in jobs_a:
        assert _outputs(a / name) == _outputs(b / name), name
    assert (a / "sweep_summary.csv").read_bytes() == (b / "sweep_summary.csv").read_bytes()


def test_expected_jobs_match_the_folders(tmp_path):
    res = _inproc(tmp_path, "-m", *TINY, "seed=0,1", "graph.n=1000,2000")
    assert res.returncode == 0, res.stderr
    root = _sweep_root(tmp_path)
    names = [n for n, _ in expected_jobs(root)]
    assert sorted(names) == sorted(p.name for p in root.iterdir() if p.is_dir())
    table = pd.read_csv(root / "sweep_summary.csv")
    assert len(table) == 4 and {"final_share", "final_share_low", "final_share_high"} <= set(
        table.columns
    )


@pytest.mark.parametrize("launcher", ["local_cores", "submitit_local"])
def test_launchers_give_the_same_table(tmp_path, basic_sweep, launcher):
    basic = basic_sweep[0]
    other = tmp_path / "other"
    res = _cli(tmp_path, "-m", *SWEEP, f"hydra/launcher={launcher}", f"hydra.sweep.dir={other}")
    assert res.returncode == 0, res.stderr
    assert (basic / "sweep_summary.csv").read_bytes() == (other / "sweep_summary.csv").read_bytes()
    for job in basic.iterdir():
        if job.is_dir():
            assert _outputs(job) == _outputs(other / job.name)
            if launcher == "local_cores":  # jobs side by side: one thread per core each
                assert "numba threads: 1" in (other / job.name / "cli.log").read_text()


@pytest.mark.skipif(
    not all(__import__("importlib").util.find_spec(m) for m in ("ray", "hydra_plugins")),
    reason="the cluster extra (ray, hydra-ray-launcher) is not installed",
)
def test_ray_launcher_gives_the_same_table(tmp_path, basic_sweep):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    basic = basic_sweep[0]
    res = _cli(tmp_path, "-m", *SWEEP, "hydra/launcher=ray", f"hydra.sweep.dir={tmp_path}/ray",
               timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (basic / "sweep_summary.csv").read_bytes() == (
        tmp_path / "ray" / "sweep_summary.csv"
    ).read_bytes()


def test_aggregate_command_messages(tmp_path):
    res = _cli(tmp_path, str(tmp_path / "nope"), name="diffusion-sim-aggregate")
    assert res.returncode == 2 and len(_errors(res.stderr)) == 1
    assert "sweep_dir=" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "empty").mkdir()
    res = _cli(tmp_path, str(tmp_path / "empty"), name="diffusion-sim-aggregate")
    assert res.returncode == 2 and "multirun.yaml" in res.stderr


def test_ctrl_c_while_the_program_loads_is_one_line(tmp_path):
    """An interrupt while the console entry point imports the CLI (numba, Hydra, pandas: a
    second or more): one line, exit 130, no traceback, no folder."""
    code = (
        "import os, signal, threading; from diffusion_sim import _entry; "
        "threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start(); _entry.main()"
    )
    res = subprocess.run([sys.executable, "-c", code, f"hydra.run.dir={tmp_path / 'out'}"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr
    lines = _errors(res.stderr)
    assert len(lines) == 1 and "interrupted" in lines[0], res.stderr
    assert not (tmp_path / "out").exists()
