"""The pre-run estimate of one run's orders, events and memory, checked before anything runs.

A scenario within the schema's ranges can still ask for more than a machine can simulate
(10 years of 10 million orders a day). Every command that simulates (run, replay, compare,
size, sweep, sensitivity) checks each run it will start against :data:`DEFAULT_MAX_ORDERS`
(raised with ``--max-orders N``) and the periodic timers against :data:`MAX_TIMER_EVENTS`,
and refuses in one line that states the estimate and how to raise the limit.

The figures per order are measured on the shipped baseline (bench: 3 event-log rows and about
0.85 KB of peak memory per order, 31,000 orders a second on one core); the memory estimate
allows twice that for the KPIs and the written tables.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sim.config import Scenario
from sim.scenario import ScenarioError
from sim.units import WEEKDAYS

#: Orders of one run refused above this unless ``--max-orders`` raises it (about 4 GB, a minute).
DEFAULT_MAX_ORDERS = 2_000_000
#: Firings of the periodic timers (stock syncs, re-keying sessions, wave ticks) of one run.
MAX_TIMER_EVENTS = 20_000_000
#: Event-log rows per order (baseline: placed, picked, packed, ... 3.0 rows per order).
EVENTS_PER_ORDER = 3.0
#: Peak memory per order with the KPIs and tables (baseline 0.85 KB measured, doubled).
BYTES_PER_ORDER = 2_000.0
#: Orders simulated per second on one core (baseline: 140,000 orders in 4.5 s).
ORDERS_PER_SECOND = 30_000.0


class RunTooLargeError(ScenarioError):
    """A run whose estimate exceeds a limit; the message is one line with the estimate."""


@dataclass(frozen=True)
class RunEstimate:
    """One run's expected orders, periodic timer firings and simulated days."""

    orders: float
    timer_events: float
    days: float

    @property
    def events(self) -> float:
        """Expected events: the event log's rows and the timers' firings."""
        return self.orders * EVENTS_PER_ORDER + self.timer_events

    @property
    def memory_gb(self) -> float:
        """Expected peak memory (GB)."""
        return self.orders * BYTES_PER_ORDER / 1e9

    @property
    def seconds(self) -> float:
        """Expected wall time on one core (s)."""
        return self.orders / ORDERS_PER_SECOND

    def describe(self) -> str:
        """The estimate in words: orders, events, memory and time."""
        return (
            f"about {self.orders:,.0f} orders, {self.events:,.0f} events, "
            f"{self.memory_gb:,.1f} GB and {_duration(self.seconds)} over {self.days:,.4g} "
            "simulated days"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.0f} h"


def _day_multiplier(scenario: Scenario, date: dt.date) -> float:
    """Weekday multiplier times every dated period covering ``date``."""
    d = scenario.demand
    mult = d.weekday_multipliers.get(WEEKDAYS[date.weekday()], 1.0)  # type: ignore[call-overload]
    for period in d.calendar:
        if period.start <= date <= period.end:
            mult *= period.multiplier
    return mult


def estimate_run(scenario: Scenario) -> RunEstimate:
    """The expected size of one run of ``scenario`` (synthetic demand; a replayed order file
    brings its own orders, bounded by the importer, and counts 0 here)."""
    sim = scenario.simulation
    horizon, days = sim.horizon_days, sim.horizon_days + sim.drain_days
    orders = 0.0
    if not scenario.replay.orders:
        start = sim.start.date()
        whole = int(math.floor(horizon))
        total = sum(_day_multiplier(scenario, start + dt.timedelta(days=i)) for i in range(whole))
        if horizon > whole:
            total += (horizon - whole) * _day_multiplier(scenario, start + dt.timedelta(days=whole))
        orders = scenario.demand.orders_per_day * total
    minutes = days * 1440.0
    timers = 0.0
    for channel in scenario.demand.channels:
        if channel.integration == "integrated":
            timers += minutes / channel.stock_sync_min
        else:
            timers += minutes / (60.0 * channel.rekey_every_h)
    wave = scenario.picking.wave
    if scenario.picking.method == "wave" and wave.release == "interval":
        timers += minutes / wave.interval_min
    return RunEstimate(orders, timers, days)


def check_run(scenario: Scenario, max_orders: int = DEFAULT_MAX_ORDERS) -> RunEstimate:
    """The run's estimate, or ``RunTooLargeError`` (one line: the estimate and how to raise
    the limit) when it exceeds ``max_orders`` orders or :data:`MAX_TIMER_EVENTS` timer events."""
    est = estimate_run(scenario)
    name = scenario.name if len(scenario.name) <= 60 else scenario.name[:57] + "..."
    if est.orders > max_orders:
        raise RunTooLargeError(
            f"omsim: {name!r}: expected a run of at most {max_orders:,} orders, found an "
            f"estimate of {est.describe()}; shorten simulation.horizon_days or lower "
            f"demand.orders_per_day, or raise the limit with --max-orders "
            f"{_raised(est.orders)}"
        )
    if est.timer_events > MAX_TIMER_EVENTS:
        raise RunTooLargeError(
            f"omsim: {name!r}: expected at most {MAX_TIMER_EVENTS:,} periodic timer events "
            f"(stock syncs, re-keying sessions, wave ticks), found an estimate of "
            f"{est.timer_events:,.0f}; raise demand.channels.*.stock_sync_min, "
            "rekey_every_h or picking.wave.interval_min, or shorten the run"
        )
    return est


def _raised(orders: float) -> int:
    """A round limit above ``orders`` to suggest."""
    step = 10 ** max(0, int(math.log10(max(orders, 1.0))) - 1)
    return int(math.ceil(orders * 1.01 / step) * step)
