"""Shifts named by weekday and time, and the warning for shifts an experiment never reaches."""

from __future__ import annotations

import json

import pytest
from conftest import scenario_from, small_raw

from sim.cli import main
from sim.shift_names import horizon_warning, shift_labels, shifts_outside
from sim.units import weekdays_text


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (["mon", "tue", "wed", "thu", "fri"], "Mon-Fri"),
        (["sat"], "Sat"),
        (["sun", "mon", "tue", "wed", "thu", "fri", "sat"], "Mon-Sun"),
        (["mon", "wed", "fri"], "Mon,Wed,Fri"),
        (["mon", "tue"], "Mon,Tue"),
        (["fri", "mon", "tue", "wed", "sun"], "Mon-Wed,Fri,Sun"),
        ([], "no days"),
    ],
)
def test_weekdays_are_written_compactly(days, text):
    assert weekdays_text(days) == text


def with_saturday(days: float, drain: float = 2, start: str | None = None) -> dict:
    """The small scenario plus a Saturday morning pickers' shift (third shift)."""
    raw = small_raw(days=days, drain=drain)
    raw["staffing"]["shifts"].append(
        {"role": "pickers", "days": ["sat"], "start": "07:00", "end": "13:00", "headcount": 1}
    )
    if start:
        raw["simulation"]["start"] = start
    return raw


def test_labels_name_role_weekdays_times_and_zone():
    raw = with_saturday(7)
    raw["picking"] = {"method": "zone", "zone": {"n_zones": 2}}
    raw["staffing"]["shifts"][0]["headcount"] = 2
    raw["staffing"]["shifts"][2]["headcount"] = 2  # both zones on Saturday
    raw["staffing"]["shifts"].append(
        {"role": "pickers", "days": ["sun"], "start": "22:00", "end": "06:00", "zone": 2,
         "headcount": 1}
    )  # fmt: skip
    raw["staffing"]["shifts"].append(
        {"role": "pickers", "days": ["sun"], "start": "22:00", "end": "06:00", "headcount": 2}
    )
    sc = scenario_from(raw)
    assert shift_labels(sc.staffing.shifts) == [
        "pickers Mon-Fri 07:00-15:30",
        "packers Mon-Fri 08:00-16:30",
        "pickers Sat 07:00-13:00",
        "pickers Sun 22:00-06:00 zone 2",
        "pickers Sun 22:00-06:00",
    ]


def test_the_horizon_warning_names_the_shifts_it_never_reaches():
    # 2026-03-02 is a Monday: 3 days of orders are Mon-Wed, never a Saturday
    sc = scenario_from(with_saturday(3))
    assert shifts_outside(sc, range(3)) == [2]
    text = horizon_warning(sc, range(3))
    assert text is not None and "\n" not in text
    assert "pickers Sat 07:00-13:00" in text and "sized to 0" in text
    assert "pickers Mon-Fri" not in text
    # a whole week reaches it; the Saturday is a holiday: it does not run
    assert horizon_warning(scenario_from(with_saturday(7)), range(3)) is None
    holiday = with_saturday(7)
    holiday["calendar"] = {"holidays": ["2026-03-07"]}
    assert shifts_outside(scenario_from(holiday), range(3)) == [2]
    # starting on Thursday, 3 days reach Thu, Fri, Sat: every shift
    assert (
        shifts_outside(scenario_from(with_saturday(3, start="2026-03-05T00:00:00")), [0, 2]) == []
    )
    # a warm-up past the Saturday leaves only Sunday measured: no shift runs then
    assert shifts_outside(scenario_from(with_saturday(7)), range(3), warmup_days=6) == [0, 1, 2]


def test_size_prints_weekday_labels_and_warns_about_an_unreached_shift(tmp_path, capsys, caplog):
    path = tmp_path / "sat.toml"
    path.write_text(
        """
name = "sat"
[simulation]
horizon_days = 2
drain_days = 2
[demand]
orders_per_day = 150
[[staffing.shifts]]
role = "pickers"
start = "07:00"
end = "15:30"
headcount = 2
breaks = [{ start = "11:00", minutes = 30 }]
[[staffing.shifts]]
role = "pickers"
days = ["sat"]
start = "07:00"
end = "13:00"
headcount = 2
[[staffing.shifts]]
role = "packers"
start = "08:00"
end = "16:30"
headcount = 2
"""
    )
    out = tmp_path / "out"
    # --plain: the file's own short horizon (steady-state runs are whole weeks: no warning)
    argv = ["size", str(path), "--plain", "--sla", "time_to_ship_p95 <= 2d", "--roles",
            "pickers", "--max-headcount", "3", "-r", "2", "--jobs", "1",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "pickers Mon-Fri 07:00-15:30" in captured.out
    assert "pickers Sat 07:00-13:00" in captured.out
    # the warning is logged: one line on standard error under the CLI's logging set-up
    warnings = [r.getMessage() for r in caplog.records if "never reaches" in r.getMessage()]
    assert len(warnings) == 1 and "pickers Sat 07:00-13:00" in warnings[0]
    summary = json.loads((out / "manifest.json").read_text())["summary"]
    assert set(summary["answer"]["headcount"]) == {
        "pickers Mon-Fri 07:00-15:30",
        "pickers Sat 07:00-13:00",
    }
    # Mon-Tue orders, drained Wed-Thu: the Saturday shift never works, so it is sized to 0
    assert summary["answer"]["headcount"]["pickers Sat 07:00-13:00"] == 0
    assert "pickers Sat 07:00-13:00" in summary["horizon_warning"]
    for row in summary["frontier"]:
        assert "; " in row["staffing"] and set(row["headcount"]) == set(
            summary["answer"]["headcount"]
        )


def test_compare_warns_about_staffed_shifts_the_horizon_never_reaches(tmp_path, caplog):
    import tomli_w

    path = tmp_path / "sat.toml"
    path.write_bytes(tomli_w.dumps(with_saturday(1, drain=1)).encode())
    argv = ["compare", str(path), str(path), "--plain", "-r", "2", "--jobs", "1",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(argv) == 0
    warnings = [r.getMessage() for r in caplog.records if "never reaches" in r.getMessage()]
    assert len(warnings) == 2  # one per scenario
    assert all("pickers Sat 07:00-13:00" in w and "pickers Mon-Fri" not in w for w in warnings)
    assert "1 day of orders" in warnings[0]
