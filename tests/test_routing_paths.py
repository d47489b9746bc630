"""Tests for sim.routing_paths: the drawn walk has the length of sim.routing's formulas, stays
on the centrelines, starts and ends at the depot and passes every pick."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.routing import ROUTING_POLICIES, Layout, tour_distance
from sim.routing_paths import path_length, tour_path

ROUTED = ("s_shape", "return", "midpoint", "largest_gap")

# n=4 aisles, L=10, c=2, w=3, S=5 (as in test_routing.py): aisle x = 0, 3, 6, 9; depth of
# position k = 2 + 2k -> 2, 4, 6, 8, 10; T = 12; slot s: aisle s // 10, position (s % 10) // 2.
SMALL = Layout(4, 10.0, 3.0, 2.0, 5)
SMALL_CENTER = Layout(4, 10.0, 3.0, 2.0, 5, depot="center")  # depot x = 4.5

HAND_CASES = [
    # slots 3 (a0, y=4), 25 (a2, y=6), 38 (a3, y=10); lengths 58, 62, 54, 54 (test_routing.py)
    (SMALL, [3, 25, 38], "return",
     [(0, 0), (0, 4), (0, 0), (6, 0), (6, 6), (6, 0), (9, 0), (9, 10), (9, 0), (0, 0)]),
    (SMALL, [3, 25, 38], "s_shape",
     [(0, 0), (0, 12), (6, 12), (6, 0), (9, 0), (9, 10), (9, 0), (0, 0)]),
    # midpoint: a2's pick y=6 is at the midpoint -> a front-half pick, visited on the way home
    (SMALL, [3, 25, 38], "midpoint",
     [(0, 0), (0, 12), (9, 12), (9, 0), (6, 0), (6, 6), (6, 0), (0, 0)]),
    # largest gap: a2's gaps 6 (front) and 6 (back) tie; the first is skipped -> back entry
    (SMALL, [3, 25, 38], "largest_gap",
     [(0, 0), (0, 12), (6, 12), (6, 6), (6, 12), (9, 12), (9, 0), (0, 0)]),
    # slots 0 (a0, y=2), 12 (a1, y=4), 15 (a1, y=6), 17 (a1, y=8), 20 (a2, y=2)
    # midpoint: a1 front {4, 6} -> up to 6; back {8} -> down to 8 (length 56)
    (SMALL, [0, 12, 15, 17, 20], "midpoint",
     [(0, 0), (0, 12), (3, 12), (3, 8), (3, 12), (6, 12), (6, 0), (3, 0), (3, 6), (3, 0),
      (0, 0)]),
    # largest gap: a1 stops 0, 4, 6, 8, 12 -> gaps 4, 2, 2, 4: the first (front) is skipped
    (SMALL, [0, 12, 15, 17, 20], "largest_gap",
     [(0, 0), (0, 12), (3, 12), (3, 4), (3, 12), (6, 12), (6, 0), (0, 0)]),
    # centre depot (x = 4.5), one pick in a3 (y=10): return routing for every policy
    (SMALL_CENTER, [38], "s_shape", [(4.5, 0), (9, 0), (9, 10), (9, 0), (4.5, 0)]),
    # centre depot, a0 (y=2), a1 (y=8, back half), a2 (y=2, front half), a3 (y=4)
    # midpoint: left to a0 visiting nothing (a1 has only a back pick), traverse a0, back to
    # a3 dipping into a1 down to 8, traverse a3, front home dipping into a2 up to 2
    (SMALL_CENTER, [0, 17, 20, 32], "midpoint",
     [(4.5, 0), (0, 0), (0, 12), (3, 12), (3, 8), (3, 12), (9, 12), (9, 0), (6, 0), (6, 2),
      (6, 0), (4.5, 0)]),
]  # fmt: skip


@pytest.mark.parametrize(("layout", "slots", "policy", "expected"), HAND_CASES)
def test_hand_drawn_paths(layout, slots, policy, expected):
    path = tour_path(layout, slots, policy)
    np.testing.assert_allclose(path, np.array(expected, dtype=float))
    assert path_length(path) == pytest.approx(tour_distance(layout, slots, policy), rel=1e-12)


def test_hand_lengths_match_test_routing():
    lengths = {p: path_length(tour_path(SMALL, [3, 25, 38], p)) for p in ROUTED}
    assert lengths == pytest.approx({"return": 58, "s_shape": 62, "midpoint": 54,
                                     "largest_gap": 54})  # fmt: skip


@pytest.mark.parametrize("policy", ROUTING_POLICIES)
def test_empty_tour_is_the_depot(policy):
    path = tour_path(SMALL_CENTER, [], policy)
    assert path.shape == (1, 2)
    assert path.tolist() == [[4.5, 0.0]]
    assert path_length(path) == 0.0


def test_policy_none_stays_at_the_depot():
    assert tour_path(SMALL, [3, 25, 38], "none").tolist() == [[0.0, 0.0]]


def test_bad_input():
    with pytest.raises(ValueError, match="policy"):
        tour_path(SMALL, [1], "zigzag")
    with pytest.raises(ValueError, match="out of range"):
        tour_path(SMALL, [40], "return")
    with pytest.raises(ValueError, match="shape"):
        path_length(np.zeros((3, 3)))


def test_the_module_does_not_import_simpy():
    code = "import sys, sim.routing_paths; assert 'simpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# Properties over random layouts and tours
# --------------------------------------------------------------------------------------------


@st.composite
def layouts_and_tours(draw):
    layout = Layout(
        n_aisles=draw(st.integers(1, 30)),
        aisle_length_m=draw(st.floats(0.5, 100.0, allow_nan=False)),
        aisle_spacing_m=draw(st.floats(0.5, 10.0, allow_nan=False)),
        cross_aisle_width_m=draw(st.one_of(st.just(0.0), st.floats(0.0, 10.0, allow_nan=False))),
        slots_per_side=draw(st.integers(1, 40)),
        depot=draw(st.sampled_from(["left", "center"])),
    )
    slots = draw(st.lists(st.integers(0, layout.n_slots - 1), max_size=60))
    if slots and draw(st.booleans()):
        slots.append(slots[0])  # duplicates allowed
    return layout, slots


def on_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    """Whether p lies on the axis-parallel segment a-b."""
    lo, hi = np.minimum(a, b) - tol, np.maximum(a, b) + tol
    return bool(np.all(p >= lo) and np.all(p <= hi))


@settings(max_examples=300, deadline=None)
@given(layouts_and_tours(), st.sampled_from(ROUTING_POLICIES))
def test_path_contract(case, policy):
    layout, slots = case
    path = tour_path(layout, slots, policy)
    assert path.ndim == 2 and path.shape[1] == 2 and len(path) >= 1
    scale = max(layout.traversal_m, layout.n_aisles * layout.aisle_spacing_m)
    tol = 1e-9 * scale

    # length == tour_distance
    want = tour_distance(layout, slots, policy)
    got = path_length(path)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)

    # starts and ends at the depot
    depot = np.array([layout.depot_x, 0.0])
    np.testing.assert_allclose(path[0], depot, atol=tol)
    np.testing.assert_allclose(path[-1], depot, atol=tol)

    # every vertex on an aisle centreline or a cross-aisle centreline
    aisle_xs = np.arange(layout.n_aisles) * layout.aisle_spacing_m
    full = layout.traversal_m
    for x, y in path:
        on_aisle = np.min(np.abs(aisle_xs - x)) <= tol and -tol <= y <= full + tol
        on_cross = abs(y) <= tol or abs(y - full) <= tol
        assert on_aisle or on_cross, (x, y)

    # axis-parallel moves: consecutive vertices differ in at most one coordinate, and every
    # vertical move runs along an aisle centreline
    steps = np.diff(path, axis=0)
    assert np.all((np.abs(steps[:, 0]) <= tol) | (np.abs(steps[:, 1]) <= tol))
    for (x0, y0), (_x1, y1) in zip(path[:-1], path[1:], strict=True):
        if abs(y1 - y0) > tol:
            assert np.min(np.abs(aisle_xs - x0)) <= tol

    # every pick lies on the path
    if policy != "none":
        for s in slots:
            pick = np.array([layout.aisle_x(layout.aisle_of(s)), layout.depth_of(s)])
            assert any(
                on_segment(pick, a, b, tol) for a, b in zip(path[:-1], path[1:], strict=True)
            ), (s, pick)


@settings(max_examples=100, deadline=None)
@given(layouts_and_tours(), st.sampled_from(ROUTED))
def test_path_is_independent_of_slot_order(case, policy):
    layout, slots = case
    np.testing.assert_array_equal(
        tour_path(layout, slots, policy), tour_path(layout, slots[::-1], policy)
    )
