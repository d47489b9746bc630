"""Wave picking: orders released in waves, zones batch-pick them, a station consolidates.

Release pool
    Arriving orders wait in a pool (``released_at`` null) until a wave takes them. Waves are
    released at every ``clock_times`` time of every calendar day (one timer process over the
    precomputed times), every ``interval_min`` minutes from the start of the run (a timer
    process), or as soon as ``count_orders`` orders are pending (at the arrival that makes the
    count; a last partial wave waits in the pool for ever). Waves are released only inside a
    pickers' shift (its breaks included): a clock or interval time outside every pickers'
    shift is skipped, and a count reached outside them releases at the next shift start. A
    wave takes every pending order.
    With ``express = "next_wave"`` highlighted orders wait for the next wave like the others
    (their lines are picked first within it); with ``"hot_wave"`` a highlighted order is
    released at its arrival in a hot wave of its own (so it never counts towards
    ``count_orders``) and standard orders keep waiting for their wave.

Tours
    At a release, the wave's lines in each zone are laid out highlighted orders first, then in
    arrival order (an order's lines in line order), and cut into tours of at most
    ``n_units_per_tour`` units (an order's lines in a zone may span two tours). A tour is one
    job for one of the zone's pickers; the zone queue serves re-picks first, then tours by
    wave (earlier waves first), highlighted tours (those holding a highlighted order's lines)
    before the others of the same wave, then in formation order. A tour takes

        ``(tour_setup_s + routed metres within the zone / walking speed + time_per_line_s *
           lines + time_per_unit_s * units) * mean(o.u[K_PICK] of the tour's orders)``

    and writes one ``pick`` row per order on it (``batch_id`` = tour id from 1, ``n_lines`` =
    that order's lines on the tour, ``attempt`` = the order's tour number 1.., ``t_ready`` =
    the release); its travel is shared among its orders in proportion to their lines.

Consolidation
    ``o.pending`` counts an order's tours still to finish; after the last one the order joins
    the consolidation station ("consolidators"), highlighted orders first, then first come:
    ``consolidation_time_per_order_s + consolidation_time_per_unit_s * units``, one
    ``consolidate`` row. The order is picked when it is consolidated; pick errors are counted
    over all its lines, and it goes to packing.

Re-picks
    Lines caught wrong at packing are re-picked in one tour per zone holding a wrong line, at
    top priority (``repick`` rows, a tour id each); when they are all done the order goes back
    to packing (no second consolidation).

Each release costs time in proportion to the wave's lines; no event scans a whole queue.
At the end of a run every tour in hand or queued writes an ``in_progress`` / ``waiting`` row
per order on it, and orders at consolidation one row each; orders still in the pool have no
step row (they are ``awaiting_picking`` with ``released_at`` null).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sim.demand import K_PICK, Order
from sim.eventlog import STEPS
from sim.stages.picking import (
    OK,
    PICK,
    PRIO_REPICK,
    PRIO_SPECIAL,
    PRIO_STANDARD,
    REPICK,
    PickTimes,
    register,
)
from sim.stages.zones import Zones, count_errors, log_unfinished
from sim.stations import Job, Station
from sim.units import hhmm_to_minutes, seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext

CONSOLIDATE = STEPS.index("consolidate")


#: Priority offset of tours without highlighted orders (they follow every highlighted tour).
STANDARD_TOUR = 1 << 40


class Tour:
    """One zone picker's tour: lines of one or more orders in one zone."""

    __slots__ = ("id", "zone", "step", "t_ready", "slots", "n_lines", "n_units", "parts")

    def __init__(self, tour_id: int, zone: int, step: int, t_ready: float) -> None:
        self.id = tour_id
        self.zone = zone
        self.step = step
        self.t_ready = t_ready
        self.slots: list[int] = []  # local slots in the zone's layout
        self.n_lines = 0
        self.n_units = 0
        #: per order on the tour: [order, its lines on the tour, its tour number (attempt)]
        self.parts: list[list] = []

    def add(self, o: Order, slot: int, units: int) -> None:
        """Put one line of an order on the tour."""
        parts = self.parts
        if parts and parts[-1][0] is o:
            parts[-1][1] += 1
        else:
            o.state += 1
            o.pending += 1
            parts.append([o, 1, o.state])
        self.slots.append(slot)
        self.n_lines += 1
        self.n_units += units


@register("wave")
class WavePicking(PickTimes):
    """Waves of orders batch-picked zone by zone, then consolidated order by order."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        env = model.env
        pk = model.scenario.picking
        wv = pk.wave
        self.zones = Zones(model)
        super().__init__(pk)
        self.cap = wv.n_units_per_tour
        self.cons_order = seconds(wv.consolidation_time_per_order_s)
        self.cons_unit = seconds(wv.consolidation_time_per_unit_s)
        self.hot = wv.express == "hot_wave"
        self.count = wv.count_orders if wv.release == "count" else 0
        self.pool: list[Order] = []
        self.n_waves = 0
        self.n_tours = 0
        self.res = model.resource_code("pickers")
        self.res_cons = model.resource_code("consolidators")
        self.zone_stations = self.zones.stations(self._service, self._finish, self._unfinished)
        self.consolidation = Station(
            env, "consolidators", model.periods("consolidators"), self._cons_service,
            self._cons_finish, unfinished=model.unfinished_order(CONSOLIDATE, self.res_cons),
        )  # fmt: skip
        self.stations = [*self.zone_stations, self.consolidation]
        self.on_duty = self.picker_duty()
        self.duty_starts = [on for on, _ in self.on_duty]
        if wv.release == "interval":
            env.process(self._timer(self.within_duty(self._every(wv.interval_min))))
        elif wv.release == "clock":
            env.process(self._timer(self.within_duty(iter(self.clock_release_times()))))
        elif self.count:
            env.process(self._timer(iter(on for on, _ in self.on_duty), self._release_full))

    # --- release ---------------------------------------------------------------------------

    def clock_release_times(self) -> list[float]:
        """Every configured clock time of every day of the run, in order (minutes)."""
        cal = self.model.cal
        minutes = sorted({hhmm_to_minutes(t) for t in self.model.scenario.picking.wave.clock_times})
        times = [
            cal.at(d, m)
            for d in range(cal.day_of(0.0), cal.day_of(cal.end) + 1)
            for m in minutes
        ]  # fmt: skip
        return [t for t in times if 0.0 <= t <= cal.end]

    def picker_duty(self) -> list[tuple[float, float]]:
        """The pickers' shifts: the union of their shift intervals (a break is part of its
        shift), as disjoint sorted intervals."""
        cal = self.model.cal
        intervals = sorted(
            iv
            for shift in self.model.scenario.staffing.shifts
            if shift.role == "pickers" and shift.headcount > 0
            for iv in cal.shift_intervals(shift.model_copy(update={"breaks": []}))
        )
        merged: list[tuple[float, float]] = []
        for on, off in intervals:
            if merged and on <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], off))
            else:
                merged.append((on, off))
        return merged

    def within_duty(self, times: Iterator[float]) -> Iterator[float]:
        """The release times (ascending) inside a pickers' shift: no wave is released while
        nobody is rostered to pick it; the orders wait in the pool for the next one."""
        duty, i = self.on_duty, 0
        for t in times:
            while i < len(duty) and duty[i][1] <= t:
                i += 1
            if i == len(duty):
                return
            if duty[i][0] <= t:
                yield t

    def on_duty_now(self) -> bool:
        """Whether the current time is inside a pickers' shift."""
        now = self.model.env.now
        i = bisect.bisect_right(self.duty_starts, now) - 1
        return i >= 0 and now < self.on_duty[i][1]

    @staticmethod
    def _every(tau: float) -> Iterator[float]:
        k = 1
        while True:
            yield k * tau
            k += 1

    def _timer(self, times: Iterator[float], release=None):
        """One process releasing the pool at each of the given times."""
        env = self.model.env
        release = release or self._release_pool
        for t in times:
            if t > env.now:
                yield env.timeout(t - env.now)
            release()

    def _release_full(self) -> None:
        """At a shift start (count release): the orders that made a wave off duty go."""
        if len(self.pool) >= self.count:
            self._release_pool()

    def _release_pool(self) -> None:
        if self.pool:
            orders, self.pool = self.pool, []
            self._release(orders)

    def submit(self, order: Order) -> None:
        """An arriving order joins the pool (or, highlighted with hot waves, is released)."""
        order.repick = False
        if self.hot and order.priority:
            self._release([order])
            return
        self.pool.append(order)
        if self.count and len(self.pool) >= self.count and self.on_duty_now():
            self._release_pool()

    def _release(self, orders: list[Order]) -> None:
        """Release a wave: cut its lines into tours zone by zone and queue the tours."""
        now = self.model.env.now
        self.n_waves += 1
        wave = self.n_waves
        ordered = [o for o in orders if o.priority] + [o for o in orders if not o.priority]
        per_zone: list[list[tuple[Order, list[int], list[int]]]] = [[] for _ in self.zone_stations]
        for o in ordered:
            o.released_at = o.t_ready = now
            o.pending = 0
            o.state = 0  # tours the order is on so far
            for z, lines, local in self.zones.split(o.slots):
                per_zone[z].append((o, lines, local))
        cap = self.cap
        for z, items in enumerate(per_zone):
            station = self.zone_stations[z]
            tour: Tour | None = None
            for o, lines, local in items:
                units = o.units
                for i, s in zip(lines, local, strict=True):
                    u = units[i]
                    if tour is None or tour.n_units + u > cap:
                        if tour is not None:
                            self._push(station, tour, wave)
                        tour = self._new_tour(z, PICK, now)
                    tour.add(o, s, u)
            if tour is not None:
                self._push(station, tour, wave)

    def _new_tour(self, zone: int, step: int, now: float) -> Tour:
        self.n_tours += 1
        return Tour(self.n_tours, zone, step, now)

    @staticmethod
    def _push(station: Station, tour: Tour, wave: int) -> None:
        """Queue a tour: tours with highlighted orders first (a hot wave jumps the queue),
        then earlier waves first, then formation order."""
        highlighted = any(p[0].priority for p in tour.parts)
        station.push(tour, wave if highlighted else STANDARD_TOUR + wave)

    def repick(self, order: Order) -> None:
        """One top-priority tour per zone holding a caught wrong line."""
        now = self.model.env.now
        order.t_ready = now
        order.pending = 0
        order.state = 0
        units = order.units
        for z, lines, local in self.zones.split(order.slots[: order.errors_open]):
            tour = self._new_tour(z, REPICK, now)
            for i, s in zip(lines, local, strict=True):
                tour.add(order, s, units[i])
            self.zone_stations[z].push(tour, PRIO_REPICK)

    # --- zone pickers ----------------------------------------------------------------------

    def _service(self, job: Job, worker: int) -> float:
        t: Tour = job[0]
        dist = self.zones.routers[t.zone](t.slots)
        if dist:
            share = dist / t.n_lines
            for o, n, _ in t.parts:
                o.travel_m += share * n
        work = self.setup + dist / self.speed_m_per_min + t.n_lines * self.per_line
        if t.step == REPICK:
            return work
        mult = sum(p[0].u[K_PICK] for p in t.parts) / len(t.parts)
        return (work + t.n_units * self.per_unit) * mult

    def _finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        t: Tour = job[0]
        m = self.model
        repick = t.step == REPICK
        for o, n, k in t.parts:
            m.log_step(o.id, t.step, k, self.res, worker, t.id, n, t.t_ready, t0, t1, OK)
            o.pending -= 1
            if o.pending:
                continue
            if repick:
                o.errors_open = 0
                m.packing.submit(o)
            else:
                o.t_ready = t1
                self.consolidation.push(o, PRIO_SPECIAL if o.priority else PRIO_STANDARD)

    def _unfinished(self, t: Tour, worker: int | None, t0: float | None) -> None:
        for o, n, k in t.parts:
            log_unfinished(self.model, o, t.step, k, self.res, worker, t.id, n, t.t_ready, t0)

    # --- consolidation ---------------------------------------------------------------------

    def _cons_service(self, job: Job, worker: int) -> float:
        o: Order = job[0]
        return self.cons_order + self.cons_unit * o.n_units

    def _cons_finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        o: Order = job[0]
        m = self.model
        m.log_step(o.id, CONSOLIDATE, 1, self.res_cons, worker, o.batch_id, o.n_lines, o.t_ready,
                   t0, t1, OK)  # fmt: skip
        o.picked_at = t1
        count_errors(o, self.p_error)
        m.packing.submit(o)
