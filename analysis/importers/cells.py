"""Reading the cells of an order export: text, missing values, dates and time zones (the
formats read, the UTC-offset rule and ``--tz``). Internal to the importers; the user-facing
rules are :mod:`analysis.importers.read`' rules 4, 5 and 8."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from analysis.importers.limits import MAX_YEAR, MIN_YEAR
from analysis.importers.schema import OrderImportError


def text(col: str) -> pl.Expr:
    """Stripped text, with empty strings as null."""
    s = pl.col(col).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s).alias(col)


def is_missing(raw: pl.DataFrame, col: str) -> pl.Expr:
    """True where the value is absent: null, or (for text columns) empty after stripping."""
    if raw.schema[col] == pl.String:
        return text(col).is_null()
    return pl.col(col).is_null()


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
OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"


def check_tz(tz: str | None) -> None:
    """Raise :class:`OrderImportError` if ``tz`` is not a time zone name polars knows."""
    if tz is None:
        return
    try:
        pl.select(pl.lit(None, pl.Datetime("us")).dt.replace_time_zone(tz))
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise OrderImportError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Europe/London' or 'UTC'"
        ) from exc


def has_offset(raw: pl.DataFrame, cols: Sequence[str]) -> bool:
    """True if any text value in ``cols`` carries a UTC offset (``+0530``, ``+05:30``, ``Z``)."""
    exprs = [text(c).str.contains(OFFSET_RE).any() for c in cols if raw.schema[c] == pl.String]
    if not exprs:
        return False
    return any(bool(v) for v in raw.select(exprs).row(0))


def localise(expr: pl.Expr, aware: bool, tz: str | None) -> pl.Expr:
    """Apply the time-zone rule to parsed datetimes.

    Aware values are converted to ``tz`` (UTC without ``tz``). Naive values stay naive without
    ``tz``; with ``tz`` they are local times there: an ambiguous time (the repeated hour when
    clocks go back) takes the earlier instant, a non-existent one (the hour skipped when
    clocks go forward) becomes null, i.e. unparseable.
    """
    if aware:
        return expr.dt.convert_time_zone(tz or "UTC")
    if tz is not None:
        return expr.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    return expr


def parse_dates(
    raw: pl.DataFrame, col: str, tz: str | None = None, aware: bool | None = None
) -> pl.Expr:
    """Parse a date column and apply the time-zone rule (:func:`localise`).

    Text is read with ``AWARE_FORMATS`` if ``aware`` (default: if any value of the column
    carries an offset; values without one are then unparseable), else with ``NAIVE_FORMATS``.
    Typed (Parquet) datetimes are kept, their time zone deciding awareness.
    """
    dtype = raw.schema[col]
    if isinstance(dtype, pl.Datetime):
        return localise(pl.col(col).dt.cast_time_unit("us"), dtype.time_zone is not None, tz)
    if isinstance(dtype, pl.Date):
        return localise(pl.col(col).cast(pl.Datetime("us")), False, tz)
    values = raw.select(text(col).unique().drop_nulls()).to_series()
    if aware is None:
        aware = bool(values.str.contains(OFFSET_RE).any())

    def normal(e: pl.Expr) -> pl.Expr:
        return e.str.replace(r"Z$", "+0000") if aware else e

    def parse(e: pl.Expr, fmt: str) -> pl.Expr:
        return e.str.to_datetime(fmt, time_unit="us", strict=False, exact=True)

    # Keep only the formats that parse a value no earlier format does: the same result as
    # trying them all, at a fraction of the cost on large files.
    fmts = []
    todo = values.to_frame("v").select(normal(pl.col("v"))).to_series()
    for fmt in AWARE_FORMATS if aware else NAIVE_FORMATS:
        if todo.is_empty():
            break
        ok = todo.to_frame("v").select(parse(pl.col("v"), fmt).is_not_null()).to_series()
        if ok.any():
            fmts.append(fmt)
            todo = todo.filter(~ok)
    if not fmts:  # nothing parses: all null, with the right data type
        fmts = [(AWARE_FORMATS if aware else NAIVE_FORMATS)[0]]
    parsed = pl.coalesce([parse(normal(text(col)), f) for f in fmts])
    return localise(parsed, aware, tz)


def timing_exprs(
    raw: pl.DataFrame, timing: dict[str, str], tz: str | None, aware: bool | None
) -> list[pl.Expr]:
    """Parsed timing columns (schema field -> source column) and their ``_bad_<field>`` flags.

    A timing value is *bad* if the source has text that does not parse (or, with ``tz``, is a
    non-existent local time) or a date outside ``MIN_YEAR``-``MAX_YEAR``; a bad value is
    nulled, an empty value is simply null.
    """
    out: list[pl.Expr] = []
    for field, col in timing.items():
        parsed = parse_dates(raw, col, tz, aware)
        year = parsed.dt.year()
        parsed = pl.when((year >= MIN_YEAR) & (year <= MAX_YEAR)).then(parsed)
        out.append(parsed.alias(field))
        out.append((~is_missing(raw, col) & parsed.is_null()).alias(f"_bad_{field}"))
    return out
