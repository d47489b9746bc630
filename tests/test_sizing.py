"""Staff sizing: SLA parsing and checks, the monotone search, M/M/c against Erlang C, the CLI."""

from __future__ import annotations

import itertools
import json
import math
import random

import numpy as np
import pytest
from conftest import mmc_raw, scenario_from, small_raw
from scipy import stats

from analysis.stats.sla import (
    Sla,
    check,
    monotonicity_warning,
    one_sided_bound,
    parse_sla,
    resolve_kpi,
)
from sim.calendar import paid_hours_per_week
from sim.cli import main
from sim.experiments.size_run import efficient, size_staffing
from sim.experiments.sizing import MonotoneOracle, search_cheapest, smallest_true
from sim.experiments.sizing_variables import sizing_variables, staffing_cost
from sim.shift_names import shift_labels

# --- SLA parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kpi", "op", "target"),
    [
        ("lead_time_p95 <= 2d", "lead_time_p95_h", "<=", 48.0),
        ("lead_time_p95_h <= 36h", "lead_time_p95_h", "<=", 36.0),
        ("lead_time_mean_h < 90min", "lead_time_mean_h", "<=", 1.5),
        ("time_to_ship_p95<=45m", "time_to_ship_p95_h", "<=", 0.75),
        ("shipped_same_day >= 95%", "shipped_same_day", ">=", 0.95),
        ("shipped_same_day >= 0.95", "shipped_same_day", ">=", 0.95),
        ("  on_time_delivery > .9 ", "on_time_delivery", ">=", 0.9),
        ("wait_mean_min_pick <= 90s", "wait_mean_min_pick", "<=", 1.5),
        ("wait_mean_min_pick <= 0.5h", "wait_mean_min_pick", "<=", 30.0),
        ("wait_mean_min_pick <= 30", "wait_mean_min_pick", "<=", 30.0),
        ("throughput_per_day >= 1.5e3", "throughput_per_day", ">=", 1500.0),
        ("utilisation_pickers <= 85%", "utilisation_pickers", "<=", 0.85),
    ],
)
def test_sla_parsing_and_units(text, kpi, op, target):
    sla = parse_sla(text)
    assert (sla.kpi, sla.op) == (kpi, op)
    assert sla.target == pytest.approx(target)
    assert sla.text == text.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("no_such_kpi >= 1", "'no_such_kpi'"),
        ("shiped_same_day >= 0.9", "did you mean shipped_same_day"),
        ("lead_time_p59 <= 2d", "lead_time_p95_h"),
        ("shipped_same_day >= 2d", "found a duration"),
        ("throughput_per_day >= 50%", "found a percentage"),
        ("shipped_same_day >= 95", "share in [0, 1]"),
        ("shipped_same_day = 0.9", "expected '<kpi> >= <value>'"),
        ("shipped_same_day 0.9", "expected '<kpi> >= <value>'"),
        ("", "expected '<kpi> >= <value>'"),
        ("lead_time_p95 <= fast", "expected a number"),
        ("lead_time_p95 <= 2w", "expected a number"),
    ],
)
def test_bad_slas_are_one_line_value_errors(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_sla(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_kpi_names_resolve_within_the_known_ones():
    known = {"lead_time_p95_h", "x_h", "x_min", "utilisation_pickers"}
    assert resolve_kpi("lead_time_p95", known) == "lead_time_p95_h"
    assert resolve_kpi("utilisation_pickers", known) == "utilisation_pickers"
    with pytest.raises(ValueError, match="ambiguous"):
        resolve_kpi("x", known)
    with pytest.raises(ValueError, match="utilisation_pickers"):
        resolve_kpi("utilisation_pickerz", known)  # known to kpi_def, not to the scenario


def test_slas_that_may_break_monotonicity_are_flagged():
    for ok in ("shipped_same_day >= 0.9", "lead_time_p95 <= 2d", "utilisation_pickers <= 85%"):
        assert monotonicity_warning(parse_sla(ok)) is None
    for bad in ("cost_per_order <= 10", "shipped_same_day <= 0.9", "utilisation_pickers >= 0.5"):
        assert monotonicity_warning(parse_sla(bad)) is not None


# --- the one-sided bound -------------------------------------------------------------------


def test_one_sided_bound_is_the_student_t_bound():
    values = [0.91, 0.95, 0.97, 0.93, 0.96, 0.94]
    n, mean, sem = len(values), float(np.mean(values)), stats.sem(values)
    lower = stats.t.ppf(0.05, n - 1, loc=mean, scale=sem)
    upper = stats.t.ppf(0.95, n - 1, loc=mean, scale=sem)
    assert one_sided_bound(values, ">=") == pytest.approx((mean, lower))
    assert one_sided_bound(values, "<=") == pytest.approx((mean, upper))
    ge = Sla("shipped_same_day", ">=", lower - 1e-9, "share", "")
    assert check(ge, values).met
    assert not check(Sla("shipped_same_day", ">=", lower + 1e-9, "share", ""), values).met
    assert check(Sla("shipped_same_day", "<=", upper + 1e-9, "share", ""), values).met
    assert not check(Sla("shipped_same_day", "<=", upper - 1e-9, "share", ""), values).met


def test_constant_nan_and_single_values():
    sla = Sla("lead_time_p95_h", "<=", 48.0, "h", "")
    const = check(sla, [48.0, 48.0, 48.0])
    assert (const.mean, const.bound, const.met) == (48.0, 48.0, True)
    with_nan = check(sla, [10.0, math.nan, 12.0])
    assert not with_nan.met and with_nan.n_nan == 1 and with_nan.n == 2
    assert not check(sla, [10.0]).met  # one replication: no confidence
    assert not check(sla, []).met


# --- the search on synthetic monotone oracles ----------------------------------------------


def _key(weights, x):
    return (sum(w * v for w, v in zip(weights, x, strict=True)), sum(x))


def _oracles(seed: int, n: int, top: int):
    """Monotone feasibility tests of several shapes on ``0..top`` per variable."""
    rng = random.Random(seed)
    a = [rng.uniform(0.5, 2.0) for _ in range(n)]
    need = rng.uniform(1.0, 0.8 * top * sum(a))
    req = [rng.randint(0, top // 2) for _ in range(n)]
    yield lambda x: sum(ai * xi for ai, xi in zip(a, x, strict=True)) >= need
    yield lambda x: math.prod(xi + 1 for xi in x) >= need
    yield lambda x: all(xi >= r for xi, r in zip(x, req, strict=True)) and sum(x) >= need / 3
    yield lambda x: min(xi * ai for xi, ai in zip(x, a, strict=True)) >= need / (2 * n)


@pytest.mark.parametrize(("n", "top"), [(2, 8), (2, 12), (3, 5), (3, 6)])
@pytest.mark.parametrize("seed", range(6))
def test_search_finds_the_brute_force_optimum_with_fewer_evaluations(n, top, seed):
    rng = random.Random(100 + seed)
    weights = [rng.choice([1.0, 1.5, 2.0, 3.0, 0.7]) for _ in range(n)]
    grid = list(itertools.product(range(top + 1), repeat=n))
    for feasible in _oracles(seed, n, top):
        calls: list[tuple[int, ...]] = []

        def counted(x, feasible=feasible, calls=calls):
            calls.append(x)
            return feasible(x)

        hint = [rng.randint(0, top) for _ in range(n)]
        result = search_cheapest([0] * n, [top] * n, weights, counted, hint, global_budget=None)
        good = [x for x in grid if feasible(x)]
        if not good:
            assert result.best is None
            continue
        assert feasible(result.best)
        assert _key(weights, result.best) == min(_key(weights, x) for x in good)
        assert result.proven_optimal and result.locally_minimal
        assert len(calls) == len(set(calls)) == len(result.evaluated)  # memoised
        assert len(calls) < len(grid)


@pytest.mark.parametrize("top", [1, 5, 20])
def test_one_dimension_gives_exactly_the_smallest_feasible_value(top):
    for threshold, hint in itertools.product(range(top + 1), range(top + 1)):
        result = search_cheapest([0], [top], [3.0], lambda x, t=threshold: x[0] >= t, [hint])
        assert result.best == (threshold,)
        assert result.proven_optimal
    assert search_cheapest([0], [top], [1.0], lambda x: False).best is None


def test_budget_zero_stops_at_a_local_minimum():
    # feasible: x >= 6 or y >= 6; from the y side, no single step or swap reaches (6, 0)
    weights = [1.0, 1.2]

    def feasible(x):
        return x[0] >= 6 or x[1] >= 6

    local = search_cheapest([0, 0], [9, 9], weights, feasible, [0, 9], global_budget=0)
    assert local.best == (0, 6)
    assert local.locally_minimal and not local.proven_optimal
    full = search_cheapest([0, 0], [9, 9], weights, feasible, [0, 9], global_budget=None)
    assert full.best == (6, 0) and full.proven_optimal


def test_monotone_oracle_infers_from_dominance():
    calls = []
    oracle = MonotoneOracle(lambda x: calls.append(x) or sum(x) >= 4)
    assert oracle((2, 2)) and not oracle((1, 1))
    assert oracle((3, 2)) and not oracle((0, 1))  # inferred
    assert calls == [(2, 2), (1, 1)] and oracle.inferred == 2
    assert oracle.known((2, 1)) is None


def test_smallest_true_from_any_hint():
    for t, hint in itertools.product(range(11), [None, *range(11)]):
        assert smallest_true(lambda v, t=t: v >= t, 0, 10, hint) == t


# --- cost of a staffing --------------------------------------------------------------------


def test_paid_hours_and_labels():
    sc = scenario_from(small_raw())
    pickers, packers = sc.staffing.shifts
    assert paid_hours_per_week(pickers) == pytest.approx(5 * 8.0)  # 07:00-15:30 - 30 min
    assert paid_hours_per_week(packers) == pytest.approx(5 * 8.5)
    night = pickers.model_copy(
        update={
            "start": "22:00",
            "end": "06:00",
            "breaks": [pickers.breaks[0].model_copy(update={"start": "02:00"})],
            "days": ("mon",),
        }  # fmt: skip
    )
    assert paid_hours_per_week(night) == pytest.approx(7.5)
    outside = pickers.model_copy(update={"breaks": [night.breaks[0]]})  # 02:00: not in shift
    assert paid_hours_per_week(outside) == pytest.approx(5 * 8.5)
    assert shift_labels([pickers, packers]) == [
        "pickers Mon-Fri 07:00-15:30", "packers Mon-Fri 08:00-16:30"
    ]  # fmt: skip
    sat = pickers.model_copy(update={"days": ("sat",)})
    assert shift_labels([pickers, sat]) == [
        "pickers Mon-Fri 07:00-15:30",
        "pickers Sat 07:00-15:30",
    ]
    assert shift_labels([pickers, pickers]) == ["pickers Mon-Fri 07:00-15:30#0",
                                                "pickers Mon-Fri 07:00-15:30#1"]  # fmt: skip


def test_weekly_cost_equals_the_labour_cost_of_a_simulated_week():
    from sim.experiments.runner import run_with_kpis

    sc = scenario_from(small_raw(days=7, drain=0))  # starts on a Monday, no holidays
    variables = sizing_variables(sc, ["pickers", "packers"])
    _, kpis = run_with_kpis(sc, 1, 0)
    point = tuple(v.current for v in variables)
    assert staffing_cost(variables, point) == pytest.approx(kpis["labour_cost"])


# --- M/M/c: the smallest c Erlang C says meets a mean-wait target --------------------------


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (infinite if unstable), written out from the definition."""
    a = lam / mu
    if a >= c:
        return math.inf
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


@pytest.mark.slow
def test_sizing_an_mmc_station_finds_the_erlang_c_answer():
    lam, mean_s, target = 0.3, 12.0, 8.0  # offered load 3.6 servers; mean wait <= 8 min
    c_star = next(c for c in range(1, 50) if erlang_c_wait(lam, 1 / mean_s, c) <= target)
    assert c_star == 5
    # well separated: the simulation cannot mistake c* - 1 or c* for each other
    assert erlang_c_wait(lam, 1 / mean_s, c_star) <= target / 2
    assert erlang_c_wait(lam, 1 / mean_s, c_star - 1) >= 2 * target
    sc = scenario_from(mmc_raw(lam, mean_s, 6, days=8))
    sla = parse_sla(f"wait_mean_min_pick <= {target}")
    search, oracle = size_staffing(sc, [sla], ["pickers"], 10, 5, seed=3, warmup_days=1)
    assert search.best == (c_star,)
    assert search.proven_optimal
    assert oracle.evaluations[(c_star,)].feasible
    assert not oracle.evaluations[(c_star - 1,)].feasible
    assert len(search.evaluated) < 11
    # the frontier: every feasible staffing costs more than the answer's
    costs = {e.point: e.cost for e in oracle.evaluations.values() if not e.note}
    assert min(c for p, c in costs.items() if oracle.evaluations[p].feasible) == costs[(c_star,)]
    assert (c_star,) in efficient([e for e in oracle.evaluations.values() if not e.note])


# --- the command line ----------------------------------------------------------------------

TINY = """
name = "tiny"
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
role = "packers"
start = "08:00"
end = "16:30"
headcount = 2
"""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--sla", "no_such_kpi >= 1"], "no_such_kpi"),
        (["--sla", "shipped_same_day 0.9"], "expected '<kpi> >= <value>'"),
        (["--sla", "shipped_same_day >= 2d"], "found a duration"),
        (["--sla", "shipped_same_day >= 0.9", "--roles", "cooks"], "found 'cooks'"),
        (["--sla", "shipped_same_day >= 0.9", "--roles", "sorters"], "no sorters shift"),
        (["--sla", "shipped_same_day >= 0.9", "--max-headcount", "0"], "--max-headcount"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, fragment):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    code = main(["size", str(path), *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and err.startswith("omsim: --") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()  # nothing run, nothing stored


def test_cli_end_to_end_prints_and_stores_the_frontier(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    argv = ["size", str(path), "--sla", "time_to_ship_p95 <= 3.5d", "--roles", "pickers",
            "--max-headcount", "4", "-r", "2", "--jobs", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Cheapest staffing meeting every SLA" in text and "frontier" in text
    summary = json.loads((out / "manifest.json").read_text())["summary"]
    answer = summary["answer"]
    assert set(answer["headcount"]) == {"pickers Mon-Fri 07:00-15:30"}
    assert 1 <= answer["headcount"]["pickers Mon-Fri 07:00-15:30"] <= 4
    rows = summary["frontier"]
    assert [r["weekly_cost"] for r in rows] == sorted(r["weekly_cost"] for r in rows)
    assert sum(r["answer"] for r in rows) == 1
    assert all(r["slas"][0]["kpi"] == "time_to_ship_p95_h" for r in rows)
    # an unreachable SLA: exit 1 naming it (not a usage error)
    argv[3] = "time_to_ship_p95 <= 1s"
    argv[-1] = str(tmp_path / "out2")
    assert main(argv) == 1
    assert "time_to_ship_p95 <= 1s" in capsys.readouterr().err
