"""Order importers: real order exports to the orders-and-lines schema of
``analysis.importers.schema``.

Every importer returns an :class:`~analysis.importers.schema.ImportResult` with ``orders``,
``lines`` and ``rejects`` frames (schema in :mod:`analysis.importers.schema`) and never drops a
row silently: ``accepted_rows + rejects.height == rows_read``. All work is vectorised polars.
:func:`read_orders` picks the reader by format name (``FORMATS``).

Formats
-------
``generic`` — :func:`read_generic`
    CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``), one row per order line.
    Required columns ``order_id, placed_at, sku, quantity, unit_price``; optional
    ``customer_id, channel, service`` (the order takes the first non-empty value in file order).
    No timing columns: ``paid_at``... are null.
``online-retail`` — :func:`read_online_retail`
    UCI Online Retail (``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
    CustomerID, Country``) or Online Retail II (``Invoice, StockCode, Description, Quantity,
    InvoiceDate, Price, Customer ID, Country``), ``.csv`` or ``.csv.gz``. Required: invoice,
    ``StockCode``, ``Quantity``, ``InvoiceDate``, price; the customer column is optional.
    Customer ids written as floats (``13085.0``) become ``"13085"``. No timing columns.
``shopify`` — :func:`analysis.importers.shopify.read_shopify`
    Shopify "orders export" CSV, one row per line item; rules in that module.
``olist`` — :func:`analysis.importers.olist.read_olist`
    The Olist Brazilian e-commerce data set (orders file + items file, one item row per
    unit), with payment, carrier and delivery times; rules in that module.

Rules (all formats; the format modules add their own)
-----------------------------------------------------
1. A file missing required columns raises :class:`OrderImportError` (a ``ValueError``) whose
   one-line message names the file and *all* missing columns. An empty file, a header without
   rows, an unparseable file or one with no valid rows also raises it.
2. Each rejected row gets exactly one reject: the first failing check in this order, with the
   source column it concerns: missing order id; cancellation (Online Retail invoices starting
   with ``C``: cancellations are not orders); missing SKU; non-product line (Online Retail:
   ``NON_PRODUCT_CODES`` case-insensitively, and gift vouchers ``gift_0001_*``); missing or
   unparseable date; a date before 1990 or after 2100 (``"date outside 1990-2100"``);
   missing, non-integer, non-positive or too large (> 2**32 - 1) quantity; missing,
   non-numeric (incl. NaN/inf, and 1e400, which overflows to inf) or negative unit price; a
   line value (quantity × price) that overflows to inf (``"line value too large"``). Then
   every line of an order whose quantities add up to more than 2**32 - 1 (``"order quantity
   too large"``) or whose value overflows to inf (``"order value too large"``) is rejected.
   A price of 0 is accepted.
3. Duplicate lines (same order, SKU, quantity, unit price and time as an earlier accepted
   line) are rejected with reason ``"duplicate line"`` and column ``""``; the first is kept.
4. A missing customer is allowed (null ``customer_id``). Values are stripped of blanks;
   an empty string counts as missing.
5. Dates: ``YYYY-MM-DD[ T]HH:MM[:SS[.f]]``, ``YYYY-MM-DD`` and ``M/D/YYYY H:MM[:SS]``
   (month first, as in the UCI CSV exports) are read as naive local time. In a generic file,
   if any ``placed_at`` carries a UTC offset (``+0530``, ``+05:30``, ``Z``), the column is read
   as aware and values without an offset are rejected as unparseable. Parquet datetimes are
   kept (naive stay naive, aware ones are treated like values with an offset).
6. Orders are built from the accepted lines only: ``placed_at`` = the earliest accepted line's
   time (43 invoices of Online Retail span two minutes), ``n_lines`` = accepted lines,
   ``n_units`` = sum of quantities, ``value`` = sum of ``quantity * unit_price``.
7. ``rejects.row`` is the 1-based data record number (header excluded; a quoted field with a
   newline stays one record) within the file named by ``rejects.file``.
8. Time zones: every reader takes ``tz`` (default ``None``), applied to ``placed_at`` and all
   timing columns. Without ``tz``, naive times stay naive and times with a UTC offset become
   UTC-aware (the instant the offset denotes). With ``tz`` (any IANA name, e.g.
   ``"Europe/London"``), naive times are local times in that zone (at the autumn change the
   repeated hour is taken as its earlier instant; a time in the spring gap does not exist and
   is rejected as ``"unparseable date"``, or, in a timing column, nulled and flagged) and
   aware times are converted to it. An unknown zone name raises :class:`OrderImportError`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from analysis.importers.cells import (
    check_tz,
    text,
)
from analysis.importers.common import (
    build_from_lines,
    line_checks,
    log_result,
    read_raw,
    require,
    stage_lines,
)
from analysis.importers.merge import merge
from analysis.importers.olist import read_olist
from analysis.importers.schema import (
    REASON_CANCELLATION,
    REASON_NON_PRODUCT,
    ImportResult,
    OrderImportError,
)
from analysis.importers.shopify import read_shopify

__all__ = [
    "FORMATS",
    "GENERIC_OPTIONAL",
    "GENERIC_REQUIRED",
    "NON_PRODUCT_CODES",
    "ImportResult",
    "OrderImportError",
    "read_generic",
    "read_olist",
    "read_online_retail",
    "read_orders",
    "read_shopify",
]

FORMATS = ("generic", "shopify", "online-retail", "olist")

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


def read_orders(
    path: str | Path | Sequence[str | Path],
    fmt: str,
    tz: str | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Import ``path`` with the reader for format ``fmt`` (one of ``FORMATS``).

    Several paths are imported one by one and merged (:func:`analysis.importers.merge.merge`:
    an order already in an earlier file is rejected, never doubled). ``delimiter`` and
    ``encoding`` follow :mod:`analysis.importers.csv_reader`. Raises :class:`OrderImportError` for
    an unknown format, naming the known ones.
    """
    readers = {
        "generic": read_generic,
        "shopify": read_shopify,
        "online-retail": read_online_retail,
        "olist": read_olist,
    }
    if fmt not in readers:
        raise OrderImportError(f"unknown order format {fmt!r}: use one of {', '.join(FORMATS)}")
    opts = {"delimiter": delimiter, "encoding": encoding}
    if isinstance(path, (str, Path)):
        return readers[fmt](path, tz=tz, **opts)
    results = [(Path(p), readers[fmt](p, tz=tz, **opts)) for p in path]
    return merge(results, fmt, opts)


def read_generic(
    path: str | Path,
    tz: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Import a generic order-lines CSV or Parquet file (columns in ``GENERIC_REQUIRED``)."""
    start = time.perf_counter()
    path = Path(path)
    check_tz(tz)
    raw = read_raw(path, delimiter=delimiter, encoding=encoding)
    require(raw, path, GENERIC_REQUIRED, "generic order lines")
    src = {c: c for c in GENERIC_REQUIRED + GENERIC_OPTIONAL if c in raw.columns}
    result = build_from_lines(stage_lines(raw, src, tz), path, line_checks(src), src=src)
    log_result("generic", path, result, time.perf_counter() - start)
    return result


def read_online_retail(
    path: str | Path,
    tz: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Import a UCI Online Retail or Online Retail II CSV (``.csv`` or ``.csv.gz``)."""
    start = time.perf_counter()
    path = Path(path)
    check_tz(tz)
    raw = read_raw(path, parquet=False, delimiter=delimiter, encoding=encoding)

    def missing(variant: str) -> list[str]:
        cols = ONLINE_RETAIL_COLUMNS[variant]
        return [
            c for k, c in cols.items() if k not in ONLINE_RETAIL_OPTIONAL and c not in raw.columns
        ]

    variant = min(ONLINE_RETAIL_COLUMNS, key=lambda v: len(missing(v)))  # ties -> Online Retail
    cols = ONLINE_RETAIL_COLUMNS[variant]
    require(raw, path, [c for k, c in cols.items() if k not in ONLINE_RETAIL_OPTIONAL], variant)
    src = {k: c for k, c in cols.items() if c in raw.columns}

    overrides = {}
    if "customer_id" in src:
        overrides["customer_id"] = text(src["customer_id"]).str.replace(r"\.0+$", "")
    staged = stage_lines(raw, src, tz, overrides=overrides)
    upper = pl.col("sku").str.to_uppercase()
    non_product = upper.is_in(list(NON_PRODUCT_CODES)) | upper.str.starts_with(GIFT_VOUCHER_PREFIX)
    checks = line_checks(
        src,
        cancellation=[
            (pl.col("order_id").str.starts_with("C"), src["order_id"], REASON_CANCELLATION)
        ],
        non_product=(non_product, src["sku"], REASON_NON_PRODUCT),
    )
    result = build_from_lines(staged, path, checks, src=src)
    log_result(variant, path, result, time.perf_counter() - start)
    return result
