"""Calibrated staffing: headcounts by the workload rule, checked by hand and by a run."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis.calibration.calibrate import calibrate
from analysis.calibration.staff import shift_work_hours
from analysis.calibration.toml_doc import write_toml
from analysis.kpis.resources import utilisation
from sim.model import run_replication
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PER_DAY = 1200
WEEKS = 2


def history(per_day: int = PER_DAY) -> tuple[pl.DataFrame, pl.DataFrame]:
    """PER_DAY orders every Monday-Friday for WEEKS weeks, evenly spread over 08:00-11:00,
    one line of one unit each (no weekend orders)."""
    start = np.datetime64("2024-01-01T00:00", "us")  # a Monday
    stamps = []
    for d in range(7 * WEEKS):
        if d % 7 >= 5:
            continue
        minutes = 8 * 60 + np.arange(per_day) * (180.0 / per_day)
        stamps.append(start + ((d * 1440 + minutes) * 60e6).astype("timedelta64[us]"))
    placed = np.concatenate(stamps)
    n = placed.size
    ids = [f"o{i}" for i in range(n)]
    orders = pl.DataFrame(
        {
            "order_id": ids,
            "placed_at": pl.Series(placed),
            "customer_id": pl.Series([None] * n, dtype=pl.String),
            "channel": pl.Series([None] * n, dtype=pl.String),
            "service": pl.Series([None] * n, dtype=pl.String),
            "n_lines": pl.Series(np.ones(n), dtype=pl.UInt32),
            "n_units": pl.Series(np.ones(n), dtype=pl.UInt32),
            "value": np.full(n, 50.0),
        }
    )
    lines = pl.DataFrame(
        {
            "order_id": ids,
            "line_no": pl.Series(np.ones(n), dtype=pl.UInt32),
            "sku": [f"S{i % 50}" for i in range(n)],
            "quantity": pl.Series(np.ones(n), dtype=pl.UInt32),
            "unit_price": np.full(n, 50.0),
        }
    )
    return orders, lines


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """The history calibrated on the baseline with routing off (no travel: hand arithmetic)."""
    tmp = tmp_path_factory.mktemp("staff")
    base = tmp / "base.toml"
    base.write_text(
        f'base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
        'name = "no_travel"\n[picking]\nrouting = "none"\n'
    )
    orders, lines = history()
    cal = calibrate(orders, lines, base=base, name="staffed", source="synthetic.csv")
    path = write_toml(cal, tmp / "staffed.toml")
    return cal, path


def test_headcounts_match_the_workload_rule_by_hand(calibrated):
    cal, path = calibrated
    shifts = tomllib.loads(path.read_text())["staffing"]["shifts"]
    heads = {(s["role"], s["start"]): s["headcount"] for s in shifts}
    # pick: tour setup 20 s + 1 line x 10 s + 1 unit x 3 s = 33 s per order (no travel);
    # 1,200 orders a weekday, all between 08:00 and 11:00, inside the 06:00-14:30 shift only:
    # 1200 x 33 / 3600 = 11.0 h over (8.5 h - 0.5 h break) x 0.8 = 6.4 h -> 1.72 -> 2.
    assert heads[("pickers", "06:00")] == 2
    # pack: 75 s + 1 unit x (12 s + 4 s barcode) + 20 s bubble wrap = 111 s;
    # 1200 x 111 / 3600 = 37.0 h / 6.4 h = 5.78 -> 6.
    assert heads[("packers", "07:00")] == 6
    # the afternoon and Saturday shifts get no work: no orders after 11:00 or at weekends
    assert heads[("pickers", "12:00")] == 0 and heads[("pickers", "07:00")] == 0
    assert heads[("packers", "13:00")] == 0 and heads[("packers", "07:30")] == 0
    # roles the rule does not size keep the base headcounts (baseline: 3 consolidators)
    assert heads[("consolidators", "06:30")] == 3
    assert "ceil(11.00 h work" in path.read_text()


def test_zone_picking_keeps_one_picker_per_zone_on_a_small_shop():
    base = ROOT / "scenarios" / "zone.toml"
    n_zones = load_scenario(base).picking.zone.n_zones
    orders, lines = history(per_day=60)  # well under an hour of picking a day
    cal = calibrate(orders, lines, base=base, name="small_zone", source="synthetic.csv")
    shifts = cal.overrides["staffing"]["shifts"]
    morning = next(s for s in shifts if s["role"] == "pickers" and s["start"] == "06:00")
    assert morning["headcount"] == n_zones  # the work alone needs 1; the zones need n_zones
    assert "zone picking needs one picker in each" in cal.comments["staffing.shifts"]


def test_uncovered_hours_wait_for_the_next_shift():
    # one shift on duty Monday 09:00-10:00 only; work arriving Sunday 23:00 waits for it
    hourly = np.zeros(168)
    hourly[6 * 24 + 23] = 2.0
    hourly[9] = 1.0
    duty = np.zeros((1, 168))
    duty[0, 9] = 60.0
    got = shift_work_hours(hourly, duty, [9 * 60])
    assert got[0, 0] == pytest.approx(3.0) and got[0, 1:].sum() == 0
    # two shifts on duty in one hour share its work by minutes on duty (60 and 30)
    duty2 = np.zeros((2, 168))
    duty2[0, 9], duty2[1, 9] = 60.0, 30.0
    got2 = shift_work_hours(np.where(np.arange(168) == 9, 3.0, 0.0), duty2, [540, 570])
    assert got2[:, 0] == pytest.approx([2.0, 1.0])


def test_calibrated_staff_runs_at_a_plausible_utilisation(calibrated):
    _, path = calibrated
    sc = load_scenario(path)
    res = run_replication(sc, 1, 0)
    end = res.arrivals_end_min
    util = utilisation(res.steps, res.roster, start=0.0, end=end)
    by = dict(zip(util["resource"], util["utilisation"], strict=True))
    # by hand: 11 h of picking over 2 x 8 h = 0.69, 37 h of packing over 6 x 8 h = 0.77
    # (seed 1 measured 0.69 and 0.76)
    assert 0.5 <= by["pickers"] <= 0.95
    assert 0.5 <= by["packers"] <= 0.95
