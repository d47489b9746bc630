"""The route a picker walks on one pick tour, as a polyline (for drawing and checking).

:func:`tour_path` returns the vertices ``(x, y)`` (metres, the coordinates of
:mod:`sim.routing`) of the walk from the depot ``(d, 0)`` around a tour and back to the depot.
The picker moves only along aisle centrelines (``x = x_i``) and the two cross-aisle
centrelines (``y = 0`` front, ``y = T = L + c`` back), so every segment is axis-parallel, and
the polyline's length (:func:`path_length`) equals :func:`sim.routing.tour_distance` for the
same layout, slots and policy (up to floating-point rounding): that is the contract.

The walks, with ``V`` the picked aisles sorted left to right (``x_l`` leftmost, ``x_r``
rightmost):

* ``"return"`` (and every policy when ``|V| = 1``): along the front from the depot to
  ``min(x_l, d)``, then left to right to ``max(x_r, d)``, going into each aisle of ``V`` up to
  its deepest pick and back; then back along the front to the depot.
* ``"s_shape"``: front to ``x_l``; the aisles of ``V`` are traversed in turn (up, down, up, ...)
  moving right along the back and front cross-aisles; if ``|V|`` is odd the last one is entered
  from the front up to its deepest pick and left the same way; then front to the depot.
* ``"midpoint"`` and ``"largest_gap"``: front to ``x_l`` (visiting the front parts of the
  middle aisles on the way when the depot is right of them), traverse the leftmost aisle, along
  the back to ``x_r`` visiting the back parts of the middle aisles, traverse the rightmost aisle
  down, and back along the front to the depot (visiting the remaining front parts). Midpoint
  splits a middle aisle at its half (a pick at the midpoint is a front pick); largest gap
  skips the largest gap between consecutive stops (front centreline, the picks, back
  centreline).
* empty tour or ``"none"``: the single point ``(d, 0)``.

Consecutive duplicate vertices are dropped and collinear runs in one direction merged, so the
vertices are the corners of the walk. This module imports neither SimPy nor Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.routing import ROUTING_POLICIES, Layout

Point = tuple[float, float]


def path_length(path: np.ndarray) -> float:
    """Sum of the Euclidean lengths of the segments of a polyline of shape ``(k, 2)``."""
    pts = np.asarray(path, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"expected a path of shape (k, 2), found shape {pts.shape}")
    if len(pts) < 2:
        return 0.0
    steps = np.diff(pts, axis=0)
    return float(np.sum(np.hypot(steps[:, 0], steps[:, 1])))


def _simplify(points: list[Point]) -> np.ndarray:
    """Drop repeated vertices and merge collinear same-direction runs of axis-parallel moves."""
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            d1 = (np.sign(bx - ax), np.sign(by - ay))
            d2 = (np.sign(p[0] - bx), np.sign(p[1] - by))
            if d1 == d2:
                out[-1] = p
                continue
        out.append(p)
    return np.asarray(out, dtype=float).reshape(-1, 2)


def _picks_by_aisle(layout: Layout, slots: Sequence[int]) -> dict[int, list[int]]:
    """Aisle -> sorted distinct positions picked in it (slots are validated)."""
    picks: dict[int, set[int]] = {}
    for slot in slots:
        picks.setdefault(layout.aisle_of(slot), set()).add(layout.position_of(slot))
    return {a: sorted(picks[a]) for a in sorted(picks)}


def _front_back(layout: Layout, positions: list[int], policy: str) -> tuple[float, float]:
    """For a middle aisle: ``(f, b)``, the depth reached from the front (0 = not entered) and
    the depth reached from the back (``T`` = not entered)."""
    full = layout.traversal_m
    if policy == "midpoint":
        sps = layout.slots_per_side
        front = [k for k in positions if 2 * k + 1 <= sps]
        back = [k for k in positions if 2 * k + 1 > sps]
        f = layout.depth_at(max(front)) if front else 0.0
        b = layout.depth_at(min(back)) if back else full
        return f, b
    # largest gap: stops 0, y_1 .. y_j, T; skip the largest gap (the first on ties, as
    # sim.routing._largest_gap_cost keeps the first strictly largest one)
    stops = [0.0, *(layout.depth_at(k) for k in positions), full]
    gaps = [stops[i + 1] - stops[i] for i in range(len(stops) - 1)]
    g = max(range(len(gaps)), key=lambda i: (gaps[i], -i))
    return stops[g], stops[g + 1]


def _excursion(points: list[Point], x: float, y_from: float, y_to: float) -> None:
    """Walk from ``(x, y_from)`` into the aisle to ``y_to`` and back (nothing if equal)."""
    if y_to != y_from:
        points.extend([(x, y_from), (x, y_to), (x, y_from)])


def tour_path(layout: Layout, slots: Sequence[int], policy: str) -> np.ndarray:
    """Vertices ``(x, y)`` of the walk depot -> every slot -> depot, shape ``(k, 2)``.

    ``policy`` is one of :data:`sim.routing.ROUTING_POLICIES`; see the module docstring for
    the walks. ``path_length(tour_path(...))`` equals ``tour_distance(...)``. An empty tour
    or ``"none"`` gives the depot alone (shape ``(1, 2)``). Invalid slots raise ValueError.
    """
    if policy not in ROUTING_POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; allowed: {ROUTING_POLICIES}")
    picks = _picks_by_aisle(layout, slots)
    d = layout.depot_x
    depot = (d, 0.0)
    if policy == "none" or not picks:
        return np.array([depot], dtype=float)
    aisles = list(picks)
    xs = {a: layout.aisle_x(a) for a in aisles}
    deepest = {a: layout.depth_at(picks[a][-1]) for a in aisles}
    full = layout.traversal_m
    x_l, x_r = xs[aisles[0]], xs[aisles[-1]]
    points: list[Point] = [depot]

    if policy == "return" or len(aisles) == 1:
        points.append((min(x_l, d), 0.0))
        for a in aisles:
            _excursion(points, xs[a], 0.0, deepest[a])
        points.extend([(max(x_r, d), 0.0), depot])
        return _simplify(points)

    if policy == "s_shape":
        traversed = aisles if len(aisles) % 2 == 0 else aisles[:-1]
        y = 0.0
        for a in traversed:
            other = full if y == 0.0 else 0.0
            points.extend([(xs[a], y), (xs[a], other)])
            y = other
        if len(aisles) % 2:
            _excursion(points, x_r, 0.0, deepest[aisles[-1]])
        points.append(depot)
        return _simplify(points)

    # midpoint / largest_gap: outer aisles traversed, middle aisles from the front or back
    middle = {a: _front_back(layout, picks[a], policy) for a in aisles[1:-1]}
    for a in reversed(aisles[1:-1]):  # on the way left from the depot, front parts at x <= d
        if xs[a] <= d:
            _excursion(points, xs[a], 0.0, middle[a][0])
    points.extend([(x_l, 0.0), (x_l, full)])
    for a in aisles[1:-1]:  # along the back, left to right
        _excursion(points, xs[a], full, middle[a][1])
    points.extend([(x_r, full), (x_r, 0.0)])
    for a in reversed(aisles[1:-1]):  # along the front back to the depot, front parts at x > d
        if xs[a] > d:
            _excursion(points, xs[a], 0.0, middle[a][0])
    points.append(depot)
    return _simplify(points)
