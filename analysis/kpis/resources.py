"""Resource KPIs from the steps and roster tables: utilisation and time-weighted queues."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
NAN = float("nan")

#: Order milestone columns (times). ``promised_at`` is a promise, not an observation.
MILESTONES: tuple[str, ...] = (
    "placed_at",
    "paid_at",
    "released_at",
    "picked_at",
    "packed_at",
    "labelled_at",
    "shipped_at",
    "delivered_at",
)


# --- helpers ----------------------------------------------------------------------------


def to_float(value: float | None) -> float:
    """A polars scalar (possibly None) as a float; None becomes NaN."""
    return NAN if value is None else float(value)


def _names(*columns: pl.Series) -> list[str]:
    """Ordered union of the names a column can take: Enum categories, else the values seen."""
    out: dict[str, None] = {}
    for col in columns:
        if isinstance(col.dtype, pl.Enum):
            values = col.dtype.categories.to_list()
        else:
            values = sorted(col.drop_nulls().cast(pl.String).unique().to_list())
        for name in values:
            out.setdefault(name)
    return list(out)


def default_end(orders: pl.DataFrame, steps: pl.DataFrame, roster: pl.DataFrame) -> float | None:
    """Largest time in the tables (``promised_at`` excluded: it is a promise), or None."""
    maxima: list[float | None] = []
    for frame, cols in (
        (orders, MILESTONES),
        (steps, ("t_ready", "t_start", "t_end")),
        (roster, ("t_on", "t_off")),
    ):
        present = [c for c in cols if c in frame.columns]
        if present and frame.height:
            maxima.append(frame.select(pl.max_horizontal(pl.col(present).max())).item())
    found = [m for m in maxima if m is not None and not math.isnan(m)]
    return max(found) if found else None


def ratio(num: float, den: float) -> float:
    """num / den, NaN when the denominator is 0 or NaN."""
    return num / den if den > 0 and not math.isnan(den) else NAN


# --- utilisation ------------------------------------------------------------------------


def _busy_intervals(steps: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Started steps as worker busy intervals (resource, t_start, t_end), batches counted once.

    Rows of one batch share (resource, worker, batch_id, t_start, t_end); one is kept.
    """
    started = (
        steps.lazy()
        .filter(pl.col("t_start").is_not_null() & pl.col("resource").is_not_null())
        .select("resource", "worker", "batch_id", "t_start", "t_end")
    )
    batched = started.filter(pl.col("batch_id").is_not_null()).unique(
        subset=["resource", "worker", "batch_id", "t_start", "t_end"]
    )
    single = started.filter(pl.col("batch_id").is_null())
    cols = [pl.col("resource").cast(pl.String), pl.col("worker").cast(pl.Int64), "t_start", "t_end"]
    return pl.concat([batched.select(cols), single.select(cols)])


def _sum_by_resource(df: pl.DataFrame) -> pl.DataFrame:
    """Per-resource sums of every other column, exact (``math.fsum``), so the result does not
    depend on the row order or on how a parallel group-by splits the rows."""
    cols = [c for c in df.columns if c != "resource"]
    parts = df.partition_by("resource", maintain_order=True, as_dict=True)
    data: dict[str, list] = {"resource": [key[0] for key in parts]}
    for c in cols:
        data[c] = [math.fsum(part[c].drop_nulls().to_list()) for part in parts.values()]
    schema = {"resource": pl.String, **{c: pl.Float64 for c in cols}}
    return pl.DataFrame(data, schema=schema)


def utilisation(
    steps: pl.DataFrame, roster: pl.DataFrame, *, start: float, end: float
) -> pl.DataFrame:
    """Busy and on-duty minutes per resource in the window ``[start, end]``.

    Busy time: step attempts that started, one interval per batch (orders picked together in a
    batch share one worker interval); in-progress attempts (``t_end`` null) run to ``end``;
    intervals are clipped to the window and to the worker's on-duty interval in which they
    started: a worker who finishes the task in hand after the shift ends works overtime, which
    is reported as ``overtime_min``, not as utilisation. On-duty time: roster intervals clipped
    to the window.

    Returns columns ``resource`` (String, every resource of the Enum dtypes or seen),
    ``busy_min``, ``overtime_min``, ``on_duty_min`` and ``utilisation`` (NaN when the resource
    was never on duty).
    """
    shifts = (
        roster.lazy()
        .select(
            pl.col("resource").cast(pl.String),
            pl.col("worker").cast(pl.Int64),
            pl.col("t_on").alias("t_start"),
            "t_off",
        )
        .sort("t_start", "resource", "worker")
    )
    intervals = (
        _busy_intervals(steps)
        # a total order (not just t_start) so the sums below add in the same order every run
        .sort("t_start", "resource", "worker", "t_end", nulls_last=True)
        .join_asof(
            shifts,
            on="t_start",
            by=["resource", "worker"],
            strategy="backward",
            check_sortedness=False,  # both sides are sorted on t_start just above
        )
        .with_columns(pl.col("t_end").fill_null(end).clip(upper_bound=end))
    )
    off = pl.col("t_off").fill_null(pl.col("t_end"))
    busy = intervals.select(
        "resource",
        (pl.min_horizontal("t_end", off) - pl.col("t_start").clip(lower_bound=start))
        .clip(lower_bound=0.0)
        .alias("busy_min"),
        (pl.col("t_end") - pl.max_horizontal(off, pl.lit(start)))
        .clip(lower_bound=0.0)
        .alias("overtime_min"),
    )
    duty = roster.lazy().select(
        pl.col("resource").cast(pl.String),
        (pl.col("t_off").clip(upper_bound=end) - pl.col("t_on").clip(lower_bound=start))
        .clip(lower_bound=0.0)
        .alias("on_duty_min"),
    )
    busy_df, duty_df = (_sum_by_resource(df) for df in pl.collect_all([busy, duty]))
    resources = _names(
        steps["resource"], roster["resource"], busy_df["resource"], duty_df["resource"]
    )
    return (
        pl.DataFrame({"resource": resources}, schema={"resource": pl.String})
        .join(busy_df, on="resource", how="left")
        .join(duty_df, on="resource", how="left")
        .with_columns(
            pl.col("busy_min", "overtime_min", "on_duty_min").fill_null(0.0).cast(pl.Float64)
        )
        .with_columns(
            pl.when(pl.col("on_duty_min") > 0)
            .then(pl.col("busy_min") / pl.col("on_duty_min"))
            .otherwise(NAN)
            .alias("utilisation")
        )
    )


# --- queues -----------------------------------------------------------------------------


def _waits(steps: pl.DataFrame | pl.LazyFrame, start: float, end: float) -> pl.LazyFrame:
    """Waiting intervals ``[a, b)`` of step attempts clipped to the window (empty ones dropped).

    An attempt waits on ``[t_ready, t_start)``; ``t_start`` null means still waiting at ``end``.
    """
    return (
        steps.lazy()
        .filter(pl.col("t_ready").is_not_null())
        .select(
            "step",
            pl.col("t_ready").clip(lower_bound=start).alias("a"),
            pl.col("t_start").fill_null(end).clip(upper_bound=end).alias("b"),
        )
        .filter(pl.col("a") < pl.col("b"))
    )


def _length_at(a_sorted: np.ndarray, b_sorted: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Number of half-open intervals ``[a, b)`` containing each time in ``t`` (sorted inputs)."""
    joined = np.searchsorted(a_sorted, t, side="right")
    left = np.searchsorted(b_sorted, t, side="right")
    return joined - left


def _sorted_ends(waits: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    a = np.sort(waits["a"].to_numpy())
    b = np.sort(waits["b"].to_numpy())
    return a, b


def queue_length(steps: pl.DataFrame, step: str, *, start: float, end: float) -> pl.DataFrame:
    """The queue of ``step`` attempts waiting to start, as a step function over ``[start, end)``.

    An attempt waits on ``[t_ready, t_start)`` (``t_start`` null: still waiting at ``end``).
    Returns columns ``t`` (Float64) and ``length`` (Int64): the queue holds ``length`` from ``t``
    until the next row's ``t`` (the last row until ``end``). The first row is at ``start``;
    consecutive rows always differ in length. Vectorised: the length at each event time is
    (#joined by t) - (#started by t), from sorted arrays.
    """
    schema = {"t": pl.Float64, "length": pl.Int64}
    if step not in _names(steps["step"]) or not end > start:
        return pl.DataFrame({"t": [float(start)], "length": [0]}, schema=schema)
    waits = _waits(steps.filter(pl.col("step") == step), start, end).collect()
    a, b = _sorted_ends(waits)
    t = np.unique(np.concatenate([[float(start)], a, b]))
    t = t[t < end]
    length = _length_at(a, b, t)
    keep = np.ones(t.size, dtype=bool)
    keep[1:] = length[1:] != length[:-1]
    return pl.DataFrame({"t": t[keep], "length": length[keep]}, schema=schema)


def time_weighted_mean(
    t: Sequence[float] | np.ndarray | pl.Series,
    values: Sequence[float] | np.ndarray | pl.Series,
    start: float,
    end: float,
) -> float:
    """Time-weighted mean over ``[start, end]`` of a right-continuous step function.

    ``values[i]`` holds from ``t[i]`` until ``t[i+1]`` (the last until ``end``); the function is
    0 before ``t[0]``. Returns NaN for an empty window (``end <= start``).
    """
    if not end > start:
        return NAN
    tt = np.asarray(t, dtype=float)
    vv = np.asarray(values, dtype=float)
    if tt.shape != vv.shape:
        raise ValueError("t and values must have the same length")
    if tt.size == 0:
        return 0.0
    order = np.argsort(tt, kind="stable")
    tt, vv = tt[order], vv[order]
    lo = np.clip(tt, start, end)
    hi = np.clip(np.append(tt[1:], end), start, end)
    return float(np.sum(vv * (hi - lo)) / (end - start))


def queue_stats(steps: pl.DataFrame, start: float, end: float) -> dict[str, float]:
    """``queue_mean_<step>``, ``queue_max_<step>`` and ``wait_mean_min_<step>`` for every step
    name (vectorised).

    Mean = total clipped waiting time / window length (the area under the queue-length step
    function); max = the largest length, reached right after some attempt joins the queue;
    wait = mean minutes from ready to start of the attempts that joined the queue in the
    window and had started by the end of the run (NaN if none).
    """
    names = _names(steps["step"])
    if not end > start:
        out = {f"queue_{k}_{s}": NAN for s in names for k in ("mean", "max")}
        return out | {f"wait_mean_min_{s}": NAN for s in names}
    waits = _waits(steps, start, end).collect()
    started = steps.filter(
        pl.col("t_ready").is_between(start, end) & pl.col("t_start").is_not_null()
    ).select(pl.col("step").cast(pl.String), (pl.col("t_start") - pl.col("t_ready")).alias("w"))
    mean_wait: dict[str, float] = {}
    for name, group in started.partition_by("step", as_dict=True).items():
        w = group["w"].to_numpy()  # exact sum: the same mean whatever the row order
        mean_wait[str(name[0])] = math.fsum(w) / w.size
    out: dict[str, float] = {}
    for s in names:
        sel = waits.filter(pl.col("step") == s)
        a, b = _sorted_ends(sel)
        area = float((sel["b"] - sel["a"]).sum()) if sel.height else 0.0
        out[f"queue_mean_{s}"] = area / (end - start)
        out[f"queue_max_{s}"] = float(_length_at(a, b, a).max()) if a.size else 0.0
        out[f"wait_mean_min_{s}"] = mean_wait.get(s, NAN)
    return out
