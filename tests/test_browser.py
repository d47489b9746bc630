"""The app in a real browser: ``streamlit run app.py`` driven by Playwright with Debian's
Chromium. Runs the four picking methods on the Compare page (a small run) and checks the KPI
table appears with no error box.

Set ``OMSIM_SAVE_SCREENSHOT=docs/img/compare.png`` to also save the screenshot there (the one
in the README is made this way).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
                # the four picking methods are chosen by default
                assert [t for t in chosen.split() if t in METHODS] == list(METHODS)
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
