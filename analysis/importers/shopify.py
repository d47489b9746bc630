"""Shopify "orders export" CSV to the orders-and-lines schema (:mod:`analysis.importers.schema`).

Format ``shopify`` of :func:`analysis.importers.read.read_orders`. The general rules 1-8 of
:mod:`analysis.importers.read` apply; this module adds or changes the following.

Rules
-----
S1. One CSV row per line item; every row is a source row (``rows_read``) and becomes one
    line or one reject. Required columns: ``Name, Created at, Lineitem quantity,
    Lineitem name, Lineitem price`` (all missing ones are named in one error); everything
    else is optional.
S2. ``Name`` (``#1001``) is the order id, ``Created at`` the order time (``placed_at``, read on
    every row, the order taking the earliest), ``Lineitem quantity`` and ``Lineitem price`` the
    line's quantity and unit price.
S3. SKU = ``Lineitem sku``; when that is empty (common in real exports) or absent, the line
    item's ``Lineitem name`` is used as the SKU instead (not a reject). Only a row with both
    empty is rejected as ``"missing sku"`` (column ``Lineitem sku``, or ``Lineitem name`` if
    the file has no ``Lineitem sku``).
S4. Order-level fields appear only on an order's first row: ``Email``, ``Financial Status``,
    ``Paid at``, ``Fulfillment Status``, ``Fulfilled at``, ``Shipping Method``, ``Cancelled at``
    and the totals are forward-filled over the order's later rows (rows with the same ``Name``,
    in file order); a row's own non-empty value is kept.
S5. Cancelled orders are not orders: every row of an order that was never fulfilled (no
    ``Fulfilled at`` and a ``Fulfillment Status`` other than ``fulfilled``/``partial``) and has
    a non-empty ``Cancelled at`` (reported column ``Cancelled at``) or a ``Financial Status``
    of ``refunded`` or ``voided`` (any case; column ``Financial Status``) is rejected with
    reason ``"cancellation"``, checked right after the order id. A fully refunded order that
    was fulfilled is kept: the warehouse did its work (a return or refund came later).
    Partially refunded orders are kept.
S6. customer = ``Email``, lower-cased; a redacted value (``REDACTED``, ``[redacted]``,
    ``***``...) is a missing customer. service = ``Shipping Method`` (null if empty).
    channel is null (Shopify's ``Source`` is often an app id, not a sales channel).
S7. ``paid_at`` = ``Paid at``, ``shipped_at`` = ``Fulfilled at``; ``delivered_at`` and
    ``promised_at`` are null. A non-empty timing value that does not parse (or lies outside
    1990-2100) is nulled and
    flagged ``"unparseable Paid at"`` / ``"unparseable Fulfilled at"``; an order fulfilled
    before it was paid is flagged ``"carrier before approval"``. Neither rejects the order.
S8. Timestamps carry UTC offsets that change with daylight saving (``-0500`` in winter,
    ``-0400`` in summer): each value's own offset is honoured, so instants are exact; the
    result is UTC-aware (or converted to ``tz``). If any of ``Created at, Paid at,
    Fulfilled at`` carries an offset, all three are read as offset times (a value without
    one is unparseable); otherwise all are naive local times (rule 8 of the importers).
    Without ``tz`` the times are not left in UTC (that would shift the shop's hour-of-day
    profile by its offset): the shop's zone is inferred from the offsets written
    (:mod:`analysis.importers.zone`), named in a warning, and the times converted to it; if no
    zone fits every offset the import is refused with a message asking for ``--tz``.
S9. Rule 3 (duplicate lines) does not apply: Shopify writes each line item once, and two line
    items with the same SKU and price in one order (e.g. different personalisation) are both
    real. Order ``value`` is the sum of quantity x unit price (rule 6): shipping, taxes and
    discounts in the export's totals are not included.
S10. A row that repeats an earlier row in every column (as written, before S4 fills order
    fields in) is rejected as ``"duplicate row"`` (column ``""``): a line item written twice
    by a re-run or concatenated export, which would otherwise double the order's line.
    Two genuine identical line items differ in an export's ``Lineitem properties``/id
    columns; an export without such columns cannot tell them apart and keeps one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import polars as pl

from analysis.importers.cells import (
    check_tz,
    has_offset,
    text,
    timing_exprs,
)
from analysis.importers.common import (
    DUPLICATE_ROW,
    build_from_lines,
    line_checks,
    log_result,
    read_raw,
    require,
    stage_lines,
)
from analysis.importers.schema import REASON_CANCELLATION, ImportResult, OrderImportError
from analysis.importers.zone import infer_zone

__all__ = ["SHOPIFY_ORDER_FIELDS", "SHOPIFY_REQUIRED", "read_shopify"]

log = logging.getLogger("analysis.importers.read")

SHOPIFY_REQUIRED = ("Name", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price")
SHOPIFY_ORDER_FIELDS = (
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Shipping Method",
    "Cancelled at",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
)
SHOPIFY_TIMING = {"paid_at": "Paid at", "shipped_at": "Fulfilled at"}
CANCELLED_STATUSES = ("refunded", "voided")
FULFILLED_STATUSES = ("fulfilled", "partial")
REDACTED_RE = r"(?i)^[\[\(<*\s]*(redacted|\*+)[\]\)>*\s]*$"


def _store_zone(raw: pl.DataFrame, path: Path, cols: list[str]) -> str:
    """The shop's zone inferred from the written offsets (warned), or a one-line refusal."""
    zone, n_fit = infer_zone(raw, cols)
    if zone is None:
        raise OrderImportError(
            f"{path}: the UTC offsets of {', '.join(cols)} fit no single time zone (e.g. two "
            "shops' exports mixed); pass --tz with the shop's zone, e.g. --tz Europe/London"
        )
    log.warning(
        "%s: no --tz given: times read in the shop's zone %s, inferred from the file's UTC "
        "offsets (%d zones fit them, all with the same local times); pass --tz to choose",
        path,
        zone,
        n_fit,
    )
    return zone


def read_shopify(
    path: str | Path,
    tz: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Import a Shopify orders export CSV (``.csv`` or ``.csv.gz``; rules S1-S9 above)."""
    start = time.perf_counter()
    path = Path(path)
    check_tz(tz)
    raw = read_raw(path, parquet=False, delimiter=delimiter, encoding=encoding)
    require(raw, path, SHOPIFY_REQUIRED, "Shopify orders export")
    # S10: an exact copy of an earlier row (every column, before forward-filling) is a duplicate
    source = [c for c in raw.columns if not c.startswith("_")]
    raw = raw.with_columns((~pl.struct(source).is_first_distinct()).alias(DUPLICATE_ROW))

    name = text("Name")
    raw = raw.with_columns(
        text(c).forward_fill().over(name) for c in SHOPIFY_ORDER_FIELDS if c in raw.columns
    )
    has_sku = "Lineitem sku" in raw.columns
    src = {
        "order_id": "Name",
        "placed_at": "Created at",
        "sku": "Lineitem sku" if has_sku else "Lineitem name",
        "quantity": "Lineitem quantity",
        "unit_price": "Lineitem price",
    }
    if "Shipping Method" in raw.columns:
        src["service"] = "Shipping Method"
    overrides: dict[str, pl.Expr] = {"order_id": name}
    if has_sku:
        overrides["sku"] = pl.coalesce(text("Lineitem sku"), text("Lineitem name"))
    if "Email" in raw.columns:
        email = text("Email")
        overrides["customer_id"] = (
            pl.when(email.str.contains(REDACTED_RE)).then(None).otherwise(email.str.to_lowercase())
        )

    timing = {f: c for f, c in SHOPIFY_TIMING.items() if c in raw.columns}
    aware = has_offset(raw, ["Created at", *timing.values()])
    if aware and tz is None:
        tz = _store_zone(raw, path, ["Created at", *timing.values()])
    extra = timing_exprs(raw, timing, tz, aware)
    cancellation = []
    fulfilled = pl.lit(False)
    if "Fulfilled at" in raw.columns:
        fulfilled = fulfilled | text("Fulfilled at").is_not_null()
    if "Fulfillment Status" in raw.columns:
        status = text("Fulfillment Status").str.to_lowercase()
        fulfilled = fulfilled | status.is_in(FULFILLED_STATUSES).fill_null(False)
    if "Cancelled at" in raw.columns:
        extra.append((text("Cancelled at").is_not_null() & ~fulfilled).alias("_cancelled_at"))
        cancellation.append((pl.col("_cancelled_at"), "Cancelled at", REASON_CANCELLATION))
    if "Financial Status" in raw.columns:
        status = text("Financial Status").str.to_lowercase()
        void = status.is_in(CANCELLED_STATUSES).fill_null(False) & ~fulfilled
        extra.append(void.alias("_void"))
        cancellation.append((pl.col("_void"), "Financial Status", REASON_CANCELLATION))

    staged = stage_lines(raw, src, tz, aware=aware, overrides=overrides, extra=extra)
    checks = line_checks(src, cancellation=cancellation)
    result = build_from_lines(staged, path, checks, timing=timing, dedupe=False, src=src)
    log_result("Shopify", path, result, time.perf_counter() - start)
    return result
