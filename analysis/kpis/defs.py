"""What each KPI is: name, unit, description, direction, headline, and how it is shown (label,
group, number format, human unit, practical-difference threshold; see
:mod:`analysis.kpis.presentation` and, for formatting, :mod:`analysis.kpis.formatting`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from analysis.kpis.aftersales_defs import AFTERSALES_KPIS
from analysis.kpis.cost_defs import COST_KPIS, LABOUR_BY_ROLE
from analysis.kpis.customer_defs import CUSTOMER_KPIS
from analysis.kpis.peak import PEAK_KPIS
from analysis.kpis.picking_split import SPLIT_KPIS
from analysis.kpis.presentation import presentation
from sim.eventlog import LOST_CAUSES

# --- KPI definitions --------------------------------------------------------------------


@dataclass(frozen=True)
class KpiDef:
    """Metadata of one KPI.

    ``higher_is_better`` is ``None`` when neither direction is better (counts, utilisation).
    ``headline`` KPIs are the ones the experiments compare. The presentation fields are
    filled from :func:`analysis.kpis.presentation.presentation` when the catalogue is built:
    ``label`` (human name), ``group`` (service, productivity, quality, cost, customers, ...),
    ``format`` (``decimals``, ``percent`` or ``currency``) with ``decimals``, ``human_unit``,
    and ``practical``: the smallest absolute difference (in ``unit``) that matters, below which
    a comparison calls no winner however significant.
    """

    name: str
    unit: str
    description: str
    higher_is_better: bool | None
    headline: bool = False
    label: str = ""
    group: str = ""
    format: str = "decimals"
    decimals: int = 2
    human_unit: str = ""
    practical: float = 0.0


def _dressed(d: KpiDef) -> KpiDef:
    """``d`` with its presentation fields filled from its name and unit."""
    return replace(d, **presentation(d.name, d.unit))  # type: ignore[arg-type]


def _defs(*defs: KpiDef) -> dict[str, KpiDef]:
    return {d.name: _dressed(d) for d in defs}


#: Every KPI with a fixed name returned by :func:`run_kpis`.
KPI_DEFS: dict[str, KpiDef] = _defs(
    KpiDef(
        "orders_placed",
        "orders",
        "Customer orders placed in the window (lost ones included, duplicates not).",
        None,
    ),
    KpiDef(
        "orders_shipped",
        "orders",
        "Fulfilment orders placed in the window and shipped by its end. Fulfilment orders (for "
        "every service KPI): not lost by the end, not sold in store, not a duplicate.",
        None,
    ),
    KpiDef(
        "orders_delivered",
        "orders",
        "Fulfilment orders placed in the window and delivered by its end.",
        None,
    ),
    KpiDef(
        "orders_in_progress",
        "orders",
        "Fulfilment orders placed in the window and not delivered by its end.",
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
    KpiDef(
        "special_lead_time_mean_h",
        "h",
        "Mean lead time of the delivered special orders (priority service or a high-value action).",
        False,
    ),
    KpiDef(
        "regular_lead_time_mean_h",
        "h",
        "Mean lead time of the delivered orders that are not special.",
        False,
    ),
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
    KpiDef("travel_m_per_line", "m/line", "Picking travel per order line picked.", False),
    KpiDef(
        "shipped_by_target_pickup",
        "share",
        "Share of orders shipped by the carrier pickup after their service's cut-off "
        "(on-time shipment).",
        True,
    ),
    KpiDef(
        "express_made_pickup",
        "share",
        "Share of highlighted (express, next-day) orders that made their carrier's pickup.",
        True,
        headline=True,
    ),
    KpiDef(
        "picks_per_labour_hour",
        "lines/h",
        "Order lines picked per paid hour of pickers, sorters and consolidators.",
        True,
        headline=True,
    ),
    KpiDef(
        "picks_per_busy_hour",
        "lines/h",
        "Order lines picked per busy hour of pickers, sorters and consolidators (pick rate).",
        True,
    ),
    KpiDef(
        "sort_time_mean_min",
        "min",
        "Batch picking with a sort station: mean time from joining the sort queue to sorted.",
        False,
    ),
    KpiDef(
        "consolidation_time_mean_min",
        "min",
        "Wave picking: mean time from joining the consolidation queue to consolidated.",
        False,
    ),
    KpiDef(
        "wave_completion_mean_min",
        "min",
        "Wave picking: mean time from a wave's release to its last order consolidated.",
        False,
    ),
    KpiDef(
        "wave_completion_max_min",
        "min",
        "Wave picking: longest time from a wave's release to its last order consolidated.",
        False,
    ),
    KpiDef(
        "warmup_mser5_days",
        "days",
        "Suggested warm-up: MSER-5 on the hourly pick queue from the start of the run to the "
        "end of arrivals (ignores the window; a diagnostic, not a result).",
        None,
    ),
    KpiDef(
        "warmup_daily_days",
        "days",
        "Suggested warm-up in whole weeks: MSER-7 on the open orders at each day's end and on "
        "each day's mean time to ship, from the start of the run to the end of arrivals (the "
        "larger; a diagnostic, not a result).",
        None,
    ),
    KpiDef(
        "orders_shipped_in_window",
        "orders",
        "Orders whose shipped_at lies in the window (denominator of the cost KPIs).",
        None,
    ),
    # --- costs (analysis/kpis/costs.py)
    *[KpiDef(*d) for d in COST_KPIS],
    # --- picking time per line (analysis/kpis/picking_split.py)
    *[KpiDef(*d) for d in SPLIT_KPIS],
    # --- peak season backlog (analysis/kpis/peak.py)
    *[KpiDef(*d) for d in PEAK_KPIS],
    KpiDef("damage_rate", "share", "Share of shipped orders damaged in transit.", False),
    # --- receiving (analysis/kpis/receiving.py); "in the window" = placed in the window
    KpiDef(
        "lost_orders",
        "orders",
        "Customer orders (not duplicates) placed in the window and lost by its end.",
        False,
    ),
    KpiDef("lost_value", "currency", "Value of the orders counted in lost_orders.", False),
    KpiDef(
        "lost_sales_rate", "share", "lost_orders / customer orders placed in the window.", False
    ),
    KpiDef(
        "stock_out_rate",
        "share",
        "Share of the customer orders placed in the window lost to a stock-out shown in the "
        "channel.",
        False,
    ),
    KpiDef(
        "orders_oversold",
        "orders",
        "Orders placed in the window for which the back office found stock short on receipt "
        "(cancelled or backordered).",
        False,
    ),
    KpiDef("orders_backordered", "orders", "Orders placed in the window backordered.", False),
    KpiDef(
        "duplicates_shipped",
        "orders",
        "Duplicates (a manual channel's order keyed twice) placed in the window and shipped by "
        "its end.",
        False,
    ),
    KpiDef(
        "duplicates_shipped_value", "currency", "Value of the duplicates_shipped orders.", False
    ),
    KpiDef(
        "unpaid_shipped",
        "orders",
        "Customer orders placed in the window, shipped by its end and not paid by then.",
        False,
    ),
    KpiDef("unpaid_shipped_value", "currency", "Value of the unpaid_shipped orders.", False),
    KpiDef(
        "orders_sold_in_store",
        "orders",
        "Point-of-sale orders placed in the window and sold (paid at a counter, taken away).",
        None,
    ),
    KpiDef(
        "consolidation_labour_h",
        "h",
        "Busy hours of order_entry staff keying manual channels' orders (rekey steps) in the "
        "window.",
        False,
    ),
    KpiDef(
        "fraud_review_h",
        "h",
        "Busy hours of payment_review staff on manual fraud reviews in the window.",
        False,
    ),
    *[
        KpiDef(
            f"lost_{kind}_{cause}",
            unit,
            f"{what} of the orders placed in the window and lost to {cause} by its end.",
            False,
        )
        for cause in LOST_CAUSES
        if cause != "none"
        for kind, unit, what in (("orders", "orders", "Number"), ("value", "currency", "Value"))
    ],
    # --- customers (analysis/kpis/customers.py; NaN without customers)
    *[KpiDef(*d) for d in CUSTOMER_KPIS],
    # --- returns and reviews (analysis/kpis/aftersales.py; NaN without their tables)
    *[KpiDef(*d) for d in AFTERSALES_KPIS],
)

#: KPIs whose names depend on the scenario, keyed by name prefix; the suffix is a resource
#: (``utilisation_<resource>``) or a step (``queue_mean_<step>``, ``queue_max_<step>``).
KPI_PATTERNS: dict[str, KpiDef] = _defs(
    KpiDef(*LABOUR_BY_ROLE),
    KpiDef(
        "utilisation_",
        "share",
        "Busy time / on-duty time of resource {suffix} in the window (batched intervals once).",
        None,
        headline=True,
    ),
    KpiDef(
        "busy_min_per_order_",
        "min",
        "Busy minutes (overtime included) of resource {suffix} in the window per order it "
        "started work on in the window: its mean work per order.",
        None,
    ),
    KpiDef(
        "week_time_to_ship_mean_h_",
        "h",
        "Mean hours to ship of the orders placed in measured week {suffix}; an order not "
        "shipped by the end of the run counts at its age then (steady-state runs only).",
        False,
    ),
    KpiDef(
        "week_backlog_mean_",
        "orders",
        "Mean open orders (placed, not shipped) at the seven day ends of measured week "
        "{suffix} (steady-state runs only).",
        False,
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
    KpiDef(
        "release_time_mean_min_",
        "min",
        "Mean minutes from placed to released to the warehouse of the orders placed in the "
        "window from channel {suffix} (payment, consolidation and wave release delays).",
        False,
    ),
    KpiDef(
        "wait_mean_min_",
        "min",
        "Mean wait (min) of {suffix} steps from ready to started, over the attempts that "
        "joined the queue in the window and started by the end of the run.",
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
            return _dressed(
                replace(pattern, name=name, description=pattern.description.format(suffix=suffix))
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
