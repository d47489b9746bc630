"""The outcome of one run: its event-log tables and what it was a run of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from sim.config import Scenario

#: ``progress(simulated_days_done, total_days)``, called as a run advances.
Progress = Callable[[float, float], None]


@dataclass
class RunResult:
    """The event log of one run and what it was a run of."""

    orders: pl.DataFrame
    steps: pl.DataFrame
    events: pl.DataFrame
    roster: pl.DataFrame
    stock: pl.DataFrame
    customers: pl.DataFrame
    returns: pl.DataFrame
    reviews: pl.DataFrame
    scenario: Scenario
    seed: int
    replication: int
    start_minute_of_day: float
    end_min: float
    arrivals_end_min: float
    wall_s: float = 0.0

    def tables(self) -> dict[str, pl.DataFrame]:
        """The tables by name."""
        return {
            "orders": self.orders,
            "steps": self.steps,
            "events": self.events,
            "roster": self.roster,
            "stock": self.stock,
            "customers": self.customers,
            "returns": self.returns,
            "reviews": self.reviews,
        }
