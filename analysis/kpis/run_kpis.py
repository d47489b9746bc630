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
  KPIs describe the state of the system at ``end_min``. Service KPIs (shipped, delivered,
  lead times, on time, ...) see only the cohort's *fulfilment* orders: not lost, not sold in
  store, not a duplicate keyed twice (see ``analysis/kpis/receiving.py`` for those).
* Cost KPIs and ``throughput_per_day`` use the orders *shipped in the window*
  (``warmup_min <= shipped_at <= end_min``), whatever their placement time, so that labour paid
  in the window is divided by the output of the same window.
* Undefined values (no orders, no deliveries, empty window, ...) are ``float('nan')``.
"""

from __future__ import annotations

import math

import polars as pl

from analysis.kpis.aftersales import aftersales_kpis
from analysis.kpis.costs import CostRates, cost_kpis
from analysis.kpis.customers import customer_kpis
from analysis.kpis.defs import KPI_DEFS, KPI_PATTERNS, KpiDef, headline_kpis, kpi_def
from analysis.kpis.peak import peak_kpis
from analysis.kpis.picking import picking_kpis
from analysis.kpis.picking_split import PickTimesSpec, picking_split
from analysis.kpis.receiving import receiving_kpis
from analysis.kpis.resources import (
    MIN_PER_DAY,
    MIN_PER_HOUR,
    NAN,
    _names,
    default_end,
    queue_length,
    queue_stats,
    ratio,
    time_weighted_mean,
    to_float,
    utilisation,
)
from analysis.stats.warmup import suggest_warmup_days, suggest_warmup_days_daily

__all__ = [
    "KPI_DEFS",
    "KPI_PATTERNS",
    "KpiDef",
    "headline_kpis",
    "kpi_def",
    "order_flow",
    "queue_length",
    "run_kpis",
    "time_weighted_mean",
    "utilisation",
]

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
    censor_unfinished: bool = False,
) -> dict[str, float]:
    """Order-based KPIs (one vectorised pass over ``orders``): the cohort placed in
    ``[start, end]``, followed until ``observe_end``.

    ``censor_unfinished``: the lead-time and time-to-ship quantiles count a fulfilment order
    not delivered (shipped) by ``observe_end`` as taking forever, so a quantile that falls
    among them is ``inf`` (not met) instead of a quantile of the finished orders only.

    Service KPIs look only at the cohort's *fulfilment* orders: customer orders (not a
    duplicate keyed twice by staff) that were not lost by ``observe_end`` and are not
    point-of-sale orders. ``orders_placed`` counts the cohort's customer orders, lost or not;
    picking KPIs count every picked order and cost KPIs every order shipped in the window,
    duplicates included (their work and cost are real).
    """

    def reached(col: str) -> pl.Expr:
        # a milestone after the observation end is not reached yet
        return pl.when(pl.col(col) <= observe_end).then(pl.col(col))

    def day(expr: pl.Expr) -> pl.Expr:
        return ((expr + start_minute_of_day) / MIN_PER_DAY).floor()

    f64 = pl.Float64
    placed = pl.col("placed_at")
    cohort = pl.col("_cohort")
    customer = cohort & pl.col("duplicate_of").is_null()
    lost = pl.col("lost_cause").cast(pl.String) != "none"
    fulfil = customer & ~lost & ~pl.col("in_store").fill_null(False)
    shipped = pl.col("_shipped").is_not_null()
    delivered = pl.col("_delivered").is_not_null()
    picked = cohort & pl.col("_picked").is_not_null()
    lead_h = ((pl.col("_delivered") - placed) / MIN_PER_HOUR).filter(fulfil & delivered)
    inf = float("inf")
    if censor_unfinished:  # unfinished orders as infinitely long, in the quantiles only
        lead_q = ((pl.col("_delivered") - placed) / MIN_PER_HOUR).fill_null(inf).filter(fulfil)
        ship_q = ((pl.col("_shipped") - placed) / MIN_PER_HOUR).fill_null(inf).filter(fulfil)
    else:
        lead_q = lead_h
        ship_q = ((pl.col("_shipped") - placed) / MIN_PER_HOUR).filter(fulfil & shipped)
    # special orders: highlighted by their service, or given a high-value action at packing
    special = pl.col("is_priority") | (pl.col("special_action").cast(pl.String) != "none")
    ship_h = ((pl.col("_shipped") - placed) / MIN_PER_HOUR).filter(fulfil & shipped)
    same_day = (shipped & (day(pl.col("_shipped")) == day(placed))).fill_null(False)
    on_time = (pl.col("_delivered") <= pl.col("promised_at")).fill_null(False)
    ship_win = pl.col("shipped_at").is_between(start, end).fill_null(False)
    # an order "made its carrier's pickup" when shipped by the pickup after its cut-off
    target = fulfil & (pl.col("ship_by_at") <= observe_end).fill_null(False)
    made_pickup = (pl.col("_shipped") <= pl.col("ship_by_at")).fill_null(False)

    row = (
        orders.lazy()
        .with_columns(
            placed.is_between(start, end).fill_null(False).alias("_cohort"),
            reached("shipped_at").alias("_shipped"),
            reached("delivered_at").alias("_delivered"),
            reached("picked_at").alias("_picked"),
        )
        .select(
            customer.sum().cast(f64).alias("orders_placed"),
            (fulfil & shipped).sum().cast(f64).alias("orders_shipped"),
            (fulfil & delivered).sum().cast(f64).alias("orders_delivered"),
            (fulfil & ~delivered).sum().cast(f64).alias("orders_in_progress"),
            lead_h.mean().alias("lead_time_mean_h"),
            lead_h.filter(special.filter(fulfil & delivered))
            .mean()
            .alias("special_lead_time_mean_h"),
            lead_h.filter(~special.filter(fulfil & delivered))
            .mean()
            .alias("regular_lead_time_mean_h"),
            lead_q.quantile(0.50, "linear").fill_nan(inf).alias("lead_time_p50_h"),
            lead_q.quantile(0.90, "linear").fill_nan(inf).alias("lead_time_p90_h"),
            lead_q.quantile(0.95, "linear").fill_nan(inf).alias("lead_time_p95_h"),
            ship_h.mean().alias("time_to_ship_mean_h"),
            ship_q.quantile(0.95, "linear").fill_nan(inf).alias("time_to_ship_p95_h"),
            same_day.filter(fulfil & (placed <= observe_end - MIN_PER_DAY))
            .cast(f64)
            .mean()
            .alias("shipped_same_day"),
            on_time.filter(fulfil & (pl.col("promised_at") <= observe_end))
            .cast(f64)
            .mean()
            .alias("on_time_delivery"),
            pl.col("pick_errors").filter(picked).cast(f64).sum().alias("_err_lines"),
            pl.col("n_lines").filter(picked).cast(f64).sum().alias("_lines"),
            (pl.col("pick_errors_shipped") > 0)
            .filter(fulfil & shipped)
            .cast(f64)
            .mean()
            .alias("orders_shipped_with_error"),
            pl.col("travel_m").filter(picked).cast(f64).mean().alias("travel_m_per_order"),
            (
                pl.col("travel_m").filter(picked).cast(f64).sum()
                / pl.col("n_lines").filter(picked).cast(f64).sum()
            ).alias("travel_m_per_line"),
            made_pickup.filter(target).cast(f64).mean().alias("shipped_by_target_pickup"),
            made_pickup.filter(target & pl.col("is_priority"))
            .cast(f64)
            .mean()
            .alias("express_made_pickup"),
            pl.col("damaged").filter(fulfil & shipped).cast(f64).mean().alias("damage_rate"),
            ship_win.sum().cast(f64).alias("orders_shipped_in_window"),
        )
        .collect()
        .row(0, named=True)
    )
    out = {k: to_float(v) for k, v in row.items()}
    err, lines = out.pop("_err_lines"), out.pop("_lines")
    out["picking_accuracy_lines"] = 1.0 - err / lines if lines > 0 else NAN
    return out


# --- all KPIs of a run ------------------------------------------------------------------


def release_kpis(
    orders: pl.DataFrame, *, start: float, end: float, observe_end: float
) -> dict[str, float]:
    """``release_time_mean_min_<channel>``: mean minutes from placed to released to the
    warehouse of the orders placed in ``[start, end]`` from each channel and released by
    ``observe_end`` (NaN for a channel without such orders). Names come from the channel
    Enum, so every channel of the scenario has its key."""
    cohort = orders.filter(
        pl.col("placed_at").is_between(start, end)
        & (pl.col("released_at") <= observe_end).fill_null(False)
    ).select(
        pl.col("channel").cast(pl.String), (pl.col("released_at") - pl.col("placed_at")).alias("w")
    )
    out = {}
    for channel in _names(orders["channel"]):
        w = cohort.filter(pl.col("channel") == channel)["w"].to_numpy()
        out[f"release_time_mean_min_{channel}"] = math.fsum(w) / w.size if w.size else NAN
    return out


def run_kpis(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    roster: pl.DataFrame,
    *,
    start_minute_of_day: float = 0.0,
    warmup_min: float = 0.0,
    end_min: float | None = None,
    arrivals_end_min: float | None = None,
    customers: pl.DataFrame | None = None,
    returns: pl.DataFrame | None = None,
    reviews: pl.DataFrame | None = None,
    censor_unfinished: bool = False,
    costs: CostRates | None = None,
    pick_times: PickTimesSpec | None = None,
    peak: tuple[float, float] | None = None,
    events: pl.DataFrame | None = None,
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

    ``customers`` is the run's ``customers`` table; the customer KPIs
    (``analysis/kpis/customers.py``, window ``[warmup_min, arrivals_end_min]``) are NaN
    without it.

    ``returns`` and ``reviews`` are the run's tables of those names; the after-sales KPIs
    (``analysis/kpis/aftersales.py``: the cohort placed in ``[warmup_min, arrivals_end_min]``
    and delivered by ``end_min``) are NaN without them; ``events`` (the run's table) adds the
    fraud and item-not-received chargebacks.

    ``censor_unfinished`` (steady-state runs, where orders keep arriving to the end): the
    lead-time and time-to-ship quantiles count the cohort's unfinished orders as infinitely
    long (see :func:`_order_kpis`).
    ``costs`` are the cost rates the log does not carry (``analysis/kpis/costs.py``: fixed costs,
    equipment, labels, margin); without them those components are 0. ``pick_times`` are
    the method's nominal pick times for the picking time split (``analysis/kpis/picking_split.py``;
    NaN without them). ``peak`` is the peak's start and end (minutes) for
    ``backlog_days_to_clear`` (``analysis/kpis/peak.py``).
    """
    start = float(warmup_min)
    if end_min is None:
        found = default_end(orders, steps, roster)
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
        censor_unfinished=censor_unfinished,
    )
    shipped_in_window = out["orders_shipped_in_window"]
    out["throughput_per_day"] = ratio(shipped_in_window, days)

    util = utilisation(steps, roster, start=start, end=end)
    for resource, value in util.select("resource", "utilisation").iter_rows():
        out[f"utilisation_{resource}"] = float(value)
    served = dict(
        steps.lazy()
        .filter(pl.col("t_start").is_between(start, end) & pl.col("resource").is_not_null())
        .group_by(pl.col("resource").cast(pl.String))
        .agg(pl.col("order_id").n_unique())
        .collect()
        .rows()
    )
    work = util.select("resource", pl.col("busy_min") + pl.col("overtime_min"))
    for resource, busy in work.rows():
        out[f"busy_min_per_order_{resource}"] = ratio(float(busy), served.get(resource, 0))
    out.update(queue_stats(steps, start, end))
    out.update(picking_kpis(orders, steps, roster, start=start, end=end, util=util))
    out.update(picking_split(orders, steps, spec=pick_times, start=start, end=end))
    out.update(
        peak_kpis(
            orders, start_minute_of_day=start_minute_of_day, start=start, end=end,
            observe_end=observe_end, peak=peak,
        )
    )  # fmt: skip
    out.update(release_kpis(orders, start=start, end=end, observe_end=observe_end))
    out.update(receiving_kpis(orders, steps, start=start, end=end, observe_end=observe_end))
    out.update(customer_kpis(orders, customers, start=start, end=end))
    out.update(
        cost_kpis(
            orders, steps, roster, returns,
            revenue_lost_to_lapses_per_year=out["revenue_lost_to_lapses_per_year"],
            rates=costs or CostRates(), start=start, end=end, events=events,
        )
    )  # fmt: skip
    out.update(
        aftersales_kpis(
            orders, returns, reviews, start=start, end=end, observe_end=observe_end, events=events
        )
    )
    out["warmup_mser5_days"] = suggest_warmup_days(steps, end=end)
    out["warmup_daily_days"] = suggest_warmup_days_daily(
        orders, end=end, observe_end=observe_end, start_minute_of_day=start_minute_of_day
    )
    return out
