"""Experiments and comparisons: run_experiment, compare_table and ``omsim compare``."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis.stats.compare import compare_table
from analysis.stats.intervals import mean_ci, paired_difference
from sim.cli import main
from sim.experiments.experiment import ID_COLUMNS, kpi_columns, run_experiment
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"demand.orders_per_day": 200, "simulation.horizon_days": 2, "simulation.drain_days": 2}
# one packer per weekday shift: packing is the bottleneck, lead times grow
ONE_PACKER = {"staffing.shifts.3.headcount": 1, "staffing.shifts.4.headcount": 1}
LEAD = "lead_time_mean_h"


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def small():
    return load_scenario(BASELINE, SMALL)


@pytest.fixture(scope="module")
def busy():
    """600 orders a day: enough work for the packer count to matter."""
    return load_scenario(BASELINE, {**SMALL, "demand.orders_per_day": 600})


@pytest.fixture(scope="module")
def slowpack(busy):
    return with_overrides(busy, {"name": "slowpack", **ONE_PACKER})


@pytest.fixture(scope="module")
def serial(small, slowpack):
    return run_experiment([small, slowpack], 3, seed=5)


# --- run_experiment -----------------------------------------------------------------------


def test_one_row_per_scenario_and_replication_float_kpis(serial):
    assert serial.columns[:3] == list(ID_COLUMNS)
    assert serial.select(ID_COLUMNS).rows() == [
        (0, "baseline", 0), (0, "baseline", 1), (0, "baseline", 2),
        (1, "slowpack", 0), (1, "slowpack", 1), (1, "slowpack", 2),
    ]  # fmt: skip
    kpis = kpi_columns(serial)
    assert LEAD in kpis and "utilisation_packers" in kpis
    assert all(serial.schema[k] == pl.Float64 for k in kpis)


def test_same_table_with_one_or_two_jobs(small, slowpack, serial):
    calls: list[tuple[int, int]] = []
    parallel = run_experiment(
        [small, slowpack], 3, seed=5, jobs=2, progress=lambda d, t: calls.append((d, t))
    )
    assert_frame_equal(serial, parallel)
    assert calls == [(i, 6) for i in range(1, 7)]


def test_deterministic_across_calls(small, slowpack, serial):
    assert_frame_equal(serial, run_experiment([small, slowpack], 3, seed=5))


def test_another_seed_gives_other_numbers(small, serial):
    other = run_experiment([small], 3, seed=6)
    assert other[LEAD].to_list() != serial.filter(pl.col("scenario_index") == 0)[LEAD].to_list()


def test_bad_arguments_raise(small):
    with pytest.raises(ValueError):
        run_experiment([], 2, seed=1)
    with pytest.raises(ValueError):
        run_experiment([small], 0, seed=1)
    with pytest.raises(ValueError):
        run_experiment([small], 2, seed=1, jobs=0)


# --- compare_table --------------------------------------------------------------------------


def test_a_scenario_against_itself_differs_by_exactly_zero(small):
    results = run_experiment([small, small], 3, seed=2)
    kpis = [k for k in kpi_columns(results) if results[k].is_not_nan().all()]
    table = compare_table(results, kpis)
    others = table.filter(pl.col("scenario_index") == 1)
    assert others.height == len(kpis)
    assert others["diff_mean"].to_list() == [0.0] * len(kpis)
    assert others["diff_low"].to_list() == [0.0] * len(kpis)
    assert others["diff_high"].to_list() == [0.0] * len(kpis)
    assert not others["significant"].any()
    assert not others["better"].any()


def test_ci_and_difference_match_analysis_stats(serial):
    table = compare_table(serial, [LEAD, "shipped_same_day"])
    assert table.height == 4
    for kpi in (LEAD, "shipped_same_day"):
        a = serial.filter(pl.col("scenario_index") == 0)[kpi].to_numpy()
        b = serial.filter(pl.col("scenario_index") == 1)[kpi].to_numpy()
        rows = table.filter(pl.col("kpi") == kpi).rows(named=True)
        for row, values in zip(rows, (a, b), strict=True):
            ci = mean_ci(values)
            assert (row["mean"], row["half_width"], row["ci_low"], row["ci_high"], row["n"]) == (
                ci.mean, ci.half_width, ci.low, ci.high, ci.n,
            )  # fmt: skip
        assert rows[0]["diff_mean"] is None and rows[0]["better"] is None
        paired = paired_difference(a, b)
        assert rows[1]["diff_mean"] == paired.mean_diff
        assert (rows[1]["diff_low"], rows[1]["diff_high"]) == (paired.ci.low, paired.ci.high)
        assert rows[1]["p_value"] == paired.p_value


@pytest.fixture(scope="module")
def packing(busy, slowpack):
    return run_experiment([slowpack, busy], 4, seed=1)


def test_more_packers_is_the_significant_winner_on_lead_time(packing):
    table = compare_table(packing, [LEAD, "shipped_same_day"])
    lead = table.filter((pl.col("kpi") == LEAD) & (pl.col("scenario_index") == 1)).row(
        0, named=True
    )
    assert lead["diff_mean"] < 0 and lead["diff_high"] < 0 and lead["p_value"] < 0.05
    assert lead["significant"] and lead["better"]
    same_day = table.filter(pl.col("kpi") == "shipped_same_day").row(1, named=True)
    assert same_day["diff_mean"] > 0 and same_day["better"]


def test_fewer_packers_is_significantly_worse_not_better(packing):
    swapped = packing.with_columns((1 - pl.col("scenario_index")).alias("scenario_index")).sort(
        "scenario_index"
    )
    row = compare_table(swapped, [LEAD]).row(1, named=True)
    assert row["scenario"] == "slowpack"
    assert row["diff_mean"] > 0 and row["significant"] and not row["better"]


def test_kpis_without_a_direction_have_no_winner(packing):
    row = compare_table(packing, ["utilisation_packers"]).row(1, named=True)
    assert row["significant"] and not row["better"]


def test_unknown_kpi_column_raises(serial):
    with pytest.raises(ValueError, match="no_such_kpi"):
        compare_table(serial, ["no_such_kpi"])


# --- omsim compare ----------------------------------------------------------------------------


def write_scenario(path: Path, name: str, extra: str = "") -> Path:
    path.write_text(
        f'base = "{BASELINE.as_posix()}"\nname = "{name}"\n'
        "[simulation]\nhorizon_days = 2\ndrain_days = 2\n"
        "[demand]\norders_per_day = 600\n" + extra
    )
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    """A scenario with one packer on weekdays (shifts replace the base's) and a normal one."""
    d = tmp_path_factory.mktemp("compare")
    shift = (
        "[[staffing.shifts]]\nrole = '{}'\ndays = {}\nstart = '{}'\nend = '{}'\nheadcount = {}\n"
    )
    week = "['mon', 'tue', 'wed', 'thu', 'fri']"
    slow = shift.format("pickers", week, "06:00", "20:30", 9) + shift.format(
        "packers", week, "07:00", "21:30", 1
    )
    return write_scenario(d / "slow.toml", "slow", slow), write_scenario(d / "ok.toml", "ok")


def test_cli_compare_prints_the_table_and_marks_the_winner(capsys, files):
    rc = main(["compare", str(files[0]), str(files[1]), "-r", "3", "--jobs", "2"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "2 scenarios x 3 replications, seed 1" in out
    for text in ("1. slow", "2. ok", "Lead time, mean", "Shipped the same day", "▲ better"):
        assert text in out, text


def test_cli_compare_selected_kpis(capsys, files):
    rc = main(["compare", str(files[1]), str(files[1]), "-r", "2", "--kpis", LEAD])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Lead time, mean" in out and "Shipped the same day" not in out
    assert "0 [0, 0]" in out


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["compare", "{missing}"], "no such file"),
        (["compare", "{bad}"], "expected valid TOML"),
        (["compare", "{ok}", "-r", "1"], "at least 2"),
        (["compare", "{ok}", "--jobs", "0"], "--jobs"),
        (["compare", "{ok}", "--kpis", "no_such_kpi"], "no_such_kpi"),
        (["compare", "{ok}", "-r", "2", "--kpis", "queue_mean_nowhere"], "queue_mean_nowhere"),
        (["compare", "{ok}", "-r", "two"], "--replications: expected a finite number"),
    ],
)
def test_cli_compare_bad_input_is_one_line_exit_2(capsys, tmp_path, files, argv, expect):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [\n")
    paths = {"missing": tmp_path / "nope.toml", "bad": bad, "ok": files[1]}
    try:
        rc = main([a.format(**paths) for a in argv])
    except SystemExit as exc:  # argparse errors exit from the parser
        rc = exc.code
    _, err = capsys.readouterr()
    assert rc == 2
    assert expect in one_line(err)


def test_nan_kpis_do_not_break_the_table():
    results = pl.DataFrame(
        {
            "scenario_index": [0, 0, 1, 1],
            "scenario": ["a", "a", "b", "b"],
            "replication": [0, 1, 0, 1],
            LEAD: [1.0, math.nan, 2.0, 3.0],
        }
    )
    row = compare_table(results, [LEAD]).row(1, named=True)
    assert row["diff_mean"] == 1.0 and math.isnan(row["p_value"]) and not row["better"]


def test_compare_set_and_days_apply_to_every_scenario(capsys):
    from sim.cli import main

    root = Path(__file__).resolve().parent.parent / "scenarios"
    args = ["compare", str(root / "single.toml"), str(root / "batch.toml"), "-r", "2",
            "--plain", "--days", "1", "--set", "demand.orders_per_day=150", "--set",
            "simulation.drain_days=1", "--kpis", "orders_placed"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Orders placed" in out
    # common random numbers: both scenarios placed the same orders, so the difference is 0
    assert "0 [0, 0]" in out
    bad = ["compare", str(root / "single.toml"), str(root / "batch.toml"), "--set", "nokey"]
    assert main(bad) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--set nokey" in err


def test_run_to_precision_adds_replications_until_the_target_holds():
    from analysis.stats.intervals import mean_ci
    from sim.experiments.experiment import run_to_precision
    from sim.scenario import load_scenario

    root = Path(__file__).resolve().parent.parent / "scenarios"
    short = {"simulation.horizon_days": 1, "simulation.drain_days": 1,
             "demand.orders_per_day": 200}  # fmt: skip
    scs = [load_scenario(root / f"{m}.toml", short) for m in ("single", "batch")]
    kpis = ["travel_m_per_order", "lead_time_mean_h"]
    calls: list[tuple[int, int]] = []
    res, n = run_to_precision(
        scs, seed=3, rel_precision=0.03, kpis=kpis, start=3, cap=60,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert 3 < n < 60  # three pilots are not enough at 3 %, sixty are more than enough
    # the progress bar counts on over the rounds: every run once, ending at all of them
    assert [d for d, _ in calls] == list(range(1, 2 * n + 1))
    assert calls[-1] == (2 * n, 2 * n) and all(t >= d for d, t in calls)
    for i in range(2):
        rows = res.filter(pl.col("scenario_index") == i)
        assert rows["replication"].to_list() == list(range(n))
        for k in kpis:
            ci = mean_ci(rows[k].to_list())
            assert ci.half_width <= 0.03 * abs(ci.mean) + 1e-12, (i, k)
    # a loose target is met by the pilot replications alone; an impossible one stops at the cap
    _, n_loose = run_to_precision(scs, seed=3, rel_precision=0.5, kpis=kpis, start=3, cap=60)
    assert n_loose == 3
    _, n_cap = run_to_precision(scs, seed=3, rel_precision=1e-6, kpis=kpis, start=3, cap=8)
    assert n_cap == 8


def test_common_random_numbers_shrink_the_variance_of_differences():
    """Paired by replication (same orders), the difference between two staffing levels varies
    far less than the difference between independent runs (different seeds)."""
    import numpy as np

    from sim.experiments.experiment import run_experiment
    from sim.scenario import with_overrides

    root = Path(__file__).resolve().parent.parent / "scenarios"
    from sim.scenario import load_scenario

    short = {"simulation.horizon_days": 2, "simulation.drain_days": 2,
             "demand.orders_per_day": 400}  # fmt: skip
    base = load_scenario(root / "baseline.toml", short)
    a = with_overrides(base, {"staffing.shifts.0.headcount": 3, "staffing.shifts.1.headcount": 1})
    b = with_overrides(a, {"staffing.shifts.0.headcount": 2})  # one early picker fewer
    kpi = "queue_mean_pick"
    same = run_experiment([a, b], 12, seed=1)
    paired = (same.filter(pl.col("scenario_index") == 1)[kpi].to_numpy()
              - same.filter(pl.col("scenario_index") == 0)[kpi].to_numpy())  # fmt: skip
    other = run_experiment([b], 12, seed=2)  # independent demand for b
    unpaired = other[kpi].to_numpy() - same.filter(pl.col("scenario_index") == 0)[kpi].to_numpy()
    assert paired.mean() > 0  # a picker fewer: a longer pick queue, in every replication
    assert (paired > 0).all()
    assert np.var(paired, ddof=1) < 0.25 * np.var(unpaired, ddof=1)
