"""Zone staffing check at load: with zone or wave picking, every zone has a picker whenever
any picker works; otherwise one line naming the zone and the uncovered hours, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import small_raw

from sim.cli import main
from sim.config.zone_checks import describe_week_spans, uncovered_zone_spans
from sim.scenario import ScenarioError, load_scenario, validate

ROOT = Path(__file__).resolve().parent.parent

WEEKDAYS5 = ["mon", "tue", "wed", "thu", "fri"]


def zone_raw(shifts: list[dict], method: str = "zone") -> dict:
    """A small 4-zone scenario with the given picker shifts (plus packers and, for waves,
    consolidators)."""
    raw = small_raw()
    raw["picking"] = {"method": method, "zone": {"n_zones": 4}}
    raw["staffing"]["shifts"] = [
        *shifts,
        {"role": "packers", "start": "06:00", "end": "21:00", "headcount": 3},
        {"role": "consolidators", "start": "06:00", "end": "21:00", "headcount": 1},
    ]
    return raw


def picker(start: str, end: str, headcount: int, zone: int = 0, days=WEEKDAYS5) -> dict:
    return {"role": "pickers", "start": start, "end": end, "headcount": headcount,
            "zone": zone, "days": list(days)}  # fmt: skip


def test_a_late_spread_shift_too_small_for_every_zone_is_rejected_with_its_hours():
    # 8 spread pickers 06:00-14:30 cover all 4 zones; the 12:00-20:30 shift's 2 spread pickers
    # go to zones 1 and 2, so zones 3 and 4 have nobody from 14:30 (end of the early shift)
    # to 20:30 on the shifts' weekdays
    raw = zone_raw([picker("06:00", "14:30", 8), picker("12:00", "20:30", 2)])
    with pytest.raises(ScenarioError) as info:
        validate(raw, "z.toml")
    msg = str(info.value)
    assert msg.startswith("z.toml: staffing.shifts: expected a picker in every zone")
    assert "zone 3 Mon-Fri 14:30-20:30; zone 4 Mon-Fri 14:30-20:30" in msg
    assert "zone 1" not in msg and "zone 2" not in msg and "\n" not in msg


def test_one_uncovered_zone_is_named_with_its_hours():
    # zone shifts 06:00-14:00 for zones 1, 2 and 4; zone 3's only shift ends at 12:00
    shifts = [picker("06:00", "14:00", 1, zone=z) for z in (1, 2, 4)]
    shifts.append(picker("06:00", "12:00", 1, zone=3))
    with pytest.raises(ScenarioError) as info:
        validate(zone_raw(shifts), "z.toml")
    assert str(info.value).startswith(
        "z.toml: staffing.shifts: expected a picker in zone 3 whenever pickers work, "
        "found none Mon-Fri 12:00-14:00 ("
    )


def test_a_zone_shift_with_no_one_on_it_does_not_cover_its_zone():
    # what sizing meets when it tries headcount 0 on a zone's shift: infeasible without a run
    shifts = [picker("06:00", "14:00", 2, zone=z) for z in (1, 2, 3, 4)]
    validate(zone_raw(shifts), "z.toml")  # covered
    shifts[1]["headcount"] = 0
    with pytest.raises(ScenarioError, match=r"zone 2 whenever pickers work, found none "
                       r"Mon-Fri 06:00-14:00"):  # fmt: skip
        validate(zone_raw(shifts), "z.toml")


@pytest.mark.parametrize("method", ["zone", "wave"])
def test_covered_rosters_are_accepted(method):
    validate(zone_raw([picker("06:00", "14:30", 4)], method), "z.toml")  # 4 spread: all zones
    validate(zone_raw([picker("06:00", "14:30", 8), picker("12:00", "20:30", 4)], method), "z")
    # a Saturday zone-3 shift alone leaves zones 1, 2, 4 empty on Saturday
    sat = picker("07:00", "13:00", 1, zone=3, days=["sat"])
    with pytest.raises(ScenarioError, match=r"zone 1 Sat 07:00-13:00; zone 2 Sat 07:00-13:00; "
                       r"zone 4 Sat 07:00-13:00"):  # fmt: skip
        validate(zone_raw([picker("06:00", "14:30", 4), sat], method), "z.toml")


def test_other_picking_methods_are_not_checked():
    raw = zone_raw([picker("06:00", "14:30", 8), picker("12:00", "20:30", 2)], "single")
    validate(raw, "z.toml")


def test_the_shipped_zone_and_wave_scenarios_load():
    for name in ("zone", "wave"):
        sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        assert uncovered_zone_spans(sc) == {}


def test_spans_over_midnight_and_the_week_end_are_cut_per_day():
    week = 7 * 1440
    spans = [(4 * 1440 + 14 * 60 + 30, 4 * 1440 + 15 * 60 + 30), (week - 120, week), (0, 360)]
    assert describe_week_spans(spans) == "Mon 00:00-06:00, Fri 14:30-15:30, Sun 22:00-24:00"
    night = zone_raw(
        [picker("22:00", "06:00", 4, days=["sun"]), picker("22:00", "02:00", 1, 1, ["sun"])]
    )
    validate(night, "z.toml")  # the spread shift covers every zone through the night


def test_cli_exit_2_and_one_line_naming_the_file(tmp_path, capsys):
    path = tmp_path / "zone.toml"
    path.write_text(
        f'base = "{(ROOT / "scenarios" / "zone.toml").as_posix()}"\n'
        "[[staffing.shifts]]\nrole = 'pickers'\nstart = '06:00'\nend = '14:30'\nheadcount = 3\n"
        "[[staffing.shifts]]\nrole = 'packers'\nstart = '06:00'\nend = '14:30'\nheadcount = 3\n"
    )
    code = main(["run", str(path), "--days", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"{path}: staffing.shifts: expected a picker in zone 4 "
                          "whenever pickers work, found none Mon-Fri 06:00-14:30")  # fmt: skip
