"""MSER-5 on series whose transient is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.stats.warmup import mser, suggest_warmup_days
from sim.model import run_replication


def test_mser5_finds_a_known_initial_transient():
    rng = np.random.default_rng(4)
    transient = np.linspace(20.0, 0.0, 100)  # a decaying start-up bias over 100 observations
    series = np.concatenate([transient, np.zeros(900)]) + rng.normal(0.0, 1.0, 1000)
    d = mser(series)
    assert 60 <= d <= 130  # drops (most of) the transient, not the steady state
    assert d % 5 == 0


def test_mser5_keeps_a_stationary_series():
    rng = np.random.default_rng(5)
    assert mser(rng.normal(3.0, 1.0, 1000)) <= 100  # at most a tenth, usually ~0


def test_mser5_short_series_and_batches():
    assert mser([1.0, 2.0, 3.0]) == 0
    # a step: ten batches at 10 then thirty at 0, no noise -> exactly the step
    assert mser([10.0] * 50 + [0.0] * 150) == 50


def test_suggested_warmup_of_a_run_from_empty(small):
    r = run_replication(small, seed=1)
    days = suggest_warmup_days(r.steps, end=r.end_min)
    assert 0.0 <= days <= r.end_min / 1440.0 / 2


def test_omsim_run_prints_the_suggested_warmup(capsys):
    from sim.cli import main

    baseline = str(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml")
    code = main(["run", baseline, "--days", "2",
                 "--set", "demand.orders_per_day=300"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "suggested warm-up: " in out and "(MSER-5, hourly pick queue)" in out
