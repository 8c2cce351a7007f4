"""The README's screenshots of the app: docs/img/app_strategist.png and app_educator.png.

Start the app first (``bash scripts/app.sh``), then
``.venv/bin/python scripts/app_screenshots.py [URL [strategist|educator]]``. Drives Debian's
chromium with Playwright (the flags of tests/test_app_browser.py).
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def strategist(pg, url: str) -> None:
    pg.goto(url + "/")
    pg.wait_for_selector("text=Strategist: which play")
    pg.get_by_label("consumers simulated (graph.n)").fill("5000")
    pg.get_by_label("replications (sim.replications)").fill("10")
    pg.wait_for_selector("text=graph.n=5000")
    pg.get_by_role("button", name="Run", exact=True).click()
    pg.wait_for_selector(".ds-comparison")
    pg.wait_for_selector("text=finished in")
    pg.screenshot(path=str(IMG / "app_strategist.png"))


def educator(pg, url: str) -> None:
    pg.goto(url + "/educator")
    pg.wait_for_selector(".ds-counts")
    for k in range(3):
        pg.get_by_role("button", name="Run 10 steps").click()
        pg.wait_for_selector(f".ds-counts:has-text('step {10 * (k + 1)} ')")
    pg.set_viewport_size({"width": 1400, "height": 1250})
    pg.screenshot(path=str(IMG / "app_educator.png"))


def main(url: str, only: list[str]) -> None:
    for _ in range(240):  # the server may still be starting
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        pg = b.new_page(viewport={"width": 1400, "height": 1900})
        pg.set_default_timeout(300_000)
        for name in only or ["strategist", "educator"]:
            {"strategist": strategist, "educator": educator}[name](pg, url)
        b.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765", sys.argv[2:])
