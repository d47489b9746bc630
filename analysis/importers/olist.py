"""Olist Brazilian e-commerce data to the orders-and-lines schema
(:mod:`analysis.importers.schema`).

Format ``olist`` of :func:`analysis.importers.read.read_orders`. Olist publishes orders and their
items in separate files; this reader joins them. Rules 1, 4, 5, 7 and 8 of
:mod:`analysis.importers.read` apply; this module adds or changes the following.

Rules
-----
O1. ``path`` is the directory holding ``olist_orders_dataset.csv`` and
    ``olist_order_items_dataset.csv``, or the orders CSV itself (the items file is then looked
    for beside it). Required columns: orders ``order_id, order_status,
    order_purchase_timestamp``; items ``order_id, order_item_id, product_id, price``. The
    optional ``customer_id`` and timing columns are null when absent. All missing columns of
    both files are named in one error.
O2. ``rows_read`` = order rows + item rows; ``accepted_rows`` = accepted order rows + accepted
    item rows. ``rejects.file`` tells which file a rejected row comes from.
O3. An order row is rejected (first failing check): ``"missing order id"``; status
    ``canceled`` → ``"cancellation"``, ``unavailable`` → ``"unavailable order"`` (column
    ``order_status``); missing or unparseable ``order_purchase_timestamp`` → ``"missing date"``
    / ``"unparseable date"``; a purchase date before 1990 or after 2100 →
    ``"date outside 1990-2100"``; a repeated ``order_id`` (after an accepted row with that id) →
    ``"duplicate order"``; finally, an order none of whose item rows is accepted (including
    one with no item rows at all) → ``"order without items"`` (column ``""``). Other statuses
    (``delivered``, ``shipped``, ``invoiced``, ``processing``...) are accepted.
O4. An item row is rejected (first failing check): ``"missing order id"``; no order row with
    that id → ``"item without order"`` (column ``order_id``); its order was rejected →
    ``"order rejected"`` (column ``""``); missing ``product_id`` → ``"missing sku"``; missing,
    non-numeric or negative ``price`` → ``"missing price"`` / ``"price not a number"`` /
    ``"negative price"``; every item of an order whose prices add up to more than a float
    can hold → ``"order value too large"``. A price of 0 is accepted.
O5. Items are one row per *unit*. The accepted item rows of an order form one line per
    ``product_id`` (the SKU), ordered by its first ``order_item_id`` (then by file row):
    quantity = number of item rows, unit_price = their price (if prices differ within a
    group, the mean, so quantity x unit_price is still the sum). Rule 3 (duplicate lines)
    does not apply: repeated rows are how Olist writes quantities.
O6. The order: ``placed_at`` = ``order_purchase_timestamp``; ``paid_at`` =
    ``order_approved_at``; ``shipped_at`` = ``order_delivered_carrier_date``;
    ``delivered_at`` = ``order_delivered_customer_date``; ``promised_at`` =
    ``order_estimated_delivery_date``; ``value`` = sum of the accepted items' prices
    (``freight_value`` excluded); channel and service are null. Orders are in orders-file
    order, lines by order then rule O5.
O7. Customer = ``customer_id``. Olist gives every order a new ``customer_id``; if
    ``olist_customers_dataset.csv`` (``customer_id, customer_unique_id``) is beside the orders
    file, ``customer_id`` is replaced by ``customer_unique_id`` so that repeat customers are one
    customer (an id missing from that file is kept as it is). Its rows are a look-up table,
    not counted in ``rows_read``.
O8. Timing problems never reject an order: they set ``timing_flag`` (several joined with
    ``"; "``). A non-empty timing value that does not parse (or, with ``tz``, falls in the
    spring DST gap, or lies outside 1990-2100) becomes null and is flagged
    ``"unparseable <column>"`` (e.g. ``"unparseable order_approved_at"``); an empty one is
    simply null. Carrier hand-over
    before approval is flagged ``"carrier before approval"`` and delivery before the carrier
    hand-over ``"delivered before carrier"`` (both occur in the real data).
O9. Olist times are naive local Brazil time: pass ``tz="America/Sao_Paulo"`` for aware
    instants (Brazil observed DST until 2019; estimated delivery dates at midnight on a
    spring-forward day do not exist locally and are flagged per O8).
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from analysis.importers.cells import (
    check_tz,
    has_offset,
    is_missing,
    parse_dates,
    text,
    timing_exprs,
)
from analysis.importers.common import (
    Check,
    finish_orders,
    first_failure,
    log_result,
    missing_columns,
    no_valid_rows,
    read_raw,
    reject_frame,
)
from analysis.importers.limits import (
    REASON_DATE_OUT_OF_RANGE,
    REASON_ORDER_VALUE_TOO_LARGE,
    date_out_of_range,
)
from analysis.importers.schema import (
    LINES_SCHEMA,
    REASON_BAD_DATE,
    REASON_BAD_PRICE,
    REASON_CANCELLATION,
    REASON_DUPLICATE_ORDER,
    REASON_MISSING_DATE,
    REASON_MISSING_ORDER_ID,
    REASON_MISSING_PRICE,
    REASON_MISSING_SKU,
    REASON_NEGATIVE_PRICE,
    REASON_NO_ITEMS,
    REASON_ORDER_REJECTED,
    REASON_ORPHAN_ITEM,
    REASON_UNAVAILABLE,
    ImportResult,
    OrderImportError,
)

__all__ = [
    "OLIST_CUSTOMERS_FILE",
    "OLIST_ITEMS_FILE",
    "OLIST_ORDERS_FILE",
    "read_olist",
]

OLIST_ORDERS_FILE = "olist_orders_dataset.csv"
OLIST_ITEMS_FILE = "olist_order_items_dataset.csv"
OLIST_CUSTOMERS_FILE = "olist_customers_dataset.csv"
ORDERS_REQUIRED = ("order_id", "order_status", "order_purchase_timestamp")
ITEMS_REQUIRED = ("order_id", "order_item_id", "product_id", "price")
CUSTOMERS_REQUIRED = ("customer_id", "customer_unique_id")
OLIST_TIMING = {
    "paid_at": "order_approved_at",
    "shipped_at": "order_delivered_carrier_date",
    "delivered_at": "order_delivered_customer_date",
    "promised_at": "order_estimated_delivery_date",
}
PURCHASE = "order_purchase_timestamp"


def read_olist(
    path: str | Path,
    tz: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Import the Olist orders and order-items files (directory or orders CSV; rules O1-O9)."""
    start = time.perf_counter()
    check_tz(tz)
    orders_path, items_path = _locate(Path(path))
    opts = {"delimiter": delimiter, "encoding": encoding, "mark_truncated": False}
    o_raw = read_raw(orders_path, parquet=False, **opts)
    i_raw = read_raw(items_path, parquet=False, **opts)
    missing = [
        f"{p.name}: {', '.join(m)}"
        for p, m in (
            (orders_path, missing_columns(o_raw, ORDERS_REQUIRED)),
            (items_path, missing_columns(i_raw, ITEMS_REQUIRED)),
        )
        if m
    ]
    if missing:
        raise OrderImportError(
            f"{orders_path.parent}: missing required column(s) for Olist: {'; '.join(missing)}"
        )
    rows_read = o_raw.height + i_raw.height

    orders, order_rejects = _stage_orders(o_raw, tz)
    items, item_rejects = _stage_items(i_raw, orders, order_rejects)
    with_items = items.select(pl.col("order_id").unique())
    empty = orders.join(with_items, on="order_id", how="anti").with_columns(
        pl.lit(REASON_NO_ITEMS).alias("reason"), pl.lit("").alias("column")
    )
    orders = orders.join(with_items, on="order_id", how="semi")
    order_rejects = pl.concat([order_rejects, empty.select(order_rejects.columns)])
    rejects = pl.concat(
        [reject_frame(orders_path, order_rejects), reject_frame(items_path, item_rejects)]
    )
    if orders.height == 0:
        raise no_valid_rows(orders_path.parent, rows_read, rejects)

    lines = _build_lines(items, orders)
    per_order = lines.group_by("order_id").agg(
        pl.len().alias("n_lines"), pl.col("quantity").sum().alias("n_units")
    )
    value = items.group_by("order_id").agg(pl.col("unit_price").sum().alias("value"))
    orders = (
        orders.join(per_order, on="order_id", how="left")
        .join(value, on="order_id", how="left")
        .sort("row")
    )
    orders = _map_customers(orders, orders_path.parent / OLIST_CUSTOMERS_FILE)
    orders = orders.with_columns(pl.lit(None, pl.String).alias(c) for c in ("channel", "service"))
    timing = {f: c for f, c in OLIST_TIMING.items() if c in o_raw.columns}
    result = ImportResult(
        orders=finish_orders(orders, timing),
        lines=lines,
        rejects=rejects,
        rows_read=rows_read,
        accepted_rows=orders.height + items.height,
    )
    log_result("Olist", orders_path.parent, result, time.perf_counter() - start)
    return result


def _locate(path: Path) -> tuple[Path, Path]:
    """The orders and items files for a directory or an orders-file path."""
    if path.is_dir():
        return path / OLIST_ORDERS_FILE, path / OLIST_ITEMS_FILE
    if not path.exists():
        raise OrderImportError(f"{path}: no such file or directory")
    return path, path.parent / OLIST_ITEMS_FILE


def _stage_orders(raw: pl.DataFrame, tz: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Order rows passing rule O3's own checks (all but "without items"), and the rejects."""
    timing = {f: c for f, c in OLIST_TIMING.items() if c in raw.columns}
    aware = has_offset(raw, [PURCHASE, *timing.values()])
    customer = text("customer_id") if "customer_id" in raw.columns else pl.lit(None, pl.String)
    staged = raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("row"),
        text("order_id").alias("order_id"),
        customer.alias("customer_id"),
        text("order_status").str.to_lowercase().alias("_status"),
        is_missing(raw, PURCHASE).alias("_no_date"),
        parse_dates(raw, PURCHASE, tz, aware).alias("placed_at"),
        *timing_exprs(raw, timing, tz, aware),
    )
    checks: list[Check] = [
        (pl.col("order_id").is_null(), "order_id", REASON_MISSING_ORDER_ID),
        (pl.col("_status") == "canceled", "order_status", REASON_CANCELLATION),
        (pl.col("_status") == "unavailable", "order_status", REASON_UNAVAILABLE),
        (pl.col("_no_date"), PURCHASE, REASON_MISSING_DATE),
        (pl.col("placed_at").is_null(), PURCHASE, REASON_BAD_DATE),
        (date_out_of_range("placed_at"), PURCHASE, REASON_DATE_OUT_OF_RANGE),
    ]
    reason, column = first_failure(checks)
    staged = staged.with_columns(reason.alias("reason"), column.alias("column"))
    failed = staged.filter(pl.col("reason").is_not_null())
    valid = staged.filter(pl.col("reason").is_null())
    first = pl.col("order_id").is_first_distinct()
    dups = valid.filter(~first).with_columns(
        pl.lit(REASON_DUPLICATE_ORDER).alias("reason"), pl.lit("order_id").alias("column")
    )
    return valid.filter(first), pl.concat([failed, dups])


def _stage_items(
    raw: pl.DataFrame, orders: pl.DataFrame, order_rejects: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Item rows passing rule O4, and the rejects (``row, column, reason``)."""
    known = pl.concat(
        [
            orders.select("order_id", pl.lit(True).alias("_ok")),
            order_rejects.select("order_id", pl.lit(False).alias("_ok")),
        ]
    )
    known = known.drop_nulls("order_id").group_by("order_id").agg(pl.col("_ok").any())
    staged = raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("row"),
        text("order_id").alias("order_id"),
        text("order_item_id").cast(pl.Int64, strict=False).alias("_item_no"),
        text("product_id").alias("sku"),
        text("price").is_null().alias("_no_price"),
        text("price").cast(pl.Float64, strict=False).alias("unit_price"),
    ).join(known, on="order_id", how="left", maintain_order="left")
    p = pl.col("unit_price")
    checks: list[Check] = [
        (pl.col("order_id").is_null(), "order_id", REASON_MISSING_ORDER_ID),
        (pl.col("_ok").is_null(), "order_id", REASON_ORPHAN_ITEM),
        (~pl.col("_ok"), "", REASON_ORDER_REJECTED),
        (pl.col("sku").is_null(), "product_id", REASON_MISSING_SKU),
        (pl.col("_no_price"), "price", REASON_MISSING_PRICE),
        (p.is_null() | ~p.is_finite(), "price", REASON_BAD_PRICE),
        (p < 0, "price", REASON_NEGATIVE_PRICE),
    ]
    reason, column = first_failure(checks)
    staged = staged.with_columns(reason.alias("reason"), column.alias("column"))
    value = pl.col("unit_price").sum().over("order_id")  # one row per unit: the order value
    too_large = pl.col("reason").is_null() & ~value.is_finite()
    staged = staged.with_columns(
        pl.when(too_large)
        .then(pl.lit(REASON_ORDER_VALUE_TOO_LARGE))
        .otherwise("reason")
        .alias("reason"),
        pl.when(too_large).then(pl.lit("price")).otherwise("column").alias("column"),
    )
    return (
        staged.filter(pl.col("reason").is_null()),
        staged.filter(pl.col("reason").is_not_null()),
    )


def _build_lines(items: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """One line per (order, product) from unit rows, ordered per rule O5/O6."""
    grouped = items.group_by("order_id", "sku").agg(
        pl.len().alias("quantity"),
        pl.col("unit_price").mean(),
        pl.col("_item_no").min(),
        pl.col("row").min(),
    )
    return (
        grouped.join(orders.select("order_id", pl.col("row").alias("_pos")), on="order_id")
        .sort(["_pos", "_item_no", "row"], nulls_last=True)
        .select(
            "order_id",
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("order_id").alias("line_no"),
            "sku",
            "quantity",
            "unit_price",
        )
        .cast(LINES_SCHEMA)
    )


def _map_customers(orders: pl.DataFrame, customers_path: Path) -> pl.DataFrame:
    """Replace ``customer_id`` by ``customer_unique_id`` if the customers file is present."""
    if not customers_path.is_file():
        return orders
    raw = read_raw(customers_path, parquet=False)
    missing = missing_columns(raw, CUSTOMERS_REQUIRED)
    if missing:
        raise OrderImportError(
            f"{customers_path}: missing required column(s) for Olist customers: "
            f"{', '.join(missing)}"
        )
    mapping = (
        raw.select(text("customer_id").alias("customer_id"), text("customer_unique_id"))
        .drop_nulls()
        .unique("customer_id", keep="first", maintain_order=True)
    )
    return orders.join(mapping, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.coalesce("customer_unique_id", "customer_id").alias("customer_id")
    )
