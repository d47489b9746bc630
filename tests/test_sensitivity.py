"""``omsim sensitivity``: one-at-a-time variants on common random numbers; the tornado's bars
are the same numbers as separate runs of the same settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.cli import main
from sim.experiments.runner import run_with_kpis
from sim.experiments.sensitivity import SensitivityError, parse_range
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"simulation.horizon_days": 2, "simulation.drain_days": 1, "demand.orders_per_day": 800}


def test_parse_range():
    r = parse_range("demand.orders_per_day = 1500:2500")
    assert (r.key, r.low, r.high) == ("demand.orders_per_day", 1500, 2500)
    assert parse_range("returns.window_days=14.5:30").low == 14.5
    for bad in ("x", "k=1", "k=1:2:3", "k=a:b", "k=2:2", "=1:2", "k=nan:1"):
        with pytest.raises(SensitivityError):
            parse_range(bad)


@pytest.mark.parametrize(
    "extra, expect",
    [
        (["--param", "demand.orders_per_day=1"], "expected KEY=LOW:HIGH"),
        (["--param", "demand.orders_per_day=-5:10"], "demand.orders_per_day"),
        (["--param", "picking.no_such_key=1:2"], "unknown key"),
        (["--param", "demand.orders_per_day=1:2", "--kpi", "nope"], "--kpi"),
        (["--param", "packing.time_per_unit_s=1:2", "--param", "packing.time_per_unit_s=3:4"],
         "each key once"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, expect):
    rc = main(["sensitivity", str(BASELINE), "--out", str(tmp_path / "s"), *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and expect in err and "Traceback" not in err


@pytest.mark.slow
def test_the_tornado_bars_match_separate_runs(tmp_path, capsys):
    params = {"packing.time_per_unit_s": (5, 25), "demand.orders_per_day": (600, 1000)}
    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    # --plain: the same runs as run_with_kpis (the scenario's own days)
    argv = ["sensitivity", str(BASELINE), "--plain", "-r", "3", "--seed", "4", "--jobs", "2",
            "--kpi", "labour_cost_per_order", "--out", str(tmp_path / "s"), *sets]  # fmt: skip
    for key, (lo, hi) in params.items():
        argv += ["--param", f"{key}={lo}:{hi}"]
    assert main(argv) == 0
    assert "labour_cost_per_order" in capsys.readouterr().out
    assert (tmp_path / "s" / "tornado.png").read_bytes().startswith(b"\x89PNG")
    rows = json.loads((tmp_path / "s" / "manifest.json").read_text())["summary"]["tornado"]
    assert {r["key"] for r in rows} == set(params)

    def kpi(overrides: dict, rep: int) -> float:
        sc = load_scenario(BASELINE, {**SMALL, **overrides})
        return run_with_kpis(sc, seed=4, replication=rep)[1]["labour_cost_per_order"]

    base = np.array([kpi({}, k) for k in range(3)])
    for row in rows:
        lo, hi = params[row["key"]]
        for end, value in (("low", lo), ("high", hi)):
            d = np.array([kpi({row["key"]: value}, k) for k in range(3)]) - base
            assert row[f"{end}_diff"] == pytest.approx(d.mean(), rel=1e-9, abs=1e-12)
            half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
            assert row[f"{end}_ci_low"] == pytest.approx(d.mean() - half, rel=1e-9, abs=1e-12)
            assert row[f"{end}_ci_high"] == pytest.approx(d.mean() + half, rel=1e-9, abs=1e-12)
    # more orders on the same staff: less labour per order (the base pays the same rosters)
    demand = next(r for r in rows if r["key"] == "demand.orders_per_day")
    assert demand["low_diff"] > 0 > demand["high_diff"]
    # the report renders the tornado
    assert main(["report", str(tmp_path / "s"), "-o", str(tmp_path / "r.html"),
                 "--no-warehouse"]) == 0  # fmt: skip
    assert "tornado chart of labour_cost_per_order" in (tmp_path / "r.html").read_text()
