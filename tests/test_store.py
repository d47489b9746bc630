"""The run store: atomic files, resume after a killed run, failed replications, omsim runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import sim.experiments.experiment
from sim.cli import main
from sim.experiments.experiment import ExperimentFailed, run_experiment
from sim.experiments.store import RunStore, StoreError, list_stores
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"demand.orders_per_day": 200, "simulation.horizon_days": 2, "simulation.drain_days": 2}
SMALL_ARGS = ["--set", "demand.orders_per_day=200", "--plain", "--days", "2", "--set",
              "simulation.drain_days=2"]  # fmt: skip


@pytest.fixture(scope="module")
def pair():
    a = load_scenario(BASELINE, SMALL)
    b = with_overrides(a, {"name": "fewpackers", "staffing.shifts.3.headcount": 2})
    return a, b


def test_store_round_trip_and_no_temporary_files(tmp_path, pair):
    store = RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    table = run_experiment(list(pair), 2, seed=3, store=store)
    back = RunStore.open(tmp_path / "run").kpis()
    assert (
        back.select("scenario", "replication").rows()
        == table.select("scenario", "replication").rows()
    )
    kpis = [c for c in table.columns if c not in sim.experiments.experiment.ID_COLUMNS]
    assert_frame_equal(back.select(kpis), table.select(kpis))
    orders = store.details("orders")
    # the stored cohort is the orders the KPIs counted
    for (name, rep), n in zip(
        table.select("scenario", "replication").rows(), table["orders_placed"], strict=True
    ):
        got = orders.filter((pl.col("scenario") == name) & (pl.col("replication") == rep))
        assert got.height == n
    queues = store.details("queues")
    assert set(queues["hour"].unique().to_list()) == set(range(24))
    leftovers = [p for p in (tmp_path / "run").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_stored_runs_are_reused_not_rerun(tmp_path, pair, monkeypatch):
    store = RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    first = run_experiment(list(pair), 2, seed=3, store=store)
    calls = []
    real = sim.experiments.experiment.simulate
    monkeypatch.setattr(
        sim.experiments.experiment, "simulate", lambda item: calls.append(item) or real(item)
    )
    again = RunStore.create(tmp_path / "run", "compare", {"seed": 3}, resume=True)
    more = run_experiment(list(pair), 3, seed=3, store=again)
    assert [(c.scenario.name, c.replication) for c in calls] == [
        ("baseline", 2), ("fewpackers", 2)
    ]  # fmt: skip
    assert_frame_equal(more.filter(pl.col("replication") < 2), first)


def test_store_refuses_to_mix_experiments(tmp_path):
    RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    with pytest.raises(StoreError, match="--resume"):
        RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    with pytest.raises(StoreError, match="seed"):
        RunStore.create(tmp_path / "run", "compare", {"seed": 4}, resume=True)
    with pytest.raises(StoreError, match="sweep"):
        RunStore.create(tmp_path / "run", "sweep", {"seed": 3}, resume=True)
    with pytest.raises(StoreError, match="found none"):
        RunStore.create(tmp_path / "other", "compare", {"seed": 3}, resume=True)


def _kpi_files(run: Path) -> list[Path]:
    return sorted(run.glob("runs/*/r*.kpis.parquet"))


def test_resume_after_a_killed_run_equals_an_uninterrupted_run(tmp_path):
    """Kill ``omsim compare`` after two runs are stored; --resume finishes the others without
    redoing the stored ones, and the stored KPIs equal those of a run never interrupted."""
    args = [str(BASELINE), str(ROOT / "scenarios" / "batch.toml"), "-r", "4", "--seed", "7",
            "--jobs", "1", "--set", "demand.orders_per_day=600", "--plain", "--days", "3", "--set",
            "simulation.drain_days=2"]  # fmt: skip
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "compare", *args, "--out", str(killed)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(_kpi_files(killed)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _kpi_files(killed)
    assert 2 <= len(stored) < 8, "the run should be killed part-way"
    before = {p: p.stat().st_mtime_ns for p in stored}
    assert RunStore.open(killed).manifest["status"] == "running"

    assert main(["compare", *args, "--out", str(killed), "--resume"]) == 0
    assert {p: p.stat().st_mtime_ns for p in stored} == before  # not redone
    assert len(_kpi_files(killed)) == 8
    whole = tmp_path / "whole"
    assert main(["compare", *args, "--out", str(whole)]) == 0
    assert_frame_equal(RunStore.open(killed).kpis(), RunStore.open(whole).kpis())
    assert_frame_equal(
        RunStore.open(killed).details("orders"), RunStore.open(whole).details("orders")
    )
    assert RunStore.open(killed).manifest["status"] == "complete"


REAL_SIMULATE = sim.experiments.experiment.simulate


def _failing(fail_name: str, fail_rep: int):
    real = REAL_SIMULATE

    def simulate(item):
        if item.scenario.name == fail_name and item.replication == fail_rep:
            raise RuntimeError("picker station exploded")
        return real(item)

    return simulate


def test_a_failing_replication_is_reported_and_the_others_are_stored(tmp_path, pair, monkeypatch):
    monkeypatch.setattr(sim.experiments.experiment, "simulate", _failing("fewpackers", 1))
    store = RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    with pytest.raises(ExperimentFailed) as info:
        run_experiment(list(pair), 3, seed=3, store=store)
    (failure,) = info.value.failures
    assert (failure.scenario, failure.seed, failure.replication) == ("fewpackers", 3, 1)
    assert "picker station exploded" in failure.describe()
    assert info.value.results.select("scenario", "replication").rows() == [
        ("baseline", 0), ("baseline", 1), ("baseline", 2), ("fewpackers", 0), ("fewpackers", 2)
    ]  # fmt: skip
    assert len(_kpi_files(tmp_path / "run")) == 5


def test_cli_reports_a_failed_replication_and_compares_the_rest(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sim.experiments.experiment, "simulate", _failing("batch", 2))
    out = tmp_path / "run"
    rc = main(["compare", str(BASELINE), str(ROOT / "scenarios" / "batch.toml"), "-r", "3",
               "--seed", "9", "--jobs", "1", "--out", str(out), *SMALL_ARGS])  # fmt: skip
    stdout, stderr = capsys.readouterr()
    assert rc == 1
    (line,) = stderr.splitlines()
    assert "replication 2 of scenario 'batch' (seed 9) failed" in line
    assert "picker station exploded" in line
    assert "2 scenarios x 2 replications" in stdout  # the pairs that finished
    manifest = RunStore.open(out).manifest
    assert manifest["status"] == "failed_runs"
    assert manifest["failures"][0]["replication"] == 2
    # --resume runs only the failed replication
    monkeypatch.setattr(sim.experiments.experiment, "simulate", _failing("nothing", -1))
    argv = ["compare", str(BASELINE), str(ROOT / "scenarios" / "batch.toml"), "-r", "3",
            "--seed", "9", "--jobs", "1", "--out", str(out), "--resume", *SMALL_ARGS]  # fmt: skip
    rc = main(argv)
    assert rc == 0
    assert RunStore.open(out).manifest["status"] == "complete"


def test_omsim_runs_lists_stored_experiments(tmp_path, capsys, pair):
    for name in ("one", "two"):
        store = RunStore.create(tmp_path / name, "compare", {"seed": 1})
        run_experiment([pair[0]], 2, seed=1, store=store)
        store.finish([])
    listed = list_stores(tmp_path)
    assert sorted(Path(s["path"]).name for s in listed) == ["one", "two"]
    assert all(s["runs"] == 2 and s["status"] == "complete" for s in listed)
    assert main(["runs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "one" in out and "two" in out and "complete" in out


def test_bad_run_directory_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "stray.txt").write_text("hi")
    rc = main(["compare", str(BASELINE), "--out", str(tmp_path / "x"), "-r", "2", *SMALL_ARGS])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == 1 and "x" in err
    rc = main(["compare", str(BASELINE), "--resume", "-r", "2", *SMALL_ARGS])
    err = capsys.readouterr().err
    assert rc == 2 and "--out" in err and len(err.splitlines()) == 1
