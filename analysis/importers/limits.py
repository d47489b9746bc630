"""The ranges an imported order must lie in: sane dates, finite values, countable units.

A row outside them is rejected with its reason like any other bad row (see
:mod:`analysis.importers.read`): a date before :data:`MIN_YEAR` or after :data:`MAX_YEAR`; a line
whose value (quantity times unit price) is not a finite number; and every line of an order
whose units add up to more than a UInt32 can count or whose value is not finite.
"""

from __future__ import annotations

import polars as pl

#: Earliest and latest year of an imported order date (inclusive).
MIN_YEAR, MAX_YEAR = 1990, 2100

#: Largest number of units an order (or a line) may have: the range of a UInt32.
UINT32_MAX = 2**32 - 1

REASON_DATE_OUT_OF_RANGE = f"date outside {MIN_YEAR}-{MAX_YEAR}"
REASON_LINE_VALUE_TOO_LARGE = "line value too large"
REASON_ORDER_UNITS_TOO_LARGE = "order quantity too large"
REASON_ORDER_VALUE_TOO_LARGE = "order value too large"


def date_out_of_range(col: str) -> pl.Expr:
    """True where the datetime column ``col`` lies outside ``MIN_YEAR``-``MAX_YEAR``."""
    year = pl.col(col).dt.year()
    return (year < MIN_YEAR) | (year > MAX_YEAR)


def line_value_too_large() -> pl.Expr:
    """True where a staged line's value (``_qty`` times ``unit_price``) is not finite."""
    return ~(pl.col("_qty").cast(pl.Float64) * pl.col("unit_price")).is_finite()


def order_too_large(
    valid: pl.DataFrame, quantity: str = "quantity", unit_price: str = "unit_price"
) -> pl.DataFrame:
    """``valid`` with ``reason`` and ``column`` set on every line of an order whose units
    overflow a UInt32 or whose value overflows to infinity (null on the other lines);
    ``quantity`` and ``unit_price`` name the source columns reported."""
    value = (pl.col("_qty").cast(pl.Float64) * pl.col("unit_price")).sum().over("order_id")
    units = pl.col("_qty").cast(pl.Float64).sum().over("order_id")
    return valid.with_columns(
        pl.when(units > UINT32_MAX)
        .then(pl.lit(REASON_ORDER_UNITS_TOO_LARGE))
        .when(~value.is_finite())
        .then(pl.lit(REASON_ORDER_VALUE_TOO_LARGE))
        .otherwise(pl.lit(None, pl.String))
        .alias("reason"),
    ).with_columns(
        pl.when(pl.col("reason") == REASON_ORDER_UNITS_TOO_LARGE)
        .then(pl.lit(quantity))
        .when(pl.col("reason").is_not_null())
        .then(pl.lit(unit_price))
        .otherwise(pl.lit(None, pl.String))
        .alias("column")
    )
