"""Picker routing in a parallel-aisle warehouse: how far a picker walks for one pick tour.

Geometry
--------
Aisles ``i = 0 .. n-1`` run parallel at ``x_i = i * w`` (``w`` = ``aisle_spacing_m``,
centre-to-centre). A front cross-aisle has its centreline at ``y = 0`` and a back cross-aisle
at ``y = L + c`` (``L`` = ``aisle_length_m``, ``c`` = ``cross_aisle_width_m``); aisle ``i``
spans ``y`` in ``[c/2, c/2 + L]``. Each aisle has ``S`` = ``slots_per_side`` slots on each of
its two sides. Slot ``s`` lies in aisle ``a = s // (2S)`` at position ``k = (s % (2S)) // 2``
along the aisle and depth ``y = c/2 + (k + 0.5) * L / S``; both sides of the aisle at the same
``k`` share that depth (picking from either side costs no extra walking). The depot is on the
front centreline at ``x = d``, with ``d = 0`` (``depot="left"``) or ``d = (n-1) * w / 2``
(``depot="center"``).

Policies (Roodbergen & de Koster)
---------------------------------
``V`` is the set of aisles holding at least one pick, ``x_l`` / ``x_r`` the x of its leftmost /
rightmost aisle, ``ymax_a`` / ``ymin_a`` the deepest / shallowest pick depth in aisle ``a`` and
``T = L + c`` the length of a full traversal (front centreline to back centreline). Every
policy except ``"none"`` walks along the cross-aisles

    ``H = 2 * (max(x_r, d) - min(x_l, d))``.

``"return"``
    Every aisle of ``V`` is entered from the front and left the same way:
    ``D = H + sum_{a in V} 2 * ymax_a``.
``"s_shape"`` (traversal)
    Every aisle of ``V`` is traversed entirely, sweeping left to right; if ``|V|`` is odd the
    last aisle of the sweep (the rightmost, ``r``) is entered from the front and left the same
    way: ``D = H + T * (|V| - 1) + 2 * ymax_r`` if ``|V|`` is odd, else ``D = H + T * |V|``.
    (One aisle: ``H + 2 * ymax``, the same as return routing.)
``"midpoint"``
    With ``|V| >= 2`` the leftmost and rightmost aisles of ``V`` are traversed; every other
    aisle of ``V`` is entered from the front for its picks at or before the midpoint
    ``c/2 + L/2`` and from the back for the picks beyond it, returning the same way:
    ``D = H + 2T + sum_{middle a} [2 * f_a + 2 * (T - b_a)]``, where ``f_a`` is the deepest
    front-half pick depth (0 if none) and ``b_a`` the shallowest back-half pick depth (``T`` if
    none). Whether a pick is in the front half is decided on its integer position
    (``2k + 1 <= S``), so a pick exactly at the midpoint (odd ``S``) is a front-half pick
    regardless of rounding. With ``|V| = 1``: return routing.
``"largest_gap"``
    As midpoint, but a middle aisle with sorted pick depths ``y_1 <= ... <= y_j`` costs
    ``2 * (T - G_a)`` with ``G_a`` the largest of the gaps ``y_1 - 0``, ``y_{i+1} - y_i`` and
    ``T - y_j``: the picker comes in from the front up to the pick before the largest gap and
    from the back down to the pick after it (pure back entry if the largest gap is the first
    one, pure front entry if it is the last one). ``D = H + 2T + sum_{middle a} 2 (T - G_a)``.
    With ``|V| = 1``: return routing. Largest gap never exceeds midpoint (midpoint skips one
    of the gaps of each middle aisle, largest gap the largest one). It does not dominate return
    routing (which need not traverse the two outer aisles) nor S-shape routing (which crosses
    a densely picked middle aisle once, where largest gap walks nearly twice its length).
``"none"``
    ``D = 0`` (travel ignored, e.g. for queueing-theory checks).

An empty tour walks 0 m; duplicated slots are allowed (a slot is visited once).

Entry points: :func:`tour_distance` (straightforward reference, validates its input) and
:func:`make_router` (precomputes per-slot data and returns a pure-Python closure for the
simulation hot path: a few microseconds for tours of 1-3 slots).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.base import ROUTING_POLICIES

if TYPE_CHECKING:
    from sim.config import Scenario

DEPOTS: tuple[str, ...] = ("left", "center")

Router = Callable[[Sequence[int]], float]


@dataclass(frozen=True, slots=True)
class Layout:
    """Parallel-aisle warehouse layout with a front and a back cross-aisle (see module doc)."""

    n_aisles: int
    aisle_length_m: float
    aisle_spacing_m: float
    cross_aisle_width_m: float
    slots_per_side: int
    depot: str = "left"

    def __post_init__(self) -> None:
        if self.n_aisles < 1:
            raise ValueError(f"n_aisles must be >= 1, got {self.n_aisles}")
        if self.slots_per_side < 1:
            raise ValueError(f"slots_per_side must be >= 1, got {self.slots_per_side}")
        if not self.aisle_length_m > 0:
            raise ValueError(f"aisle_length_m must be > 0, got {self.aisle_length_m}")
        if not self.aisle_spacing_m > 0:
            raise ValueError(f"aisle_spacing_m must be > 0, got {self.aisle_spacing_m}")
        if not self.cross_aisle_width_m >= 0:
            raise ValueError(f"cross_aisle_width_m must be >= 0, got {self.cross_aisle_width_m}")
        if self.depot not in DEPOTS:
            raise ValueError(f"depot must be one of {DEPOTS}, got {self.depot!r}")

    @property
    def n_slots(self) -> int:
        """Number of storage slots: ``2 * slots_per_side * n_aisles``."""
        return 2 * self.slots_per_side * self.n_aisles

    @property
    def depot_x(self) -> float:
        """x of the depot on the front cross-aisle centreline."""
        if self.depot == "left":
            return 0.0
        return float((self.n_aisles - 1) * self.aisle_spacing_m / 2)

    @property
    def traversal_m(self) -> float:
        """Length of a full aisle traversal, front centreline to back centreline: ``L + c``."""
        return float(self.aisle_length_m + self.cross_aisle_width_m)

    def _check_slot(self, slot: int) -> int:
        s = int(slot)
        if s != slot or not 0 <= s < self.n_slots:
            raise ValueError(f"slot {slot!r} out of range [0, {self.n_slots})")
        return s

    def aisle_x(self, aisle: int) -> float:
        """x of the centreline of aisle ``aisle``."""
        return float(aisle * self.aisle_spacing_m)

    def aisle_of(self, slot: int) -> int:
        """Aisle index of ``slot``."""
        return self._check_slot(slot) // (2 * self.slots_per_side)

    def position_of(self, slot: int) -> int:
        """Position ``k`` (0 = nearest the front) of ``slot`` along its aisle."""
        return (self._check_slot(slot) % (2 * self.slots_per_side)) // 2

    def depth_at(self, position: int) -> float:
        """Depth (y from the front centreline) of position ``position`` along an aisle."""
        c, length, s = self.cross_aisle_width_m, self.aisle_length_m, self.slots_per_side
        return float(c / 2 + (position + 0.5) * length / s)

    def depth_of(self, slot: int) -> float:
        """Depth of ``slot``: y from the front cross-aisle centreline."""
        return self.depth_at(self.position_of(slot))

    def slot_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Aisle (int64) and depth (float64) of every slot, indexed by slot."""
        s = np.arange(self.n_slots, dtype=np.int64)
        per_aisle = 2 * self.slots_per_side
        aisle = s // per_aisle
        k = (s % per_aisle) // 2
        c, length, sps = self.cross_aisle_width_m, self.aisle_length_m, self.slots_per_side
        depth = c / 2 + (k + 0.5) * length / sps
        return aisle, depth

    def depot_distance(self) -> np.ndarray:
        """Per slot: length of the return-routed tour depot -> that slot -> depot."""
        aisle, depth = self.slot_arrays()
        x = aisle * self.aisle_spacing_m
        return 2 * np.abs(x - self.depot_x) + 2 * depth


def _check_policy(policy: str) -> None:
    if policy not in ROUTING_POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; allowed: {ROUTING_POLICIES}")


def _horizontal(x_l: float, x_r: float, d: float) -> float:
    return 2 * (max(x_r, d) - min(x_l, d))


def _largest_gap_cost(depths: Sequence[float], full: float) -> float:
    """``2 * (full - largest gap)`` for the sorted depths of one aisle."""
    prev = 0.0
    gap = 0.0
    for y in depths:
        if y - prev > gap:
            gap = y - prev
        prev = y
    if full - prev > gap:
        gap = full - prev
    return 2 * (full - gap)


def tour_distance(layout: Layout, slots: Sequence[int], policy: str) -> float:
    """Metres walked from the depot, visiting every slot, back to the depot.

    ``policy`` is one of :data:`ROUTING_POLICIES`; see the module docstring for the formulas.
    This is the readable reference implementation (input is validated); the simulation uses
    the faster :func:`make_router`.
    """
    _check_policy(policy)
    # aisle -> set of integer positions picked in it
    picks: dict[int, set[int]] = {}
    for slot in slots:
        picks.setdefault(layout.aisle_of(slot), set()).add(layout.position_of(slot))
    if policy == "none" or not picks:
        return 0.0
    aisles = sorted(picks)
    full = layout.traversal_m
    h = _horizontal(layout.aisle_x(aisles[0]), layout.aisle_x(aisles[-1]), layout.depot_x)
    deepest = {a: layout.depth_at(max(picks[a])) for a in aisles}
    if policy == "return" or len(aisles) == 1:
        return h + sum(2 * deepest[a] for a in aisles)
    if policy == "s_shape":
        if len(aisles) % 2:
            return h + full * (len(aisles) - 1) + 2 * deepest[aisles[-1]]
        return h + full * len(aisles)
    total = h + 2 * full
    sps = layout.slots_per_side
    for a in aisles[1:-1]:
        if policy == "midpoint":
            front = [k for k in picks[a] if 2 * k + 1 <= sps]
            back = [k for k in picks[a] if 2 * k + 1 > sps]
            if front:
                total += 2 * layout.depth_at(max(front))
            if back:
                total += 2 * (full - layout.depth_at(min(back)))
        else:  # largest_gap
            total += _largest_gap_cost([layout.depth_at(k) for k in sorted(picks[a])], full)
    return total


def make_router(layout: Layout, policy: str) -> Router:
    """Return ``route(slots) -> metres``, equal to ``tour_distance(layout, slots, policy)``.

    Per-slot aisle, depth and half (front/back) are precomputed in a dict keyed by slot, and
    each policy gets its own pure-Python closure (faster than numpy for the typical 1-20 slot
    tours). Slots outside ``[0, layout.n_slots)`` raise ``ValueError``; use
    :func:`tour_distance` for fully validated input.
    """
    _check_policy(policy)
    if policy == "none":

        def route_none(slots: Sequence[int]) -> float:
            return 0.0

        return route_none

    n_slots = layout.n_slots
    aisle_np, depth_np = layout.slot_arrays()
    sps = layout.slots_per_side
    xs = tuple(layout.aisle_x(a) for a in range(layout.n_aisles))
    d = layout.depot_x
    full = layout.traversal_m
    # slot -> (aisle, depth, is_front_half); a dict, so that a negative slot raises KeyError
    info: dict[int, tuple[int, float, bool]] = {
        s: (int(a), float(y), 2 * ((s % (2 * sps)) // 2) + 1 <= sps)
        for s, (a, y) in enumerate(zip(aisle_np, depth_np, strict=True))
    }
    # Return-routed single-slot tours (the same arithmetic as the general case below).
    single = {s: _horizontal(xs[a], xs[a], d) + 2 * y for s, (a, y, _) in info.items()}

    def bad(slots: Sequence[int]) -> ValueError:
        wrong = [s for s in slots if s not in info]
        return ValueError(f"slots {wrong!r} out of range [0, {n_slots})")

    if policy in ("return", "s_shape"):
        s_shape = policy == "s_shape"

        def route_return_or_s_shape(slots: Sequence[int]) -> float:
            try:
                if len(slots) == 1:
                    return single[slots[0]]
                deep: dict[int, float] = {}  # aisle -> deepest pick depth
                for s in slots:
                    a, y, _ = info[s]
                    if a in deep:
                        if y > deep[a]:
                            deep[a] = y
                    else:
                        deep[a] = y
            except KeyError:
                raise bad(slots) from None
            if not deep:
                return 0.0
            hi = max(deep)
            x_l = xs[min(deep)]
            x_r = xs[hi]
            h = 2 * ((x_r if x_r > d else d) - (x_l if x_l < d else d))
            if s_shape:
                nv = len(deep)
                if nv % 2:
                    return h + full * (nv - 1) + 2 * deep[hi]
                return h + full * nv
            return h + 2 * sum(deep.values())

        return route_return_or_s_shape

    if policy == "midpoint":

        def route_midpoint(slots: Sequence[int]) -> float:
            try:
                if len(slots) == 1:
                    return single[slots[0]]
                front: dict[int, float] = {}  # aisle -> deepest front-half pick depth
                back: dict[int, float] = {}  # aisle -> shallowest back-half pick depth
                deepest = 0.0
                for s in slots:
                    a, y, is_front = info[s]
                    if y > deepest:
                        deepest = y
                    if is_front:
                        if y > front.get(a, -1.0):
                            front[a] = y
                    elif y < back.get(a, full):
                        back[a] = y
            except KeyError:
                raise bad(slots) from None
            aisles = front.keys() | back.keys()
            if not aisles:
                return 0.0
            lo = min(aisles)
            hi = max(aisles)
            x_l = xs[lo]
            x_r = xs[hi]
            h = 2 * ((x_r if x_r > d else d) - (x_l if x_l < d else d))
            if lo == hi:
                return h + 2 * deepest
            total = h + 2 * full
            for a in sorted(aisles):
                if a != lo and a != hi:
                    if a in front:
                        total += 2 * front[a]
                    if a in back:
                        total += 2 * (full - back[a])
            return total

        return route_midpoint

    def route_largest_gap(slots: Sequence[int]) -> float:
        try:
            if len(slots) == 1:
                return single[slots[0]]
            per: dict[int, list[float]] = {}  # aisle -> pick depths
            for s in slots:
                a, y, _ = info[s]
                if a in per:
                    per[a].append(y)
                else:
                    per[a] = [y]
        except KeyError:
            raise bad(slots) from None
        if not per:
            return 0.0
        lo = min(per)
        hi = max(per)
        x_l = xs[lo]
        x_r = xs[hi]
        h = 2 * ((x_r if x_r > d else d) - (x_l if x_l < d else d))
        if lo == hi:
            return h + 2 * max(per[lo])
        total = h + 2 * full
        for a in sorted(per):
            if a != lo and a != hi:
                total += _largest_gap_cost(sorted(per[a]), full)
        return total

    return route_largest_gap


def layout_of(scenario: Scenario) -> Layout:
    """The routing layout of a scenario's warehouse."""
    wh = scenario.warehouse
    return Layout(
        n_aisles=wh.n_aisles,
        aisle_length_m=wh.aisle_length_m,
        aisle_spacing_m=wh.aisle_spacing_m,
        cross_aisle_width_m=wh.cross_aisle_width_m,
        slots_per_side=wh.n_slots_per_side,
        depot=wh.depot,
    )
