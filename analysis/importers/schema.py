"""The orders-and-lines schema that every order importer (:mod:`analysis.importers.read`) produces.

An import yields three polars frames:

``orders`` (one row per accepted order, in order of first appearance in the (orders) file)
    ``order_id`` String, ``placed_at`` Datetime, ``customer_id`` String (nullable),
    ``channel`` String (nullable), ``service`` String (nullable), ``n_lines`` UInt32,
    ``n_units`` UInt32, ``value`` Float64, then the timing columns, always present and null
    for formats without them: ``paid_at`` (payment approved), ``shipped_at`` (handed to the
    carrier / fulfilled), ``delivered_at`` (delivered to the customer), ``promised_at``
    (promised delivery date), all Datetime with the same data type as ``placed_at``, and
    ``timing_flag`` String (nullable: why the timing columns look odd, e.g.
    ``"carrier before approval"``; several flags are joined with ``"; "``).

    Datetimes are in microseconds. Time zones (the ``tz`` argument of every reader): without
    ``tz``, naive source times stay naive and times with a UTC offset become UTC-aware; with
    ``tz`` (an IANA name such as ``"Europe/London"``), naive times are read as local times in
    that zone and aware times are converted to it, so every Datetime column is aware in ``tz``.

``lines`` (one row per accepted order line, in file order; Olist: by order, in orders-file
order, then by first ``order_item_id``)
    ``order_id`` String, ``line_no`` UInt32 (1-based within the order, in that order),
    ``sku`` String, ``quantity`` UInt32 (> 0), ``unit_price`` Float64 (>= 0).

``rejects`` (one row per rejected source row, by file then row)
    ``file`` String (the source file's name, ``Path.name``: Olist reads two files),
    ``row`` UInt32 (1-based data record number within that file, header excluded),
    ``column`` String (the offending source column, or ``""`` for the whole row),
    ``reason`` String (one of the ``REASON_*`` constants below).

Every source data row is either accepted (it became data) or rejected, never both and never
neither: ``accepted_rows + rejects.height == rows_read``. For formats with one row per order
line (generic, Online Retail, Shopify) ``accepted_rows == lines.height``; for Olist
``rows_read`` counts order rows plus item rows, and ``accepted_rows`` the accepted ones of both.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

TIMING_COLUMNS = ("paid_at", "shipped_at", "delivered_at", "promised_at")

ORDERS_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "placed_at": pl.Datetime("us"),
    "customer_id": pl.String(),
    "channel": pl.String(),
    "service": pl.String(),
    "n_lines": pl.UInt32(),
    "n_units": pl.UInt32(),
    "value": pl.Float64(),
    **{c: pl.Datetime("us") for c in TIMING_COLUMNS},
    "timing_flag": pl.String(),
}

LINES_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "line_no": pl.UInt32(),
    "sku": pl.String(),
    "quantity": pl.UInt32(),
    "unit_price": pl.Float64(),
}

REJECTS_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "row": pl.UInt32(),
    "column": pl.String(),
    "reason": pl.String(),
}

REASON_MISSING_ORDER_ID = "missing order id"
REASON_CANCELLATION = "cancellation"
REASON_MISSING_SKU = "missing sku"
REASON_NON_PRODUCT = "non-product line"
REASON_MISSING_DATE = "missing date"
REASON_BAD_DATE = "unparseable date"
REASON_MISSING_QUANTITY = "missing quantity"
REASON_BAD_QUANTITY = "quantity not an integer"
REASON_NON_POSITIVE_QUANTITY = "non-positive quantity"
REASON_QUANTITY_TOO_LARGE = "quantity too large"
REASON_MISSING_PRICE = "missing price"
REASON_BAD_PRICE = "price not a number"
REASON_NEGATIVE_PRICE = "negative price"
REASON_DUPLICATE = "duplicate line"
# Olist (orders file and items file)
REASON_UNAVAILABLE = "unavailable order"
REASON_DUPLICATE_ORDER = "duplicate order"
REASON_NO_ITEMS = "order without items"
REASON_ORPHAN_ITEM = "item without order"
REASON_ORDER_REJECTED = "order rejected"

FLAG_CARRIER_BEFORE_APPROVAL = "carrier before approval"
FLAG_DELIVERED_BEFORE_CARRIER = "delivered before carrier"
FLAG_UNPARSEABLE = "unparseable {column}"


class OrderImportError(ValueError):
    """A file that cannot be imported at all: unreadable, empty, wrong columns, no valid rows."""


@dataclass(frozen=True)
class ImportResult:
    """The outcome of one import: accepted orders and lines, rejected rows, rows read/accepted.

    ``accepted_rows + rejects.height == rows_read`` is checked on construction.
    """

    orders: pl.DataFrame
    lines: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    accepted_rows: int

    def __post_init__(self) -> None:
        """Refuse a result that loses or double-counts source rows."""
        if self.accepted_rows + self.rejects.height != self.rows_read:
            raise ValueError(
                f"import invariant broken: {self.accepted_rows} accepted + "
                f"{self.rejects.height} rejected != {self.rows_read} rows read"
            )

    def counts(self) -> dict[str, int]:
        """Rows read, rows accepted, lines imported, rows rejected, orders built.

        ``accepted_rows + rejected == rows_read``.
        """
        return {
            "rows_read": self.rows_read,
            "accepted_rows": self.accepted_rows,
            "lines": self.lines.height,
            "rejected": self.rejects.height,
            "orders": self.orders.height,
        }

    def reject_reasons(self) -> dict[str, int]:
        """Number of rejected rows per reason."""
        grouped = self.rejects.group_by("reason").len()
        return dict(zip(grouped["reason"].to_list(), grouped["len"].to_list(), strict=True))
