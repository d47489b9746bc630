"""Why a picking method wins: the picking time per order line split into its parts, and how
full carts are.

Per line picked in the window (``pick`` rows finished in ``[start, end]``, re-picks
excluded), in minutes:

* labour: ``line_travel_min`` (walking), ``line_setup_min`` (starting a tour or a tote),
  ``line_pick_min`` (search and extract per line and per unit, sort-while-pick included) -
  the pickers' busy time split in proportion to its nominal parts (metres walked / walking
  speed, tours x set-up, lines x time per line + units x time per unit), so the three add up
  to the busy time whatever the random work-content factor; ``line_sort_min`` (sort station)
  and ``line_consolidation_min`` (wave consolidation) - busy time of sorters and
  consolidators;
* waiting: ``line_wait_release_min`` (paid, or keyed in, to released to the warehouse:
  waiting for a wave) and ``line_wait_queue_min`` (ready to picked up, per pick row: waiting
  for a picker, for a batch to fill, or for the next zone's picker). Waiting includes nights
  and weekends spent in the queue, so it is usually far larger than the labour.

``line_time_min`` is their sum. ``orders_per_tour`` is the mean number of orders (zone and
wave: order visits) in a picker's tour, ``cart_fill`` that over the cart's capacity (batch
picking: ``n_totes_per_cart``; NaN for the other methods).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from analysis.kpis.resources import NAN, _busy_intervals, ratio, to_float

#: The parts of ``line_time_min``, in stacking order (KPI ``line_<part>_min``).
LABOUR_PARTS = ("travel", "setup", "pick", "sort", "consolidation")
WAIT_PARTS = ("wait_release", "wait_queue")
SPLIT_PARTS = (*LABOUR_PARTS, *WAIT_PARTS)


@dataclass(frozen=True)
class PickTimesSpec:
    """The nominal pick times of the scenario's method (minutes; speed in metres a minute)."""

    speed_m_per_min: float
    setup_min: float
    per_line_min: float
    per_unit_min: float
    cart_capacity: int | None = None  # orders per cart (batch picking)


def _busy_min(steps: pl.DataFrame, resource: str, start: float, end: float) -> tuple[float, int]:
    """(busy minutes, intervals) of a resource's finished work ending in the window (a batch
    once)."""
    rows = (
        _busy_intervals(steps.filter(pl.col("resource").cast(pl.String) == resource))
        .filter(pl.col("t_end").is_not_null() & pl.col("t_end").is_between(start, end))
        .select((pl.col("t_end") - pl.col("t_start")).alias("d"))
        .collect()
    )
    return math.fsum(rows["d"].to_list()), rows.height  # exact: any row order


def picking_split(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    *,
    spec: PickTimesSpec | None,
    start: float,
    end: float,
) -> dict[str, float]:
    """``line_<part>_min`` per part of ``SPLIT_PARTS``, ``line_time_min``,
    ``orders_per_tour`` and ``cart_fill`` over the window (NaN without ``spec`` or lines)."""
    keys = [f"line_{p}_min" for p in SPLIT_PARTS] + ["line_time_min", "orders_per_tour"]
    out = dict.fromkeys([*keys, "cart_fill"], NAN)
    picks = steps.filter(
        (pl.col("step") == "pick") & pl.col("t_end").is_not_null()
        & pl.col("t_end").is_between(start, end)
    )  # fmt: skip
    lines = to_float(picks["n_lines"].cast(pl.Float64).sum()) if picks.height else 0.0
    if spec is None or lines <= 0:
        return out
    picker_min, tours = _busy_min(steps, "pickers", start, end)
    all_lines = to_float(
        steps.filter(
            pl.col("step").is_in(["pick", "repick"]) & pl.col("t_end").is_not_null()
            & pl.col("t_end").is_between(start, end)
        )["n_lines"].cast(pl.Float64).sum()
    )  # fmt: skip
    picked = orders.filter(pl.col("picked_at").is_between(start, end).fill_null(False))
    metres = math.fsum(picked["travel_m"].cast(pl.Float64).fill_null(0.0).to_list())
    units = math.fsum(picked["n_units"].cast(pl.Float64).fill_null(0.0).to_list())
    nominal = {
        "travel": metres / spec.speed_m_per_min,
        "setup": tours * spec.setup_min,
        "pick": all_lines * spec.per_line_min + units * spec.per_unit_min,
    }
    scale = ratio(picker_min, sum(nominal.values()))
    parts = {k: (v * scale if v > 0 else 0.0) for k, v in nominal.items()}
    parts["sort"] = _busy_min(steps, "sorters", start, end)[0]
    parts["consolidation"] = _busy_min(steps, "consolidators", start, end)[0]
    ready = pl.max_horizontal(pl.col("paid_at"), pl.col("received_at"))
    parts["wait_release"] = math.fsum(
        picked.select((pl.col("released_at") - ready).clip(lower_bound=0.0))
        .to_series()
        .drop_nulls()
        .to_list()
    )
    parts["wait_queue"] = math.fsum(
        picks.select((pl.col("t_start") - pl.col("t_ready")).clip(lower_bound=0.0))
        .to_series()
        .drop_nulls()
        .to_list()
    )
    for p in SPLIT_PARTS:
        out[f"line_{p}_min"] = parts[p] / lines
    out["line_time_min"] = math.fsum(parts.values()) / lines
    out["orders_per_tour"] = ratio(float(picks.height), float(tours))
    if spec.cart_capacity:
        out["cart_fill"] = out["orders_per_tour"] / spec.cart_capacity
    return out


_WHAT = {
    "travel": "walking",
    "setup": "starting a tour or a tote",
    "pick": "search and extract (per line and per unit)",
    "sort": "sort station (batch picking)",
    "consolidation": "consolidation station (wave picking)",
    "wait_release": "waiting to be released to the warehouse (a wave)",
    "wait_queue": "waiting for a picker or for a batch to fill",
}

#: ``(name, unit, description, higher_is_better)`` of the split's KPIs, read by kpi_defs.
SPLIT_KPIS: tuple[tuple[str, str, str, bool | None], ...] = (
    *[
        (f"line_{p}_min", "min/line", f"Minutes of {_WHAT[p]} per order line picked in the "
         "window (analysis/kpis/picking_split.py).", False)
        for p in SPLIT_PARTS
    ],
    ("line_time_min", "min/line", "Sum of the line_<part>_min: picking labour and waiting per "
     "order line picked in the window.", False),
    ("orders_per_tour", "orders", "Mean orders (zone, wave: order visits) per picker tour.",
     None),
    ("cart_fill", "share", "Batch picking: orders per tour / n_totes_per_cart.", True),
)  # fmt: skip
