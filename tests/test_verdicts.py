"""Comparisons with a verdict: significant AND larger than the practical threshold, better and
worse marked with symbols, one sentence per scenario with the main driver, tables that fit
100 columns (or go vertical), --practical, the default KPIs of a method comparison."""

from __future__ import annotations

import math

import polars as pl
import pytest

from analysis.stats.compare import compare_table
from analysis.stats.verdicts import main_driver, scenario_sentences
from sim.cli.compare_output import (
    PracticalError,
    parse_practical,
    print_comparison,
    vertical_lines,
)

COST = "cost_per_order"
LEAD = "lead_time_mean_h"
REPS = 8


def _results(columns: dict[str, tuple[list[float], list[float]]], names=("base", "new")):
    """An experiment table: two scenarios x REPS replications with the given KPI values."""
    rows: dict[str, list] = {"scenario_index": [], "scenario": [], "replication": []}
    for i, name in enumerate(names):
        rows["scenario_index"] += [i] * REPS
        rows["scenario"] += [name] * REPS
        rows["replication"] += list(range(REPS))
    for col, (a, b) in columns.items():
        rows[col] = [*a, *b]
    return pl.DataFrame(rows)


def _noise(k: int) -> float:
    return ((k * 7919) % 13 - 6) / 6.0  # deterministic, mean 0 over 13 values, |x| <= 1


BASE_COST = [11.6 + 0.3 * _noise(k) for k in range(REPS)]
BASE_LEAD = [86.0 + 2.0 * _noise(k) for k in range(REPS)]


def _row(table: pl.DataFrame, kpi: str) -> dict:
    return table.filter((pl.col("kpi") == kpi) & (pl.col("scenario_index") == 1)).row(0, named=True)


def test_a_tiny_cost_change_with_a_tiny_ci_is_not_a_verdict():
    # every replication 0.001 cheaper (+ a jitter of 1e-6): p is ~0, the change is
    # 1/50 of the 0.05 per order a manager acts on
    new = [c - 0.001 + 1e-6 * _noise(k + 3) for k, c in enumerate(BASE_COST)]
    row = _row(compare_table(_results({COST: (BASE_COST, new)}), [COST]), COST)
    assert row["significant"] and row["p_value"] < 1e-6
    assert not row["practical"] and row["threshold"] == 0.05
    assert not row["better"] and not row["worse"] and row["verdict"] == ""


def test_a_large_worse_change_is_marked_worse(capsys):
    new = [c + 0.80 + 0.01 * _noise(k + 5) for k, c in enumerate(BASE_COST)]  # 80 cents more
    results = _results({COST: (BASE_COST, new)})
    table = compare_table(results, [COST])
    row = _row(table, COST)
    assert row["worse"] and not row["better"] and row["verdict"] == "worse"
    print_comparison(table, "title", results)
    row_line = next(x for x in capsys.readouterr().out.splitlines() if "2. new" in x)
    assert "▼ worse" in row_line and "▲" not in row_line


def test_a_large_better_change_is_marked_better_with_a_symbol(capsys):
    new = [v - 6.0 + 0.1 * _noise(k + 1) for k, v in enumerate(BASE_LEAD)]  # 6 h faster
    results = _results({LEAD: (BASE_LEAD, new)})
    table = compare_table(results, [LEAD])
    assert _row(table, LEAD)["verdict"] == "better"
    print_comparison(table, "title", results)
    row_line = next(x for x in capsys.readouterr().out.splitlines() if "2. new" in x)
    assert "▲ better" in row_line and "▼" not in row_line


def test_a_large_change_that_is_not_significant_gets_no_verdict():
    # +/- 5 h alternating: mean change 0 -> p = 1 however large each replication's change
    new = [v + (5.0 if k % 2 else -5.0) for k, v in enumerate(BASE_LEAD)]
    row = _row(compare_table(_results({LEAD: (BASE_LEAD, new)}), [LEAD]), LEAD)
    assert not row["significant"] and row["verdict"] == ""


def test_practical_threshold_is_configurable():
    new = [c + 0.03 for c in BASE_COST]  # 3 cents: below the default 5, above 1
    results = _results({COST: (BASE_COST, new)})
    assert _row(compare_table(results, [COST]), COST)["verdict"] == ""
    tight = compare_table(results, [COST], practical={COST: 0.01})
    assert _row(tight, COST)["verdict"] == "worse" and _row(tight, COST)["threshold"] == 0.01


@pytest.mark.parametrize(
    ("items", "needle"),
    [
        (["cost_per_order"], "expected KPI=VALUE"),
        (["no_such_kpi=1"], "no_such_kpi"),
        (["cost_per_order=-1"], "expected a number >= 0"),
        (["cost_per_order=nan"], "expected a number >= 0"),
        (["cost_per_order=lots"], "'lots'"),
    ],
)
def test_bad_practical_is_one_line(items, needle):
    with pytest.raises(PracticalError) as info:
        parse_practical(items)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_parse_practical():
    assert parse_practical(["cost_per_order=0.1", "shipped_same_day=0.01"]) == {
        "cost_per_order": 0.1,
        "shipped_same_day": 0.01,
    }


def test_sentence_names_wins_losses_and_the_main_driver():
    new_lead = [v - 6.0 + 0.1 * _noise(k + 1) for k, v in enumerate(BASE_LEAD)]
    new_cost = [c + 0.80 for c in BASE_COST]
    # the walking time per line halves (0.56 -> 0.28 min), the pick time hardly moves
    walk = ([0.56] * REPS, [0.28] * REPS)
    pick = ([0.23] * REPS, [0.24] * REPS)
    results = _results(
        {
            LEAD: (BASE_LEAD, new_lead),
            COST: (BASE_COST, new_cost),
            "line_travel_min": walk,
            "line_pick_min": pick,
        }
    )
    driver = main_driver(results, 1)
    assert driver is not None and driver.kpi == "line_travel_min"
    assert math.isclose(driver.change, -0.28)
    (sentence,) = scenario_sentences(compare_table(results, [LEAD, COST]), results)
    assert sentence.startswith("2. new vs 1. base")
    assert "▲ better on Lead time, mean" in sentence
    assert "▼ worse on Cost per order" in sentence
    assert "Main driver: Time per line: walking" in sentence


def test_sentence_without_differences():
    results = _results({COST: (BASE_COST, BASE_COST)})
    (sentence,) = scenario_sentences(compare_table(results, [COST]), results)
    assert "no practical difference from 1. base on the 1 KPIs compared" in sentence


def test_table_fits_100_columns_or_goes_vertical(capsys):
    kpis = {LEAD: (BASE_LEAD, BASE_LEAD), COST: (BASE_COST, [c + 1 for c in BASE_COST])}
    results = _results(kpis)
    print_comparison(compare_table(results, [LEAD, COST]), "t", results)
    out = capsys.readouterr().out
    table_lines = [x for x in out.splitlines() if "±" in x]
    assert table_lines and all(len(x) <= 100 for x in table_lines)
    assert any("KPI" in x and "verdict" in x for x in out.splitlines())  # a table
    # scenario names so long that the table would pass 100 columns: one KPI at a time
    long = ("a" * 40, "b" * 40)
    results = _results(kpis, names=long)
    table = compare_table(results, [LEAD, COST])
    print_comparison(table, "t", results)
    out = capsys.readouterr().out
    assert not any("verdict" in x for x in out.splitlines())
    assert vertical_lines(table)[0] == "Lead time, mean (hours)"
    assert all(len(x) <= 100 for x in vertical_lines(table))


def test_method_comparison_defaults_include_travel_and_pick_rate():
    from sim.cli.comparison import _chosen_kpis

    cols = {
        LEAD: (BASE_LEAD, BASE_LEAD),
        "travel_m_per_order": ([65.0] * REPS, [40.0] * REPS),
        "picks_per_busy_hour": ([62.0] * REPS, [90.0] * REPS),
    }
    results = _results(cols)
    assert _chosen_kpis(results, None, methods_differ=True) == [
        LEAD,
        "travel_m_per_order",
        "picks_per_busy_hour",
    ]
    assert _chosen_kpis(results, None, methods_differ=False) == [LEAD]


def test_cli_bad_practical_exit_2_one_line(capsys):
    from pathlib import Path

    from sim.cli import main

    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
    rc = main(["compare", str(baseline), "-r", "2", "--practical", "cost_per_order=-3"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == 1
    assert "--practical cost_per_order=-3" in err


@pytest.mark.parametrize(
    ("spread", "reps", "cap", "expected"),
    [
        # no spread: the CI half-width is 0, within any target -> reached, at the cap
        (0.0, 10, 10, "10 replications reached a relative CI half-width of 0.02 (at the cap)"),
        (0.0, 6, 10, "6 replications reached a relative CI half-width of 0.02"),
        # +/- 10 % around the mean over 8 replications: half-width ~9 % > 2 % -> not reached
        (0.1, 10, 10, "stopped at the cap of 10 replications before a relative CI"),
    ],
)
def test_precision_note_says_reached_when_reached_at_the_cap(spread, reps, cap, expected):
    from sim.cli.compare import precision_note

    values = [100.0 * (1 + spread * (1 if k % 2 else -1)) for k in range(REPS)]
    results = _results({LEAD: (values, values)})
    note = precision_note(results, [LEAD], 0.02, reps, cap)
    assert expected in note
    if "(at the cap)" not in expected:
        assert "(at the cap)" not in note
