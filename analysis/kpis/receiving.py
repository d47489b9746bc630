"""Receiving KPIs: lost sales, oversold and backordered orders, duplicates and unpaid orders
shipped, point-of-sale orders, and the labour of re-keying and fraud review.

Pure functions over the ``orders`` and ``steps`` tables of ``sim/eventlog.py`` (column names
only; the model and simpy are never imported). The cohort is the orders placed in
``[start, end]``; milestones after ``observe_end`` are not reached. *Customer* orders are the
rows that are not duplicates (``duplicate_of`` null): a duplicate is a manual channel's order
keyed twice by staff, so it is shipped (and costs money) but nobody ordered it.
"""

from __future__ import annotations

import math

import polars as pl

from analysis.kpis.resources import MIN_PER_HOUR, _busy_intervals, ratio
from sim.eventlog import LOST_CAUSES

#: The causes a sale can be lost to (``none``, "not lost", excluded); one KPI pair per cause.
CAUSES: tuple[str, ...] = tuple(c for c in LOST_CAUSES if c != "none")

#: Step whose busy hours make ``<kpi>`` (re-keying manual channels, manual fraud review).
LABOUR_STEPS: dict[str, str] = {
    "consolidation_labour_h": "rekey",
    "fraud_review_h": "fraud_review",
}


def step_busy_h(steps: pl.DataFrame, step: str, *, start: float, end: float) -> float:
    """Hours the ``step`` attempts kept a worker busy inside ``[start, end]``.

    Busy intervals as for utilisation (``analysis.kpis.resources._busy_intervals``: started
    attempts, a batch once); an attempt still in progress (``t_end`` null) runs to ``end``;
    intervals are
    clipped to the window. Unlike utilisation, time past the worker's shift end counts: it is
    labour spent on the step.
    """
    rows = steps.filter(pl.col("step").cast(pl.String) == step)
    busy = (
        _busy_intervals(rows)
        .select(
            (
                pl.col("t_end").fill_null(end).clip(upper_bound=end)
                - pl.col("t_start").clip(lower_bound=start)
            )
            .clip(lower_bound=0.0)
            .alias("busy")
        )
        .collect()
    )
    return math.fsum(busy["busy"].to_list()) / MIN_PER_HOUR  # exact: row order does not matter


def receiving_kpis(
    orders: pl.DataFrame, steps: pl.DataFrame, *, start: float, end: float, observe_end: float
) -> dict[str, float]:
    """Receiving KPIs of the cohort placed in ``[start, end]``, observed at ``observe_end``.

    Counts and hours are 0.0 when nothing is counted; rates are NaN only without customer
    orders in the cohort. See ``KPI_DEFS`` for each name; ``lost_orders_<cause>`` and
    ``lost_value_<cause>`` exist for every cause in ``LOST_CAUSES`` but ``none``.
    """
    f64 = pl.Float64
    customer = pl.col("duplicate_of").is_null()
    # a duplicate keyed by mistake and then cancelled is no lost sale: customer orders only
    lost = customer & (pl.col("lost_cause").cast(pl.String) != "none")
    shipped = (pl.col("shipped_at") <= observe_end).fill_null(False)
    unpaid = (pl.col("paid_at") > observe_end).fill_null(True)  # null paid_at: never paid
    cause = pl.col("lost_cause").cast(pl.String)
    value = pl.col("value").cast(f64)

    def count(mask: pl.Expr) -> pl.Expr:
        return mask.fill_null(False).sum().cast(f64)

    def total(mask: pl.Expr) -> pl.Expr:
        return value.filter(mask.fill_null(False)).sum()

    groups = {
        "lost": lost,
        "duplicates_shipped": ~customer & shipped,
        "unpaid_shipped": customer & shipped & unpaid,
        **{f"lost_{c}": lost & (cause == c) for c in CAUSES},
    }
    row = (
        orders.lazy()
        .filter(pl.col("placed_at").is_between(start, end).fill_null(False))
        .select(
            count(customer).alias("_customers"),
            count(lost & (cause == "stock_out")).alias("_stock_out"),
            count(pl.col("oversold")).alias("orders_oversold"),
            count(pl.col("backordered")).alias("orders_backordered"),
            count(pl.col("in_store") & ~lost).alias("orders_sold_in_store"),
            *[count(mask).alias(f"_n_{name}") for name, mask in groups.items()],
            *[total(mask).alias(f"_v_{name}") for name, mask in groups.items()],
        )
        .collect()
        .row(0, named=True)
    )

    def n(name: str) -> float:
        return float(row[f"_n_{name}"])

    def v(name: str) -> float:
        return float(row[f"_v_{name}"] or 0.0)

    customers = float(row["_customers"])
    out = {
        "lost_orders": n("lost"),
        "lost_value": v("lost"),
        "lost_sales_rate": ratio(n("lost"), customers),
        "stock_out_rate": ratio(float(row["_stock_out"]), customers),
    }
    for c in CAUSES:
        out[f"lost_orders_{c}"] = n(f"lost_{c}")
        out[f"lost_value_{c}"] = v(f"lost_{c}")
    for name in ("orders_oversold", "orders_backordered", "orders_sold_in_store"):
        out[name] = float(row[name])
    for name in ("duplicates_shipped", "unpaid_shipped"):
        out[name] = n(name)
        out[f"{name}_value"] = v(name)
    for name, step in LABOUR_STEPS.items():
        out[name] = step_busy_h(steps, step, start=start, end=end)
    return out
