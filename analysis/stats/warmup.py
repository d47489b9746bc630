"""Warm-up detection: MSER-5 (White, 1997; the truncation rule used by simulation packages).

Warm-up is a filter in analysis, never a model switch: a run is simulated from an empty
warehouse, and the KPIs exclude the orders placed before the suggested warm-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from analysis.kpis.resources import queue_length
from analysis.stats.stability import daily_backlog, daily_time_to_ship


def mser(values: Sequence[float], batch: int = 5, min_batches: int = 4) -> int:
    """MSER-m truncation point: how many leading observations to drop.

    The series is averaged in batches of ``batch`` observations (MSER-5 by default); for every
    truncation d (in batches, up to half the batches) the statistic is
    ``sum((y_i - mean(y[d:]))^2) / (n - d)^2`` over the kept batch means; the d that
    minimises it, times ``batch``, is returned (0 for a series of fewer than
    ``min_batches`` batches: too short to judge).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n_batches = len(x) // batch
    if n_batches < max(min_batches, 2):
        return 0
    y = x[: n_batches * batch].reshape(n_batches, batch).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(n_batches // 2 + 1):
        kept = y[d:]
        stat = float(((kept - kept.mean()) ** 2).sum()) / len(kept) ** 2
        if stat < best:
            best_d, best = d, stat
    return best_d * batch


def suggest_warmup_days(
    steps: pl.DataFrame, *, end: float, step: str = "pick", every_min: float = 60.0
) -> float:
    """Suggested warm-up in days: MSER-5 on the queue length of ``step`` sampled every
    ``every_min`` minutes from the start of the run to ``end``."""
    q = queue_length(steps, step, start=0.0, end=end)
    if q.height == 0 or end <= 0:
        return 0.0
    grid = np.arange(0.0, end, every_min)
    t = q["t"].to_numpy()
    length = q["length"].to_numpy()
    idx = np.searchsorted(t, grid, side="right") - 1
    sampled = np.where(idx >= 0, length[np.clip(idx, 0, None)], 0.0)
    return mser(sampled) * every_min / 1440.0


def suggest_warmup_days_daily(
    orders: pl.DataFrame, *, end: float, observe_end: float, start_minute_of_day: float = 0.0
) -> float:
    """Suggested warm-up in days from the daily series, in whole weeks: MSER-7 (batches of
    seven days, so the weekly cycle averages out; three weeks at least) on the open orders at
    each day's end and on the mean time to ship of each day's orders, from the start of the
    run to ``end`` (the end of arrivals); the larger of the two."""
    backlog = daily_backlog(orders, end, start_minute_of_day)
    ship = daily_time_to_ship(orders, end, observe_end, start_minute_of_day)
    days = max(mser(backlog, 7, 3), mser(ship, 7, 3))
    return float(days)
