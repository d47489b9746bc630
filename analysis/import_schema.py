"""The orders-and-lines schema that every order importer (:mod:`analysis.importers`) produces.

An import yields three polars frames:

``orders`` (one row per accepted order, in order of first appearance in the file)
    ``order_id`` String, ``placed_at`` Datetime (naive unless the source gives a time zone,
    then UTC), ``customer_id`` String (nullable), ``channel`` String (nullable), ``service``
    String (nullable), ``n_lines`` UInt32, ``n_units`` UInt32, ``value`` Float64.

``lines`` (one row per accepted order line, in file order)
    ``order_id`` String, ``line_no`` UInt32 (1-based within the order, in file order),
    ``sku`` String, ``quantity`` UInt32 (> 0), ``unit_price`` Float64 (>= 0).

``rejects`` (one row per rejected source row, in file order)
    ``row`` UInt32 (1-based data record number in the source file, header excluded),
    ``column`` String (the offending source column, or ``""`` for the whole row),
    ``reason`` String (one of the ``REASON_*`` constants below).

A source row is either one line or one reject, never both and never neither:
``lines.height + rejects.height == rows_read``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ORDERS_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "placed_at": pl.Datetime("us"),
    "customer_id": pl.String(),
    "channel": pl.String(),
    "service": pl.String(),
    "n_lines": pl.UInt32(),
    "n_units": pl.UInt32(),
    "value": pl.Float64(),
}

LINES_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "line_no": pl.UInt32(),
    "sku": pl.String(),
    "quantity": pl.UInt32(),
    "unit_price": pl.Float64(),
}

REJECTS_SCHEMA: dict[str, pl.DataType] = {
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


class OrderImportError(ValueError):
    """A file that cannot be imported at all: unreadable, empty, wrong columns, no valid rows."""


@dataclass(frozen=True)
class ImportResult:
    """The outcome of one import: accepted orders and lines, rejected rows, rows read."""

    orders: pl.DataFrame
    lines: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int

    def counts(self) -> dict[str, int]:
        """Rows read, lines imported, rows rejected, orders built (imported + rejected = read)."""
        return {
            "rows_read": self.rows_read,
            "lines": self.lines.height,
            "rejected": self.rejects.height,
            "orders": self.orders.height,
        }

    def reject_reasons(self) -> dict[str, int]:
        """Number of rejected rows per reason."""
        grouped = self.rejects.group_by("reason").len()
        return dict(zip(grouped["reason"].to_list(), grouped["len"].to_list(), strict=True))
