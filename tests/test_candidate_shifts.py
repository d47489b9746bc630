"""Shift-pattern search in ``omsim size``: candidate shifts (parsed strictly, opened only when
they pay) and moves of heads between roles at the same times."""

from __future__ import annotations

import json

import pytest
from conftest import EVERY_DAY, mmc_raw, scenario_from, small_raw

from sim.cli import main
from sim.experiments.candidate_shifts import (
    CandidateError,
    parse_candidate_shift,
    read_candidate_file,
    same_time_moves,
    with_candidates,
)
from sim.experiments.sizing import search_cheapest
from sim.experiments.sizing_variables import sizing_variables


@pytest.mark.parametrize(
    ("text", "role", "days", "start", "end", "zone"),
    [
        ("pickers Sun 08:00-16:00", "pickers", ("sun",), "08:00", "16:00", 0),
        ("packers Mon-Fri 17:00-21:00", "packers", ("mon", "tue", "wed", "thu", "fri"),
         "17:00", "21:00", 0),
        ("pickers mon,WED,Fri 6:00 - 10:00 zone 2", "pickers", ("mon", "wed", "fri"),
         "06:00", "10:00", 2),
        ("packers Fri-Mon 22:00-06:00", "packers", ("mon", "fri", "sat", "sun"),
         "22:00", "06:00", 0),
    ],
)  # fmt: skip
def test_candidate_shifts_parse(text, role, days, start, end, zone):
    s = parse_candidate_shift(text)
    assert (s.role, s.days, s.start, s.end, s.zone, s.headcount) == (
        role, days, start, end, zone, 0
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pickers Sun", "expected 'ROLE DAYS HH:MM-HH:MM [zone N]'"),
        ("cooks Sun 08:00-16:00", "found 'cooks'"),
        ("pickers Sunday 08:00-16:00", "found 'Sunday'"),
        ("pickers Sun 08:00-25:00", "between 00:00 and 24:00"),
        ("pickers Sun 08:00-08:00", "end different from its start"),
        ("packers Sun 08:00-16:00 zone 2", "only on pickers' shifts"),
        ("pickers Sun 08:00-16:00 extra", "expected 'ROLE DAYS"),
    ],
)
def test_bad_candidate_shifts_are_one_line_errors(text, fragment):
    with pytest.raises(CandidateError) as info:
        parse_candidate_shift(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert repr(text) in str(info.value)


def test_candidate_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[[shifts]]\nrole = "pickers"\ndays = ["sun"]\nstart = "08:00"\nend = "16:00"\n'
        'breaks = [{ start = "12:00", minutes = 30 }]\n'
        '[[shifts]]\nrole = "packers"\nstart = "17:00"\nend = "21:00"\n'
    )
    sun, eve = read_candidate_file(path)
    assert sun.days == ("sun",) and sun.breaks[0].minutes == 30 and sun.headcount == 0
    assert eve.days == ("mon", "tue", "wed", "thu", "fri")  # the shifts' default weekdays
    path.write_text('[[shifts]]\nrole = "pickers"\nheadcount = 3\n')
    with pytest.raises(CandidateError, match=r"c.toml: shifts.0: headcount: expected none"):
        read_candidate_file(path)
    path.write_text('[[shifts]]\nrole = "pickers"\nstrat = "08:00"\n')
    with pytest.raises(CandidateError, match=r"c.toml: shifts.0: strat: expected a known key"):
        read_candidate_file(path)
    path.write_text('[[staffing.shifts]]\nrole = "pickers"\n')
    with pytest.raises(CandidateError, match=r"expected only \[\[shifts\]\] tables"):
        read_candidate_file(path)


def test_candidates_join_the_roster_at_zero_and_duplicates_are_refused():
    sc = scenario_from(small_raw())
    more = with_candidates(sc, [parse_candidate_shift("packers Mon-Fri 07:00-15:30")])
    assert len(more.staffing.shifts) == 3 and more.staffing.shifts[2].headcount == 0
    labels = [v.label for v in sizing_variables(more, ["pickers", "packers"])]
    assert labels[2] == "packers Mon-Fri 07:00-15:30"
    # the pickers' shift and the new packers' shift run at the same times: moves both ways
    assert same_time_moves(more.staffing.shifts, sizing_variables(more, ["pickers", "packers"])) \
        == [(0, 2), (2, 0)]  # fmt: skip
    with pytest.raises(CandidateError, match="not in the roster"):
        with_candidates(sc, [parse_candidate_shift("pickers Mon-Fri 07:00-15:30")])


def test_a_move_between_roles_reaches_a_cheaper_staffing():
    # x = (pickers, packers at the same times, another shift), weights 1, 1, 2.
    # feasible: 2p + 3k + 2s >= 7 and p + 3s >= 2. From the hint the descent stops at (4, 0, 0),
    # cost 4: p = 3 misses the first rule and no cheaper shift exists to swap to (equal
    # weights). Moving one head from p to k gives (3, 1, 0), feasible, and p then drops to 2:
    # (2, 1, 0), cost 3, the optimum (p >= 2 when s = 0, then 3k >= 3).
    def feasible(x):
        p, k, s = x
        return 2 * p + 3 * k + 2 * s >= 7 and p + 3 * s >= 2

    weights, hint = [1.0, 1.0, 2.0], [5, 0, 4]
    stuck = search_cheapest([0] * 3, [6] * 3, weights, feasible, hint, global_budget=0)
    assert stuck.best == (4, 0, 0) and stuck.locally_minimal
    moved = search_cheapest(
        [0] * 3, [6] * 3, weights, feasible, hint, global_budget=0, moves=[(0, 1), (1, 0)]
    )
    assert moved.best == (2, 1, 0)


def _sunday_file(tmp_path, roster_days: list[str]) -> str:
    """An M/M/c picking station with round-the-clock orders every day (0.1 per minute, 12
    min each: offered load 1.2 pickers) and one 24-hour pickers' shift on ``roster_days``."""
    import tomli_w

    raw = mmc_raw(0.1, 12.0, 3, days=8)  # Mon to the next Mon
    raw["staffing"]["shifts"][0]["days"] = roster_days
    path = tmp_path / "sunday.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    return str(path)


def _size(tmp_path, path: str, name: str) -> dict:
    out = tmp_path / name
    argv = ["size", path, "--sla", "wait_mean_min_pick <= 20min", "--roles", "pickers",
            "--candidate-shift", "pickers Sun 00:00-00:00", "--max-headcount", "4",
            "-r", "3", "--jobs", "1", "--global-budget", "0", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return json.loads((out / "manifest.json").read_text())["summary"]


@pytest.mark.slow
def test_a_sunday_shift_opens_when_sunday_orders_need_it_and_stays_closed_otherwise(
    tmp_path, capsys
):
    # Mon-Sat roster: Sunday's orders (1/7 of the week) wait until Monday 00:00, on average
    # 12 h, so the week's mean wait is at least 12 h / 7 > 100 min: the 20-min SLA needs
    # pickers on Sunday, i.e. the candidate shift
    summary = _size(tmp_path, _sunday_file(tmp_path, EVERY_DAY[:6]), "needed")
    opened = summary["answer"]["opened"]
    assert list(opened) == ["pickers Sun 00:00-00:00"] and opened["pickers Sun 00:00-00:00"] >= 2
    assert "Candidate shifts opened: pickers Sun 00:00-00:00=" in capsys.readouterr().out
    # a Mon-Sun roster already covers Sunday: the extra Sunday shift stays at 0
    summary = _size(tmp_path, _sunday_file(tmp_path, EVERY_DAY), "not_needed")
    assert summary["answer"]["opened"] == {}
    assert summary["answer"]["headcount"]["pickers Sun 00:00-00:00"] == 0
    assert "Candidate shifts opened: none (left closed: pickers Sun 00:00-00:00)" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--candidate-shift", "cooks Sun 08:00-16:00"], "found 'cooks'"),
        (["--candidate-shift", "packers Sun 08:00-16:00"], "expected a shift of the sized roles"),
        (["--candidate-shift", "pickers Mon-Fri 07:00-15:30"], "not in the roster"),
        (["--candidate-shifts", "missing.toml"], "expected a readable TOML file"),
    ],
)
def test_cli_bad_candidates_are_one_line_and_exit_2(tmp_path, capsys, extra, fragment):
    path = tmp_path / "s.toml"
    import tomli_w

    path.write_bytes(tomli_w.dumps(small_raw()).encode())
    argv = ["size", str(path), "--sla", "shipped_same_day >= 0.5", "--roles", "pickers", *extra,
            "--out", str(tmp_path / "out")]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1 and err.startswith("omsim: ")
    assert not (tmp_path / "out").exists()
