"""Shipping: label printing, mark-as-shipped and e-mails, the dock, carriers and delivery.

Only label printing and manual notification compete for a resource and schedule events. The
dock and transit are computed: a parcel leaves with its carrier's first scheduled pickup at
least ``staging_min`` after its label, on which its order's parcels still fit the trailer
(``n_trailer_parcels``; the others wait for the next pickup), and arrives after a
transit time drawn for the order, so no per-parcel process is needed.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from sim.calendar import PickupSchedule
from sim.demand import K_DELIVERY, K_JAM, K_TRANSIT, Order
from sim.eventlog import EVENTS, OUTCOMES, STEPS
from sim.stations import Job, Station
from sim.streams import cumulative
from sim.units import hhmm_to_minutes, seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext

LABEL, NOTIFY = STEPS.index("label"), STEPS.index("notify")
OK, JAM = OUTCOMES.index("ok"), OUTCOMES.index("jam")
NOTICES = tuple(
    EVENTS.index(e) for e in ("marked_shipped", "shipping_confirmation_sent", "tracking_sent")
)


class CarrierService:
    """One carrier's offer for one service: rates, transit times and its pickup schedule."""

    __slots__ = ("carrier", "max_kg", "price", "cum_transit", "schedule")

    def __init__(self, carrier: int, rates, transit_pmf, schedule: PickupSchedule) -> None:
        self.carrier = carrier
        self.max_kg = [r[0] for r in rates]
        self.price = [r[1] for r in rates]
        self.cum_transit = cumulative(transit_pmf)
        self.schedule = schedule

    def rate(self, kg: float) -> float:
        """Price of one parcel of billable weight kg (pro rata above the top row)."""
        i = bisect.bisect_left(self.max_kg, kg)
        if i < len(self.max_kg):
            return self.price[i]
        return self.price[-1] * kg / self.max_kg[-1]

    def transit_days(self, u: float) -> int:
        """Business days in transit for a uniform u."""
        return bisect.bisect_right(self.cum_transit, u)


class Shipping:
    """Label printers, notifications, and the hand-over to carriers."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        self.stock = model.stock
        sc = model.scenario
        lb = sc.labels
        self.per_label = seconds(
            lb.print_time_s + (lb.packing_slip_time_s if lb.packing_slip else 0)
        )
        self.jam_prob = lb.jam_prob
        self.jam_clear = seconds(lb.jam_clear_s)
        self.bulk = lb.mode == "bulk"
        self.bulk_size = lb.n_labels_per_bulk
        self.bulk_setup = seconds(lb.bulk_setup_s)
        self._job_id = 0
        services = [s.name for s in sc.demand.services]
        self.cutoffs = [hhmm_to_minutes(s.cutoff) for s in sc.demand.services]
        self.offers: list[list[CarrierService]] = [[] for _ in services]
        for ci, c in enumerate(sc.shipping.carriers):
            sched = PickupSchedule(model.cal, c)
            for cs in c.services:
                self.offers[services.index(cs.service)].append(
                    CarrierService(ci, cs.rates_kg_price, cs.transit_days_pmf, sched)
                )
        self.res_printer = model.resource_code("label_printers")
        always = [[(0.0, model.cal.end)] for _ in range(lb.n_printers)]
        model.add_roster("label_printers", always, wage=0.0)
        take = self._take_bulk if self.bulk else None
        self.printers = Station(
            model.env, "label_printers", always, self._print_time, self._printed, take,
            unfinished=model.unfinished_order(LABEL, self.res_printer),
        )  # fmt: skip
        self.stations = [self.printers]
        self.manual = sc.shipping.notifications == "manual"
        if self.manual:
            self.notify_time = seconds(sc.shipping.manual_notify_time_s)
            self.res_office = model.resource_code("office")
            self.office = Station(
                model.env,
                "office",
                model.periods("office"),
                lambda job, w: self.notify_time,
                self._notified,
                unfinished=model.unfinished_order(NOTIFY, self.res_office),
            )
            self.stations.append(self.office)

    def submit(self, order: Order) -> None:
        """Queue a packed order for its label, highlighted orders first."""
        order.t_ready = self.model.env.now
        self.printers.push(order, 0 if order.priority else 1)

    def _take_bulk(self, station: Station) -> Job:
        return station.pop_items(self.bulk_size)

    def _print_time(self, job: Job, worker: int) -> float:
        t = self.bulk_setup if self.bulk else 0.0
        for o in job:
            t += self.per_label
            if o.u[K_JAM] < self.jam_prob:
                t += self.jam_clear
        return t

    def _printed(self, job: Job, worker: int, t0: float, t1: float) -> None:
        m = self.model
        batch = 0xFFFFFFFF
        if self.bulk:
            self._job_id += 1
            batch = self._job_id
        for o in job:
            o.labelled_at = t1
            outcome = JAM if o.u[K_JAM] < self.jam_prob else OK
            m.log_step(o.id, LABEL, 1, self.res_printer, worker, batch, o.n_lines, o.t_ready,
                       t0, t1, outcome)  # fmt: skip
            self._hand_to_carrier(o, t1)
            if self.manual:
                o.t_ready = t1
                self.office.push(o, 0 if o.priority else 1)
            else:
                m.log_events(o.id, NOTICES, t1)
                m.retire(o)

    def _notified(self, job: Job, worker: int, t0: float, t1: float) -> None:
        m = self.model
        o: Order = job[0]
        m.log_step(o.id, NOTIFY, 1, self.res_office, worker, o.batch_id, o.n_lines, o.t_ready,
                   t0, t1, OK)  # fmt: skip
        m.log_events(o.id, NOTICES, t1)
        m.retire(o)

    def plan(self, o: Order) -> None:
        """When the order arrives: the carrier that will ship it (the cheapest for its
        service and parcels) and the pickup it should make (``ship_by_at``)."""
        b, n, billable_kg = self.model.packing.parcels(o)
        best, best_cost = None, float("inf")
        for offer in self.offers[o.service]:
            cost = n * offer.rate(billable_kg / n)
            if cost < best_cost:
                best, best_cost = offer, cost
        assert best is not None  # every service has a carrier (checked at load)
        o.plan = (best, b, n, billable_kg)
        o.shipping_cost = best_cost
        o.ship_by_at = best.schedule.ship_by(o.placed_at, self.cutoffs[o.service])

    def _hand_to_carrier(self, o: Order, t: float) -> None:
        """The parcel waits at the dock for its carrier's next pickup, then travels."""
        best: CarrierService = o.plan[0]
        o.carrier = best.carrier
        o.shipped_at = best.schedule.load(t, o.plan[2])
        if self.stock is not None:
            self.stock.leaves(o, o.shipped_at)
        days = best.transit_days(o.u[K_TRANSIT])
        o.delivered_at = best.schedule.delivered_at(o.shipped_at, days, o.u[K_DELIVERY])
