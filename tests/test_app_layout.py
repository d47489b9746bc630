"""The Layout page under AppTest: "Simulate a run" stores a run and draws its heat map
(it used to raise "widget key instantiated twice" after every run, and the heat map failed
for any run not as long as the file's default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import SMALL_SHOP as SMALL
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages.layout import run_days_args  # noqa: E402


def test_run_days_args_reads_the_runs_own_length():
    # the manifest of `omsim run --out` stores the scenario the run was made of
    assert run_days_args({"scenario": {"simulation": {"horizon_days": 3}}}) == ["--days", "3"]
    assert run_days_args({"scenario": {"simulation": {"horizon_days": 2.5}}}) == [
        "--days",
        "2.5",
    ]
    assert run_days_args({}) == []
    assert run_days_args({"scenario": {"simulation": {"horizon_days": True}}}) == []


@pytest.mark.slow
def test_simulate_a_run_draws_its_heat_map(tmp_path, monkeypatch):
    scenarios, runs = tmp_path / "scenarios", tmp_path / "runs"
    scenarios.mkdir()
    runs.mkdir()
    # the file says 1 day; the page simulates 3: the heat map must use the run's 3 days
    (scenarios / "small_a.toml").write_text(SMALL)
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(runs))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("app_pages/layout.py").run()
    assert not at.exception
    at.select_slider[0].set_value(3).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    run_dir = runs / "layout-small_a-3d"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["scenario"]["simulation"]["horizon_days"] == 3
    assert at.selectbox(key="layout_run").value == run_dir.name
    assert list(run_dir.glob("layout-*.png")), "the heat map was not drawn"
    assert list(run_dir.glob("timeline-*.png")), "the timeline was not drawn"
