"""Tests for sim.routing: hand-computed tours, exact expectations under random storage,
and relations that must hold for every tour."""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.routing import ROUTING_POLICIES, Layout, make_router, tour_distance

ROUTED = ("s_shape", "return", "midpoint", "largest_gap")

# --------------------------------------------------------------------------------------------
# 1. Hand-computed tours
# --------------------------------------------------------------------------------------------
# n=4 aisles, L=10, c=2, w=3, S=5  ->  10 slots per aisle; aisle x = 0, 3, 6, 9.
# depth of position k: c/2 + (k + 0.5) * L/S = 1 + 2k + 1 = 2 + 2k  ->  2, 4, 6, 8, 10.
# T = L + c = 12; midpoint c/2 + L/2 = 6 (position k=2, a front-half pick since S is odd).
# slot s: aisle s // 10, position (s % 10) // 2.
SMALL = Layout(4, 10.0, 3.0, 2.0, 5)
SMALL_CENTER = Layout(4, 10.0, 3.0, 2.0, 5, depot="center")  # depot x = 3 * 3 / 2 = 4.5

HAND_CASES = [
    # slots 3 (a0, y=4), 25 (a2, y=6), 38 (a3, y=10); left depot: H = 2*9 = 18, |V| = 3
    #   return 18 + 2*(4+6+10) = 58; s_shape 18 + 12*2 + 2*10 = 62
    #   midpoint 18 + 2*12 + [a2: y=6 front -> 2*6 = 12] = 54; largest_gap a2 gaps 6,6 -> 12 -> 54
    (SMALL, [3, 25, 38], {"return": 58, "s_shape": 62, "midpoint": 54, "largest_gap": 54}),
    # slots 0 (a0, y=2), 12 (a1, y=4), 15 (a1, y=6), 17 (a1, y=8), 20 (a2, y=2); H = 2*6 = 12
    #   return 12 + 2*(2+8+2) = 36; s_shape (|V| = 3) 12 + 12*2 + 2*2 = 40
    #   midpoint 12 + 24 + a1: front {4,6} -> 2*6 = 12, back {8} -> 2*(12-8) = 8 -> 56
    #   largest_gap a1 gaps 4,2,2,4 -> largest 4 -> 2*(12-4) = 16 -> 12 + 24 + 16 = 52
    (SMALL, [0, 12, 15, 17, 20], {"return": 36, "s_shape": 40, "midpoint": 56, "largest_gap": 52}),
    # slots 0 (a0, y=2), 15 (a1, y=6 = midpoint), 19 (a1, y=10), 30 (a3, y=2); H = 18
    #   return 18 + 2*(2+10+2) = 46; s_shape (|V| = 3) 18 + 24 + 2*2 = 46
    #   midpoint a1: front {6} -> 12, back {10} -> 2*(12-10) = 4 -> 18 + 24 + 16 = 58
    #   largest_gap a1 gaps 6,4,2 -> 2*(12-6) = 12 -> 18 + 24 + 12 = 54
    (SMALL, [0, 15, 19, 30], {"return": 46, "s_shape": 46, "midpoint": 58, "largest_gap": 54}),
    # slots 5 (a0, y=6), 39 (a3, y=10); H = 18, |V| = 2 (even)
    #   return 18 + 2*(6+10) = 50; s_shape 18 + 12*2 = 42; midpoint = largest_gap = 18 + 24 = 42
    (SMALL, [5, 39], {"return": 50, "s_shape": 42, "midpoint": 42, "largest_gap": 42}),
    # slots 0 (a0, y=2), 19 (a1, y=10), 21 (a2, y=2), 30 (a3, y=2); H = 18, |V| = 4
    #   return 18 + 2*(2+10+2+2) = 50; s_shape 18 + 12*4 = 66
    #   midpoint a1 back {10} -> 4, a2 front {2} -> 4: 18 + 24 + 8 = 50
    #   largest_gap a1 gaps 10,2 -> 4 (pure back entry); a2 gaps 2,10 -> 4 (pure front) -> 50
    (SMALL, [0, 19, 21, 30], {"return": 50, "s_shape": 66, "midpoint": 50, "largest_gap": 50}),
    # one slot 17 (a1, y=8): H = 2*3 = 6 -> every policy 6 + 2*8 = 22
    (SMALL, [17], {"return": 22, "s_shape": 22, "midpoint": 22, "largest_gap": 22}),
    # centre depot x=4.5; slot 0 (a0, y=2): H = 2*(4.5 - 0) = 9 -> 9 + 4 = 13 for every policy
    (SMALL_CENTER, [0], {"return": 13, "s_shape": 13, "midpoint": 13, "largest_gap": 13}),
    # centre depot; slots 10 (a1 x=3, y=2), 25 (a2 x=6, y=6): H = 2*(6 - 3) = 6
    #   return 6 + 2*(2+6) = 22; s_shape, midpoint, largest_gap 6 + 2*12 = 30
    (SMALL_CENTER, [10, 25], {"return": 22, "s_shape": 30, "midpoint": 30, "largest_gap": 30}),
    # centre depot; slots 25 (a2 x=6, y=6), 38 (a3 x=9, y=10): H = 2*(9 - 4.5) = 9
    #   return 9 + 2*(6+10) = 41; the others 9 + 24 = 33
    (SMALL_CENTER, [25, 38], {"return": 41, "s_shape": 33, "midpoint": 33, "largest_gap": 33}),
    # centre depot; slots 1 (a0 y=2), 13 (a1 y=4), 26 (a2 y=8): H = 2*(6 - 0) = 12, |V| = 3
    #   return 12 + 2*(2+4+8) = 40; s_shape 12 + 24 + 2*8 = 52
    #   midpoint / largest_gap a1: y=4 front -> 8, gaps 4,8 -> 2*(12-8) = 8 -> 12 + 24 + 8 = 44
    (SMALL_CENTER, [1, 13, 26], {"return": 40, "s_shape": 52, "midpoint": 44, "largest_gap": 44}),
]


@pytest.mark.parametrize(("layout", "slots", "expected"), HAND_CASES)
def test_hand_computed(layout: Layout, slots: list[int], expected: dict[str, float]) -> None:
    for policy, value in expected.items():
        assert tour_distance(layout, slots, policy) == pytest.approx(value, abs=1e-12), policy
        assert make_router(layout, policy)(slots) == pytest.approx(value, abs=1e-12), policy
    assert tour_distance(layout, slots, "none") == 0.0
    assert make_router(layout, "none")(slots) == 0.0


def test_largest_gap_dominates_neither_return_nor_s_shape() -> None:
    # The second hand case: largest gap (52) > S-shape (40) > return (36). Largest gap never
    # beats midpoint, but it traverses the two outer aisles, which return routing need not do.
    slots = [0, 12, 15, 17, 20]
    lg = tour_distance(SMALL, slots, "largest_gap")
    assert lg > tour_distance(SMALL, slots, "s_shape") > tour_distance(SMALL, slots, "return")


def test_layout_geometry() -> None:
    lay = SMALL
    assert lay.n_slots == 40
    assert lay.depot_x == 0.0
    assert SMALL_CENTER.depot_x == 4.5
    # slot 27: aisle 2, position (27 % 10) // 2 = 3 -> depth 2 + 2*3 = 8
    assert lay.aisle_of(27) == 2
    assert lay.depth_of(27) == pytest.approx(8.0)
    assert lay.depth_of(26) == lay.depth_of(27)  # both sides share the depth
    aisle, depth = lay.slot_arrays()
    assert aisle.shape == depth.shape == (40,)
    assert aisle.dtype.kind == "i"
    assert depth.dtype == np.float64
    assert aisle.tolist() == [s // 10 for s in range(40)]
    np.testing.assert_allclose(depth, [2 + 2 * ((s % 10) // 2) for s in range(40)])
    # slot 38 (a3 x=9, y=10): left 2*9 + 2*10 = 38; centre 2*4.5 + 20 = 29
    assert lay.depot_distance()[38] == pytest.approx(38.0)
    assert SMALL_CENTER.depot_distance()[38] == pytest.approx(29.0)
    assert SMALL_CENTER.depot_distance()[0] == pytest.approx(13.0)


def test_layout_validation() -> None:
    with pytest.raises(ValueError):
        Layout(0, 10.0, 3.0, 2.0, 5)
    with pytest.raises(ValueError):
        Layout(4, 10.0, 3.0, 2.0, 0)
    with pytest.raises(ValueError):
        Layout(4, -1.0, 3.0, 2.0, 5)
    with pytest.raises(ValueError):
        Layout(4, 10.0, 3.0, -2.0, 5)
    with pytest.raises(ValueError, match="depot"):
        Layout(4, 10.0, 3.0, 2.0, 5, depot="right")
    with pytest.raises(ValueError):
        SMALL.aisle_of(40)
    with pytest.raises(ValueError):
        SMALL.depth_of(-1)


def test_unknown_policy_and_bad_slots() -> None:
    with pytest.raises(ValueError, match="largest_gap"):
        tour_distance(SMALL, [1], "optimal")
    with pytest.raises(ValueError, match="s_shape"):
        make_router(SMALL, "optimal")
    for policy in ROUTED:
        route = make_router(SMALL, policy)
        for bad in ([40], [-1], [3, 40], [3, -1]):
            with pytest.raises(ValueError):
                route(bad)
            with pytest.raises(ValueError):
                tour_distance(SMALL, bad, policy)


def test_empty_tour() -> None:
    for policy in ROUTING_POLICIES:
        assert tour_distance(SMALL, [], policy) == 0.0
        assert make_router(SMALL, policy)([]) == 0.0


def test_router_accepts_numpy_and_tuples() -> None:
    slots = [0, 12, 15, 17, 20]
    for policy in ROUTED:
        route = make_router(SMALL, policy)
        assert route(np.array(slots)) == pytest.approx(route(slots))
        assert route(tuple(slots)) == route(slots)


# --------------------------------------------------------------------------------------------
# 2. Exact expectations under random storage (m i.i.d. uniform picks, with replacement)
# --------------------------------------------------------------------------------------------
N_TOURS = 20_000
N = 10
MC_LEFT = Layout(N, 20.0, 2.5, 3.0, 6)
MC_CENTER = Layout(N, 20.0, 2.5, 3.0, 6, depot="center")  # depot x = 9 * 2.5 / 2 = 11.25
MC_ONE_DEEP = Layout(N, 20.0, 2.5, 3.0, 1)  # every pick at depth c/2 + L/2 = T/2


def exact_depths(layout: Layout) -> list[float]:
    """The S pick depths along an aisle, computed from the geometry (not from the code)."""
    c, length, s = layout.cross_aisle_width_m, layout.aisle_length_m, layout.slots_per_side
    return [c / 2 + (k + 0.5) * length / s for k in range(s)]


def e_visited(n: int, m: int) -> float:
    return n * (1 - (1 - 1 / n) ** m)


def e_max_aisle(n: int, m: int) -> float:
    return sum(1 - ((j + 1) / n) ** m for j in range(n))


def e_max_depth(layout: Layout, k: int) -> float:
    """E[deepest of k i.i.d. uniform positions] (P(max <= j) = ((j+1)/S)^k)."""
    ys = exact_depths(layout)
    s = len(ys)
    return sum(y * (((j + 1) / s) ** k - (j / s) ** k) for j, y in enumerate(ys))


def binom(m: int, k: int, p: float) -> float:
    return math.comb(m, k) * p**k * (1 - p) ** (m - k)


def e_horizontal(layout: Layout, m: int) -> float:
    """E[2 (max(x_r, d) - min(x_l, d))] from the exact law of (min aisle, max aisle)."""
    n, w = layout.n_aisles, layout.aisle_spacing_m
    d = 0.0 if layout.depot == "left" else (n - 1) * w / 2

    def f(a: int, b: int) -> float:  # P(all picks in aisles a..b)
        return (max(b - a + 1, 0) / n) ** m

    total = 0.0
    for a in range(n):
        for b in range(a, n):
            p = f(a, b) - f(a + 1, b) - f(a, b - 1) + f(a + 1, b - 1)
            total += p * 2 * (max(b * w, d) - min(a * w, d))
    return total


@functools.cache
def occupancy_pmf(r: int, q: int) -> list[Fraction]:
    """P(exactly j of r bins occupied by q balls), j = 0..r (exact)."""
    if r == 0:
        return [Fraction(1 if q == 0 else 0)]
    return [
        math.comb(r, j)
        * sum((-1) ** i * math.comb(j, i) * Fraction(j - i, r) ** q for i in range(j + 1))
        for j in range(r + 1)
    ]


def e_return(layout: Layout, m: int) -> float:
    n = layout.n_aisles
    in_aisles = n * sum(binom(m, k, 1 / n) * 2 * e_max_depth(layout, k) for k in range(1, m + 1))
    return e_horizontal(layout, m) + in_aisles


def e_s_shape(layout: Layout, m: int) -> float:
    n = layout.n_aisles
    t = layout.aisle_length_m + layout.cross_aisle_width_m
    odd_term = 0.0
    for r in range(n):  # rightmost visited aisle
        for k in range(1, m + 1):  # picks in it; the other m-k picks fall in aisles 0..r-1
            p = math.comb(m, k) * (1 / n) ** k * (r / n) ** (m - k)
            if p == 0.0:
                continue
            # |V| = 1 + (occupied among the first r aisles): odd iff that count is even
            p_even = float(sum(occupancy_pmf(r, m - k)[0::2]))
            odd_term += p * p_even * (t - 2 * e_max_depth(layout, k))
    return e_horizontal(layout, m) + t * e_visited(n, m) - odd_term


def test_exact_helpers_are_consistent() -> None:
    # occupancy pmf sums to 1 and has mean r (1 - (1 - 1/r)^q)
    for r, q in [(1, 0), (1, 4), (3, 0), (3, 2), (9, 5), (9, 24)]:
        pmf = occupancy_pmf(r, q)
        assert sum(pmf) == 1
        assert all(p >= 0 for p in pmf)
        assert float(sum(j * p for j, p in enumerate(pmf))) == pytest.approx(e_visited(r, q))
    # E[max depth] of one pick is the mean depth; the left-depot horizontal term is 2w E[max]
    assert e_max_depth(MC_LEFT, 1) == pytest.approx(np.mean(exact_depths(MC_LEFT)))
    for m in (1, 3, 25):
        assert e_horizontal(MC_LEFT, m) == pytest.approx(2 * 2.5 * e_max_aisle(N, m))
    # one pick: S-shape is return routing
    assert e_s_shape(MC_LEFT, 1) == pytest.approx(e_return(MC_LEFT, 1))


def check_mean(samples: list[float] | np.ndarray, expected: float, what: str) -> None:
    x = np.asarray(samples, dtype=float)
    se = x.std(ddof=1) / math.sqrt(len(x))
    tol = 4 * se + 1e-9 * max(1.0, abs(expected))
    assert abs(x.mean() - expected) <= tol, (
        f"{what}: mean {x.mean():.6f} vs exact {expected:.6f} (4 se = {4 * se:.6f})"
    )


@pytest.mark.parametrize("m", [1, 2, 3, 5, 10, 25])
def test_random_storage_expectations(m: int) -> None:
    rng = np.random.default_rng(20240 + m)
    lay = MC_LEFT
    tours_np = rng.integers(0, lay.n_slots, size=(N_TOURS, m))
    tours = tours_np.tolist()

    # aisles visited and farthest aisle, from the layout's own slot -> aisle map
    aisle_of_slot, _ = lay.slot_arrays()
    aisles = np.sort(aisle_of_slot[tours_np], axis=1)
    n_visited = 1 + (np.diff(aisles, axis=1) != 0).sum(axis=1)
    check_mean(n_visited, e_visited(N, m), "|V|")
    check_mean(aisles[:, -1], e_max_aisle(N, m), "max aisle")

    # |V| through the distance formula: with S = 1 every pick is at depth T/2, so a return
    # tour is exactly 2w * max aisle + T * |V|
    t = lay.aisle_length_m + lay.cross_aisle_width_m
    route = make_router(MC_ONE_DEEP, "return")
    one_deep = [route(s) for s in (tours_np // 12 * 2).tolist()]  # same aisles, position 0
    check_mean(one_deep, 2 * 2.5 * e_max_aisle(N, m) + t * e_visited(N, m), "return, S=1")

    for layout in (MC_LEFT, MC_CENTER):
        route = make_router(layout, "return")
        check_mean([route(s) for s in tours], e_return(layout, m), f"return {layout.depot}")
        route = make_router(layout, "s_shape")
        check_mean([route(s) for s in tours], e_s_shape(layout, m), f"s_shape {layout.depot}")


# --------------------------------------------------------------------------------------------
# 3. Relations that hold for every tour
# --------------------------------------------------------------------------------------------
layouts = st.builds(
    Layout,
    n_aisles=st.integers(1, 8),
    aisle_length_m=st.floats(1.0, 60.0),
    aisle_spacing_m=st.floats(0.5, 6.0),
    cross_aisle_width_m=st.floats(0.0, 5.0),
    slots_per_side=st.integers(1, 8),
    depot=st.sampled_from(["left", "center"]),
)


@st.composite
def layout_and_slots(draw: st.DrawFn, max_size: int = 20) -> tuple[Layout, list[int]]:
    layout = draw(layouts)
    slots = draw(st.lists(st.integers(0, layout.n_slots - 1), max_size=max_size))
    return layout, slots


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def horizontal(layout: Layout, slots: list[int]) -> float:
    aisles = [s // (2 * layout.slots_per_side) for s in slots]
    w = layout.aisle_spacing_m
    d = 0.0 if layout.depot == "left" else (layout.n_aisles - 1) * w / 2
    return 2 * (max(max(aisles) * w, d) - min(min(aisles) * w, d))


@settings(max_examples=120, deadline=None)
@given(layout_and_slots())
def test_relations(case: tuple[Layout, list[int]]) -> None:
    layout, slots = case
    d = {p: tour_distance(layout, slots, p) for p in ROUTING_POLICIES}
    assert d["none"] == 0.0
    for p in ROUTING_POLICIES:
        assert d[p] >= 0.0
        assert close(make_router(layout, p)(slots), d[p]), p
    assert d["largest_gap"] <= d["midpoint"] + 1e-9 * (1 + d["midpoint"])
    if not slots:
        assert all(v == 0.0 for v in d.values())
        return
    # every tour must at least reach each slot and come back, and span the horizontal range
    lower = float(layout.depot_distance()[slots].max())
    h = horizontal(layout, slots)
    for p in ROUTED:
        assert d[p] >= lower - 1e-9 * (1 + lower), p
        assert d[p] >= h - 1e-9 * (1 + h), p
    # a single aisle: every policy is return routing
    if len({s // (2 * layout.slots_per_side) for s in slots}) == 1:
        for p in ROUTED:
            assert close(d[p], d["return"]), p


@settings(max_examples=100, deadline=None)
@given(layouts, st.data())
def test_single_slot_return_is_depot_distance(layout: Layout, data: st.DataObject) -> None:
    slot = data.draw(st.integers(0, layout.n_slots - 1))
    expected = float(layout.depot_distance()[slot])
    assert close(tour_distance(layout, [slot], "return"), expected)
    for p in ROUTED:  # one slot: one aisle, so every policy agrees
        assert close(make_router(layout, p)([slot]), expected)


@settings(max_examples=100, deadline=None)
@given(layout_and_slots(max_size=12), st.randoms(use_true_random=False))
def test_order_and_duplication_invariance(
    case: tuple[Layout, list[int]], rnd: random.Random
) -> None:
    layout, slots = case
    shuffled = slots + [rnd.choice(slots) for _ in range(rnd.randint(0, 5))] if slots else []
    rnd.shuffle(shuffled)
    for p in ROUTING_POLICIES:
        route = make_router(layout, p)
        assert close(tour_distance(layout, shuffled, p), tour_distance(layout, slots, p)), p
        assert close(route(shuffled), route(slots)), p


def optimal_tour(layout: Layout, slots: list[int]) -> float:
    """Brute-force shortest tour through the distinct pick points (few points only).

    In the two-cross-aisle graph, two points in different aisles are |dx| + min(ya + yb,
    2T - ya - yb) apart (out and in by the front or by the back cross-aisle); in the same
    aisle |ya - yb|. The depot is a point at y = 0.
    """
    t = layout.aisle_length_m + layout.cross_aisle_width_m
    w = layout.aisle_spacing_m
    two_s = 2 * layout.slots_per_side
    depths = exact_depths(layout)
    points = sorted({(s // two_s, depths[(s % two_s) // 2]) for s in slots})
    d = 0.0 if layout.depot == "left" else (layout.n_aisles - 1) * w / 2

    def dist(p: tuple[int, float], q: tuple[int, float]) -> float:
        if p[0] == q[0]:
            return abs(p[1] - q[1])
        return abs(p[0] * w - q[0] * w) + min(p[1] + q[1], 2 * t - p[1] - q[1])

    def from_depot(p: tuple[int, float]) -> float:
        return abs(p[0] * w - d) + p[1]

    best = math.inf
    for order in itertools.permutations(points):
        length = from_depot(order[0]) + from_depot(order[-1])
        length += sum(dist(a, b) for a, b in itertools.pairwise(order))
        best = min(best, length)
    return best


@settings(max_examples=80, deadline=None)
@given(layouts, st.data())
def test_no_policy_beats_the_optimal_tour(layout: Layout, data: st.DataObject) -> None:
    slots = data.draw(st.lists(st.integers(0, layout.n_slots - 1), min_size=1, max_size=6))
    best = optimal_tour(layout, slots)
    for p in ROUTED:
        assert tour_distance(layout, slots, p) >= best - 1e-9 * (1 + best), p
    if len({s // (2 * layout.slots_per_side) for s in slots}) == 1:  # one aisle: all optimal
        assert close(tour_distance(layout, slots, "return"), best)


# --------------------------------------------------------------------------------------------
# 4. Exact expectations for midpoint and largest gap under random storage (depot left)
# --------------------------------------------------------------------------------------------
# With the depot left, a tour with |V| >= 2 walks
#     2w * (rightmost aisle) + 2T (the two outer aisles, traversed) + sum_{middle a} cost(a),
# where cost(a) depends only on the pick positions in aisle a; with |V| = 1 it is return
# routing, 2w * aisle + 2 * ymax. The expected middle-aisle sum follows by linearity:
#     sum_a sum_k P(k picks in a) * P(a strictly between the leftmost and rightmost visited
#     aisles | k picks in a) * E[cost | k picks in a],
# and E[cost | k] is an exact average over the S^k equally likely position tuples.
# L = 12, w = 3, c = 4: T = 16, midpoint c/2 + L/2 = 8. The cross-aisle is wider than a slot
# (c > L/S), so a midpoint taken as L/2 (forgetting c/2) would put the S = 4 position at depth
# 6.5 in the back half. Which half the exact midpoint pick of an odd S belongs to cannot show in
# any statistic of uniform random tours (reflecting y -> T - y swaps the halves and preserves
# the distribution): the hand-computed cases in section 1 cover that rule.
MG_LENGTH, MG_SPACING, MG_CROSS = 12.0, 3.0, 4.0
MG_TOURS = 20_000


def mg_layout(n: int, s: int) -> Layout:
    return Layout(n, MG_LENGTH, MG_SPACING, MG_CROSS, s)


def exact_depths_q(layout: Layout) -> list[Fraction]:
    """The S pick depths c/2 + (k + 1/2) L / S along an aisle, as exact fractions."""
    c, length = Fraction(layout.cross_aisle_width_m), Fraction(layout.aisle_length_m)
    s = layout.slots_per_side
    return [c / 2 + (k + Fraction(1, 2)) * length / s for k in range(s)]


def aisle_cost(layout: Layout, policy: str, positions: tuple[int, ...]) -> Fraction:
    """Walk inside one aisle for picks at ``positions``, straight from the policy definitions.

    ``"return"``: 2 * ymax. ``"midpoint"``: the picks at or before the midpoint c/2 + L/2 (an
    exact comparison of depths, the same as 2k + 1 <= S) are reached from the front, the others
    from the back: 2 * f + 2 * (T - b). ``"largest_gap"``: 2 * (T - largest gap), with the gaps
    taken from y = 0 through the sorted pick depths to y = T.
    """
    depths = exact_depths_q(layout)
    ys = sorted({depths[k] for k in positions})
    c, length = Fraction(layout.cross_aisle_width_m), Fraction(layout.aisle_length_m)
    t = length + c
    if policy == "return":
        return 2 * ys[-1]
    if policy == "midpoint":
        mid = c / 2 + length / 2
        front = [y for y in ys if y <= mid]
        back = [y for y in ys if y > mid]
        return 2 * max(front, default=Fraction(0)) + 2 * (t - min(back, default=t))
    assert policy == "largest_gap"
    points = [Fraction(0), *ys, t]
    gap = max(b - a for a, b in itertools.pairwise(points))
    return 2 * (t - gap)


@functools.cache
def position_sets(s: int, k: int) -> Counter[frozenset[int]]:
    """How many of the S^k equally likely position tuples of k picks hit each set of positions."""
    return Counter(frozenset(p) for p in itertools.product(range(s), repeat=k))


def e_aisle_cost(layout: Layout, policy: str, k: int) -> Fraction:
    """E[aisle_cost | k i.i.d. uniform picks in the aisle]: average over all S^k tuples.

    The cost depends only on the set of positions picked, so it is evaluated once per set.
    """
    s = layout.slots_per_side
    total = sum(
        (
            count * aisle_cost(layout, policy, tuple(pos))
            for pos, count in position_sets(s, k).items()
        ),
        Fraction(0),
    )
    return total / s**k


def e_middle(n: int, m: int, e_cost: Callable[[int], Fraction]) -> Fraction:
    """E[sum over the middle visited aisles of a cost with conditional mean e_cost(k)]."""
    total = Fraction(0)
    for a in range(n):  # aisle a: a aisles to its left, n - 1 - a to its right
        for k in range(1, m + 1):
            p_k = math.comb(m, k) * Fraction(1, n) ** k * Fraction(n - 1, n) ** (m - k)
            # the other q = m - k picks, uniform over the n - 1 other aisles, must hit at least
            # one aisle on each side of a (inclusion-exclusion; 0**0 = 1 makes q = 0 give 0)
            q = m - k
            left, right = Fraction(a, n - 1), Fraction(n - 1 - a, n - 1)
            p_between = 1 - right**q - left**q + Fraction(0) ** q
            total += p_k * p_between * e_cost(k)
    return total


def e_midpoint_or_largest_gap(layout: Layout, policy: str, m: int) -> float:
    """Exact E[tour length], depot left, m i.i.d. uniform picks (with replacement)."""
    assert layout.depot == "left"
    n = layout.n_aisles
    t = Fraction(layout.aisle_length_m) + Fraction(layout.cross_aisle_width_m)
    p_one = n * Fraction(1, n) ** m  # all m picks in a single aisle: return routing
    single = p_one * e_aisle_cost(layout, "return", m)
    outer = (1 - p_one) * 2 * t  # |V| >= 2: the leftmost and rightmost aisles are traversed
    middle = e_middle(n, m, lambda k: e_aisle_cost(layout, policy, k))
    return e_horizontal(layout, m) + float(single + outer + middle)


def test_midpoint_largest_gap_exact_helpers() -> None:
    # S = 3, L = 12, c = 4: depths 4, 8, 12 (8 = the midpoint, a front-half pick); T = 16
    lay3 = mg_layout(4, 3)
    assert exact_depths_q(lay3) == [4, 8, 12]
    hand3 = {  # positions: (midpoint, largest gap)
        (0,): (8, 8),  # mp front 2*4; lg gaps 4, 12 -> 2*(16 - 12)
        (1,): (16, 16),  # mp front 2*8; lg gaps 8, 8
        (2,): (8, 8),  # mp back 2*(16 - 12); lg gaps 12, 4 (pure back entry)
        (0, 2): (16, 16),  # mp 8 + 8; lg gaps 4, 8, 4 -> 2*(16 - 8)
        (0, 1): (16, 16),  # mp front 2*8; lg gaps 4, 4, 8 -> 2*8 (pure front entry)
        (1, 2): (24, 16),  # mp 2*8 + 2*4; lg gaps 8, 4, 4 -> 2*8 (pure back entry)
        (2, 1, 2, 0): (24, 24),  # mp 16 + 8; lg gaps 4, 4, 4, 4 -> 2*(16 - 4)
    }
    for pos, (mp, lg) in hand3.items():
        assert aisle_cost(lay3, "midpoint", pos) == mp, pos
        assert aisle_cost(lay3, "largest_gap", pos) == lg, pos
    # the tuple enumeration: a given set of j positions is the image of j! S2(k, j) k-tuples
    for s, k in [(3, 1), (3, 4), (4, 5), (4, 8)]:
        counts = position_sets(s, k)
        assert sum(counts.values()) == s**k
        assert len(counts) == sum(math.comb(s, j) for j in range(1, min(s, k) + 1))
        for pos, count in counts.items():
            j = len(pos)
            assert count == sum((-1) ** i * math.comb(j, i) * (j - i) ** k for i in range(j + 1))
    # k = 1: (8 + 16 + 8) / 3; k = 2 over 9 tuples: singles 32 + 2 * (the three pairs)
    assert e_aisle_cost(lay3, "midpoint", 1) == e_aisle_cost(lay3, "largest_gap", 1)
    assert e_aisle_cost(lay3, "midpoint", 1) == Fraction(32, 3)
    assert e_aisle_cost(lay3, "midpoint", 2) == Fraction(32 + 2 * (16 + 16 + 24), 9)
    assert e_aisle_cost(lay3, "largest_gap", 2) == Fraction(32 + 2 * (16 + 16 + 16), 9)
    assert e_aisle_cost(lay3, "return", 2) == Fraction(2 * (4 * 1 + 8 * 3 + 12 * 5), 9)
    # S = 4: depths 3.5, 6.5, 9.5, 12.5 (midpoint 8 between positions 1 and 2; L/2 = 6 is not)
    lay4 = mg_layout(4, 4)
    assert exact_depths_q(lay4) == [
        Fraction(7, 2),
        Fraction(13, 2),
        Fraction(19, 2),
        Fraction(25, 2),
    ]
    assert aisle_cost(lay4, "midpoint", (1, 2)) == 26  # 2*6.5 + 2*(16 - 9.5)
    assert aisle_cost(lay4, "largest_gap", (1, 2)) == 19  # gaps 6.5, 3, 6.5 -> 2*(16 - 6.5)
    assert aisle_cost(lay4, "midpoint", (1, 0)) == 13  # 6.5 < 8 is a front pick: 2*6.5
    assert aisle_cost(lay4, "largest_gap", (0, 1)) == 13  # gaps 3.5, 3, 9.5 -> 2*(16 - 9.5)
    assert aisle_cost(lay4, "midpoint", (3, 0)) == aisle_cost(lay4, "largest_gap", (0, 3)) == 14
    for k in (1, 2, 3):  # E[2 ymax | k] agrees with the section-2 helper
        for lay in (lay3, lay4):
            assert float(e_aisle_cost(lay, "return", k)) == pytest.approx(2 * e_max_depth(lay, k))
    # with cost 1, e_middle counts the middle aisles: E|V| - 2 P(|V| >= 2) - P(|V| = 1)
    for n, m in [(4, 1), (4, 2), (4, 3), (6, 5), (6, 8)]:
        p_one = n * (1 / n) ** m
        count = e_visited(n, m) - 2 * (1 - p_one) - p_one
        assert float(e_middle(n, m, lambda k: Fraction(1))) == pytest.approx(count, abs=1e-12)
    # one pick is return routing; two picks never have a middle aisle
    for lay in (lay3, lay4):
        for policy in ("midpoint", "largest_gap"):
            assert e_midpoint_or_largest_gap(lay, policy, 1) == pytest.approx(e_return(lay, 1))
            t = 16.0
            p_one = 1 / 4
            two = e_horizontal(lay, 2) + p_one * 2 * e_max_depth(lay, 2) + (1 - p_one) * 2 * t
            assert e_midpoint_or_largest_gap(lay, policy, 2) == pytest.approx(two)


@pytest.mark.parametrize(("n", "s"), [(4, 3), (4, 4)])
def test_midpoint_largest_gap_exhaustive_three_picks(n: int, s: int) -> None:
    # every one of the (2 S n)^3 ordered 3-pick tours is equally likely: the mean over all of
    # them is the exact expectation (up to float rounding)
    lay = mg_layout(n, s)
    for policy in ("midpoint", "largest_gap"):
        route = make_router(lay, policy)
        tours = itertools.product(range(lay.n_slots), repeat=3)
        mean = math.fsum(route(list(tour)) for tour in tours) / lay.n_slots**3
        assert mean == pytest.approx(e_midpoint_or_largest_gap(lay, policy, 3), rel=1e-12)


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
@pytest.mark.parametrize(("n", "s"), [(4, 3), (4, 4), (6, 3), (6, 4)])
def test_midpoint_largest_gap_expectations(n: int, s: int, m: int) -> None:
    lay = mg_layout(n, s)
    rng = np.random.default_rng(70_000 + 100 * n + 10 * s + m)
    tours = rng.integers(0, lay.n_slots, size=(MG_TOURS, m)).tolist()
    exact = {p: e_midpoint_or_largest_gap(lay, p, m) for p in ("midpoint", "largest_gap")}
    assert exact["largest_gap"] <= exact["midpoint"] + 1e-9  # holds tour by tour
    for policy, expected in exact.items():
        route = make_router(lay, policy)
        check_mean([route(t) for t in tours], expected, f"{policy} n={n} S={s} m={m}")
