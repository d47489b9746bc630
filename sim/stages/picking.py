"""Picking methods behind one interface, chosen by name from a registry.

A method receives released orders (``submit``) and lines sent back by packing verification
(``repick``), owns its stations, and hands every picked order to ``model.packing.submit``.
Batch, zone and wave picking register here too; a new method touches this registry only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from sim.demand import K_PICK, Order
from sim.eventlog import OUTCOMES, STEPS
from sim.routing import make_router
from sim.stations import Job, Station
from sim.units import seconds

if TYPE_CHECKING:
    from sim.config import PickingConfig
    from sim.run_context import RunContext

PICK, REPICK = STEPS.index("pick"), STEPS.index("repick")
OK = OUTCOMES.index("ok")
#: Queue priorities: re-picks first, then highlighted (express, next-day) orders, then the rest.
PRIO_REPICK, PRIO_SPECIAL, PRIO_STANDARD = -1, 0, 1


class PickingMethod(Protocol):
    """What the model needs from a picking method."""

    stations: list[Station]

    def submit(self, order: Order) -> None:
        """An order released to the warehouse."""

    def repick(self, order: Order) -> None:
        """An order whose wrong lines were caught at packing and must be picked again."""


PICKING_METHODS: dict[str, Callable[[RunContext], PickingMethod]] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator adding a picking method to the registry under ``name``."""

    def deco(cls: type) -> type:
        PICKING_METHODS[name] = cls
        return cls

    return deco


class PickTimes:
    """The pick-time settings every method shares, in minutes: walking speed (metres per
    minute), set-up per tour (or per tote), time per line and per unit, error probability."""

    def __init__(self, pk: PickingConfig, setup_s: float | None = None) -> None:
        self.speed_m_per_min = pk.walking_speed_m_per_s * 60.0
        self.setup = seconds(pk.tour_setup_s if setup_s is None else setup_s)
        self.per_line = seconds(pk.time_per_line_s)
        self.per_unit = seconds(pk.time_per_unit_s)
        self.p_error = pk.error_prob_per_line

    def repick_minutes(self, router: Callable[[Sequence[int]], float], o: Order) -> float:
        """A re-pick tour of an order's caught wrong lines (no work-content multiplier): its
        travel is added to the order."""
        slots = o.slots[: o.errors_open]
        dist = router(slots)
        o.travel_m += dist
        return self.setup + dist / self.speed_m_per_min + len(slots) * self.per_line


@register("single")
class SingleOrderPicking(PickTimes):
    """Each picker picks one order per tour and brings it to packing."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        pk = model.scenario.picking
        super().__init__(pk)
        self.router = make_router(model.layout, pk.routing)
        self.res = model.resource_code("pickers")
        self.station = Station(
            model.env, "pickers", model.periods("pickers"),
            model.learning_service("pickers", self._service), self._finish,
            unfinished=self._unfinished,
        )  # fmt: skip
        self.stations = [self.station]

    def submit(self, order: Order) -> None:
        """Release an order to the warehouse at once; queue it, highlighted orders first."""
        order.t_ready = order.released_at = self.model.env.now
        order.repick = False
        self.station.push(order, PRIO_SPECIAL if order.priority else PRIO_STANDARD)

    def repick(self, order: Order) -> None:
        """Queue the caught wrong lines ahead of everything else."""
        order.t_ready = self.model.env.now
        order.repick = True
        self.station.push(order, PRIO_REPICK)

    def _unfinished(self, o: Order, worker: int | None, t0: float | None) -> None:
        step = REPICK if o.repick else PICK
        n = o.errors_open if o.repick else o.n_lines
        self.model.unfinished_step(o, step, self.res, n, worker, t0)

    def _service(self, job: Job, worker: int) -> float:
        o: Order = job[0]
        if o.repick:
            return self.repick_minutes(self.router, o)
        dist = self.router(o.slots)
        o.travel_m += dist
        work = self.setup + dist / self.speed_m_per_min
        work += o.n_lines * self.per_line + o.n_units * self.per_unit
        return work * o.u[K_PICK]

    def _finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        o: Order = job[0]
        m = self.model
        if o.repick:
            m.log_step(o.id, REPICK, o.attempt, self.res, worker, o.batch_id, o.errors_open,
                       o.t_ready, t0, t1, OK)  # fmt: skip
            o.errors_open = 0
        else:
            p = self.p_error
            errors = sum(1 for u in o.err_u if u < p) if p > 0 else 0
            o.pick_errors = o.errors_open = errors
            o.picked_at = t1
            m.log_step(o.id, PICK, 1, self.res, worker, o.batch_id, o.n_lines, o.t_ready, t0, t1,
                       OK)  # fmt: skip
        m.packing.submit(o)
