"""Steady-state measurement, the stability test of `size`, the workload table, Erlang C."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from conftest import mmc_raw, scenario_from
from scipy import stats

from analysis.kpis.resources import utilisation
from analysis.stats.erlang import erlang_c, erlang_c_wait, servers_needed
from analysis.stats.sla import parse_sla
from analysis.stats.stability import upward_trend
from analysis.stats.workload import (
    capacity_shortfalls,
    daily_balance,
    expected_orders,
    paid_hours,
    workload_table,
)
from sim.calendar import paid_hours_per_week
from sim.cli import main
from sim.experiments.size_run import SimulatedStaffing, size_staffing
from sim.experiments.sizing_variables import sizing_variables
from sim.experiments.steady import Measurement
from sim.model import run_replication
from sim.scenario import load_scenario

BASELINE = "scenarios/baseline.toml"


# --- the trend test ---------------------------------------------------------------------------


def test_trend_test_with_one_replication_is_the_regression_t_test():
    rng = np.random.default_rng(4)
    y = 10 + 0.8 * np.arange(6) + rng.normal(0, 1, 6)
    ref = stats.linregress(np.arange(6), y)  # an independent implementation
    t = upward_trend(y[None, :])
    assert t.slope == pytest.approx(ref.slope)
    assert t.p_value == pytest.approx(ref.pvalue / 2)  # one-sided, slope > 0


def test_trend_test_blocks_replications_and_detects_only_rises():
    rng = np.random.default_rng(7)
    level = rng.normal(0, 50, (5, 1))  # replications differ a lot in level, not in trend
    rising = level + 3.0 * np.arange(4) + rng.normal(0, 1, (5, 4))
    assert upward_trend(rising).significant
    assert upward_trend(rising).slope == pytest.approx(3.0, abs=0.6)
    assert not upward_trend(level - 3.0 * np.arange(4) + rng.normal(0, 1, (5, 4))).significant
    assert not upward_trend(level + rng.normal(0, 1, (5, 4)), alpha=0.001).significant
    assert math.isnan(upward_trend(rising[:, :1]).p_value)  # one week: nothing to test


# --- Erlang C ----------------------------------------------------------------------------------


def _erlang_c_textbook(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.25), (5, 3.6), (12, 10.5)])
def test_erlang_c_matches_the_textbook_formula(c, a):
    assert erlang_c(c, a) == pytest.approx(_erlang_c_textbook(c, a))
    assert erlang_c_wait(c, a, 12.0) == pytest.approx(_erlang_c_textbook(c, a) * 12 / (c - a))


def test_servers_needed_is_the_smallest_c_under_the_wait_probability():
    for a in (0.3, 2.0, 3.6, 9.7):
        c = servers_needed(a, 0.5)
        assert c > a and _erlang_c_textbook(c, a) <= 0.5
        assert c - 1 <= a or _erlang_c_textbook(c - 1, a) > 0.5
    assert erlang_c(3, 3.0) == 1.0 and math.isinf(erlang_c_wait(3, 3.3, 1.0))


# --- workload against capacity ---------------------------------------------------------------


def test_workload_arithmetic_on_the_baseline():
    sc = load_scenario(BASELINE)
    orders = expected_orders(sc)
    mult = sc.demand.weekday_multipliers
    # each weekday's orders are orders_per_day x its multiplier
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for i, day in enumerate(days):
        assert orders[i].sum() == pytest.approx(2000 * mult[day])
    # paid hours: Monday pickers 9 x 8 h (06:00-14:30, 30 min break) + 4 x 8 h; Saturday 6 x 6 h
    picks = paid_hours(sc.staffing.shifts, "pickers")
    assert picks[0].sum() == pytest.approx(9 * 8 + 4 * 8)
    assert picks[5].sum() == pytest.approx(6 * 6) and picks[6].sum() == 0
    assert picks[0, 10] == pytest.approx(9 * 0.5 + 0)  # the 10:00 break; late shift not yet on
    week = sum(
        paid_hours_per_week(s) * s.headcount for s in sc.staffing.shifts if s.role == "pickers"
    )
    assert picks.sum() == pytest.approx(week)
    table = workload_table(sc, {"pickers": 2.0})
    assert table["busy_h"].sum() == pytest.approx(2000 * sum(mult.values()) * 2.0 / 60)
    assert capacity_shortfalls(table) == []
    short = workload_table(sc, {"pickers": 10.0})  # 2,316 h needed > 556 paid
    assert capacity_shortfalls(short) and "pickers" in capacity_shortfalls(short)[0]
    # the fluid backlog: nothing is picked on Sunday, so Sunday's work is waiting at midnight
    daily = daily_balance(table).filter(pl.col("role") == "pickers")
    sunday = daily.filter(pl.col("weekday") == "sun").row(0, named=True)
    assert sunday["paid_h"] == 0 and sunday["backlog_h_end_of_day"] >= sunday["busy_h"]


def test_workload_matches_simulated_busy_hours_on_an_mmc_station():
    lam, mean_s, c = 0.2, 12.0, 4  # 2.4 busy pickers on average, 24/7
    sc = scenario_from(mmc_raw(lam, mean_s, c, days=8))
    table = workload_table(sc, {"pickers": mean_s})  # the configured mean pick time
    assert table.filter(pl.col("weekday") == "mon")["paid_h"].sum() == pytest.approx(24 * c)
    expected = table["busy_h"].sum() / 7  # busy hours a day: 288 orders x 12 min
    assert expected == pytest.approx(lam * 1440 * mean_s / 60)
    busy = []
    for rep in range(4):
        r = run_replication(sc, seed=2, replication=rep)
        u = utilisation(r.steps, r.roster, start=1440.0, end=8 * 1440.0)
        busy.append(float(u.filter(pl.col("resource") == "pickers")["busy_min"].item()) / 60 / 7)
    m = np.mean(busy)
    half = stats.t.ppf(0.975, 3) * np.std(busy, ddof=1) / 2
    assert abs(m - expected) <= max(half, 0.03 * expected), (m, expected, half)


# --- steady state: an overloaded M/M/c station is infeasible ------------------------------------


def test_overloaded_mmc_is_infeasible_even_when_a_drain_clears_it():
    lam, mean_s, c = 0.275, 12.0, 3  # offered load 3.3 > 3 pickers: the queue grows forever
    sla = parse_sla("wait_mean_min_pick <= 1440")  # a generous target: one day
    raw = mmc_raw(lam, mean_s, c, days=7)
    raw["simulation"]["drain_days"] = 7
    sc = scenario_from(raw)
    variables = sizing_variables(sc, ["pickers"])
    # plain runs: one week of orders, drained afterwards; the SLA is met
    plain = SimulatedStaffing(sc, variables, [sla], 3, seed=5)
    assert plain((c,))
    # steady state: the backlog rises over the measured weeks: infeasible
    steady = SimulatedStaffing(
        sc, variables, [sla], 3, seed=5, measurement=Measurement(True, 1, 3, 1.0)
    )
    assert not steady((c,))
    e = steady.evaluations[(c,)]
    assert e.simulated and e.unstable and "open orders rise" in e.unstable[0]
    # the measured busy minutes per order are the station's mean pick time ...
    assert steady.minutes_per_order["pickers"] == pytest.approx(mean_s, rel=0.05)
    # ... so 3 pickers (504 paid hours a week) fall below the workload (554 h) without a run
    runs = steady.runs
    assert not steady((c,)) and not steady((2,))
    assert steady.runs == runs
    assert steady.evaluations[(2,)].note.startswith("paid hours below the workload: pickers")


def test_measured_kpis_score_the_measured_weeks_with_arrivals_continuing():
    lam, mean_s, c = 0.2, 12.0, 4
    m = Measurement(True, 1, 2, 2.0)
    sc = m.apply(scenario_from(mmc_raw(lam, mean_s, c, days=3)))
    assert sc.simulation.horizon_days == 23 and sc.simulation.drain_days == 0
    from sim.experiments.runner import run_with_kpis

    result, kpis = run_with_kpis(sc, 3, 0, m.warmup_days, window_end_days=m.window_end_days)
    placed = result.orders.filter(pl.col("placed_at").is_between(7 * 1440, 21 * 1440))
    assert kpis["orders_placed"] == placed.height
    assert result.orders["placed_at"].max() > 22 * 1440  # orders arrive in the tail too
    for k in (1, 2):
        assert f"week_time_to_ship_mean_h_{k}" in kpis and f"week_backlog_mean_{k}" in kpis
    assert kpis["busy_min_per_order_pickers"] == pytest.approx(mean_s, rel=0.1)


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--days", "3"], "--days: expected with --plain only"),
        (["--warmup-days", "2"], "--warmup-days: expected with --plain only"),
        (["--weeks", "0"], "--weeks: expected at least 1"),
        (["--warmup-weeks", "0"], "--warmup-weeks: expected at least 1"),
        (
            [
                "--set",
                "replay.orders=tests/data/online_retail_sample.csv",
                "--set",
                "replay.format=online-retail",
            ],
            "replay.orders: expected --plain",
        ),  # fmt: skip
    ],
)
def test_measurement_options_are_checked(tmp_path, capsys, extra, fragment):
    code = main(["compare", BASELINE, "-r", "2", *extra, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1


# --- sizing on the steady state ------------------------------------------------------------------


@pytest.mark.slow
def test_steady_sizing_of_an_mmc_station_still_finds_the_erlang_c_answer():
    lam, mean_s, target = 0.3, 12.0, 8.0  # as in test_sizing: c* = 5, well separated
    assert _erlang_c_textbook(5, 3.6) * 12 / (5 - 3.6) <= target / 2
    assert _erlang_c_textbook(4, 3.6) * 12 / (4 - 3.6) >= 2 * target
    sc = scenario_from(mmc_raw(lam, mean_s, 6, days=8))
    sla = parse_sla(f"wait_mean_min_pick <= {target}")
    m = Measurement(True, 1, 2, 1.0)
    search, oracle = size_staffing(sc, [sla], ["pickers"], 10, 5, seed=3, measurement=m)
    assert search.best == (5,)
    assert not oracle.evaluations[(4,)].feasible


# --- the near start on synthetic monotone oracles ----------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_a_near_start_still_finds_the_brute_force_optimum(seed):
    import itertools
    import random

    from sim.experiments.sizing import search_cheapest

    rng = random.Random(seed)
    n, top = 3, 6
    weights = [rng.choice([1.0, 1.5, 2.0, 0.7]) for _ in range(n)]
    a = [rng.uniform(0.5, 2.0) for _ in range(n)]
    need = rng.uniform(2.0, 0.7 * top * sum(a))

    def feasible(x):
        return sum(ai * xi for ai, xi in zip(a, x, strict=True)) >= need and x[2] >= 1

    grid = list(itertools.product(range(top + 1), repeat=n))
    best = min((x for x in grid if feasible(x)), key=lambda x: (np.dot(weights, x), sum(x)))
    calls: list = []
    hint = [rng.randint(0, top) for _ in range(n)]
    result = search_cheapest(
        [0] * n, [top] * n, weights, lambda x: calls.append(x) or feasible(x), hint,
        global_budget=None, near=True, groups=["a", "a", "b"],
    )  # fmt: skip
    assert result.best is not None and feasible(result.best)
    assert np.dot(weights, result.best) == pytest.approx(np.dot(weights, best))
    assert result.proven_optimal and len(calls) == len(set(calls)) < len(grid)


@pytest.mark.parametrize("hint", [0, 3, 9])
def test_a_near_start_in_one_dimension_is_exact_and_reports_no_answer(hint):
    from sim.experiments.sizing import search_cheapest

    for threshold in range(10):
        r = search_cheapest([0], [9], [1.0], lambda x, t=threshold: x[0] >= t, [hint], near=True)
        assert r.best == (threshold,)
    assert search_cheapest([0], [9], [1.0], lambda x: False, [hint], near=True).best is None


# --- the baseline: a staffing `size` finds keeps up over six weeks -------------------------------


@pytest.mark.slow
def test_a_staffing_sized_on_the_baseline_shows_no_upward_trend_over_six_weeks():
    from sim.experiments.experiment import run_experiment
    from sim.scenario import with_overrides

    # the README example as it stands: pickers and packers, 3 replications, steady state
    sc = load_scenario(BASELINE)
    slas = [parse_sla(t) for t in ("shipped_by_target_pickup >= 95%", "time_to_ship_p95 <= 2d")]
    m = Measurement(True, 1, 2, 3.0)
    search, oracle = size_staffing(
        sc, slas, ["pickers", "packers"], 50, 3, seed=1, jobs=2, global_budget=0, measurement=m
    )
    assert search.best is not None
    answer = with_overrides(sc, oracle.overrides(search.best))
    six = Measurement(True, 1, 6, 3.0)
    table = run_experiment(
        [six.apply(answer)], 3, 11, six.warmup_days, 2, window_end_days=six.window_end_days
    )  # other replications than the search's: a fresh check
    for prefix in ("week_time_to_ship_mean_h_", "week_backlog_mean_"):
        weekly = table.select([f"{prefix}{k}" for k in range(1, 7)]).to_numpy()
        assert not upward_trend(weekly, 0.05).significant, (prefix, weekly)
    assert table["shipped_by_target_pickup"].mean() >= 0.95
    assert table["time_to_ship_p95_h"].mean() <= 48


def test_the_erlang_c_start_of_a_stationary_mmc_station():
    from sim.experiments.size_start import START_MAX_UTILISATION, START_WAIT_PROB, erlang_c_start

    lam, mean_s = 0.3, 12.0  # offered load 3.6 workers every hour of the week
    sc = scenario_from(mmc_raw(lam, mean_s, 9, days=8))
    variables = sizing_variables(sc, ["pickers"])
    a = lam * mean_s
    erlang = next(c for c in range(4, 20) if _erlang_c_textbook(c, a) <= START_WAIT_PROB)
    expected = max(erlang, math.ceil(a / START_MAX_UTILISATION))
    assert erlang_c_start(sc, variables, {"pickers": mean_s}, 50) == (expected,)
    assert erlang_c_start(sc, variables, {"pickers": mean_s}, 3) == (3,)  # capped


def test_the_daily_warm_up_sees_the_weekly_start_up_of_the_baseline():
    from analysis.stats.stability import daily_backlog
    from analysis.stats.warmup import mser
    from sim.experiments.runner import run_with_kpis

    sc = load_scenario(BASELINE, {"simulation.horizon_days": 28, "simulation.drain_days": 0})
    result, kpis = run_with_kpis(sc, 1, 0)
    # the run starts empty on a Monday: the first week carries no weekend backlog in
    backlog = daily_backlog(result.orders, result.arrivals_end_min)
    assert backlog[:7].mean() < backlog[7:14].mean()
    assert kpis["warmup_daily_days"] >= 7 and kpis["warmup_daily_days"] % 7 == 0
    # MSER-7 counts whole weeks; a series under three weeks is too short to judge
    assert mser([0.0] * 7 + [5.0] * 14, 7, 3) == 7 and mser([1.0] * 14, 7, 3) == 0
