"""Zone picking (pick-and-pass): an order's tote visits the zones holding its lines, in turn.

Each zone has its own pickers and its own queue (a :class:`~sim.stations.Station` named
"pickers"). On release an order's lines are grouped by zone; its tote visits those zones in
increasing zone order (front to back) and no other. A visit is one job for one zone picker:

    ``(tote_setup_s + routed metres within the zone / walking speed
       + time_per_line_s * lines there + time_per_unit_s * units there) * o.u[K_PICK]``

and one ``pick`` row (``attempt`` = visit number 1.., ``n_lines`` = lines in that zone, no
batch). Between two zones the tote spends ``handoff_s`` on the conveyor: a bare timeout whose
callback queues it at the next zone (no process per tote). In each zone's queue re-picks come
first, then highlighted orders, then first come (the time the tote reached that zone); an
order is picked when its last zone is done. Pick errors are then counted over all its lines.

Lines caught wrong at packing (``o.slots[:o.errors_open]``) go round the same way at top
priority: one ``repick`` visit per zone holding a wrong line, then back to packing.

At the end of a run, visits in hand and queued are recorded (``in_progress`` / ``waiting``);
a tote on the conveyor between two zones (at most ``handoff_s``) is in neither and has no
row for its next zone (the order is ``awaiting_picking``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from sim.demand import K_PICK, Order
from sim.eventlog import NULL_INT
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
from sim.stations import Job
from sim.units import seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext


class Visit:
    """One tote's visit to one zone: the order's lines there, for one zone picker."""

    __slots__ = ("order", "zone", "slots", "n_lines", "n_units", "step", "k", "t_ready", "next")

    def __init__(
        self, order: Order, zone: int, slots: list[int], n_units: int, step: int, k: int
    ) -> None:
        self.order = order
        self.zone = zone
        self.slots = slots  # local slots in the zone's layout
        self.n_lines = len(slots)
        self.n_units = n_units
        self.step = step
        self.k = k  # visit number of this pass (the steps row's attempt)
        self.t_ready = 0.0
        self.next: Visit | None = None


@register("zone")
class ZonePicking(PickTimes):
    """Pick-and-pass: a tote per order visits its zones in sequence, one picker per zone."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        pk = model.scenario.picking
        self.zones = Zones(model)
        super().__init__(pk, setup_s=pk.zone.tote_setup_s)
        self.handoff = seconds(pk.zone.handoff_s)
        self.res = model.resource_code("pickers")
        self.stations = self.zones.stations(self._service, self._finish, self._unfinished)

    def submit(self, order: Order) -> None:
        """Release an order at once: its tote joins the queue of its first zone."""
        order.t_ready = order.released_at = self.model.env.now
        order.repick = False
        self._enqueue(self._route(order, order.slots, PICK))

    def repick(self, order: Order) -> None:
        """Send the tote round the zones of the caught wrong lines, ahead of everything."""
        order.t_ready = self.model.env.now
        self._enqueue(self._route(order, order.slots[: order.errors_open], REPICK))

    def _route(self, o: Order, slots: list[int], step: int) -> Visit:
        """The chain of zone visits for some of an order's lines (the first visit)."""
        units = o.units
        first: Visit | None = None
        prev: Visit | None = None
        for k, (z, lines, local) in enumerate(self.zones.split(slots), start=1):
            v = Visit(o, z, local, sum(units[i] for i in lines), step, k)
            if prev is None:
                first = v
            else:
                prev.next = v
            prev = v
        assert first is not None, "an order has at least one line"
        return first

    def _enqueue(self, v: Visit) -> None:
        v.t_ready = self.model.env.now
        if v.step == REPICK:
            prio = PRIO_REPICK
        else:
            prio = PRIO_SPECIAL if v.order.priority else PRIO_STANDARD
        self.stations[v.zone].push(v, prio)

    def _arrive(self, ev: simpy.Event) -> None:
        """A tote comes off the hand-off conveyor into its next zone."""
        self._enqueue(ev.value)

    def _service(self, job: Job, worker: int) -> float:
        v: Visit = job[0]
        o = v.order
        dist = self.zones.routers[v.zone](v.slots)
        o.travel_m += dist
        work = self.setup + dist / self.speed_m_per_min + v.n_lines * self.per_line
        if v.step == REPICK:
            return work
        return (work + v.n_units * self.per_unit) * o.u[K_PICK]

    def _finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        v: Visit = job[0]
        o = v.order
        m = self.model
        m.log_step(o.id, v.step, v.k, self.res, worker, NULL_INT, v.n_lines, v.t_ready, t0, t1,
                   OK)  # fmt: skip
        nxt = v.next
        if nxt is not None:
            if self.handoff > 0:
                m.env.timeout(self.handoff, nxt).callbacks.append(self._arrive)
            else:
                self._enqueue(nxt)
            return
        if v.step == REPICK:
            o.errors_open = 0
        else:
            o.picked_at = t1
            count_errors(o, self.p_error)
        m.packing.submit(o)

    def _unfinished(self, v: Visit, worker: int | None, t0: float | None) -> None:
        log_unfinished(self.model, v.order, v.step, v.k, self.res, worker, NULL_INT, v.n_lines,
                       v.t_ready, t0)  # fmt: skip
