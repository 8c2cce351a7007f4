"""A built wheel carries its configuration: installed outside the checkout, it runs a job."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    (wheel,) = dist.glob("diffusion_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "diffusion_sim/conf/config.yaml" in names
    assert "diffusion_sim/conf/market/default.yaml" in names
    assert any(n.startswith("diffusion_sim/conf/experiment/") for n in names)
    # a fresh venv with only the wheel; its dependencies come from this environment's
    # site-packages by a plain path entry (the editable checkout's import hook is not loaded)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    purelib = subprocess.check_output(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "deps.pth").write_text("\n".join(deps) + "\n")
    res = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
         str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.check_output(
        [py, "-c", "import diffusion_sim, os; print(os.path.dirname(diffusion_sim.__file__))"],
        cwd=work, text=True,
    ).strip()  # fmt: skip
    assert not where.startswith(str(ROOT)), where  # the installed copy, not the checkout
    exe = env_dir / "bin" / "diffusion-sim"
    res = subprocess.run(
        [exe, "job=diffuse", "graph.n=300", "sim.steps=5", "sim.replications=1",
         "sim.progress=false", "experiment=weak_ties_demo", "hydra.run.dir=out"],
        cwd=work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (work / "out" / "COMPLETE.json").is_file()
    assert "final adopted share" in res.stdout
