"""The end of a run: milestones after it are censored and each order gets its status."""

from __future__ import annotations

import polars as pl

from sim.eventlog import STATUSES


def censor(orders: pl.DataFrame, end: float) -> pl.DataFrame:
    """Null milestones after the end of the run (or never reached) and derive the status."""
    times = [
        "paid_at", "received_at", "released_at", "picked_at", "packed_at",
        "labelled_at", "shipped_at", "delivered_at",
    ]  # fmt: skip
    orders = orders.with_columns(
        [pl.when(pl.col(c) <= end).then(pl.col(c)).otherwise(None).alias(c) for c in times]
    )
    status = (
        pl.when(pl.col("lost_cause") != "none").then(pl.lit("lost"))
        .when(pl.col("in_store")).then(pl.lit("sold_in_store"))
        .when(pl.col("delivered_at").is_not_null()).then(pl.lit("delivered"))
        .when(pl.col("shipped_at").is_not_null()).then(pl.lit("in_transit"))
        .when(pl.col("labelled_at").is_not_null()).then(pl.lit("at_dock"))
        .when(pl.col("packed_at").is_not_null()).then(pl.lit("awaiting_label"))
        .when(pl.col("picked_at").is_not_null()).then(pl.lit("awaiting_packing"))
        .otherwise(pl.lit("awaiting_picking"))
    )  # fmt: skip
    unshipped = pl.col("shipped_at").is_null()
    return orders.with_columns(
        pl.col("ship_by_at").replace(float("inf"), None),
        status.cast(pl.Enum(STATUSES)).alias("status"),
        (pl.col("damaged") & pl.col("delivered_at").is_not_null()).alias("damaged"),
        pl.when(unshipped).then(None).otherwise(pl.col("carrier")).alias("carrier"),
        pl.when(unshipped).then(0.0).otherwise(pl.col("shipping_cost")).alias("shipping_cost"),
    )
