"""How long an experiment will take, told before it starts: the orders it simulates times a
measured cost per order, shared over the worker processes.

The cost comes from docs/BENCHMARKS.md ("four picking methods compared"): 40 runs of 14 days
at 2,000 orders a day took 105 s of CPU on one core, results stored, about 94 microseconds per
order placed. An estimate, not a promise: busy machines and large order files are slower.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sim.experiments.steady import Measurement

#: CPU seconds per order placed, a whole ``omsim compare`` run included (BENCHMARKS.md).
SECONDS_PER_ORDER = 94e-6

#: Seconds to start ``omsim`` and its worker processes before the first order.
START_S = 3.0


@dataclass(frozen=True)
class Estimate:
    """An experiment's size and its expected wall time."""

    runs: int
    orders: float
    seconds: float

    def text(self) -> str:
        """The estimate in words: ``12 runs, 0.7 million orders: about 35 s``."""
        size = f"{self.runs} runs, {orders_text(self.orders)} orders"
        return f"{size}: about {duration(self.seconds)}"


def days_of_orders(horizon_days: float, warmup_weeks: int, weeks: int) -> float:
    """Days on which orders are placed: the file's horizon (``weeks`` 0, plain runs) or the
    warm-up and measured weeks plus the 7-day tail (steady state)."""
    if weeks > 0:
        return Measurement(True, warmup_weeks, weeks).run_days
    return float(horizon_days)


def workers(runs: int) -> int:
    """Worker processes an experiment uses: one per core, at most one per run."""
    return max(1, min(runs, os.cpu_count() or 1))


def estimate(orders_per_day: Sequence[float], days: Sequence[float], replications: int) -> Estimate:
    """The estimate for one run per replication of each scenario (``orders_per_day[i]`` and
    ``days[i]`` describe scenario ``i``)."""
    replications = max(int(replications), 0)
    runs = len(orders_per_day) * replications
    orders = replications * sum(v * d for v, d in zip(orders_per_day, days, strict=True))
    seconds = START_S + orders * SECONDS_PER_ORDER / workers(runs) if runs else 0.0
    return Estimate(runs, orders, seconds)


def orders_text(orders: float) -> str:
    """A count of orders for people: ``8,400``, ``0.7 million``."""
    if orders >= 1e6:
        return f"{orders / 1e6:.1f} million"
    return f"{orders:,.0f}"


def duration(seconds: float) -> str:
    """A duration rounded for people: ``10 s``, ``3 min``, ``1.5 h``."""
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 3600:
        return f"{round(seconds / 60):.0f} min"
    return f"{seconds / 3600:.1f} h"
