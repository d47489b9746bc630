"""Order importers: real order exports to the orders-and-lines schema of ``analysis.import_schema``.

Every importer returns an :class:`~analysis.import_schema.ImportResult` with ``orders``,
``lines`` and ``rejects`` frames (schema in :mod:`analysis.import_schema`) and never drops a
row silently: ``lines.height + rejects.height == rows_read``. All work is vectorised polars.

Formats
-------
:func:`read_generic`
    CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``), one row per order line.
    Required columns ``order_id, placed_at, sku, quantity, unit_price``; optional
    ``customer_id, channel, service`` (the order takes the first non-empty value in file order).
:func:`read_online_retail`
    UCI Online Retail (``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
    CustomerID, Country``) or Online Retail II (``Invoice, StockCode, Description, Quantity,
    InvoiceDate, Price, Customer ID, Country``), ``.csv`` or ``.csv.gz``. Required: invoice,
    ``StockCode``, ``Quantity``, ``InvoiceDate``, price; the customer column is optional.
    Customer ids written as floats (``13085.0``) become ``"13085"``.

Rules
-----
1. A file missing required columns raises :class:`OrderImportError` (a ``ValueError``) whose
   one-line message names the file and *all* missing columns. An empty file, a header without
   rows, an unparseable file or one with no valid rows also raises it.
2. Each rejected row gets exactly one reject: the first failing check in this order, with the
   source column it concerns: missing order id; cancellation (Online Retail invoices starting
   with ``C``: cancellations are not orders); missing SKU; non-product line (Online Retail:
   ``NON_PRODUCT_CODES`` case-insensitively, and gift vouchers ``gift_0001_*``); missing or
   unparseable date; missing, non-integer, non-positive or too large (> 2**32 - 1) quantity;
   missing, non-numeric (incl. NaN/inf) or negative unit price. A price of 0 is accepted.
3. Duplicate lines (same order, SKU, quantity, unit price and time as an earlier accepted
   line) are rejected with reason ``"duplicate line"`` and column ``""``; the first is kept.
4. A missing customer is allowed (null ``customer_id``). Values are stripped of blanks;
   an empty string counts as missing.
5. Dates: ``YYYY-MM-DD[ T]HH:MM[:SS[.f]]``, ``YYYY-MM-DD`` and ``M/D/YYYY H:MM[:SS]``
   (month first, as in the UCI CSV exports) are read as naive local time. In a generic file,
   if any ``placed_at`` carries a UTC offset (``+0530``, ``+05:30``, ``Z``), the column is read
   as UTC and values without an offset are rejected as unparseable. Parquet datetimes are kept.
6. Orders are built from the accepted lines only: ``placed_at`` = the earliest accepted line's
   time (43 invoices of Online Retail span two minutes), ``n_lines`` = accepted lines,
   ``n_units`` = sum of quantities, ``value`` = sum of ``quantity * unit_price``.
7. ``rejects.row`` is the 1-based data record number (header excluded; a quoted field with a
   newline stays one record).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from analysis.import_schema import (
    LINES_SCHEMA,
    ORDERS_SCHEMA,
    REASON_BAD_DATE,
    REASON_BAD_PRICE,
    REASON_BAD_QUANTITY,
    REASON_CANCELLATION,
    REASON_DUPLICATE,
    REASON_MISSING_DATE,
    REASON_MISSING_ORDER_ID,
    REASON_MISSING_PRICE,
    REASON_MISSING_QUANTITY,
    REASON_MISSING_SKU,
    REASON_NEGATIVE_PRICE,
    REASON_NON_POSITIVE_QUANTITY,
    REASON_NON_PRODUCT,
    REASON_QUANTITY_TOO_LARGE,
    REJECTS_SCHEMA,
    ImportResult,
    OrderImportError,
)

__all__ = [
    "GENERIC_OPTIONAL",
    "GENERIC_REQUIRED",
    "NON_PRODUCT_CODES",
    "ImportResult",
    "OrderImportError",
    "read_generic",
    "read_online_retail",
]

GENERIC_REQUIRED = ("order_id", "placed_at", "sku", "quantity", "unit_price")
GENERIC_OPTIONAL = ("customer_id", "channel", "service")

# Online Retail variants: schema field -> source column.
ONLINE_RETAIL_COLUMNS = {
    "Online Retail": {
        "order_id": "InvoiceNo",
        "sku": "StockCode",
        "quantity": "Quantity",
        "placed_at": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_id": "CustomerID",
    },
    "Online Retail II": {
        "order_id": "Invoice",
        "sku": "StockCode",
        "quantity": "Quantity",
        "placed_at": "InvoiceDate",
        "unit_price": "Price",
        "customer_id": "Customer ID",
    },
}
ONLINE_RETAIL_OPTIONAL = ("customer_id",)

# Postage, carriage, discounts, manual adjustments, fees, samples, bad debt, commissions.
NON_PRODUCT_CODES = frozenset(
    {"POST", "D", "M", "BANK CHARGES", "AMAZONFEE", "DOT", "C2", "CRUK", "PADS", "S", "B"}
)
GIFT_VOUCHER_PREFIX = "GIFT_0001_"

NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
)
AWARE_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%dT%H:%M%z",
)
_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
_UINT32_MAX = 2**32 - 1


def read_generic(path: str | Path) -> ImportResult:
    """Import a generic order-lines CSV or Parquet file (columns in ``GENERIC_REQUIRED``)."""
    path = Path(path)
    raw = _read_raw(path)
    _require(raw, path, GENERIC_REQUIRED, "generic order lines")
    mapping = {c: c for c in GENERIC_REQUIRED + GENERIC_OPTIONAL if c in raw.columns}
    return _import(raw, path, mapping, online_retail=False)


def read_online_retail(path: str | Path) -> ImportResult:
    """Import a UCI Online Retail or Online Retail II CSV (``.csv`` or ``.csv.gz``)."""
    path = Path(path)
    raw = _read_raw(path, parquet=False)

    def missing(variant: str) -> list[str]:
        cols = ONLINE_RETAIL_COLUMNS[variant]
        return [
            c for k, c in cols.items() if k not in ONLINE_RETAIL_OPTIONAL and c not in raw.columns
        ]

    variant = min(ONLINE_RETAIL_COLUMNS, key=lambda v: len(missing(v)))  # ties -> Online Retail
    cols = ONLINE_RETAIL_COLUMNS[variant]
    _require(raw, path, [c for k, c in cols.items() if k not in ONLINE_RETAIL_OPTIONAL], variant)
    mapping = {k: c for k, c in cols.items() if c in raw.columns}
    return _import(raw, path, mapping, online_retail=True)


def _read_raw(path: Path, parquet: bool | None = None) -> pl.DataFrame:
    """Read the file with every column as text (Parquet datetimes are kept)."""
    if parquet is None:
        parquet = path.suffix.lower() in (".parquet", ".pq")
    if not path.exists():
        raise OrderImportError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise OrderImportError(f"{path}: empty file")
    try:
        raw = pl.read_parquet(path) if parquet else pl.read_csv(path, infer_schema=False)
    except pl.exceptions.NoDataError as exc:
        raise OrderImportError(f"{path}: empty file") from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OrderImportError(f"{path}: cannot read file: {first}") from exc
    keep = (pl.Datetime, pl.Date)
    raw = raw.with_columns(
        pl.col(c).cast(pl.String) for c, t in raw.schema.items() if not isinstance(t, keep)
    )
    if raw.height == 0:
        raise OrderImportError(f"{path}: no data rows")
    return raw


def _require(raw: pl.DataFrame, path: Path, required, what: str) -> None:
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise OrderImportError(
            f"{path}: missing required column(s) for {what}: {', '.join(missing)}"
        )


def _text(col: str) -> pl.Expr:
    """Stripped text, with empty strings as null."""
    s = pl.col(col).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _parse_dates(raw: pl.DataFrame, col: str) -> pl.Expr:
    """Parse a date column per rule 5 (naive, or UTC if any value carries an offset)."""
    dtype = raw.schema[col]
    if isinstance(dtype, pl.Datetime):
        return pl.col(col).dt.cast_time_unit("us")
    if isinstance(dtype, pl.Date):
        return pl.col(col).cast(pl.Datetime("us"))
    text = _text(col)
    has_offset = raw.select(text.str.contains(_OFFSET_RE).any()).item()
    if has_offset:
        text = text.str.replace(r"Z$", "+0000")
        fmts = AWARE_FORMATS
    else:
        fmts = NAIVE_FORMATS
    return pl.coalesce(
        [text.str.to_datetime(f, time_unit="us", strict=False, exact=True) for f in fmts]
    )


def _import(raw: pl.DataFrame, path: Path, mapping: dict[str, str], online_retail: bool):
    """Validate, split into lines and rejects, and build orders (see the module rules)."""
    rows_read = raw.height
    src = mapping  # schema field -> source column
    customer = _text(src["customer_id"]) if "customer_id" in src else pl.lit(None, pl.String)
    if online_retail:
        customer = customer.str.replace(r"\.0+$", "")
    qty_int = _text(src["quantity"]).cast(pl.Int64, strict=False)
    price = _text(src["unit_price"]).cast(pl.Float64, strict=False)
    staged = raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("row"),
        _text(src["order_id"]).alias("order_id"),
        _text(src["sku"]).alias("sku"),
        _text(src["placed_at"]).is_null().alias("_no_date")
        if raw.schema[src["placed_at"]] == pl.String
        else pl.col(src["placed_at"]).is_null().alias("_no_date"),
        _parse_dates(raw, src["placed_at"]).alias("placed_at"),
        _text(src["quantity"]).is_null().alias("_no_qty"),
        qty_int.alias("_qty"),
        _text(src["unit_price"]).is_null().alias("_no_price"),
        price.alias("unit_price"),
        customer.alias("customer_id"),
        *(
            (_text(src[k]) if k in src else pl.lit(None, pl.String)).alias(k)
            for k in ("channel", "service")
        ),
    )

    checks: list[tuple[pl.Expr, str, str]] = [
        (pl.col("order_id").is_null(), src["order_id"], REASON_MISSING_ORDER_ID),
    ]
    if online_retail:
        checks.append(
            (pl.col("order_id").str.starts_with("C"), src["order_id"], REASON_CANCELLATION)
        )
    checks.append((pl.col("sku").is_null(), src["sku"], REASON_MISSING_SKU))
    if online_retail:
        upper = pl.col("sku").str.to_uppercase()
        non_product = upper.is_in(list(NON_PRODUCT_CODES)) | upper.str.starts_with(
            GIFT_VOUCHER_PREFIX
        )
        checks.append((non_product, src["sku"], REASON_NON_PRODUCT))
    q, p = pl.col("_qty"), pl.col("unit_price")
    checks += [
        (pl.col("_no_date"), src["placed_at"], REASON_MISSING_DATE),
        (pl.col("placed_at").is_null(), src["placed_at"], REASON_BAD_DATE),
        (pl.col("_no_qty"), src["quantity"], REASON_MISSING_QUANTITY),
        (q.is_null(), src["quantity"], REASON_BAD_QUANTITY),
        (q <= 0, src["quantity"], REASON_NON_POSITIVE_QUANTITY),
        (q > _UINT32_MAX, src["quantity"], REASON_QUANTITY_TOO_LARGE),
        (pl.col("_no_price"), src["unit_price"], REASON_MISSING_PRICE),
        (p.is_null() | ~p.is_finite(), src["unit_price"], REASON_BAD_PRICE),
        (p < 0, src["unit_price"], REASON_NEGATIVE_PRICE),
    ]
    reason: pl.Expr | pl.When | pl.Then = pl
    column: pl.Expr | pl.When | pl.Then = pl
    for cond, col, why in checks:
        reason = reason.when(cond).then(pl.lit(why))
        column = column.when(cond).then(pl.lit(col))
    staged = staged.with_columns(
        reason.otherwise(pl.lit(None, pl.String)).alias("reason"),
        column.otherwise(pl.lit(None, pl.String)).alias("column"),
    )

    keys = ["order_id", "sku", "_qty", "unit_price", "placed_at"]
    valid = staged.filter(pl.col("reason").is_null())
    first = pl.struct(keys).is_first_distinct()
    dups = valid.filter(~first).with_columns(
        pl.lit(REASON_DUPLICATE).alias("reason"), pl.lit("").alias("column")
    )
    valid = valid.filter(first)

    rejects = (
        pl.concat([staged.filter(pl.col("reason").is_not_null()), dups])
        .select(list(REJECTS_SCHEMA))
        .sort("row")
        .cast(REJECTS_SCHEMA)
    )
    if valid.height == 0:
        summary = ", ".join(
            f"{r} {n}" for r, n in rejects.group_by("reason").len().sort("reason").iter_rows()
        )
        raise OrderImportError(
            f"{path}: no valid rows ({rows_read} rows read, all rejected: {summary})"
        )

    valid = valid.with_columns(pl.col("_qty").cast(pl.UInt32).alias("quantity"))
    lines = valid.select(
        "order_id",
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("order_id").alias("line_no"),
        "sku",
        "quantity",
        "unit_price",
    ).cast(LINES_SCHEMA)
    orders = (
        valid.group_by("order_id", maintain_order=True)
        .agg(
            pl.col("placed_at").min(),
            *(pl.col(c).drop_nulls().first() for c in ("customer_id", "channel", "service")),
            pl.len().alias("n_lines"),
            pl.col("_qty").sum().alias("n_units"),
            (pl.col("_qty") * pl.col("unit_price")).sum().alias("value"),
        )
        .select(list(ORDERS_SCHEMA))
    )
    orders_schema = dict(ORDERS_SCHEMA, placed_at=orders.schema["placed_at"])
    orders = orders.cast(orders_schema)
    return ImportResult(orders=orders, lines=lines, rejects=rejects, rows_read=rows_read)
