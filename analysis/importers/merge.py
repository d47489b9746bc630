"""Several order files in one import: concatenated, overlapping exports never doubled.

Rule M1: files are read one by one (each by its format's rules) and concatenated in the order
given. An order id already imported from an earlier file (two exports whose date ranges
overlap) is kept from the earliest file only: every accepted row of it in a later file is
rejected with reason ``"order in an earlier file"`` (column: the order id column), and the
count is logged. The import invariant (accepted + rejected = rows read) holds over all files.
Olist is a folder of related files and is imported one folder at a time.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from analysis.importers.common import read_raw
from analysis.importers.schema import (
    LINES_SCHEMA,
    ORDERS_SCHEMA,
    REJECTS_SCHEMA,
    ImportResult,
    OrderImportError,
)

log = logging.getLogger("analysis.importers.read")

REASON_OVERLAP = "order in an earlier file"
#: the source column holding the order id, per format (Online Retail: either variant)
ORDER_ID_COLUMNS = {
    "generic": ("order_id",),
    "shopify": ("Name",),
    "online-retail": ("InvoiceNo", "Invoice"),
}


def merge(results: list[tuple[Path, ImportResult]], fmt: str, opts: dict) -> ImportResult:
    """One result from several files' results by rule M1."""
    if fmt not in ORDER_ID_COLUMNS:
        raise OrderImportError(f"format {fmt}: expected one order folder, found {len(results)}")
    seen: set[str] = set()
    orders, lines, rejects = [], [], []
    rows_read = accepted = 0
    for path, r in results:
        ids = set(r.orders["order_id"].to_list())
        overlap = ids & seen
        rows_read += r.rows_read
        o, li, rj = r.orders, r.lines, r.rejects
        if overlap:
            extra = _overlap_rejects(path, overlap, r, fmt, opts)
            o = o.filter(~pl.col("order_id").is_in(list(overlap)))
            li = li.filter(~pl.col("order_id").is_in(list(overlap)))
            rj = pl.concat([rj, extra]).sort("row")
            log.warning(
                "%s: %d orders (%d rows) already imported from an earlier file: rejected as "
                "'%s' (overlapping exports), not doubled",
                path,
                len(overlap),
                extra.height,
                REASON_OVERLAP,
            )
        accepted += li.height
        seen |= ids
        orders.append(o)
        lines.append(li)
        rejects.append(rj)
    dtype = orders[0].schema["placed_at"]
    schema = {c: dtype if isinstance(t, pl.Datetime) else t for c, t in ORDERS_SCHEMA.items()}
    return ImportResult(
        orders=pl.concat([o.cast(schema) for o in orders]),
        lines=pl.concat(lines).cast(LINES_SCHEMA),
        rejects=pl.concat(rejects).cast(REJECTS_SCHEMA),
        rows_read=rows_read,
        accepted_rows=accepted,
    )


def _overlap_rejects(
    path: Path, overlap: set[str], r: ImportResult, fmt: str, opts: dict
) -> pl.DataFrame:
    """The accepted source rows of the overlapping orders, as rejects."""
    raw = read_raw(path, delimiter=opts.get("delimiter"), encoding=opts.get("encoding"))
    col = next(c for c in ORDER_ID_COLUMNS[fmt] if c in raw.columns)
    already = set(r.rejects["row"].to_list())
    rows = (
        raw.select(
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("row"),
            pl.col(col).str.strip_chars().alias("id"),
        )
        .filter(pl.col("id").is_in(list(overlap)) & ~pl.col("row").is_in(list(already)))
        .select(
            pl.lit(path.name).alias("file"),
            "row",
            pl.lit(col).alias("column"),
            pl.lit(REASON_OVERLAP).alias("reason"),
        )
    )
    return rows.cast(REJECTS_SCHEMA)
