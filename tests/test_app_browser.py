"""The app in a real browser: Playwright driving Debian's chromium against ``solara run``.

One server for the module (bound to 127.0.0.1 on a free port, telemetry off, offline). Every
wait is on page content (a selector or text), never a fixed sleep. Screenshots are saved as
test artefacts in ``results/browser-tests/`` (``DS_ARTIFACTS`` to move them).

Without chromium (``/usr/bin/chromium``) or Playwright the tests skip with the reason,
except in CI (``CI=true``), where they fail: ``scripts/test.sh`` installs chromium there.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("DS_ARTIFACTS", ROOT / "results" / "browser-tests"))
LOAD = 60_000  # ms: first page of a fresh server (imports, the kernels' cache)


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("solara")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it "
                 "as root)")  # fmt: skip
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed (pip install -e .[dev])")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cwd = tmp_path_factory.mktemp("app")  # the runs' results/app/ folders land here
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    log = open(cwd / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", "diffusion_sim.app", "--host", "127.0.0.1",
         "--port", str(port), "--production", "--no-open", "--no-check-version"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:  # the server answers once the app module is imported
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("solara did not start: " + (cwd / "server.log").read_text()[-2000:])
        time.sleep(0.25)
    yield url, cwd
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 2200}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(LOAD)
    yield pg
    ctx.close()


def _shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def _no_traceback(pg):
    text = pg.inner_text("body")
    assert "Traceback" not in text and "Error in" not in text, text[:2000]


def _open_strategist(pg, url):
    pg.goto(url + "/")
    pg.wait_for_selector("text=Strategist: which play")
    for label, value in (("consumers simulated (graph.n)", "1000"),
                         ("horizon, days (sim.steps)", "30"),
                         ("replications (sim.replications)", "2")):  # fmt: skip
        pg.get_by_label(label).fill(value)
    # the command on the page follows the inputs: wait for it before running
    pg.wait_for_selector("text=graph.n=1000 compare.budget=100000 sim.steps=30 sim.replications=2")


def test_strategist_runs_a_comparison_shows_every_play_and_exports(page, server):
    url, _ = server
    _open_strategist(page, url)
    page.get_by_role("button", name="Run", exact=True).click()
    table = page.wait_for_selector(".ds-comparison", timeout=180_000)
    rows = [r.split("\t")[0].strip() for r in table.inner_text().splitlines()[1:]]
    assert rows == ["none", "vip", "ads", "bridging", "mix"]
    assert page.inner_text(".ds-verdict").startswith("most profit: ")
    assert page.locator("img").count() >= 1  # the comparison figure
    page.wait_for_selector("text=finished in")
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("report \\(HTML\\)", re.I)).click()
    report = ARTIFACTS / "report.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dl.value.save_as(report)
    text = report.read_text()
    assert "diffusion-sim graph.n=1000 compare.budget=100000 sim.steps=30" in text
    assert "data:image/png;base64," in text and "Assumptions" in text
    _no_traceback(page)
    _shot(page, "strategist")


def test_strategist_bad_input_is_answered_then_a_run_is_cancelled(page, server):
    from playwright.sync_api import expect

    url, _ = server
    _open_strategist(page, url)
    budget = page.get_by_label("budget per play, CNY (compare.budget)")
    budget.fill("abc")
    page.wait_for_selector("text=compare.budget=abc")
    page.get_by_role("button", name="Run", exact=True).click()
    err = page.wait_for_selector(".ds-error")
    assert "compare.budget=abc is not allowed" in err.inner_text()
    _no_traceback(page)
    _shot(page, "strategist_bad_input")
    budget.fill("100000")
    page.get_by_label("replications (sim.replications)").fill("400")
    page.wait_for_selector("text=sim.replications=400")
    run = page.get_by_role("button", name="Run", exact=True)
    run.click()
    expect(run).to_be_disabled(timeout=30_000)  # running in the background
    page.wait_for_selector(".ds-progress")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("text=cancelled; incomplete outputs left in")
    expect(run).to_be_enabled(timeout=30_000)  # the worker is stopped first
    assert page.locator(".ds-comparison").count() == 0


def _adopted(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"(\d+) adopted", text)]


def test_educator_weak_ties_step_changes_adoption_and_bad_input_is_answered(page, server):
    url, _ = server
    page.goto(url + "/educator")
    counts = page.wait_for_selector(".ds-counts")
    before = counts.inner_text()
    assert before.startswith("step 0") and "weak ties off" in before
    page.get_by_role("button", name="Run 10 steps").click()
    page.wait_for_selector(".ds-counts:has-text('step 10')")
    after = page.inner_text(".ds-counts")
    assert sum(_adopted(after)) > sum(_adopted(before))
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_selector(".ds-counts:has-text('step 11')")
    # a changed setting is announced, not silently ignored; New run applies it and keeps
    # the earlier run in the plot
    page.get_by_label("β weak (per step)").fill("0.3")
    page.wait_for_selector(".ds-pending")
    page.get_by_role("button", name="New run").click()
    page.wait_for_selector(".ds-counts:has-text('step 0')")
    page.get_by_role("button", name="Run 10 steps").click()
    page.wait_for_selector(".ds-counts:has-text('step 10')")
    assert page.locator(".ds-pending").count() == 0
    assert page.get_by_role("button", name="Clear earlier runs").is_enabled()
    _no_traceback(page)
    _shot(page, "educator_weak_ties")
    page.get_by_label("seed", exact=True).fill("abc")
    err = page.wait_for_selector(".ds-error")
    assert "seed: 'abc' is not allowed" in err.inner_text()
    assert page.get_by_role("button", name="New run").is_disabled()
    _no_traceback(page)
    _shot(page, "educator_bad_input")


def test_educator_other_lessons_load_and_step(page, server):
    url, _ = server
    page.goto(url + "/educator")
    page.wait_for_selector(".ds-counts")
    for title, arm in (
        ("Structural holes: where to place the seeds", "seeds on bridges"),
        ("Complex contagion: when long ties hinder", "complex, long ties"),
    ):
        page.get_by_role("button", name=title).click()
        page.wait_for_selector(f".ds-counts:has-text('{arm}')")
        page.get_by_role("button", name="Run 10 steps").click()
        page.wait_for_selector(f".ds-counts:has-text('step 10'):has-text('{arm}')")
        _no_traceback(page)
        _shot(page, "educator_" + title.split(":")[0].lower().replace(" ", "_"))
