"""Picking-method KPIs: picks per labour hour, sort and consolidation times, wave completion."""

from __future__ import annotations

import math

import polars as pl

from analysis.kpis.resources import MIN_PER_HOUR, NAN, ratio, to_float, utilisation

#: Roles whose paid hours count as picking labour (picking, sorting batches, consolidating).
PICKING_ROLES = ("pickers", "sorters", "consolidators")


def picking_kpis(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    roster: pl.DataFrame,
    *,
    start: float,
    end: float,
    util: pl.DataFrame | None = None,
) -> dict[str, float]:
    """KPIs that compare picking methods, over the window ``[start, end]``.

    ``picks_per_labour_hour``: order lines picked (finished ``pick`` rows, re-picks excluded)
    per paid hour of pickers, sorters and consolidators; ``picks_per_busy_hour``: the same per
    hour they were busy (the method's pick rate, whatever the staffing). ``sort_time_mean_min`` and
    ``consolidation_time_mean_min``: mean time from joining the sort (consolidation) queue
    to leaving it. ``wave_completion_mean_min`` / ``_max_min``: per wave (orders released
    together), release to the last of its orders picked. ``util``: the window's
    :func:`analysis.kpis.resources.utilisation` table when the caller has it (computed otherwise).
    """
    done = steps.filter(pl.col("t_end").is_not_null() & pl.col("t_end").is_between(start, end))
    lines = to_float(
        done.filter(pl.col("step") == "pick")
        .select(pl.col("n_lines").cast(pl.Float64).sum())
        .item()
    )
    hours = to_float(
        roster.filter(pl.col("resource").cast(pl.String).is_in(PICKING_ROLES))
        .select(
            (pl.col("t_off").clip(upper_bound=end) - pl.col("t_on").clip(lower_bound=start))
            .clip(lower_bound=0.0)
            .sum()
            / MIN_PER_HOUR
        )
        .item()
    )
    if util is None:
        util = utilisation(steps, roster, start=start, end=end)
    busy = util.filter(pl.col("resource").is_in(PICKING_ROLES))
    busy_hours = float(busy["busy_min"].sum()) / MIN_PER_HOUR
    out = {
        "picks_per_labour_hour": ratio(lines, hours),
        "picks_per_busy_hour": ratio(lines, busy_hours),
    }
    for step, name in (
        ("sort", "sort_time_mean_min"),
        ("consolidate", "consolidation_time_mean_min"),
    ):
        rows = steps.filter(
            (pl.col("step") == step)
            & pl.col("t_end").is_not_null()
            & pl.col("t_ready").is_between(start, end)
        )
        out[name] = to_float(rows.select((pl.col("t_end") - pl.col("t_ready")).mean()).item())
    consolidated = steps.filter(pl.col("step") == "consolidate").select("order_id").unique()
    waves = (
        orders.join(consolidated, on="order_id", how="semi")
        .filter(pl.col("released_at").is_between(start, end))
        .group_by("released_at")
        .agg(
            (pl.col("picked_at").max() - pl.col("released_at").first()).alias("completion"),
            pl.col("picked_at").null_count().alias("open"),
        )
        .filter(pl.col("open") == 0)
    )
    if waves.height:
        completion = waves["completion"].to_numpy()  # group order varies: sum exactly
        out["wave_completion_mean_min"] = math.fsum(completion) / completion.size
        out["wave_completion_max_min"] = float(waves["completion"].max())
    else:
        out["wave_completion_mean_min"] = out["wave_completion_max_min"] = NAN
    return out
