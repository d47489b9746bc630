"""Zones shared by zone and wave picking: aisle ranges, per-zone routing, per-zone pickers.

The aisles are split into ``n_zones`` contiguous ranges, front to back: zone 0 holds the aisles
nearest aisle 0. Sizes differ by at most one aisle (the first ``n_aisles % n_zones`` zones hold
one more). Each zone is routed as a warehouse of its own: the same aisle geometry restricted to
the zone's aisles, with its depot on the front cross-aisle at the left of the zone's first
aisle, so a zone picker never walks outside the zone. Slots are numbered aisle by aisle, so a
global slot ``s`` lies in zone ``zone_of_aisle[s // (2 S)]`` at local slot
``s - first_slot[zone]``.

Every picker belongs to one zone (``ShiftConfig.zone``, or the zones in turn). The pickers'
roster is written once (``model.periods("pickers")``); worker ids in the steps table are the
global index in that list, while each zone's :class:`~sim.stations.Station` numbers its own
workers from 0: :meth:`Zones.stations` translates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sim.config.zone_checks import zone_of_workers
from sim.eventlog import NULL_SMALL, OUTCOMES
from sim.routing import Router, make_router
from sim.stations import Job, Station
from sim.zone_aisles import zone_bounds, zone_layout

if TYPE_CHECKING:
    from sim.demand import Order
    from sim.run_context import RunContext

IN_PROGRESS, WAITING = OUTCOMES.index("in_progress"), OUTCOMES.index("waiting")

Service = Callable[[Job, int], float]
Finish = Callable[[Job, int, float, float], None]
Unfinished = Callable[[Any, int | None, float | None], None]


class Zones:
    """The zones of a scenario: their aisles, routers and pickers (built once per model)."""

    def __init__(self, model: RunContext) -> None:
        sc = model.scenario
        layout = model.layout
        self.env = model.env
        self.model = model
        self.n = n = sc.picking.zone.n_zones
        self.bounds = zone_bounds(layout.n_aisles, n)
        self.per_aisle = 2 * layout.slots_per_side
        self.first_slot = [a * self.per_aisle for a in self.bounds[:-1]]
        self.zone_of_aisle = [
            z for z in range(n) for _ in range(self.bounds[z + 1] - self.bounds[z])
        ]
        self.layouts = [zone_layout(layout, self.bounds[z + 1] - self.bounds[z]) for z in range(n)]
        self.routers: list[Router] = [make_router(lz, sc.picking.routing) for lz in self.layouts]
        periods = model.periods("pickers")  # writes the pickers' roster: call it once
        zone_of_worker = [z for shift in zone_of_workers(sc) for z in shift]
        if len(zone_of_worker) != len(periods):
            raise ValueError(
                f"expected a zone for each of the {len(periods)} pickers, "
                f"found {len(zone_of_worker)}"
            )
        self.zone_of_worker = zone_of_worker
        #: per zone: global worker id of each of the zone station's workers
        self.worker_ids: list[list[int]] = [[] for _ in range(n)]
        self.periods: list[list[list[tuple[float, float]]]] = [[] for _ in range(n)]
        for w, (z, per) in enumerate(zip(zone_of_worker, periods, strict=True)):
            self.worker_ids[z].append(w)
            self.periods[z].append(per)

    def locate(self, slot: int) -> tuple[int, int]:
        """(zone, local slot in the zone's layout) of a global slot."""
        z = self.zone_of_aisle[slot // self.per_aisle]
        return z, slot - self.first_slot[z]

    def split(self, slots: Sequence[int]) -> list[tuple[int, list[int], list[int]]]:
        """Group an order's lines by zone: ``(zone, line indices, local slots)`` in increasing
        zone order, lines in their order within each zone. Zones with no line are absent."""
        per, zone_of_aisle, first = self.per_aisle, self.zone_of_aisle, self.first_slot
        groups: dict[int, tuple[list[int], list[int]]] = {}
        for i, s in enumerate(slots):
            z = zone_of_aisle[s // per]
            g = groups.get(z)
            if g is None:
                g = groups[z] = ([], [])
            g[0].append(i)
            g[1].append(s - first[z])
        return [(z, *groups[z]) for z in sorted(groups)]

    def stations(self, service: Service, finish: Finish, unfinished: Unfinished) -> list[Station]:
        """One "pickers" Station per zone, staffed with that zone's pickers only.

        The callbacks receive global worker ids (as in the roster), not the station's own.
        """
        service = self.model.learning_service("pickers", service)  # temps learning
        return [self._station(z, service, finish, unfinished) for z in range(self.n)]

    def _station(self, z: int, service: Service, finish: Finish, unfinished: Unfinished) -> Station:
        gid = self.worker_ids[z]

        def service_z(job: Job, w: int) -> float:
            return service(job, gid[w])

        def finish_z(job: Job, w: int, t0: float, t1: float) -> None:
            finish(job, gid[w], t0, t1)

        def unfinished_z(item: Any, w: int | None, t0: float | None) -> None:
            unfinished(item, None if w is None else gid[w], t0)

        return Station(
            self.env, "pickers", self.periods[z], service_z, finish_z, unfinished=unfinished_z
        )


def log_unfinished(
    model: RunContext,
    o: Order,
    step: int,
    attempt: int,
    res: int,
    worker: int | None,
    batch: int,
    n_lines: int,
    t_ready: float,
    t0: float | None,
) -> None:
    """A part of an order still in hand (``worker`` given) or waiting at the end of the run.

    The same rows as ``RunContext.unfinished_step``, with the attempt, batch and ready time of the
    part (a zone visit or a wave tour) rather than the order's.
    """
    if worker is None:
        model.log_step(o.id, step, attempt, res, NULL_SMALL, batch, n_lines, t_ready, math.nan,
                       math.nan, WAITING)  # fmt: skip
    else:
        model.log_step(o.id, step, attempt, res, worker, batch, n_lines, t_ready, t0, math.nan,
                       IN_PROGRESS)  # fmt: skip


def count_errors(o: Order, p_error: float) -> None:
    """Count the lines of an order picked wrong first time (all its lines, every zone)."""
    errors = sum(1 for u in o.err_u if u < p_error) if p_error > 0 else 0
    o.pick_errors = o.errors_open = errors
