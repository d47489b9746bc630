"""Peak season: dated demand multipliers, temporary staff with a learning curve, and the
backlog per day and days to clear it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.runner import run_with_kpis
from sim.scenario import load_scenario
from sim.units import DAY

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
MONDAY = dt.date(2026, 3, 2)  # the baseline's start


def orders_per_day(result) -> np.ndarray:
    placed = result.orders["placed_at"].to_numpy()
    return np.bincount((placed // DAY).astype(int))


def test_a_dated_multiplier_scales_the_days_it_covers():
    # week 2's Tuesday-Wednesday at x2; everything else as usual
    cal = [{"start": "2026-03-10", "end": "2026-03-11", "multiplier": 2.0}]
    sc = load_scenario(BASELINE, {"demand.calendar": cal, "simulation.drain_days": 0})
    n = orders_per_day(run_with_kpis(sc, seed=2)[0])
    # the same weekdays of week 1 see ~2,000 orders (sd ~45): the ratio is 2 within noise
    assert n[8] / n[1] == pytest.approx(2.0, rel=0.1)
    assert n[9] / n[2] == pytest.approx(2.0, rel=0.1)
    assert n[10] / n[3] == pytest.approx(1.0, rel=0.1)  # Thursday: back to normal


def backlog_at(result, t: float) -> int:
    """Orders received by t and not shipped by t (lost and counter sales excluded), by hand."""
    n = 0
    for o in result.orders.iter_rows(named=True):
        if o["lost_cause"] != "none" or o["in_store"] or o["received_at"] is None:
            continue
        if o["received_at"] <= t and (o["shipped_at"] is None or o["shipped_at"] > t):
            n += 1
    return n


@pytest.mark.slow
def test_peak_backlog_rises_during_the_peak_and_clears_after_it():
    # eight weeks; week 3 (Mon 16 - Sun 22 March) at 1.5 times the usual demand
    cal = [{"start": "2026-03-16", "end": "2026-03-22", "multiplier": 1.5}]
    sc = load_scenario(BASELINE, {"demand.calendar": cal, "simulation.horizon_days": 56,
                                  "simulation.drain_days": 3})  # fmt: skip
    result, k = run_with_kpis(sc, seed=1)
    # day ends (midnight, start at 00:00): Friday of week 2 against Friday of the peak week
    normal, peak = backlog_at(result, 12 * DAY), backlog_at(result, 19 * DAY)
    assert peak > 2 * normal
    assert k["backlog_max_orders"] >= peak
    # cleared: some day after the peak ends, the backlog is back to the same weekday's level
    # of the week before the peak; and not on the day the peak ends
    # the peak brings 0.5 x 14,000 = 7,000 extra orders; the packers (about 80 % busy in the
    # baseline: a few hundred orders a day spare at most) need weeks to catch up, and do
    # before the arrivals end (day 56)
    days = k["backlog_days_to_clear"]
    assert 7 <= days <= 34
    t = 21 * DAY + days * DAY  # the peak ends at the end of Sunday 22 March (day 21)
    same_weekday = t - 7 * DAY * int(np.ceil((t - 14 * DAY) / (7 * DAY)))
    assert 7 * DAY < same_weekday <= 14 * DAY
    assert backlog_at(result, t) <= backlog_at(result, same_weekday)
    before = t - DAY
    assert backlog_at(result, before) > backlog_at(result, before - 7 * DAY * int(
        np.ceil((before - 14 * DAY) / (7 * DAY))))  # fmt: skip


def learning_scenario(**extra):
    # two identical weekday picker shifts of 5, one temporary (from the first day)
    shift = {"role": "pickers", "start": "07:00", "end": "15:00", "headcount": 5}
    pack = {"role": "packers", "start": "07:00", "end": "16:00", "headcount": 6}
    temp = {"temporary": True, "date_range": ["2026-03-02", "2026-03-31"]}
    shifts = [shift, {**shift, **temp}, pack, {**pack, **temp}]
    return load_scenario(BASELINE, {
        "staffing.shifts": shifts, "simulation.horizon_days": 21, "simulation.drain_days": 2,
        "demand.orders_per_day": 1200, "picking.time_variability": "none",
        "staffing.temp_start_speed_share": 0.6, "staffing.temp_learning_days": 10, **extra,
    })  # fmt: skip


def mean_pick_minutes(
    result, workers: set[int], day_from: float, day_to: float, step: str = "pick"
) -> float:
    s = result.steps.filter(result.steps["step"] == step).to_dicts()
    d = [r["t_end"] - r["t_start"] for r in s if r["worker"] in workers
         and r["t_end"] is not None and day_from * DAY <= r["t_start"] < day_to * DAY]  # fmt: skip
    assert len(d) > 200
    return float(np.mean(d))


def test_temporary_pickers_and_packers_are_slower_at_first_and_learn():
    result, _ = run_with_kpis(learning_scenario(), seed=1)
    temps, regular = {5, 6, 7, 8, 9}, {0, 1, 2, 3, 4}
    # first day: speed 0.6 rising to 0.64 -> pick times 1.56-1.67 times a regular's
    first = mean_pick_minutes(result, temps, 0, 1) / mean_pick_minutes(result, regular, 0, 1)
    assert 1.4 < first < 1.8
    # after the 10 learning days (third week): as fast as the regulars
    late = mean_pick_minutes(result, temps, 14, 21) / mean_pick_minutes(result, regular, 14, 21)
    assert late == pytest.approx(1.0, abs=0.08)
    # packers the same (workers 0-5 regular, 6-11 temporary)
    temps_p, regular_p = set(range(6, 12)), set(range(6))
    first = mean_pick_minutes(result, temps_p, 0, 1, "pack") / mean_pick_minutes(
        result, regular_p, 0, 1, "pack"
    )
    assert 1.4 < first < 1.8
    late = mean_pick_minutes(result, temps_p, 14, 21, "pack") / mean_pick_minutes(
        result, regular_p, 14, 21, "pack"
    )
    assert late == pytest.approx(1.0, abs=0.08)
    # paid the temporary wage (default 22 against the pickers' 18)
    roster = result.roster.filter(result.roster["resource"] == "pickers").to_dicts()
    assert {r["wage_per_hour"] for r in roster if r["worker"] in temps} == {22.0}
    assert {r["wage_per_hour"] for r in roster if r["worker"] in regular} == {18.0}


def test_a_dated_shift_runs_only_within_its_dates():
    shifts = [
        {"role": "pickers", "start": "07:00", "end": "15:00", "headcount": 4},
        {"role": "pickers", "start": "15:00", "end": "23:00", "headcount": 3,
         "date_range": ["2026-03-04", "2026-03-05"]},
        {"role": "packers", "start": "07:00", "end": "16:00", "headcount": 8},
    ]  # fmt: skip
    sc = load_scenario(BASELINE, {"staffing.shifts": shifts, "simulation.horizon_days": 7})
    result, _ = run_with_kpis(sc, seed=1)
    late = result.roster.filter((result.roster["resource"] == "pickers")
                                & (result.roster["worker"] >= 4))  # fmt: skip
    days = sorted({int(t // DAY) for t in late["t_on"].to_list()})
    assert days == [2, 3]  # Wednesday 4 and Thursday 5 March only


@pytest.mark.parametrize(
    "sets, expect",
    [
        (["demand.calendar=[{start = 2026-03-10, end = 2026-03-09, multiplier = 2}]"],
         "end: expected on or after start"),
        (["demand.calendar=[{start = 2026-03-10, end = 2026-03-11}]",
          "customers.enabled=true"], "demand.calendar: expected no dated multipliers"),
        (["staffing.shifts.0.date_range=[2026-03-10, 2026-03-01]"], "date_range"),
    ],
)  # fmt: skip
def test_bad_peak_input_is_one_line_exit_2(capsys, sets, expect):
    argv = ["validate", str(BASELINE)]
    args = ["run", str(BASELINE), "--days", "1"]
    for s in sets:
        args += ["--set", s]
    rc = main(args)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and expect in err, err
    del argv


@pytest.mark.slow
def test_the_shipped_peak_scenario_builds_and_clears_a_cyber_week_backlog(capsys):
    sc = load_scenario(ROOT / "scenarios" / "peak.toml")
    assert sc.simulation.start.date() == dt.date(2026, 11, 2)
    result, k = run_with_kpis(sc, seed=1)
    assert k["backlog_max_orders"] > 3 * k["backlog_mean_orders"] / 2
    assert 0 < k["backlog_days_to_clear"] < 40
    assert k["line_time_min"] > 0 and k["cost_per_order"] > 0
