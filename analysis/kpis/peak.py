"""Peak-season KPIs: the backlog at each day's end and the days it takes to clear it.

The backlog at a time t is the orders the back office has received (``received_at <= t``)
and not yet handed to the carrier (``shipped_at`` null or later than t): lost sales and
counter sales are not counted, duplicates keyed by mistake are (their work is real).

With a peak (``peak``: the simulation minutes of the start of the first dated period with a
multiplier above 1, and of the end of the busiest period), ``backlog_days_to_clear`` is the
days from the end of the busiest period until a day-end backlog is first back to its normal
level: no more than the backlog at the end of the same weekday in the week before the peak
(weekends build a backlog every week), while orders still arrive (drain days would clear any
backlog). NaN without a peak, without a full week before it, or when the backlog is not back
to normal by the end of arrivals.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from analysis.kpis.resources import MIN_PER_DAY, NAN

#: Days before the peak whose day-end backlogs set the "normal" level.
NORMAL_DAYS = 7


def backlog_by_day(orders: pl.DataFrame, *, start_minute_of_day: float, end: float) -> pl.DataFrame:
    """``day`` (index from the run's first day), ``t`` (simulation minutes of the day's end,
    midnight) and ``backlog`` (orders) at every day end up to ``end``."""
    keep = (pl.col("lost_cause").cast(pl.String) == "none") & ~pl.col("in_store").fill_null(False)
    o = orders.filter(keep & pl.col("received_at").is_not_null())
    received = np.sort(o["received_at"].to_numpy())
    shipped = o["shipped_at"].drop_nulls().to_numpy()
    shipped = np.sort(shipped[~np.isnan(shipped)])
    n_days = int(math.floor((end + start_minute_of_day) / MIN_PER_DAY))
    days = np.arange(1, n_days + 1)
    t = days * MIN_PER_DAY - start_minute_of_day
    backlog = np.searchsorted(received, t, side="right") - np.searchsorted(shipped, t, side="right")
    return pl.DataFrame({"day": days - 1, "t": t, "backlog": backlog.astype(np.int64)})


def peak_kpis(
    orders: pl.DataFrame,
    *,
    start_minute_of_day: float,
    start: float,
    end: float,
    observe_end: float,
    peak: tuple[float, float] | None,
) -> dict[str, float]:
    """``backlog_mean_orders`` and ``backlog_max_orders`` over the day ends in
    ``[start, end]``, and ``backlog_days_to_clear`` (followed until ``observe_end``)."""
    days = backlog_by_day(orders, start_minute_of_day=start_minute_of_day, end=observe_end)
    window = days.filter(pl.col("t").is_between(start, end))["backlog"].cast(pl.Float64)
    out = {
        "backlog_mean_orders": float(window.mean()) if window.len() else NAN,
        "backlog_max_orders": float(window.max()) if window.len() else NAN,
        "backlog_days_to_clear": NAN,
    }
    if peak is None:
        return out
    peak_start, peak_end = peak
    backlog = dict(zip(days["day"].to_list(), days["backlog"].to_list(), strict=True))
    # the last day before the peak: its end is the peak's start
    last_normal = round((peak_start + start_minute_of_day) / MIN_PER_DAY) - 1
    first_normal = last_normal - (NORMAL_DAYS - 1)
    if first_normal not in backlog:
        return out
    after = days.filter(pl.col("t").is_between(peak_end, end))  # orders still arriving
    for d, t in after.select("day", "t").iter_rows():
        if backlog[d] <= backlog[first_normal + (d - first_normal) % NORMAL_DAYS]:
            out["backlog_days_to_clear"] = (t - peak_end) / MIN_PER_DAY
            break
    return out


#: ``(name, unit, description, higher_is_better)`` of the peak KPIs, read by kpi_defs.
PEAK_KPIS: tuple[tuple[str, str, str, bool | None], ...] = (
    ("backlog_mean_orders", "orders", "Mean backlog at the day ends in the window: orders "
     "received by the back office and not yet shipped (lost and counter sales excluded).",
     False),
    ("backlog_max_orders", "orders", "Largest backlog at a day end in the window.", False),
    ("backlog_days_to_clear", "days", "Days from the end of the busiest dated demand period "
     "until a day-end backlog is no more than on the same weekday in the week before the "
     "peak; NaN without a peak or if not by the end of the run.", False),
)  # fmt: skip
