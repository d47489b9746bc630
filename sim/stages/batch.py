"""Batch picking: one picker collects up to k orders per tour on a cart.

A cart holds ``n_totes_per_cart`` orders (one tote each) and ``n_units_per_cart`` units. The
batch's slots are routed as one tour; the tour takes ``setup + distance / speed + lines x
time_per_line + units x time_per_unit`` (plus the sort-while-pick time per unit), times the
mean of the batch's orders' pick-time multipliers (drawn per order at creation: no random
numbers are drawn here). Travel is attributed to the orders in proportion to their lines. An
order with more units than a cart holds is picked alone, its lines cut into consecutive tours
of at most a cart's units each, all of them one job of one picker.

Formation rules (``picking.batch.formation``)
---------------------------------------------
``fcfs``          the oldest waiting orders, whatever their service.
``priority``      highlighted (express, next-day) orders first, then the rest; oldest first.
``seed_nearest``  the seed is the oldest order of the highest class waiting; its companions are
                  orders of the *same* class whose median aisle is nearest the seed's (searched
                  outward from the seed's aisle), so a standard order never rides ahead of an
                  express one.
``time_window``   as ``priority``, but a batch starts only when the cart can be filled (k
                  orders, or the units cap reached), or when the oldest waiting order has waited
                  ``time_window_min``; one timer event (not one process per order) wakes the
                  pickers at that deadline.

Every rule fills the cart in its own order and closes it at the first order that does not fit
the remaining units (skipping it would let a later or lower-class order start first).

Minimum fill (``n_min_fill_orders``, ``max_wait_min``; ``sim.stages.batch_fill``): under
``fcfs``, ``priority`` and ``seed_nearest`` (counting the seed's class) an idle picker leaves
only with a cart of at least ``n_min_fill_orders`` orders (or one full by its units cap, or an
order bigger than a cart), unless the oldest waiting order has waited ``max_wait_min``: a
picker does not leave with one order when more will come soon, and no order waits for the
fill longer than ``max_wait_min`` while a picker is free. ``time_window`` is the same rule
with the fill a whole cart and ``time_window_min`` as the wait. ``n_min_fill_orders = 1``
starts a batch whenever a picker is free.

Data structures and cost
------------------------
One FIFO deque per class (one class for fcfs, two otherwise); orders arrive in time order, so a
deque is the class's priority queue. ``fcfs``, ``priority`` and ``time_window`` take a prefix of
the queue order: O(k) per batch. ``seed_nearest`` also files every order in a deque per (class,
aisle); an order taken through one structure is marked (``order.state``) and dropped lazily when
it reaches the head of the other: O(k + aisles) per batch plus O(1) amortised per order. Nothing
scans the waiting orders; ``ops`` counts the orders and buckets touched (for tests).

Sorting (``picking.batch.sorting``)
-----------------------------------
``sort_while_pick``  orders go into their totes on the cart: picked at the tour's end.
``pick_then_sort``   the batch queues at the staffed ``sorters`` station (batches holding a
                     highlighted order first); sorting takes ``sort_time_per_order_s x orders +
                     sort_time_per_unit_s x units``; the orders are picked when it ends.

Re-picks (wrong lines caught at packing) are single-order tours ahead of every batch, never
batched with new orders. Log: one ``pick`` (and ``sort``) row per order, rows of one batch
sharing ``batch_id`` (1, 2, ...), worker and times; a re-pick row carries the batch_id of the
order's pick.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.demand import K_PICK, Order
from sim.eventlog import STEPS
from sim.routing import make_router
from sim.stages.batch_fill import FillRule
from sim.stages.picking import OK, PICK, REPICK, PickTimes, register
from sim.stations import Job, Station
from sim.units import seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext

SORT = STEPS.index("sort")
#: ``order.state`` while the order waits for a batch, and once a batch took it.
QUEUED, TAKEN = 1, 2


def split_lines(units: Sequence[int], cap: int) -> list[tuple[int, int]]:
    """Consecutive line ranges ``[a, b)`` of an order, each holding at most ``cap`` units.

    Greedy: a tour takes lines until the next one does not fit. A line bigger than ``cap``
    (real histories have them) gets a tour of its own.
    """
    tours: list[tuple[int, int]] = []
    a = total = 0
    for i, u in enumerate(units):
        if total + u > cap and i > a:
            tours.append((a, i))
            a, total = i, 0
        total += u
    if a < len(units):
        tours.append((a, len(units)))
    return tours


@register("batch")
class BatchPicking(PickTimes):
    """Pickers collect batches of orders on a cart; orders are sorted on the cart or after."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        pk = model.scenario.picking
        bc = pk.batch
        self.k = bc.n_totes_per_cart
        self.cap = bc.n_units_per_cart
        self.formation = bc.formation
        time_window = self.formation == "time_window"
        n_classes = 1 if self.formation == "fcfs" else 2
        self.fill = FillRule(
            model.env,
            n_classes,
            self.k if time_window else min(bc.n_min_fill_orders, self.k),
            bc.time_window_min if time_window else bc.max_wait_min,
            self._wake,
        )
        self.router = make_router(model.layout, pk.routing)
        PickTimes.__init__(self, pk)
        self.tour_per_unit = self.per_unit
        if bc.sorting == "sort_while_pick":
            self.tour_per_unit += seconds(bc.sort_while_pick_time_per_unit_s)
        self.per_aisle = 2 * model.layout.slots_per_side
        self.n_aisles = model.layout.n_aisles
        self.queues: list[deque[Order]] = [deque() for _ in range(n_classes)]
        self.buckets: list[list[deque[Order]]] = []
        if self.formation == "seed_nearest":
            self.buckets = [[deque() for _ in range(self.n_aisles)] for _ in range(n_classes)]
        self.repicks: deque[Order] = deque()
        self.n_batches = 0
        self.ops = 0
        self.res = model.resource_code("pickers")
        self.station = Station(
            model.env, "pickers", model.periods("pickers"),
            model.learning_service("pickers", self._service), self._finish,
            take=self._take, unfinished=self._unfinished, waiting=self._waiting,
        )  # fmt: skip
        self.stations = [self.station]
        self.sorters: Station | None = None
        if bc.sorting == "pick_then_sort":
            self.sort_res = model.resource_code("sorters")
            self.sort_per_order = seconds(bc.sort_time_per_order_s)
            self.sort_per_unit = seconds(bc.sort_time_per_unit_s)
            self.sorters = Station(
                model.env, "sorters", model.periods("sorters"), self._sort_service,
                self._sort_finish, take=self._take_sorting, unfinished=self._sort_unfinished,
                waiting=self._sort_waiting,
            )  # fmt: skip
            self.stations.append(self.sorters)

    # --- the protocol ------------------------------------------------------------------------

    def submit(self, order: Order) -> None:
        """Release an order at once and queue it for a batch."""
        order.t_ready = order.released_at = self.model.env.now
        order.repick = False
        order.state = QUEUED
        cls = self._class(order)
        self.queues[cls].append(order)
        self.fill.add(cls, order.n_units)
        if self.buckets and order.n_units <= self.cap:
            self.buckets[cls][self._aisle(order)].append(order)
        self._wake()

    def repick(self, order: Order) -> None:
        """Queue the caught wrong lines as a single-order tour ahead of every batch."""
        order.t_ready = self.model.env.now
        order.repick = True
        self.repicks.append(order)
        self._wake()

    def form_batch(self) -> Job:
        """The next job for a picker: a re-pick, a batch, or [] when none is ready."""
        if self.repicks:
            return [self.repicks.popleft()]
        if self.formation == "seed_nearest":
            cls = self._drop_taken_heads()
            if cls < 0:
                return []
            fill = self.fill
            full = fill.units_queued[cls] >= self.cap or self.queues[cls][0].n_units > self.cap
            if not fill.may_leave(fill.n_queued[cls], full, self.queues):
                return []
            batch = self._seed_nearest()
        else:
            batch, full = self._prefix()
            if not batch:
                return []
            if not self.fill.may_leave(len(batch), full, self.queues):
                return []
            for o in batch:
                self.queues[self._class(o)].popleft()
        if batch:
            self.n_batches += 1
            for o in batch:
                o.state = TAKEN
                o.batch_id = self.n_batches
                self.fill.remove(self._class(o), o.n_units)
        return batch

    def _drop_taken_heads(self) -> int:
        """seed_nearest: drop the orders taken as companions from the queues' heads; the
        highest class with an order waiting (its next seed's), or -1."""
        first = -1
        for cls, q in enumerate(self.queues):
            while q and q[0].state == TAKEN:
                q.popleft()
                self.ops += 1
            if q and first < 0:
                first = cls
        return first

    # --- batch formation -----------------------------------------------------------------

    def _class(self, o: Order) -> int:
        return 0 if len(self.queues) == 1 or o.priority else 1

    def _aisle(self, o: Order) -> int:
        """Median aisle of an order's lines (its bucket for seed + nearest)."""
        aisles = sorted(s // self.per_aisle for s in o.slots)
        return aisles[len(aisles) // 2]

    def _prefix(self) -> tuple[list[Order], bool]:
        """The next batch in queue order (not yet removed) and whether the cart is full."""
        k, cap = self.k, self.cap
        batch: list[Order] = []
        units = 0
        for q in self.queues:
            for o in q:
                self.ops += 1
                if o.n_units > cap and not batch:
                    return [o], True  # too big for one cart: picked alone, over several tours
                units += o.n_units
                if units > cap:
                    return batch, True
                batch.append(o)
                if len(batch) == k:
                    return batch, True
        return batch, False

    def _seed_nearest(self) -> list[Order]:
        """The oldest order of the highest class waiting, and the orders of its class whose
        median aisle is nearest the seed's."""
        for cls, q in enumerate(self.queues):
            while q and q[0].state == TAKEN:  # taken as a companion: drop lazily
                q.popleft()
                self.ops += 1
            if q:
                return self._around(q.popleft(), self.buckets[cls])
        return []

    def _around(self, seed: Order, buckets: list[deque[Order]]) -> list[Order]:
        """A seed and the orders of its class's aisle buckets nearest its median aisle."""
        self.ops += 1
        seed.state = TAKEN
        units = seed.n_units
        if units > self.cap:
            return [seed]
        k, cap, n = self.k, self.cap, self.n_aisles
        batch = [seed]
        a0 = self._aisle(seed)
        for d in range(n):
            if a0 - d < 0 and a0 + d >= n:
                break
            for a in (a0,) if d == 0 else (a0 - d, a0 + d):
                if not 0 <= a < n:
                    continue
                self.ops += 1
                b = buckets[a]
                while b:
                    o = b[0]
                    self.ops += 1
                    if o.state == TAKEN:  # taken as a seed: drop lazily
                        b.popleft()
                        continue
                    if units + o.n_units > cap:
                        return batch
                    b.popleft()
                    o.state = TAKEN
                    batch.append(o)
                    units += o.n_units
                    if len(batch) == k:
                        return batch
        return batch

    def _wake(self) -> None:
        """Hand ready jobs to idle pickers until none is idle or no job is ready."""
        st = self.station
        n = len(st.idle)
        while n:
            st.wake()
            m = len(st.idle)
            if m == n:
                return
            n = m

    def _take(self, station: Station) -> Job:
        return self.form_batch()

    def _waiting(self) -> list[Order]:
        """Re-picks, then every order waiting for a batch, each once, in queue order."""
        waiting = list(self.repicks)
        for q in self.queues:
            waiting.extend(o for o in q if o.state == QUEUED)
        return waiting

    def _unfinished(self, o: Order, worker: int | None, t0: float | None) -> None:
        step = REPICK if o.repick else PICK
        n = o.errors_open if o.repick else o.n_lines
        self.model.unfinished_step(o, step, self.res, n, worker, t0)

    # --- tours ---------------------------------------------------------------------------

    def _tour(self, dist: float, lines: int, units: int) -> float:
        """Minutes of one tour before the work-content multiplier."""
        return (
            self.setup + dist / self.speed_m_per_min + lines * self.per_line
            + units * self.tour_per_unit
        )  # fmt: skip

    def _service(self, job: Job, worker: int) -> float:
        o: Order = job[0]
        if o.repick:
            return self.repick_minutes(self.router, o)
        if o.n_units > self.cap:  # alone, over several tours
            work = 0.0
            for a, b in split_lines(o.units, self.cap):
                dist = self.router(o.slots[a:b])
                o.travel_m += dist
                work += self._tour(dist, b - a, sum(o.units[a:b]))
            return work * o.u[K_PICK]
        slots = [s for o in job for s in o.slots]
        lines = len(slots)
        dist = self.router(slots)
        units = 0
        mult = 0.0
        for o in job:
            o.travel_m += dist * o.n_lines / lines
            units += o.n_units
            mult += o.u[K_PICK]
        return self._tour(dist, lines, units) * mult / len(job)

    def _finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        m = self.model
        o: Order = job[0]
        if o.repick:
            m.log_step(o.id, REPICK, o.attempt, self.res, worker, o.batch_id, o.errors_open,
                       o.t_ready, t0, t1, OK)  # fmt: skip
            o.errors_open = 0
            m.packing.submit(o)
            return
        for o in job:
            m.log_step(o.id, PICK, 1, self.res, worker, o.batch_id, o.n_lines, o.t_ready, t0, t1,
                       OK)  # fmt: skip
        if self.sorters is None:
            for o in job:
                self._picked(o, t1)
            return
        for o in job:
            o.t_ready = t1
        self.sorters.push(list(job), 0 if any(o.priority for o in job) else 1)

    def _picked(self, o: Order, t: float) -> None:
        p = self.p_error
        o.pick_errors = o.errors_open = sum(1 for u in o.err_u if u < p) if p > 0 else 0
        o.picked_at = t
        self.model.packing.submit(o)

    # --- sort station (pick_then_sort) ---------------------------------------------------

    @staticmethod
    def _take_sorting(station: Station) -> Job:
        return heapq.heappop(station.heap)[2] if station.heap else []

    def _sort_waiting(self) -> list[Order]:
        assert self.sorters is not None
        return [o for _, _, batch in sorted(self.sorters.heap) for o in batch]

    def _sort_service(self, job: Job, worker: int) -> float:
        return self.sort_per_order * len(job) + self.sort_per_unit * sum(o.n_units for o in job)

    def _sort_finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        m = self.model
        for o in job:
            m.log_step(o.id, SORT, 1, self.sort_res, worker, o.batch_id, o.n_lines, o.t_ready,
                       t0, t1, OK)  # fmt: skip
            self._picked(o, t1)

    def _sort_unfinished(self, o: Order, worker: int | None, t0: float | None) -> None:
        self.model.unfinished_step(o, SORT, self.sort_res, o.n_lines, worker, t0)
