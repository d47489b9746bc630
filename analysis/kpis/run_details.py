"""Compact per-run tables kept in the run store for figures and reports.

The full event log of a run is large; an experiment keeps, for every run, its KPIs plus the
small tables here, which is all the report's figures need:

``orders``  one row per order of the cohort (placed in the analysis window): its service,
            hour placed, time to ship and lead time in hours (null if not reached by the end).
``queues``  for every step (pick, pack, label, ...), the mean number of attempts waiting in
            its queue by hour of day (0..23) from the warm-up to the end of arrivals.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analysis.kpis.resources import (
    MIN_PER_DAY,
    MIN_PER_HOUR,
    _length_at,
    _names,
    _sorted_ends,
    _waits,
)
from analysis.kpis.run_kpis import order_flow

#: Queue lengths are sampled at this interval (minutes) to average them by hour of day.
SAMPLE_MIN = 1.0


def order_details(
    orders: pl.DataFrame,
    *,
    start_minute_of_day: float,
    start: float,
    arrivals_end: float,
    end: float,
) -> pl.DataFrame:
    """The cohort placed in ``[start, arrivals_end]``: service, placed hour, time to ship
    and lead time (hours, Float32; null if not shipped / delivered by ``end``)."""
    flow = order_flow(
        orders.filter(pl.col("placed_at").is_between(start, arrivals_end)),
        start_minute_of_day=start_minute_of_day,
    )
    return flow.select(
        pl.col("service").cast(pl.String),
        pl.col("placed_hour").cast(pl.Float32),
        pl.when(pl.col("shipped_at") <= end)
        .then(pl.col("time_to_ship_h"))
        .cast(pl.Float32)
        .alias("time_to_ship_h"),
        pl.when(pl.col("delivered_at") <= end)
        .then(pl.col("lead_time_h"))
        .cast(pl.Float32)
        .alias("lead_time_h"),
    )


def queue_by_hour(
    steps: pl.DataFrame, *, start_minute_of_day: float, start: float, end: float
) -> pl.DataFrame:
    """Mean queue length of every step by hour of day over ``[start, end)``.

    Columns ``step`` (String), ``hour`` (Int8, 0..23) and ``queue_mean`` (Float64). The queue
    length (attempts ready but not started) is sampled every :data:`SAMPLE_MIN` minutes.
    """
    schema = {"step": pl.String, "hour": pl.Int8, "queue_mean": pl.Float64}
    if not end > start:
        return pl.DataFrame(schema=schema)
    t = np.arange(start, end, SAMPLE_MIN)
    hour = (((t + start_minute_of_day) % MIN_PER_DAY) // MIN_PER_HOUR).astype(np.int64)
    counts = np.bincount(hour, minlength=24).astype(float)
    waits = _waits(steps, start, end).collect()
    rows: dict[str, list] = {"step": [], "hour": [], "queue_mean": []}
    for step in _names(steps["step"]):
        a, b = _sorted_ends(waits.filter(pl.col("step") == step))
        length = _length_at(a, b, t)
        sums = np.bincount(hour, weights=length, minlength=24)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        rows["step"] += [step] * 24
        rows["hour"] += list(range(24))
        rows["queue_mean"] += means.tolist()
    return pl.DataFrame(rows, schema=schema)


def run_details(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    *,
    start_minute_of_day: float,
    start: float,
    arrivals_end: float,
    end: float,
) -> dict[str, pl.DataFrame]:
    """The detail tables of one run (see the module docstring), by name."""
    return {
        "orders": order_details(
            orders,
            start_minute_of_day=start_minute_of_day,
            start=start,
            arrivals_end=arrivals_end,
            end=end,
        ),
        "queues": queue_by_hour(
            steps,
            start_minute_of_day=start_minute_of_day,
            start=start,
            end=min(arrivals_end, end),
        ),
    }
