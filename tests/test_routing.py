"""Tests for sim.routing: hand-computed tours, exact expectations under random storage,
and relations that must hold for every tour."""

from __future__ import annotations

import functools
import itertools
import math
import random
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
