"""Packing: verification against the pick, box choice, packaging material, parcel facts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.config.special import SPECIAL_ACTIONS
from sim.demand import K_DAMAGE, K_PACK, K_VERIFY, Order
from sim.eventlog import OUTCOMES, STEPS
from sim.stations import Job, Station
from sim.units import seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext

PACK = STEPS.index("pack")
OK, CAUGHT = OUTCOMES.index("ok"), OUTCOMES.index("error_caught")


class BoxChooser:
    """The smallest standard box that holds an order's volume at the fill factor."""

    def __init__(self, model: RunContext) -> None:
        pa = model.scenario.packing
        boxes = sorted(enumerate(pa.boxes), key=lambda ib: ib[1].volume_l)
        self.codes = [i for i, _ in boxes]
        self.usable_l = [b.volume_l * pa.fill_factor for _, b in boxes]
        self.cost = [b.cost for _, b in boxes]
        self.dim_kg = [
            b.length_cm * b.width_cm * b.height_cm / pa.dim_divisor_cm3_per_kg for _, b in boxes
        ]

    def choose(self, volume_l: float) -> tuple[int, int]:
        """(index into the sorted boxes, number of parcels) for an order's volume."""
        for i, cap in enumerate(self.usable_l):
            if volume_l <= cap:
                return i, 1
        last = len(self.usable_l) - 1
        return last, max(1, math.ceil(volume_l / self.usable_l[last]))


class Packing:
    """Packing stations staffed by shift; orders go on to label printing."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        pa = model.scenario.packing
        self.base = seconds(pa.base_time_s)
        self.per_unit = seconds(pa.time_per_unit_s)
        if pa.verification == "barcode":
            self.verify, self.catch = seconds(pa.barcode_time_per_unit_s), pa.barcode_catch_prob
        elif pa.verification == "visual":
            self.verify, self.catch = seconds(pa.visual_time_per_unit_s), pa.visual_catch_prob
        else:
            self.verify, self.catch = 0.0, 0.0
        self.boxes = BoxChooser(model)
        names = [m.name for m in pa.materials]
        self.material = names.index(pa.material)
        self.fragile_material = names.index(pa.fragile_material)
        mats = pa.materials
        self.mat_time = [seconds(m.time_s) for m in mats]
        self.mat_cost = [m.cost_per_order for m in mats]
        self.mat_protection = [m.protection_share for m in mats]
        sp = model.scenario.special_orders
        extra_s, self.special_cost = sp.action_time_cost()
        self.special_time = seconds(extra_s)
        self.special_code = SPECIAL_ACTIONS.index(sp.high_value_action)
        self.special_min_value = sp.high_value_min_value
        self.res = model.resource_code("packers")
        self.station = Station(
            model.env, "packers", model.periods("packers"),
            model.learning_service("packers", self._service), self._finish,
            unfinished=model.unfinished_order(PACK, self.res),
        )  # fmt: skip

    def parcels(self, o: Order) -> tuple[int, int, float]:
        """The box (index into the sorted boxes), number of parcels and billable weight (kg,
        all parcels) an order will be packed into: a pure function of its volume and weight."""
        b, n = self.boxes.choose(o.volume_l)
        return b, n, n * max(o.weight_kg / n, self.boxes.dim_kg[b])

    def submit(self, order: Order) -> None:
        """Queue a picked order for packing, highlighted orders first."""
        order.t_ready = self.model.env.now
        self.station.push(order, 0 if order.priority else 1)

    def _service(self, job: Job, worker: int) -> float:
        o: Order = job[0]
        o.attempt += 1
        verify = self.verify * o.n_units
        if o.errors_open and o.u[K_VERIFY] < self.catch:
            o.repick = True  # verification catches the wrong lines; the order is set aside
            return (self.base + verify) * o.u[K_PACK]
        o.repick = False
        _, b, n, billable_kg = o.plan  # chosen when the order arrived (Shipping.plan)
        mat = self.fragile_material if o.fragile else self.material
        o.box, o.n_parcels, o.material = self.boxes.codes[b], n, mat
        work = self.base + verify + self.per_unit * o.n_units + n * self.mat_time[mat]
        o.packaging_cost = n * (self.boxes.cost[b] + self.mat_cost[mat])
        o.billable_kg = billable_kg
        o.damaged = o.u[K_DAMAGE] < o.fragility * (1.0 - self.mat_protection[mat])
        if self.special_code and o.value >= self.special_min_value:
            # a high-value order: the gift, note or code goes in the parcel
            o.special_action, o.special_cost = self.special_code, self.special_cost
            work += self.special_time
        return work * o.u[K_PACK]

    def _finish(self, job: Job, worker: int, t0: float, t1: float) -> None:
        o: Order = job[0]
        m = self.model
        if o.repick:
            o.errors_caught += o.errors_open
            m.log_step(o.id, PACK, o.attempt, self.res, worker, o.batch_id, o.n_lines, o.t_ready,
                       t0, t1, CAUGHT)  # fmt: skip
            m.picking.repick(o)
            return
        o.packed_at = t1
        m.log_step(o.id, PACK, o.attempt, self.res, worker, o.batch_id, o.n_lines, o.t_ready,
                   t0, t1, OK)  # fmt: skip
        m.shipping.submit(o)
