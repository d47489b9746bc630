"""Is a run in a steady state? Daily and weekly backlog and time-to-ship, a trend test.

* :func:`daily_backlog`: open orders (placed, not shipped, not lost, not sold in store) at the
  end of each calendar day;
* :func:`daily_time_to_ship`: mean time to ship of the orders placed each day, an order not
  shipped by the end of observation counted at its age then (a lower bound, so a growing
  backlog shows even when its orders never ship);
* :func:`weekly_series`: the same two per measured week (whole weeks from the window start);
* :func:`upward_trend`: a one-sided test that a weekly series rises over the weeks, on
  replications: least-squares slope of the weekly means on the week number with one intercept
  per replication (replications as blocks), t-test of slope > 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats as sps

MIN_PER_DAY = 1440.0
#: Significance level of the trend test.
TREND_ALPHA = 0.05


def _fulfilment(orders: pl.DataFrame) -> pl.DataFrame:
    keep = (pl.col("lost_cause").cast(pl.String) == "none") & ~pl.col("in_store").fill_null(False)
    if "duplicate_of" in orders.columns:
        keep = keep & pl.col("duplicate_of").is_null()
    return orders.filter(keep).select("placed_at", "shipped_at")


def daily_backlog(orders: pl.DataFrame, end: float, start_minute_of_day: float = 0.0):
    """Open orders at the end of each calendar day (midnight) up to ``end``: placed by then,
    not shipped by then (lost and in-store orders never count)."""
    o = _fulfilment(orders)
    placed = np.sort(o["placed_at"].to_numpy())
    shipped = np.sort(o["shipped_at"].drop_nulls().to_numpy())
    first = MIN_PER_DAY - start_minute_of_day % MIN_PER_DAY
    ends = np.arange(first, end + 1e-9, MIN_PER_DAY)
    return np.searchsorted(placed, ends, "right") - np.searchsorted(shipped, ends, "right")


def _ages_h(o: pl.DataFrame, observe_end: float) -> np.ndarray:
    placed = o["placed_at"].to_numpy()
    shipped = o["shipped_at"].fill_null(np.inf).to_numpy()
    return (np.minimum(shipped, observe_end) - placed) / 60.0


def daily_time_to_ship(
    orders: pl.DataFrame, end: float, observe_end: float, start_minute_of_day: float = 0.0
) -> np.ndarray:
    """Mean hours from placed to shipped of the orders placed each calendar day before
    ``end``, an order unshipped at ``observe_end`` counted at its age then (NaN: no orders)."""
    o = _fulfilment(orders).filter(pl.col("placed_at") < end)
    day = ((o["placed_at"].to_numpy() + start_minute_of_day) // MIN_PER_DAY).astype(int)
    ages = _ages_h(o, observe_end)
    n = int(math.ceil((end + start_minute_of_day) / MIN_PER_DAY))
    total = np.bincount(day, ages, minlength=n)[:n]
    count = np.bincount(day, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def weekly_series(
    orders: pl.DataFrame, start: float, weeks: int, observe_end: float
) -> dict[str, float]:
    """Per measured week ``k`` (1-based; week ``k`` is ``[start + 7(k-1) d, start + 7k d)``):
    ``week_time_to_ship_mean_h_<k>`` (mean hours to ship of the week's orders, unshipped ones
    at their age at ``observe_end``) and ``week_backlog_mean_<k>`` (mean open orders at the
    seven day ends of the week, counted from ``start``)."""
    o = _fulfilment(orders)
    placed = np.sort(o["placed_at"].to_numpy())
    shipped = np.sort(o["shipped_at"].drop_nulls().to_numpy())
    out = {}
    for k in range(1, weeks + 1):
        a, b = start + 7 * (k - 1) * MIN_PER_DAY, start + 7 * k * MIN_PER_DAY
        week = o.filter(pl.col("placed_at").is_between(a, b, closed="left"))
        ages = _ages_h(week, observe_end)
        out[f"week_time_to_ship_mean_h_{k}"] = float(ages.mean()) if ages.size else math.nan
        ends = a + MIN_PER_DAY * np.arange(1, 8)
        open_ = np.searchsorted(placed, ends, "right") - np.searchsorted(shipped, ends, "right")
        out[f"week_backlog_mean_{k}"] = float(open_.mean())
    return out


@dataclass(frozen=True)
class Trend:
    """Slope of a weekly series per week, its one-sided p-value (slope > 0), and whether the
    rise is significant at ``alpha`` (False when it cannot be tested)."""

    slope: float
    p_value: float
    significant: bool


def upward_trend(values: np.ndarray, alpha: float = TREND_ALPHA) -> Trend:
    """Test for a rise over the weeks in ``values`` (replications x weeks): regress each
    value on its week number with one intercept per replication; t-test of slope > 0 with
    ``R*W - R - 1`` degrees of freedom. Rows with a NaN are dropped; fewer than 2 weeks or no
    residual degrees of freedom cannot be tested (not significant, p NaN)."""
    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y).all(axis=1)] if y.ndim == 2 else y[None, :]
    r, w = y.shape if y.size else (0, 0)
    df = r * w - r - 1
    if w < 2 or df < 1:
        return Trend(math.nan, math.nan, False)
    x = np.arange(w, dtype=float) - (w - 1) / 2.0
    yc = y - y.mean(axis=1, keepdims=True)
    sxx = r * float((x * x).sum())
    slope = float((yc * x).sum()) / sxx
    resid = yc - slope * x
    s2 = float((resid * resid).sum()) / df
    if s2 <= 0.0:
        p = 0.0 if slope > 0 else 1.0
    else:
        p = float(sps.t.sf(slope / math.sqrt(s2 / sxx), df))
    return Trend(slope, p, bool(p < alpha))
