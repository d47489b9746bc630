"""Every shipped scenario file validates and runs one simulated day."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sim.model import run_replication
from sim.scenario import load_scenario

FILES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))


def test_there_are_scenarios():
    assert any(f.name == "baseline.toml" for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_scenario_validates_and_runs_one_day(path):
    sc = load_scenario(path, {"simulation.horizon_days": 1, "simulation.drain_days": 0})
    r = run_replication(sc, seed=1)
    assert r.orders.height > 0
    assert r.orders.filter(pl.col("picked_at").is_not_null()).height > 0
