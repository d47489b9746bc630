"""The app in a real browser: ``streamlit run app.py`` driven by Playwright with Debian's
Chromium. Runs the four picking methods on the Compare page (a small run) and checks the KPI
table appears with no error box; then walks every page as a user on a tiny shop, pressing
each page's main button (Layout's "Simulate a run", Save as, an interrupted run...) and
checking that no exception box appears and the expected result does.

Set ``OMSIM_SAVE_SCREENSHOT=docs/img/compare.png`` to also save the screenshot there (the one
in the README is made this way).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SMALL_SHOP

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
)
METHODS = ("single", "batch", "zone", "wave")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def test_compare_page_in_a_real_browser(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    scenarios, runs = tmp_path / "scenarios", tmp_path / "runs"
    shutil.copytree(ROOT / "scenarios", scenarios)
    runs.mkdir()
    port = free_port()
    env = {**os.environ, "OMSIM_SCENARIOS_DIR": str(scenarios), "OMSIM_RUNS_DIR": str(runs)}
    log = (tmp_path / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", server)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            )
            try:
                page = browser.new_page(viewport={"width": 1800, "height": 1750})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                page.get_by_role("heading", name="Compare scenarios").wait_for(timeout=60_000)
                chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
                # the four picking methods are chosen by default: one "name — description"
                # chip per line
                names = [line.split(" — ")[0] for line in chosen.splitlines() if " — " in line]
                assert names == list(METHODS), chosen
                for label, value in (("Replications", "3"),
                                     ("Measured weeks (0: plain runs of the files' days)",
                                      "1")):  # fmt: skip
                    field = page.get_by_role("spinbutton", name=label, exact=True)
                    field.fill(value)
                    field.press("Enter")
                    page.wait_for_timeout(800)
                page.get_by_role("button", name="Run comparison").click()
                table = page.locator('[data-testid="stDataFrame"]').first
                table.wait_for(timeout=300_000)
                page.locator('[data-testid="stImage"]').nth(3).wait_for(timeout=60_000)
                page.wait_for_timeout(1500)  # let the figures settle before the screenshot
                assert page.locator('[data-testid="stException"]').count() == 0
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0
                assert page.get_by_text("4 scenario(s) × 3 replication(s)").count() == 1
                shot = tmp_path / "compare.png"
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 10_000
                if target := os.environ.get("OMSIM_SAVE_SCREENSHOT"):
                    Path(target).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, target)
            finally:
                browser.close()
        assert len(list(runs.glob("app-compare-*/runs/*/r*.kpis.parquet"))) == 12
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --- every page, as a user -----------------------------------------------------------------

EXCEPTION = '[data-testid="stException"]'
ERROR = '[data-testid="stAlertContentError"]'

#: The small shop with 4 pickers (one per zone for zone picking) and a consolidator (wave
#: picking), so that every picking method of the sweep can run it.
WALK_SHOP = SMALL_SHOP.replace("headcount = 2\n", "headcount = 4\n", 1) + (
    '[[staffing.shifts]]\nrole = "consolidators"\nstart = "07:00"\nend = "15:30"\nheadcount = 1\n'
)


@contextmanager
def app_server(tmp_path: Path, env_extra: dict[str, str]) -> Iterator[str]:
    """``streamlit run app.py`` on a free port with the given folders; yields its URL."""
    port = free_port()
    env = {**os.environ, **env_extra}
    log = (tmp_path / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def go(page, title: str, heading: str) -> None:
    """Open a page from the sidebar and wait for its title."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)


def fill(page, label: str, value: str) -> None:
    """Type into a number box (by its label) and commit it."""
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(value)
    field.press("Enter")
    page.wait_for_timeout(700)


def no_exception(page) -> None:
    """No Python exception box on the page."""
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()


def test_walk_every_page_as_a_user(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    scenarios, runs, data = tmp_path / "scenarios", tmp_path / "runs", tmp_path / "data"
    for folder in (scenarios, runs, data):
        folder.mkdir()
    (scenarios / "small_a.toml").write_text(WALK_SHOP)
    (scenarios / "small_b.toml").write_text(
        'base = "small_a.toml"\nname = "small_b"\ndescription = "The small shop, batch picking"'
        '\n[picking]\nmethod = "batch"\n'
    )
    shutil.copyfile(ROOT / "tests" / "data" / "online_retail_sample.csv", data / "orders.csv")
    env = {"OMSIM_SCENARIOS_DIR": str(scenarios), "OMSIM_RUNS_DIR": str(runs),
           "OMSIM_DATA_DIR": str(data)}  # fmt: skip
    with app_server(tmp_path, env) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.goto(url, wait_until="networkidle")
            page.get_by_role("heading", name="Compare scenarios").wait_for(timeout=60_000)
            # Compare: the introduction with the scenarios' descriptions, then a run
            assert page.get_by_text("simulates an online shop's order process").count() == 1
            fill(page, "Measured weeks (0: plain runs of the files' days)", "0")
            fill(page, "Replications", "2")
            assert page.get_by_text("This comparison: 4 runs, 800 orders").count() == 1
            page.get_by_role("button", name="Run comparison").click()
            page.get_by_text("2 scenario(s) × 2 replication(s)").wait_for(timeout=180_000)
            no_exception(page)

            # an interrupted run: a bigger comparison, left while it runs
            fill(page, "Orders per day (0: as in the files)", "40000")
            fill(page, "Replications", "3")
            page.get_by_role("button", name="Run comparison").click()
            # leave once a run is stored (a store holding no run yet is simply removed)
            page.get_by_text(re.compile(r"Simulating: [1-5] of 6 runs done")).wait_for(
                timeout=120_000
            )
            go(page, "Runs and reports", "Runs and reports")
            no_exception(page)
            # the page follows the run being stopped: "running" turns into "cancelled"
            status = page.get_by_text(re.compile(r"^Status: ")).first
            status.wait_for(timeout=60_000)
            for _ in range(30):
                if "running" not in status.inner_text():
                    break
                page.wait_for_timeout(1000)
            stored = sorted(
                json.loads(m.read_text())["status"]
                for m in runs.glob("app-compare-*/manifest.json")
            )
            # nothing left running: the left run is cancelled (or had finished) in its store
            assert stored in (["cancelled", "complete"], ["complete", "complete"]), stored
            expected = "1 cancelled, 1 finished" if "cancelled" in stored else "2 finished"
            assert status.inner_text() == f"Status: {expected}"

            # Scenarios: Save as a new name
            go(page, "Scenarios", "Scenarios")
            name = page.get_by_role("textbox", name="File name")
            name.fill("small_copy")
            name.press("Enter")
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Save as small_copy.toml").click()
            page.get_by_text("Saved small_copy.toml in the scenarios folder.").first.wait_for(
                timeout=30_000
            )
            no_exception(page)
            assert 'name = "small_copy"' in (scenarios / "small_copy.toml").read_text()

            # Staff sizing: a small search
            go(page, "Staff sizing", "Staff sizing")
            fill(page, "Measured weeks (0: a plain run of the file's days)", "0")
            fill(page, "Replications", "2")
            fill(page, "Max headcount per shift", "4")
            fill(page, "Extra staffings to prove the cheapest", "0")
            page.get_by_role("button", name="Size the staff").click()
            page.get_by_role("heading", name="Recommended staffing plan").wait_for(timeout=300_000)
            no_exception(page)

            # Sweep: 2 volumes x the four methods
            go(page, "Sweep", "Sweep")
            fill(page, "Orders per day from", "100")
            fill(page, "to", "200")
            fill(page, "in steps of", "100")
            fill(page, "Replications", "2")
            fill(page, "Measured weeks (0: a plain run of the file's days)", "0")
            page.get_by_role("button", name="Run sweep").click()
            page.locator(f'[data-testid="stImage"], {ERROR}').first.wait_for(timeout=300_000)
            no_exception(page)
            assert page.locator(ERROR).count() == 0, page.locator(ERROR).first.inner_text()

            # Layout: simulate a run and draw its heat map
            go(page, "Layout", "Layout")
            page.get_by_role("button", name="Simulate a run of this scenario").click()
            page.locator('[data-testid="stImage"]').or_(page.locator(ERROR)).or_(
                page.locator(EXCEPTION)
            ).first.wait_for(timeout=180_000)
            no_exception(page)
            assert page.locator(ERROR).count() == 0, page.locator(ERROR).first.inner_text()
            page.locator('[data-testid="stImage"]').nth(1).wait_for(timeout=120_000)
            no_exception(page)
            assert page.locator(ERROR).count() == 0
            run = runs / "layout-small_a-3d"  # the run simulated, its heat map and timeline
            assert list(run.glob("layout-*.png")) and list(run.glob("timeline-*.png"))

            # Live: replay the order file, then stop it
            go(page, "Live", "Live")
            orders = page.get_by_role("textbox", name="Order file")
            orders.fill("orders.csv")
            page.get_by_role("button", name="Start the replay").click()
            page.get_by_text("Placed").first.wait_for(timeout=120_000)
            no_exception(page)
            stop = page.get_by_role("button", name="Stop the replay")
            if stop.count():
                stop.click()
                page.wait_for_timeout(2500)
            no_exception(page)
            assert page.get_by_text("Running", exact=True).count() == 0

            # Runs: the finished runs are listed, none running
            go(page, "Runs and reports", "Runs and reports")
            no_exception(page)
            assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        finally:
            browser.close()
