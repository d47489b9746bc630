"""Sweeps: --param parsing, the grid, the best option per volume, omsim sweep."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from scipy import stats

from analysis.stats.sweep import best_by, sweep_summary
from sim.cli import main
from sim.experiments.store import RunStore
from sim.experiments.sweep import SweepError, grid, parse_param
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.mark.parametrize(
    "spec, key, values",
    [
        ("demand.orders_per_day=1000:10000:1000", "demand.orders_per_day",
         tuple(range(1000, 10001, 1000))),
        ("demand.orders_per_day=1000:2500:1000", "demand.orders_per_day", (1000, 2000)),
        ("x.y=0.1:0.3:0.1", "x.y", (0.1, 0.2, 0.3)),
        ("picking.method=single,batch,zone,wave", "picking.method",
         ("single", "batch", "zone", "wave")),
        ("a.b=1, 2.5 ,true", "a.b", (1, 2.5, True)),
        ("a.b=7", "a.b", (7,)),
    ],
)  # fmt: skip
def test_parse_param(spec, key, values):
    p = parse_param(spec)
    assert p.key == key
    assert p.values == pytest.approx(values) if p.numeric else p.values == values


@pytest.mark.parametrize(
    "spec, expect",
    [
        ("demand.orders_per_day", "KEY="),
        ("demand.orders_per_day=", "KEY="),
        ("demand.orders_per_day=1000:10000", "three numbers"),
        ("demand.orders_per_day=1000:x:10", "three numbers"),
        ("demand.orders_per_day=1000:10000:0", "STEP > 0"),
        ("demand.orders_per_day=5:1:1", "START <= STOP"),
        ("demand.orders_per_day=1:100000:1", "at most"),
        ("picking.method=single,,batch", "empty"),
        ("picking.method=single,single", "distinct"),
    ],
)
def test_malformed_params_are_rejected(spec, expect):
    with pytest.raises(SweepError, match=expect):
        parse_param(spec)


def test_grid_is_the_product_last_fastest_and_validated():
    base = load_scenario(BASELINE)
    points = grid(
        base,
        [
            parse_param("demand.orders_per_day=100:300:100"),
            parse_param("picking.method=single,batch"),
        ],
    )
    assert [(p.values["demand.orders_per_day"], p.values["picking.method"]) for p in points] == [
        (100, "single"), (100, "batch"), (200, "single"), (200, "batch"), (300, "single"),
        (300, "batch"),
    ]  # fmt: skip
    assert [p.scenario.demand.orders_per_day for p in points] == [100, 100, 200, 200, 300, 300]
    assert [p.scenario.picking.method for p in points][:2] == ["single", "batch"]
    assert len({p.scenario.fingerprint() for p in points}) == 6
    with pytest.raises(ScenarioError, match="picking.method"):
        grid(base, [parse_param("picking.method=single,teleport")])


def _table(values_by_point: dict[int, list[float]]) -> pl.DataFrame:
    rows = [
        {"scenario_index": i, "scenario": str(i), "replication": r, "obj": v}
        for i, vals in values_by_point.items() for r, v in enumerate(vals)
    ]  # fmt: skip
    return pl.DataFrame(rows)


def test_best_by_picks_the_lowest_mean_and_tests_it_pairwise():
    # two volumes x two methods; at 100 'b' is better by a consistent 1.0 (paired), at 200
    # 'a' is better on average but the paired differences are noisy
    values = [
        {"v": 100, "m": "a"}, {"v": 100, "m": "b"}, {"v": 200, "m": "a"}, {"v": 200, "m": "b"},
    ]  # fmt: skip
    obs = {
        0: [5.0, 6.0, 7.0, 8.0], 1: [4.0, 5.0, 6.0, 7.1],
        2: [3.0, 9.0, 4.0, 8.0], 3: [9.0, 3.0, 8.0, 4.5],
    }  # fmt: skip
    best = best_by(_table(obs), values, "v", "m", "obj", higher_is_better=False)
    assert best["best"].to_list() == ["b", "a"]
    assert best["runner_up"].to_list() == ["a", "b"]
    p_first = stats.ttest_rel(obs[1], obs[0]).pvalue
    p_second = stats.ttest_rel(obs[2], obs[3]).pvalue
    assert best["p_value"].to_list() == pytest.approx([p_first, p_second])
    assert best["significant"].to_list() == [p_first < 0.05, p_second < 0.05] == [True, False]
    higher = best_by(_table(obs), values, "v", "m", "obj", higher_is_better=True)
    assert higher["best"].to_list() == ["a", "b"]
    # 'obj' is no catalogue KPI: any lead is practical; with a threshold of 0.5 the lead of
    # 'b' at 100 (mean 5.525 vs 6.5: 0.975) is, that of 'a' at 200 (6.0 vs 6.125) is not
    assert best["practical"].to_list() == [True, True]
    strict = best_by(_table(obs), values, "v", "m", "obj", higher_is_better=False, practical=0.5)
    assert strict["practical"].to_list() == [True, False]


def test_sweep_summary_interval_is_the_t_interval():
    obs = {0: [1.0, 2.0, 4.0], 1: [3.0, 3.0, 3.5]}
    s = sweep_summary(_table(obs), [{"k": 1}, {"k": 2}], "obj")
    for i, vals in obs.items():
        row = s.row(i, named=True)
        n = len(vals)
        sd = stats.tstd(vals)
        hw = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        assert row["mean"] == pytest.approx(sum(vals) / n)
        assert row["half_width"] == pytest.approx(hw)
        assert row["k"] == str(i + 1)


def test_cli_sweep_runs_the_grid_stores_it_and_charts_the_best(tmp_path, capsys):
    out = tmp_path / "sweep"
    rc = main([
        "sweep", str(BASELINE), "--param", "demand.orders_per_day=300:600:300",
        "--param", "picking.method=single,batch", "-r", "2", "--jobs", "1", "--plain",
        "--days", "2", "--set", "simulation.drain_days=1", "--objective", "travel_m_per_order",
        "--out", str(out),
    ])  # fmt: skip
    stdout, stderr = capsys.readouterr()
    assert rc == 0, stderr
    assert "4 grid points x 2 replications" in stdout
    assert "best method by orders_per_day" in stdout
    png = out / "sweep.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    store = RunStore.open(out)
    kpis = store.kpis()
    assert kpis.height == 8
    # batch picking shares tours, so it walks less per order than single-order picking
    best = store.manifest["summary"]["best"]
    assert [b["best"] for b in best] == ["batch", "batch"]
    for b in best:
        v = b["demand.orders_per_day"]
        travel = {
            m: kpis.filter(pl.col("scenario") == f"orders_per_day={v} method={m}")[
                "travel_m_per_order"
            ].mean()
            for m in ("single", "batch")
        }
        assert (
            b["best_mean"] == pytest.approx(travel["batch"]) and travel["batch"] < travel["single"]
        )


@pytest.mark.parametrize(
    "extra, expect",
    [
        (["--param", "demand.orders_per_day=1000:10000"], "three numbers"),
        (["--param", "picking.method=single,teleport"], "picking.method"),
        (["--param", "demand.orders_per_day=100:200:100", "--objective", "nope"], "nope"),
        (["--param", "demand.orders_per_day=100:200:100", "--objective", "orders_placed"],
         "direction"),
        (["--param", "demand.orders_per_day=1:1000:1", "--max-points", "50"], "at most 50"),
    ],
)  # fmt: skip
def test_cli_sweep_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, expect):
    rc = main(["sweep", str(BASELINE), "--out", str(tmp_path / "s"), *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert expect in err
