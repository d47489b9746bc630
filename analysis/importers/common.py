"""Building blocks shared by the order importers.

Internal to :mod:`analysis.importers.read`, :mod:`analysis.importers.shopify` and
:mod:`analysis.importers.olist`; the user-facing rules are documented in those modules and the
schema in :mod:`analysis.importers.schema`. Everything here is vectorised polars.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from analysis.importers.cells import is_missing, parse_dates, text
from analysis.importers.csv_reader import DELIMITER_NAMES, DELIMITERS, read_csv_text
from analysis.importers.limits import (
    REASON_DATE_OUT_OF_RANGE,
    REASON_LINE_VALUE_TOO_LARGE,
    UINT32_MAX,
    date_out_of_range,
    line_value_too_large,
    order_too_large,
)
from analysis.importers.schema import (
    FLAG_CARRIER_BEFORE_APPROVAL,
    FLAG_DELIVERED_BEFORE_CARRIER,
    FLAG_UNPARSEABLE,
    LINES_SCHEMA,
    ORDERS_SCHEMA,
    REASON_BAD_DATE,
    REASON_BAD_PRICE,
    REASON_BAD_QUANTITY,
    REASON_DUPLICATE,
    REASON_MISSING_DATE,
    REASON_MISSING_ORDER_ID,
    REASON_MISSING_PRICE,
    REASON_MISSING_QUANTITY,
    REASON_MISSING_SKU,
    REASON_NEGATIVE_PRICE,
    REASON_NON_POSITIVE_QUANTITY,
    REASON_QUANTITY_TOO_LARGE,
    REJECTS_SCHEMA,
    TIMING_COLUMNS,
    ImportResult,
    OrderImportError,
)
from sim import paths

log = logging.getLogger("analysis.importers.read")


# A check: (condition that fails the row, source column to report, reason).
Check = tuple[pl.Expr, str, str]
#: hidden source-row marks: a cut-off last row (C3 of analysis.importers.csv_reader), an exact
#: duplicate
TRUNCATED, DUPLICATE_ROW = "_truncated", "_duplicate_row"
REASON_TRUNCATED = "truncated row"
REASON_DUPLICATE_ROW = "duplicate row"


def read_raw(
    path: Path,
    parquet: bool | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    mark_truncated: bool = True,
) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet file (datetimes kept, the rest as text).

    CSV encoding, delimiter and a cut-off last row follow :mod:`analysis.importers.csv_reader`; a
    cut-off last row gets ``_truncated`` = true (the other rows false), or, without
    ``mark_truncated``, is one error. Raises :class:`OrderImportError` for a missing, empty,
    header-only or unreadable file.
    """
    if parquet is None:
        parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        paths.confine(path)  # before anything else: no hint about files outside
        if not path.exists():
            raise OrderImportError(f"{path}: no such file")
        if path.is_dir():
            raise OrderImportError(f"{path}: is a directory, expected a file")
        paths.check_file(path, paths.MAX_ORDER_BYTES)  # no device, FIFO; bounded size
    except paths.PathError as exc:
        raise OrderImportError(str(exc)) from None
    if path.stat().st_size == 0:
        raise OrderImportError(f"{path}: empty file")
    kind = "Parquet" if parquet else "CSV"
    text = None if parquet else read_csv_text(path, delimiter, encoding)
    try:
        if text is None:
            raw = pl.read_parquet(path)
        else:
            raw = pl.read_csv(text.data, infer_schema=False, separator=text.delimiter)
    except pl.exceptions.NoDataError as exc:
        raise OrderImportError(f"{path}: empty file") from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        # the reader's message may quote the file's lines: name the problem, not the content
        hint = (
            f" (read as {text.encoding}, {DELIMITER_NAMES[text.delimiter]}-delimited; "
            "pass --encoding or --delimiter if that is wrong)"
            if text is not None and text.delimiter in DELIMITER_NAMES
            else ""
        )
        raise OrderImportError(
            f"{path}: expected a readable {kind} file, found one the {kind} reader rejects "
            f"({type(exc).__name__}){hint}; check the format and the file"
        ) from exc
    if text is not None and raw.width == 1 and text.delimiter == ",":
        col = raw.columns[0]
        other = [DELIMITER_NAMES[d] for d in DELIMITERS if d != "," and d in col]
        if other:
            raise OrderImportError(
                f"{path}: expected comma-separated columns, found one column {col[:60]!r} "
                f"holding {other[0]}s; pass --delimiter"
            )
    if text is not None and text.truncated_last_row and raw.height:
        if not mark_truncated:
            raise OrderImportError(
                f"{path}: row {raw.height} is cut off (fewer fields than the header and no end "
                "of line): the file looks truncated; export or copy it again"
            )
        raw = raw.with_columns((pl.int_range(pl.len()) == pl.len() - 1).alias(TRUNCATED))
    keep = (pl.Datetime, pl.Date, pl.Boolean)
    raw = raw.with_columns(
        pl.col(c).cast(pl.String) for c, t in raw.schema.items() if not isinstance(t, keep)
    )
    if raw.height == 0:
        raise OrderImportError(f"{path}: no data rows")
    return raw


def missing_columns(raw: pl.DataFrame, required: Iterable[str]) -> list[str]:
    """The required columns that ``raw`` lacks, in the order given."""
    return [c for c in required if c not in raw.columns]


def require(raw: pl.DataFrame, path: Path, required: Iterable[str], what: str) -> None:
    """Raise :class:`OrderImportError` naming the file and *all* missing required columns."""
    missing = missing_columns(raw, required)
    if missing:
        raise OrderImportError(
            f"{path}: missing required column(s) for {what}: {', '.join(missing)}"
        )


def first_failure(checks: Sequence[Check]) -> tuple[pl.Expr, pl.Expr]:
    """Reason and column of the first failing check per row (null if every check passes)."""
    reason: pl.Expr | pl.When | pl.Then = pl
    column: pl.Expr | pl.When | pl.Then = pl
    for cond, col, why in checks:
        reason = reason.when(cond).then(pl.lit(why))
        column = column.when(cond).then(pl.lit(col))
    if not checks:
        return pl.lit(None, pl.String), pl.lit(None, pl.String)
    return (
        reason.otherwise(pl.lit(None, pl.String)),  # type: ignore[union-attr]
        column.otherwise(pl.lit(None, pl.String)),  # type: ignore[union-attr]
    )


def stage_lines(
    raw: pl.DataFrame,
    src: dict[str, str],
    tz: str | None,
    *,
    aware: bool | None = None,
    overrides: dict[str, pl.Expr] | None = None,
    extra: Sequence[pl.Expr] = (),
) -> pl.DataFrame:
    """One staged row per source row (one order line) with the standard working columns.

    ``src`` maps schema fields (``order_id, placed_at, sku, quantity, unit_price`` and the
    optional ``customer_id, channel, service``) to source columns; ``overrides`` replaces the
    default expression of a field (e.g. Shopify's SKU fallback); ``extra`` adds columns.
    """
    overrides = overrides or {}

    def field(name: str) -> pl.Expr:
        if name in overrides:
            return overrides[name].alias(name)
        if name in src:
            return text(src[name]).alias(name)
        return pl.lit(None, pl.String).alias(name)

    return raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("row"),
        field("order_id"),
        field("sku"),
        is_missing(raw, src["placed_at"]).alias("_no_date"),
        parse_dates(raw, src["placed_at"], tz, aware).alias("placed_at"),
        text(src["quantity"]).is_null().alias("_no_qty"),
        text(src["quantity"]).cast(pl.Int64, strict=False).alias("_qty"),
        text(src["unit_price"]).is_null().alias("_no_price"),
        text(src["unit_price"]).cast(pl.Float64, strict=False).alias("unit_price"),
        field("customer_id"),
        field("channel"),
        field("service"),
        *(pl.col(c) for c in (TRUNCATED, DUPLICATE_ROW) if c in raw.columns),
        *extra,
    )


def line_checks(
    src: dict[str, str],
    *,
    cancellation: Sequence[Check] = (),
    non_product: Check | None = None,
    sku_column: str | None = None,
) -> list[Check]:
    """The rule-2 checks of a one-row-per-line format, in order, on a staged frame.

    ``cancellation`` checks come right after the order id, ``non_product`` after the SKU;
    ``sku_column`` is the column reported for a missing SKU (default ``src["sku"]``).
    """
    q, p = pl.col("_qty"), pl.col("unit_price")
    checks: list[Check] = [(pl.col("order_id").is_null(), src["order_id"], REASON_MISSING_ORDER_ID)]
    checks += cancellation
    checks.append((pl.col("sku").is_null(), sku_column or src["sku"], REASON_MISSING_SKU))
    if non_product is not None:
        checks.append(non_product)
    checks += [
        (pl.col("_no_date"), src["placed_at"], REASON_MISSING_DATE),
        (pl.col("placed_at").is_null(), src["placed_at"], REASON_BAD_DATE),
        (date_out_of_range("placed_at"), src["placed_at"], REASON_DATE_OUT_OF_RANGE),
        (pl.col("_no_qty"), src["quantity"], REASON_MISSING_QUANTITY),
        (q.is_null(), src["quantity"], REASON_BAD_QUANTITY),
        (q <= 0, src["quantity"], REASON_NON_POSITIVE_QUANTITY),
        (q > UINT32_MAX, src["quantity"], REASON_QUANTITY_TOO_LARGE),
        (pl.col("_no_price"), src["unit_price"], REASON_MISSING_PRICE),
        (p.is_null() | ~p.is_finite(), src["unit_price"], REASON_BAD_PRICE),
        (p < 0, src["unit_price"], REASON_NEGATIVE_PRICE),
        (line_value_too_large(), src["unit_price"], REASON_LINE_VALUE_TOO_LARGE),
    ]
    return checks


def reject_frame(path: Path, failed: pl.DataFrame) -> pl.DataFrame:
    """Rejects of one file, sorted by row, from a frame with ``row, column, reason``."""
    return (
        failed.select(pl.lit(path.name).alias("file"), "row", "column", "reason")
        .sort("row")
        .cast(REJECTS_SCHEMA)
    )


def no_valid_rows(path: Path, rows_read: int, rejects: pl.DataFrame) -> OrderImportError:
    """The error for a file whose rows were all rejected, with counts per reason."""
    summary = ", ".join(
        f"{r} {n}" for r, n in rejects.group_by("reason").len().sort("reason").iter_rows()
    )
    return OrderImportError(
        f"{path}: no valid rows ({rows_read} rows read, all rejected: {summary})"
    )


def finish_orders(orders: pl.DataFrame, timing: dict[str, str]) -> pl.DataFrame:
    """Add missing timing columns and ``timing_flag``, and cast to ``ORDERS_SCHEMA``.

    ``orders`` has the base columns, the timing fields in ``timing`` (schema field -> source
    column) and their boolean ``_bad_<field>`` columns. Every Datetime column gets the data
    type of ``placed_at``. Flags, in this order: ``unparseable <source column>`` for each bad
    timing value, ``carrier before approval`` (``shipped_at < paid_at``), ``delivered before
    carrier`` (``delivered_at < shipped_at``).
    """
    dtype = orders.schema["placed_at"]
    orders = orders.with_columns(
        pl.col(c).cast(dtype) if c in orders.columns else pl.lit(None, dtype).alias(c)
        for c in TIMING_COLUMNS
    )
    flags = [
        pl.when(pl.col(f"_bad_{f}")).then(pl.lit(FLAG_UNPARSEABLE.format(column=c)))
        for f, c in timing.items()
    ]
    flags += [
        pl.when(pl.col("shipped_at") < pl.col("paid_at")).then(
            pl.lit(FLAG_CARRIER_BEFORE_APPROVAL)
        ),
        pl.when(pl.col("delivered_at") < pl.col("shipped_at")).then(
            pl.lit(FLAG_DELIVERED_BEFORE_CARRIER)
        ),
    ]
    joined = pl.concat_list(flags).list.drop_nulls().list.join("; ")
    orders = orders.with_columns(
        pl.when(joined == "").then(None).otherwise(joined).alias("timing_flag")
    )
    schema = {c: dtype if isinstance(t, pl.Datetime) else t for c, t in ORDERS_SCHEMA.items()}
    return orders.select(list(ORDERS_SCHEMA)).cast(schema)


def build_from_lines(
    staged: pl.DataFrame,
    path: Path,
    checks: Sequence[Check],
    timing: dict[str, str] | None = None,
    dedupe: bool = True,
    src: dict[str, str] | None = None,
) -> ImportResult:
    """Validate staged line rows, split them into lines and rejects and build the orders.

    Applies rules 2 (first failing check), 3 (duplicate lines, if ``dedupe``) and 6 (orders
    from accepted lines) of :mod:`analysis.importers.read`. Order-level fields (customer, channel,
    service, timing columns) take the order's first non-null value in file order. ``src``
    names the source quantity and price columns reported for an order too large.
    """
    timing = timing or {}
    rows_read = staged.height
    marks: list[Check] = [
        (pl.col(c), "", why)
        for c, why in ((TRUNCATED, REASON_TRUNCATED), (DUPLICATE_ROW, REASON_DUPLICATE_ROW))
        if c in staged.columns
    ]
    reason, column = first_failure([*marks, *checks])
    staged = staged.with_columns(reason.alias("reason"), column.alias("column"))
    failed = [staged.filter(pl.col("reason").is_not_null())]
    valid = staged.filter(pl.col("reason").is_null())
    if dedupe:
        first = pl.struct(["order_id", "sku", "_qty", "unit_price", "placed_at"])
        first = first.is_first_distinct()
        failed.append(
            valid.filter(~first).with_columns(
                pl.lit(REASON_DUPLICATE).alias("reason"), pl.lit("").alias("column")
            )
        )
        valid = valid.filter(first)
    cols = src or {}
    valid = order_too_large(
        valid, cols.get("quantity", "quantity"), cols.get("unit_price", "unit_price")
    )
    # an order's units or value overflowing: all its lines
    failed.append(valid.filter(pl.col("reason").is_not_null()))
    valid = valid.filter(pl.col("reason").is_null())
    rejects = reject_frame(path, pl.concat(failed))
    if valid.height == 0:
        raise no_valid_rows(path, rows_read, rejects)

    valid = valid.with_columns(pl.col("_qty").cast(pl.UInt32).alias("quantity"))
    lines = valid.select(
        "order_id",
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("order_id").alias("line_no"),
        "sku",
        "quantity",
        "unit_price",
    ).cast(LINES_SCHEMA)
    orders = valid.group_by("order_id", maintain_order=True).agg(
        pl.col("placed_at").min(),
        *(pl.col(c).drop_nulls().first() for c in ("customer_id", "channel", "service")),
        pl.len().alias("n_lines"),
        pl.col("_qty").sum().alias("n_units"),
        (pl.col("_qty") * pl.col("unit_price")).sum().alias("value"),
        *(pl.col(f).drop_nulls().first() for f in timing),
        *(pl.col(f"_bad_{f}").any() for f in timing),
    )
    orders = finish_orders(orders, timing)
    return ImportResult(
        orders=orders,
        lines=lines,
        rejects=rejects,
        rows_read=rows_read,
        accepted_rows=lines.height,
    )


def log_result(what: str, path: Path, result: ImportResult, seconds: float) -> None:
    """Log one import's counts at INFO level."""
    c = result.counts()
    log.info(
        "%s %s: %d rows read, %d accepted, %d rejected, %d orders, %d lines in %.2f s",
        what,
        path,
        c["rows_read"],
        c["accepted_rows"],
        c["rejected"],
        c["orders"],
        c["lines"],
        seconds,
    )
