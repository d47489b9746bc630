"""Builds one run of a scenario (environment, stations, stages) and writes its event log."""

from __future__ import annotations

import datetime as dt
import gc
import math
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
import simpy

from sim.calendar import Calendar
from sim.censor import censor
from sim.config import Scenario
from sim.customers import Population
from sim.demand import K_HOLD, Catalog, Order, OrderSource
from sim.eventlog import (
    CUSTOMERS_SCHEMA,
    EVENTS_SCHEMA,
    NULL_SMALL,
    ORDERS_SCHEMA,
    OUTCOMES,
    RETURNS_SCHEMA,
    REVIEWS_SCHEMA,
    ROSTER_SCHEMA,
    STEPS_SCHEMA,
    STOCK_SCHEMA,
    Table,
    empty_frame,
    with_source_ids,
)
from sim.inventory import Stock
from sim.replay import ReplaySource, plan_replay
from sim.routing import Layout, layout_of  # noqa: F401  (layout_of: re-exported)
from sim.run_result import Progress, RunResult
from sim.stages.methods import PICKING_METHODS
from sim.stages.notifications import Notifications
from sim.stages.packing import Packing
from sim.stages.payment import ApprovalDelay, hold_as_delay
from sim.stages.receiving import Receiving, lost
from sim.stages.returns import Returns
from sim.stages.reviews import Reviews
from sim.stages.shipping import Shipping
from sim.stations import Station
from sim.units import DAY

IN_PROGRESS, WAITING = OUTCOMES.index("in_progress"), OUTCOMES.index("waiting")


class Model:
    """One replication of a scenario: wires the stages and owns the event log buffers."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 1,
        replication: int = 0,
        *,
        replay_history: object = None,
        replay_window: tuple[dt.datetime, float] | None = None,
        arrivals: Callable[[Model], Generator] | None = None,
    ) -> None:
        self.replay = None
        if scenario.replay.orders:  # real orders (sim.replay): their days, their SKUs
            self.replay = plan_replay(scenario, replay_history, replay_window)
            scenario = self.replay.scenario
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.cal = Calendar(scenario)
        self.layout = layout_of(scenario)
        self.catalog = Catalog.build(scenario, self.layout, seed)
        self.names = scenario.names()
        self._res_codes = {n: i for i, n in enumerate(self.names["resources"])}
        self.orders_t = Table(ORDERS_SCHEMA)
        self.steps_t = Table(STEPS_SCHEMA)
        self.events_t = Table(EVENTS_SCHEMA)
        self.roster_t = Table(ROSTER_SCHEMA)
        #: temporary workers still learning, per role: worker id -> (first on-duty time,
        #: speed on the first day, minutes to full speed)
        self.learners: dict[str, dict[int, tuple[float, float, float]]] = {}
        self.live: dict[int, Order] = {}
        self.stock = Stock(self) if scenario.inventory.enabled else None
        self.shipping = Shipping(self)
        self.packing = Packing(self)
        self.picking = PICKING_METHODS[scenario.picking.method](self)
        self.hold = ApprovalDelay(hold_as_delay(scenario.hold))
        self.receiving = Receiving(self, self.stock)
        source_args = (scenario, self.cal, self.catalog, seed, replication)
        uniforms = dict(
            payment_uniforms=self.receiving.needs_uniforms,
            aftersales_uniforms=scenario.returns.enabled or scenario.reviews.enabled,
        )
        self.source = (
            OrderSource(*source_args, **uniforms)
            if self.replay is None
            else ReplaySource(self.replay, *source_args, **uniforms)
        )
        self.notifications = Notifications(self)
        self.returns = Returns(self) if scenario.returns.enabled else None
        self.reviews = Reviews(self) if scenario.reviews.enabled else None
        self.population = Population(self) if scenario.customers.enabled else None
        if arrivals is not None:  # live --follow: orders as the file grows (sim.live)
            self.env.process(arrivals(self))
        elif self.population is None:
            self.env.process(self._arrivals())
        else:
            self.env.process(self._customer_arrivals())

    # --- wiring helpers used by the stages --------------------------------------------------

    def resource_code(self, name: str) -> int:
        """Enum code of a resource name in the log."""
        return self._res_codes[name]

    def periods(self, role: str) -> list[list[tuple[float, float]]]:
        """On-duty periods of every worker of a role (one worker id per shift seat), and
        their rows in the roster table. Temporary shifts are paid ``costs.temp_wage_per_hour``
        and their workers' learning curves are recorded for ``learning_service``."""
        sc = self.scenario
        workers: list[list[tuple[float, float]]] = []
        wages: list[float] = []
        role_wage = sc.costs.wage_per_hour.get(role, 0.0)  # type: ignore[call-overload]
        learners = self.learners.setdefault(role, {})
        st = sc.staffing
        for shift in sc.staffing.shifts:
            if shift.role != role or shift.headcount == 0:
                continue
            per = self.cal.shift_intervals(shift)
            if shift.temporary and per and st.temp_start_speed_share < 1.0:
                curve = (per[0][0], st.temp_start_speed_share, st.temp_learning_days * DAY)
                for w in range(len(workers), len(workers) + shift.headcount):
                    learners[w] = curve
            workers.extend([per] * shift.headcount)
            wage = sc.costs.temp_wage_per_hour if shift.temporary else role_wage
            wages.extend([wage] * shift.headcount)
        code = self._res_codes[role]
        for w, (per, wage) in enumerate(zip(workers, wages, strict=True)):
            for a, b in per:
                self.roster_t.append(code, w, a, b, wage)
        return workers

    def learning_service(self, role: str, service: Callable[[Any, int], float]):
        """``service(job, worker)`` with the minutes of a temporary worker still learning
        divided by its speed: ``speed_start`` on its shift's first day rising linearly to 1
        over ``staffing.temp_learning_days`` (``service`` itself when the role has none).
        Call after ``periods(role)``; worker ids are the roster's."""
        learners = self.learners.get(role)
        if not learners:
            return service
        env = self.env

        def slowed(job: Any, worker: int) -> float:
            minutes = service(job, worker)
            curve = learners.get(worker)
            if curve is None:
                return minutes
            t0, s0, span = curve
            frac = min(max((env.now - t0) / span, 0.0), 1.0)
            return minutes / (s0 + (1.0 - s0) * frac)

        return slowed

    def add_roster(self, role: str, workers: list[list[tuple[float, float]]], wage: float) -> None:
        """Record on-duty intervals of a role's workers."""
        code = self._res_codes[role]
        for w, per in enumerate(workers):
            for a, b in per:
                self.roster_t.append(code, w, a, b, wage)

    def log_step(
        self, order_id, step, attempt, res, worker, batch, n_lines, t_ready, t0, t1, outcome
    ):
        """Append one steps row (hot path)."""
        self.steps_t.add(
            (order_id, step, attempt, res, worker, batch, n_lines, t_ready, t0, t1, outcome)
        )

    def unfinished_step(
        self, o: Order, step: int, res: int, n_lines: int, worker: int | None, t0: float | None
    ) -> None:
        """Record an order's step still in hand (worker given) or waiting at the end."""
        if worker is None:
            self.log_step(o.id, step, max(o.attempt, 1), res, NULL_SMALL, o.batch_id, n_lines,
                          o.t_ready, math.nan, math.nan, WAITING)  # fmt: skip
        else:
            self.log_step(o.id, step, max(o.attempt, 1), res, worker, o.batch_id, n_lines,
                          o.t_ready, t0, math.nan, IN_PROGRESS)  # fmt: skip

    def unfinished_order(self, step: int, res: int):
        """The usual ``Station.unfinished`` for stations whose items are whole orders."""

        def record(o: Order, worker: int | None, t0: float | None) -> None:
            self.unfinished_step(o, step, res, o.n_lines, worker, t0)

        return record

    def log_event(self, order_id: int, event: int, t: float) -> None:
        """Append one events row."""
        self.events_t.add((order_id, event, t))

    def log_events(self, order_id: int, events: Sequence[int], t: float) -> None:
        """Append one events row per event, all at time t."""
        self.events_t.add_rows([(order_id, e, t) for e in events])

    def retire(self, o: Order) -> None:
        """The order leaves the model: write its row, send its messages, and let its
        experience act on its customer."""
        del self.live[o.id]
        self._write_order(o)
        if self.notifications.active:
            self.notifications.sent(o)
        if self.population is not None:
            self.population.experienced(o)
        if self.returns is not None:
            self.returns.after(o)
        if self.reviews is not None:
            self.reviews.after(o)

    def _write_order(self, o: Order) -> None:
        self.orders_t.add((
            o.id, o.id if o.customer is None else o.customer.id, o.channel, o.service,
            o.priority, o.n_lines, o.n_units, o.value,
            o.placed_at, o.paid_at, o.released_at, o.promised_at, o.ship_by_at, o.picked_at,
            o.packed_at,
            o.labelled_at, o.shipped_at, o.delivered_at, 0, o.pick_errors, o.errors_caught,
            o.pick_errors - o.errors_caught, o.travel_m, o.carrier, o.box, o.n_parcels,
            o.material, o.billable_kg, o.damaged, o.packaging_cost, o.shipping_cost,
            o.special_action, o.special_cost, o.received_at, o.lost_cause,
            o.duplicate_of, o.payment_attempts, o.oversold, o.backordered, o.in_store,
        ))  # fmt: skip

    def release(self, o: Order) -> None:
        """Send a released order to picking, after the release hold when there is one (time
        outside the modelled warehouse, :mod:`sim.config.hold`)."""
        if not self.hold.active:
            self.picking.submit(o)
            return
        submit = self.picking.submit

        def arrive(_event) -> None:
            if not lost(o):
                submit(o)

        self.env.timeout(self.hold.minutes(o.u[K_HOLD])).callbacks.append(arrive)

    def admitter(self):
        """The function that takes an order in as it is placed (now)."""
        live = self.live
        submit = self.release
        plan = self.shipping.plan
        place = None if self.receiving.trivial else self.receiving.place

        def admit(o: Order) -> None:
            # the same float as the clock (it may differ in the last bit)
            o.placed_at = o.paid_at = o.received_at = self.env.now
            live[o.id] = o
            if place is None:  # straight to the warehouse
                plan(o)
                submit(o)
            else:
                o.paid_at = o.received_at = math.nan
                place(o)

        return admit

    def _arrivals(self):
        env = self.env
        admit = self.admitter()
        for o in self.source.orders():
            if o.placed_at > env.now:
                yield env.timeout(o.placed_at - env.now)
            admit(o)

    def _customer_arrivals(self):
        """Orders of the customers (``sim.customers``), as they come."""
        env = self.env
        admit = self.admitter()
        pop = self.population
        unplaced = self.source.unplaced()
        promises = self.source.promises
        end = self.cal.arrivals_end
        while True:
            t, customer = pop.next_order()
            if t >= end:
                return
            if t > env.now:
                pop.wake, pop.waiting_until = env.event(), t
                yield env.timeout(t - env.now) | pop.wake
                woken = pop.wake.triggered
                pop.wake, pop.waiting_until = None, math.inf
                if woken:
                    continue  # another order now comes first
            o = next(unplaced)
            o.promised_at = promises[o.service](env.now)
            pop.place(o, customer, env.now)
            admit(o)

    # --- running ---------------------------------------------------------------------------

    def run(self, progress: Progress | None = None) -> RunResult:
        """Simulate to the end of the run (horizon + drain) and build the event log."""
        t_wall = time.perf_counter()
        end = self.cal.end
        n_chunks = max(1, math.ceil(end / DAY))
        stock = self.stock
        if stock is not None:
            stock.snapshot(0.0)
        with fewer_collections():
            for k in range(1, n_chunks + 1):
                self.env.run(until=min(k * DAY, end))
                if stock is not None:
                    stock.snapshot(min(k * DAY, end))
                if progress is not None:
                    progress(min(k * DAY, end) / DAY, end / DAY)
        result = self.finalize()
        result.wall_s = time.perf_counter() - t_wall
        return result

    def stations(self) -> list[Station]:
        """Every station of the run (receiving, returns, picking, packing, shipping)."""
        return [
            *self.receiving.stations,
            *(self.returns.stations if self.returns is not None else ()),
            *self.picking.stations,
            self.packing.station,
            *self.shipping.stations,
        ]

    def finalize(self) -> RunResult:
        """Record work in hand and waiting, write open orders, censor at the end of the run."""
        end = self.cal.end
        for st in self.stations():
            for w, (job, t0) in st.busy.items():
                for item in job:
                    st.unfinished(item, w, t0)
            for item in st.waiting():
                st.unfinished(item, None, None)
        for o in list(self.live.values()):
            self._write_order(o)
        self.live.clear()
        names = self.names
        orders = self.orders_t.to_frame(names).sort("order_id")
        orders = censor(orders, end)
        orders = with_source_ids(orders, self.replay.order_ids if self.replay else None)
        steps = self.steps_t.to_frame(names).sort("order_id", "t_ready", maintain_order=True)
        events = self.events_t.to_frame(names).filter(pl.col("t") <= end)  # messages due later
        events = events.sort("order_id", "t", maintain_order=True)
        roster = self.roster_t.to_frame(names)
        stock = empty_frame(STOCK_SCHEMA, names) if self.stock is None else self.stock.frame(names)
        customers = (
            empty_frame(CUSTOMERS_SCHEMA, names)
            if self.population is None
            else self.population.frame(names, end)
        )
        returns = (
            empty_frame(RETURNS_SCHEMA, names)
            if self.returns is None
            else self.returns.frame(names, end)
        )
        reviews = (
            empty_frame(REVIEWS_SCHEMA, names)
            if self.reviews is None
            else self.reviews.frame(names, end)
        )
        return RunResult(
            orders, steps, events, roster, stock, customers, returns, reviews, self.scenario,
            self.seed,
            self.replication, self.cal.start_minute_of_day, end, self.cal.arrivals_end,
        )  # fmt: skip


#: Cyclic garbage collector thresholds while the model runs (CPython's default: 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often (restored afterwards).

    The event loop allocates millions of short-lived events while thousands of orders stay
    alive; at CPython's default thresholds the collector rescans them so often that it takes
    a quarter of a run (measured: docs/BENCHMARKS.md). Cycles are still collected, only in
    larger batches; results do not depend on it.
    """
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_replication(
    scenario: Scenario,
    seed: int = 1,
    replication: int = 0,
    progress: Progress | None = None,
    history: object = None,
) -> RunResult:
    """One run: a pure function of (scenario, seed, replication), and of the imported order
    history (``history``) when the scenario replays one (``replay.orders``)."""
    return Model(scenario, seed, replication, replay_history=history).run(progress)
