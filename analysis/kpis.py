"""Key performance indicators computed from the event log of one simulation run.

Everything here is a pure function: polars frames in, values or frames out. The input tables
are the ``orders``, ``steps`` and ``roster`` frames described in ``sim/eventlog.py``; this
module only relies on their column names and never imports the model (nor simpy).

Conventions
-----------
* Times are float minutes since the scenario start; durations are reported in hours (``_h``)
  unless the name says otherwise. ``start_minute_of_day`` is the time of day of time 0, so the
  calendar day of time ``t`` is ``floor((t + start_minute_of_day) / 1440)``.
* The analysis window is ``[warmup_min, end_min]``. Order-based KPIs use the *cohort* of orders
  placed in the window. Milestones later than ``end_min`` are treated as not reached, so the
  KPIs describe the state of the system at ``end_min``.
* Cost KPIs and ``throughput_per_day`` use the orders *shipped in the window*
  (``warmup_min <= shipped_at <= end_min``), whatever their placement time, so that labour paid
  in the window is divided by the output of the same window.
* Undefined values (no orders, no deliveries, empty window, ...) are ``float('nan')``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

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


# --- KPI definitions --------------------------------------------------------------------


@dataclass(frozen=True)
class KpiDef:
    """Metadata of one KPI.

    ``higher_is_better`` is ``None`` when neither direction is better (counts, utilisation).
    ``headline`` KPIs are the ones the experiments compare.
    """

    name: str
    unit: str
    description: str
    higher_is_better: bool | None
    headline: bool = False


def _defs(*defs: KpiDef) -> dict[str, KpiDef]:
    return {d.name: d for d in defs}


#: Every KPI with a fixed name returned by :func:`run_kpis`.
KPI_DEFS: dict[str, KpiDef] = _defs(
    KpiDef("orders_placed", "orders", "Orders placed in the window.", None),
    KpiDef("orders_shipped", "orders", "Orders placed in the window and shipped by its end.", None),
    KpiDef(
        "orders_delivered", "orders", "Orders placed in the window and delivered by its end.", None
    ),
    KpiDef(
        "orders_in_progress",
        "orders",
        "Orders placed in the window and not delivered by its end (status != delivered).",
        None,
    ),
    KpiDef(
        "lead_time_mean_h",
        "h",
        "Mean lead time placed -> delivered over delivered orders.",
        False,
        headline=True,
    ),
    KpiDef("lead_time_p50_h", "h", "Median lead time placed -> delivered.", False),
    KpiDef("lead_time_p90_h", "h", "90th percentile of the lead time placed -> delivered.", False),
    KpiDef(
        "lead_time_p95_h",
        "h",
        "95th percentile of the lead time placed -> delivered (linear interpolation).",
        False,
        headline=True,
    ),
    KpiDef("time_to_ship_mean_h", "h", "Mean time placed -> shipped over shipped orders.", False),
    KpiDef("time_to_ship_p95_h", "h", "95th percentile of the time placed -> shipped.", False),
    KpiDef(
        "shipped_same_day",
        "share",
        "Among orders placed at least a day before the window end, the share shipped on the "
        "calendar day they were placed (unshipped = not).",
        True,
        headline=True,
    ),
    KpiDef(
        "on_time_delivery",
        "share",
        "Among orders promised by the window end, the share delivered by the promised time "
        "(undelivered = late).",
        True,
        headline=True,
    ),
    KpiDef(
        "picking_accuracy_lines",
        "share",
        "1 - lines picked wrong first time / lines, over picked orders.",
        True,
        headline=True,
    ),
    KpiDef(
        "orders_shipped_with_error",
        "share",
        "Share of shipped orders with at least one wrong line reaching the customer.",
        False,
    ),
    KpiDef(
        "throughput_per_day",
        "orders/day",
        "Orders shipped in the window per day of window.",
        True,
    ),
    KpiDef(
        "travel_m_per_order", "m/order", "Mean picking travel distance of picked orders.", False
    ),
    KpiDef("labour_cost", "currency", "Paid (on-duty) time in the window times wage.", False),
    KpiDef(
        "orders_shipped_in_window",
        "orders",
        "Orders whose shipped_at lies in the window (denominator of the cost KPIs).",
        None,
    ),
    KpiDef(
        "labour_cost_per_order",
        "currency/order",
        "Labour cost in the window / orders shipped in the window.",
        False,
    ),
    KpiDef(
        "packaging_cost_per_order",
        "currency/order",
        "Mean packaging cost of the orders shipped in the window.",
        False,
    ),
    KpiDef(
        "shipping_cost_per_order",
        "currency/order",
        "Mean shipping cost of the orders shipped in the window.",
        False,
    ),
    KpiDef(
        "cost_per_order",
        "currency/order",
        "labour_cost_per_order + packaging_cost_per_order + shipping_cost_per_order.",
        False,
        headline=True,
    ),
    KpiDef("damage_rate", "share", "Share of shipped orders damaged in transit.", False),
)

#: KPIs whose names depend on the scenario, keyed by name prefix; the suffix is a resource
#: (``utilisation_<resource>``) or a step (``queue_mean_<step>``, ``queue_max_<step>``).
KPI_PATTERNS: dict[str, KpiDef] = _defs(
    KpiDef(
        "utilisation_",
        "share",
        "Busy time / on-duty time of resource {suffix} in the window (batched intervals once).",
        None,
        headline=True,
    ),
    KpiDef(
        "queue_mean_",
        "steps",
        "Time-weighted mean number of {suffix} steps waiting to start in the window.",
        False,
    ),
    KpiDef(
        "queue_max_",
        "steps",
        "Maximum number of {suffix} steps waiting to start in the window.",
        False,
    ),
)


def kpi_def(name: str) -> KpiDef:
    """Return the definition of a KPI, resolving dynamic names such as ``utilisation_pickers``.

    Raises ``KeyError`` for an unknown name.
    """
    if name in KPI_DEFS:
        return KPI_DEFS[name]
    for prefix in sorted(KPI_PATTERNS, key=len, reverse=True):
        suffix = name[len(prefix) :]
        if name.startswith(prefix) and suffix:
            pattern = KPI_PATTERNS[prefix]
            return replace(
                pattern, name=name, description=pattern.description.format(suffix=suffix)
            )
    raise KeyError(f"unknown KPI {name!r}")


def headline_kpis(names: Iterable[str]) -> list[str]:
    """Return, in the given order, the names (e.g. keys of a ``run_kpis`` result) that are
    headline KPIs; unknown names are skipped."""
    out = []
    for name in names:
        try:
            if kpi_def(name).headline:
                out.append(name)
        except KeyError:
            continue
    return out


# --- helpers ----------------------------------------------------------------------------


def _to_float(value: float | None) -> float:
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


def _default_end(orders: pl.DataFrame, steps: pl.DataFrame, roster: pl.DataFrame) -> float | None:
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


def _ratio(num: float, den: float) -> float:
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
        .sort("t_start")
    )
    intervals = (
        _busy_intervals(steps)
        .sort("t_start")
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
    busy = intervals.group_by("resource").agg(
        (pl.min_horizontal("t_end", off) - pl.col("t_start").clip(lower_bound=start))
        .clip(lower_bound=0.0)
        .sum()
        .alias("busy_min"),
        (pl.col("t_end") - pl.max_horizontal(off, pl.lit(start)))
        .clip(lower_bound=0.0)
        .sum()
        .alias("overtime_min"),
    )
    duty = (
        roster.lazy()
        .select(
            pl.col("resource").cast(pl.String),
            (pl.col("t_off").clip(upper_bound=end) - pl.col("t_on").clip(lower_bound=start))
            .clip(lower_bound=0.0)
            .alias("on_duty_min"),
        )
        .group_by("resource")
        .agg(pl.col("on_duty_min").sum())
    )
    busy_df, duty_df = pl.collect_all([busy, duty])
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


def _queue_stats(steps: pl.DataFrame, start: float, end: float) -> dict[str, float]:
    """``queue_mean_<step>`` and ``queue_max_<step>`` for every step name (vectorised).

    Mean = total clipped waiting time / window length (the area under the queue-length step
    function); max = the largest length, reached right after some attempt joins the queue.
    """
    names = _names(steps["step"])
    if not end > start:
        return {f"queue_{k}_{s}": NAN for s in names for k in ("mean", "max")}
    waits = _waits(steps, start, end).collect()
    out: dict[str, float] = {}
    for s in names:
        sel = waits.filter(pl.col("step") == s)
        a, b = _sorted_ends(sel)
        area = float((sel["b"] - sel["a"]).sum()) if sel.height else 0.0
        out[f"queue_mean_{s}"] = area / (end - start)
        out[f"queue_max_{s}"] = float(_length_at(a, b, a).max()) if a.size else 0.0
    return out


# --- orders -----------------------------------------------------------------------------


def order_flow(orders: pl.DataFrame, *, start_minute_of_day: float = 0.0) -> pl.DataFrame:
    """``orders`` with per-order stage and wait times in hours added (null if not reached).

    Added columns: ``wait_payment_h`` (placed -> paid), ``wait_release_h`` (paid -> released),
    ``pick_h`` (released -> picked, queue + picking), ``pack_h`` (picked -> packed), ``label_h``
    (packed -> labelled), ``dock_h`` (labelled -> shipped: notification and waiting for the
    carrier), ``transit_h`` (shipped -> delivered), ``time_to_ship_h`` (placed -> shipped),
    ``lead_time_h`` (placed -> delivered), ``lateness_h`` (delivered - promised, negative =
    early), ``placed_day`` (calendar day number) and ``placed_hour`` (hour of day, float).
    """
    stages = {
        "wait_payment_h": ("placed_at", "paid_at"),
        "wait_release_h": ("paid_at", "released_at"),
        "pick_h": ("released_at", "picked_at"),
        "pack_h": ("picked_at", "packed_at"),
        "label_h": ("packed_at", "labelled_at"),
        "dock_h": ("labelled_at", "shipped_at"),
        "transit_h": ("shipped_at", "delivered_at"),
        "time_to_ship_h": ("placed_at", "shipped_at"),
        "lead_time_h": ("placed_at", "delivered_at"),
        "lateness_h": ("promised_at", "delivered_at"),
    }
    clock = pl.col("placed_at") + start_minute_of_day
    return orders.with_columns(
        *[((pl.col(b) - pl.col(a)) / MIN_PER_HOUR).alias(name) for name, (a, b) in stages.items()],
        (clock / MIN_PER_DAY).floor().cast(pl.Int64).alias("placed_day"),
        ((clock % MIN_PER_DAY) / MIN_PER_HOUR).alias("placed_hour"),
    )


def _order_kpis(
    orders: pl.DataFrame,
    *,
    start_minute_of_day: float,
    start: float,
    end: float,
    observe_end: float,
) -> dict[str, float]:
    """Order-based KPIs (one vectorised pass over ``orders``): the cohort placed in
    ``[start, end]``, followed until ``observe_end``."""

    def reached(col: str) -> pl.Expr:
        # a milestone after the observation end is not reached yet
        return pl.when(pl.col(col) <= observe_end).then(pl.col(col))

    def day(expr: pl.Expr) -> pl.Expr:
        return ((expr + start_minute_of_day) / MIN_PER_DAY).floor()

    f64 = pl.Float64
    placed = pl.col("placed_at")
    cohort = pl.col("_cohort")
    shipped = pl.col("_shipped").is_not_null()
    delivered = pl.col("_delivered").is_not_null()
    picked = cohort & pl.col("_picked").is_not_null()
    lead_h = ((pl.col("_delivered") - placed) / MIN_PER_HOUR).filter(cohort & delivered)
    ship_h = ((pl.col("_shipped") - placed) / MIN_PER_HOUR).filter(cohort & shipped)
    same_day = (shipped & (day(pl.col("_shipped")) == day(placed))).fill_null(False)
    on_time = (pl.col("_delivered") <= pl.col("promised_at")).fill_null(False)
    ship_win = pl.col("shipped_at").is_between(start, end).fill_null(False)

    row = (
        orders.lazy()
        .with_columns(
            placed.is_between(start, end).fill_null(False).alias("_cohort"),
            reached("shipped_at").alias("_shipped"),
            reached("delivered_at").alias("_delivered"),
            reached("picked_at").alias("_picked"),
        )
        .select(
            cohort.sum().cast(f64).alias("orders_placed"),
            (cohort & shipped).sum().cast(f64).alias("orders_shipped"),
            (cohort & delivered).sum().cast(f64).alias("orders_delivered"),
            (cohort & ~delivered).sum().cast(f64).alias("orders_in_progress"),
            lead_h.mean().alias("lead_time_mean_h"),
            lead_h.quantile(0.50, "linear").alias("lead_time_p50_h"),
            lead_h.quantile(0.90, "linear").alias("lead_time_p90_h"),
            lead_h.quantile(0.95, "linear").alias("lead_time_p95_h"),
            ship_h.mean().alias("time_to_ship_mean_h"),
            ship_h.quantile(0.95, "linear").alias("time_to_ship_p95_h"),
            same_day.filter(cohort & (placed <= observe_end - MIN_PER_DAY))
            .cast(f64)
            .mean()
            .alias("shipped_same_day"),
            on_time.filter(cohort & (pl.col("promised_at") <= observe_end))
            .cast(f64)
            .mean()
            .alias("on_time_delivery"),
            pl.col("pick_errors").filter(picked).cast(f64).sum().alias("_err_lines"),
            pl.col("n_lines").filter(picked).cast(f64).sum().alias("_lines"),
            (pl.col("pick_errors_shipped") > 0)
            .filter(cohort & shipped)
            .cast(f64)
            .mean()
            .alias("orders_shipped_with_error"),
            pl.col("travel_m").filter(picked).cast(f64).mean().alias("travel_m_per_order"),
            pl.col("damaged").filter(cohort & shipped).cast(f64).mean().alias("damage_rate"),
            ship_win.sum().cast(f64).alias("orders_shipped_in_window"),
            pl.col("packaging_cost")
            .filter(ship_win)
            .cast(f64)
            .mean()
            .alias("packaging_cost_per_order"),
            pl.col("shipping_cost")
            .filter(ship_win)
            .cast(f64)
            .mean()
            .alias("shipping_cost_per_order"),
        )
        .collect()
        .row(0, named=True)
    )
    out = {k: _to_float(v) for k, v in row.items()}
    err, lines = out.pop("_err_lines"), out.pop("_lines")
    out["picking_accuracy_lines"] = 1.0 - err / lines if lines > 0 else NAN
    return out


# --- all KPIs of a run ------------------------------------------------------------------


def run_kpis(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    roster: pl.DataFrame,
    *,
    start_minute_of_day: float = 0.0,
    warmup_min: float = 0.0,
    end_min: float | None = None,
    arrivals_end_min: float | None = None,
) -> dict[str, float]:
    """All KPIs of one run over the window ``[warmup_min, end_min]`` (see ``KPI_DEFS``).

    ``end_min`` defaults to the largest time in the tables (``promised_at`` excluded); pass
    the run length explicitly when known. Returns a flat ``name -> float`` dict: the fixed KPIs
    of ``KPI_DEFS`` plus ``utilisation_<resource>`` per resource and ``queue_mean_<step>`` /
    ``queue_max_<step>`` per step (names from the Enum dtypes, so keys are stable across
    replications of a scenario). Undefined values are NaN; nothing raises on empty tables.

    ``arrivals_end_min`` (default ``end_min``) ends the window early for a run with drain
    days: the order cohort is the orders placed in ``[warmup_min, arrivals_end_min]``,
    followed until ``end_min``; time-based KPIs (utilisation, queues, labour, throughput) use
    ``[warmup_min, arrivals_end_min]``, so the drain's idle shifts do not dilute them.
    """
    start = float(warmup_min)
    if end_min is None:
        found = _default_end(orders, steps, roster)
        end = start if found is None else max(found, start)
    else:
        end = float(end_min)
    observe_end = end
    if arrivals_end_min is not None:
        end = max(min(float(arrivals_end_min), end), start)
    days = (end - start) / MIN_PER_DAY

    out = _order_kpis(
        orders,
        start_minute_of_day=start_minute_of_day,
        start=start,
        end=end,
        observe_end=observe_end,
    )
    shipped_in_window = out["orders_shipped_in_window"]
    out["throughput_per_day"] = _ratio(shipped_in_window, days)

    labour = _to_float(
        roster.select(
            (
                (
                    pl.col("t_off").clip(upper_bound=end) - pl.col("t_on").clip(lower_bound=start)
                ).clip(lower_bound=0.0)
                / MIN_PER_HOUR
                * pl.col("wage_per_hour").cast(pl.Float64)
            ).sum()
        ).item()
    )
    out["labour_cost"] = labour
    out["labour_cost_per_order"] = _ratio(labour, shipped_in_window)
    out["cost_per_order"] = (
        out["labour_cost_per_order"]
        + out["packaging_cost_per_order"]
        + out["shipping_cost_per_order"]
    )

    util = utilisation(steps, roster, start=start, end=end)
    for resource, value in util.select("resource", "utilisation").iter_rows():
        out[f"utilisation_{resource}"] = float(value)
    out.update(_queue_stats(steps, start, end))
    return out
