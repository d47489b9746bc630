"""Ruling a staffing out after its first replications (issue 15, speed): the verdict must be
the one all R replications would give, so the search takes the same path with fewer runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import mmc_raw, scenario_from
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.sla import best_reachable_bound, cannot_be_met, check, parse_sla
from sim.experiments.size_run import SimulatedStaffing
from sim.experiments.sizing_variables import sizing_variables
from sim.experiments.steady import Measurement

SHARE = parse_sla("shipped_by_target_pickup >= 90%", {"shipped_by_target_pickup"})
HOURS = parse_sla("time_to_ship_p95 <= 2d", {"time_to_ship_p95_h"})


def _best_by_grid(sla, known, total, grid):
    """The best bound any completion from ``grid`` gives (brute force, independent of the
    closed form): every combination of missing values is tried."""
    best = None
    for rest in itertools.product(grid, repeat=total - len(known)):
        bound = check(sla, [*known, *rest]).bound
        if best is None or (bound < best if sla.op == "<=" else bound > best):
            best = bound
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(0.5, 1.0), min_size=1, max_size=2),
    st.lists(st.floats(0.0, 120.0), min_size=1, max_size=2),
)
def test_the_reachable_bound_is_never_worse_than_any_completion(shares, hours):
    """Soundness: no completion (on a fine grid) beats the closed-form best bound, so a
    staffing ruled out could not have met the SLA with all its replications."""
    for sla, known, grid in (
        (SHARE, shares, np.linspace(0.0, 1.5, 61)),
        (HOURS, hours, np.linspace(0.0, 300.0, 61)),
    ):
        best = best_reachable_bound(sla, known, 3)
        by_grid = _best_by_grid(sla, known, 3, grid)
        if sla.op == "<=":
            assert best <= by_grid + 1e-9
        else:
            assert best >= by_grid - 1e-9
        if cannot_be_met(sla, known, 3):
            assert not any(check(sla, [*known, g]).met for g in grid)


def test_clear_misses_are_ruled_out_and_near_misses_are_not():
    # two runs at 60 h: no third run brings the 95 % bound under 48 h
    assert cannot_be_met(HOURS, [60.0, 60.0], 3)
    # two runs at 40 and 50 h: a short third run could still do it
    assert not cannot_be_met(HOURS, [40.0, 41.0], 3)
    assert cannot_be_met(SHARE, [0.85, 0.86], 3)
    assert not cannot_be_met(SHARE, [0.95, 0.96], 3)
    assert cannot_be_met(SHARE, [0.95, float("nan")], 3)  # a NaN run is never met


@pytest.mark.slow
def test_early_rule_out_gives_the_full_verdict_with_fewer_runs():
    """Every staffing of an M/M/c station (1..6 pickers, offered load 3.3) gets the same
    verdict with and without ruling out early; the clearly short ones cost 2 runs, not 3."""
    sla = parse_sla("wait_mean_min_pick <= 30", {"wait_mean_min_pick"})
    sc = scenario_from(mmc_raw(0.275, 12.0, 4, days=7))
    variables = sizing_variables(sc, ["pickers"])
    m = Measurement(True, 1, 1, 1.0)
    early = SimulatedStaffing(sc, variables, [sla], 3, seed=5, jobs=2, measurement=m)
    full = SimulatedStaffing(
        sc, variables, [sla], 3, seed=5, jobs=2, measurement=m, rule_out_early=False
    )
    for c in range(1, 7):
        assert early((c,)) == full((c,)), c
    stopped = [p for p, e in early.evaluations.items() if e.stopped_after]
    assert stopped and all(p[0] <= 3 for p in stopped)  # 3 pickers cannot carry a load of 3.3
    assert early.runs == full.runs - len(stopped)
    assert all(not e.stopped_after for e in full.evaluations.values())
