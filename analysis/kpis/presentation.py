"""How each KPI is shown to a person: label, group, number format, human unit and the smallest
difference that matters in practice.

Plain data and a pure function of ``(name, unit)``, so that ``kpi_defs`` can dress every
definition without this module importing it. :func:`presentation` returns the fields of
:class:`analysis.kpis.defs.KpiDef` that it fills.
"""

from __future__ import annotations

#: The groups, in the order the CLI and the report show them.
GROUPS: tuple[str, ...] = (
    "service",
    "productivity",
    "quality",
    "cost",
    "customers",
    "volume",
    "sales",
    "flow",
    "diagnostics",
)

#: Compared besides the headline KPIs when the scenarios pick by different methods.
METHOD_KPIS: tuple[str, ...] = ("travel_m_per_order", "picks_per_busy_hour")

#: Labels of the KPIs whose generated label would read badly.
LABELS: dict[str, str] = {
    "orders_placed": "Orders placed",
    "orders_shipped": "Orders shipped",
    "orders_delivered": "Orders delivered",
    "orders_in_progress": "Orders not yet delivered",
    "orders_shipped_in_window": "Orders shipped in the window",
    "lead_time_mean_h": "Lead time, mean",
    "lead_time_p50_h": "Lead time, median",
    "lead_time_p90_h": "Lead time, 90th percentile",
    "lead_time_p95_h": "Lead time, 95th percentile",
    "special_lead_time_mean_h": "Lead time of special orders, mean",
    "regular_lead_time_mean_h": "Lead time of regular orders, mean",
    "time_to_ship_mean_h": "Time to ship, mean",
    "time_to_ship_p95_h": "Time to ship, 95th percentile",
    "shipped_same_day": "Shipped the same day",
    "on_time_delivery": "Delivered on time",
    "shipped_by_target_pickup": "Shipped by the target pickup",
    "express_made_pickup": "Express orders making their pickup",
    "picking_accuracy_lines": "Picking accuracy, lines",
    "orders_shipped_with_error": "Orders shipped with an error",
    "damage_rate": "Parcels damaged in transit",
    "throughput_per_day": "Orders shipped per day",
    "travel_m_per_order": "Picking travel per order",
    "travel_m_per_line": "Picking travel per line",
    "picks_per_labour_hour": "Pick rate, paid hours",
    "picks_per_busy_hour": "Pick rate, busy hours",
    "orders_per_tour": "Orders per picking tour",
    "cart_fill": "Cart fill",
    "line_time_min": "Time per line, total",
    "line_travel_min": "Time per line: walking",
    "line_setup_min": "Time per line: tour set-up",
    "line_pick_min": "Time per line: search and pick",
    "line_sort_min": "Time per line: sorting",
    "line_consolidation_min": "Time per line: consolidation",
    "line_wait_release_min": "Time per line: waiting for release",
    "line_wait_queue_min": "Time per line: waiting for a picker",
    "cost_per_order": "Cost per order",
    "warehouse_cost_per_order": "Warehouse cost per order",
    "total_cost_per_order": "Total cost per order (with lost margin)",
    "lost_margin_per_order": "Lost margin per order",
    "total_cost": "Total cost",
    "labour_cost": "Labour cost",
    "equipment_cost": "Equipment cost",
    "overtime_h": "Overtime",
    "warmup_mser5_days": "Suggested warm-up (MSER-5)",
    "warmup_daily_days": "Suggested warm-up (MSER-7, daily)",
    "backlog_mean_orders": "Backlog, mean",
    "backlog_max_orders": "Backlog, maximum",
    "backlog_days_to_clear": "Days to clear the backlog",
    "lost_sales_rate": "Sales lost",
    "stock_out_rate": "Orders lost to stock-outs",
    "retention": "Customer retention",
    "rating_mean": "Review rating, mean",
}

#: Prefixes of scenario-dependent names: label template ({suffix}: the resource or step).
PATTERN_LABELS: dict[str, str] = {
    "labour_cost_per_order_": "Labour cost per order: {suffix}",
    "utilisation_": "Utilisation: {suffix}",
    "busy_min_per_order_": "Work per order: {suffix}",
    "week_time_to_ship_mean_h_": "Time to ship, week {suffix}",
    "week_backlog_mean_": "Backlog, week {suffix}",
    "queue_mean_": "Queue, mean: {suffix}",
    "queue_max_": "Queue, maximum: {suffix}",
    "release_time_mean_min_": "Release time from {suffix}",
    "wait_mean_min_": "Wait before {suffix}",
}

#: Group of a name, by prefix (longest match wins) after the exact names in ``_GROUP_NAMES``.
_GROUP_PREFIXES: dict[str, str] = {
    "lead_time": "service",
    "special_lead_time": "service",
    "regular_lead_time": "service",
    "time_to_ship": "service",
    "week_time_to_ship": "service",
    "refund_time": "customers",
    "utilisation_": "productivity",
    "busy_min_per_order_": "productivity",
    "line_": "productivity",
    "travel_": "productivity",
    "picks_per": "productivity",
    "queue_": "flow",
    "wait_mean_min_": "flow",
    "release_time_mean_min_": "flow",
    "week_backlog": "flow",
    "backlog_": "flow",
    "sort_time": "flow",
    "consolidation_time": "flow",
    "wave_completion": "flow",
    "warmup_": "diagnostics",
    "orders_": "volume",
    "lost_": "sales",
    "duplicates_": "sales",
    "unpaid_": "sales",
    "customers_": "customers",
    "return": "customers",
    "review": "customers",
    "chargeback": "customers",
    "picking_accuracy": "quality",
}

_GROUP_NAMES: dict[str, str] = {
    "shipped_same_day": "service",
    "on_time_delivery": "service",
    "shipped_by_target_pickup": "service",
    "express_made_pickup": "service",
    "throughput_per_day": "productivity",
    "orders_per_tour": "productivity",
    "cart_fill": "productivity",
    "orders_shipped_with_error": "quality",
    "damage_rate": "quality",
    "overtime_h": "cost",
    "consolidation_labour_h": "cost",
    "fraud_review_h": "cost",
    "lost_margin_per_order": "cost",
    "lost_sales_rate": "sales",
    "stock_out_rate": "sales",
    "new_customers": "customers",
    "retention": "customers",
    "rating_mean": "customers",
    "purchase_frequency_per_year": "customers",
    "purchase_frequency_window": "customers",
    "revenue_per_customer": "customers",
    "revenue_lost_to_lapses_per_year": "customers",
    "lapse_rate_per_order": "customers",
}

#: Unit as a person reads it.
HUMAN_UNITS: dict[str, str] = {
    "h": "hours",
    "min": "minutes",
    "days": "days",
    "share": "%",
    "currency": "money",
    "currency/order": "per order",
    "currency/customer": "per customer",
    "currency/year": "per year",
    "min/line": "min",
    "m/order": "m",
    "m/line": "m",
    "lines/h": "lines per hour",
    "orders/day": "orders per day",
    "steps": "tasks waiting",
    "orders/customer/year": "orders per customer a year",
    "orders/customer": "orders per customer",
    "customers/order": "per order",
}

#: Smallest difference that matters in practice, by unit (absolute, in the KPI's unit; a
#: share's is a fraction: 0.005 = half a percentage point).
PRACTICAL_BY_UNIT: dict[str, float] = {
    "h": 0.5,
    "min": 1.0,
    "days": 0.5,
    "share": 0.005,
    "currency": 100.0,
    "currency/order": 0.05,
    "currency/customer": 0.5,
    "currency/year": 100.0,
    "min/line": 0.05,
    "m/order": 1.0,
    "m/line": 0.5,
    "lines/h": 1.0,
    "orders/day": 10.0,
    "orders": 1.0,
    "steps": 1.0,
    "customers": 1.0,
    "stars": 0.05,
}

#: Practical thresholds of single KPIs that differ from their unit's.
PRACTICAL: dict[str, float] = {
    "lead_time_mean_h": 1.0,
    "lead_time_p95_h": 2.0,
    "picking_accuracy_lines": 0.001,
    "orders_shipped_with_error": 0.001,
    "damage_rate": 0.001,
    "cost_per_order": 0.05,
}

#: Decimals of single KPIs that need more than their unit's.
DECIMALS: dict[str, int] = {
    "picking_accuracy_lines": 2,
    "picking_accuracy_inferred": 2,
    "picking_accuracy_true_orders": 2,
    "orders_shipped_with_error": 2,
    "damage_rate": 2,
}

_UNIT_SUFFIXES = ("_h", "_min", "_days", "_m")


def group_of(name: str) -> str:
    """The group of a KPI name (``"cost"`` for money, ``"diagnostics"`` when nothing fits)."""
    if name in _GROUP_NAMES:
        return _GROUP_NAMES[name]
    if "cost" in name:
        return "cost"
    for prefix in sorted(_GROUP_PREFIXES, key=len, reverse=True):
        if name.startswith(prefix):
            return _GROUP_PREFIXES[prefix]
    return "diagnostics"


def label_of(name: str) -> str:
    """A human label: the table's, a pattern's with its suffix, or the name in words."""
    if name in LABELS:
        return LABELS[name]
    for prefix in sorted(PATTERN_LABELS, key=len, reverse=True):
        suffix = name[len(prefix) :]
        if name.startswith(prefix) and suffix:
            return PATTERN_LABELS[prefix].format(suffix=suffix.replace("_", " "))
    words = name
    for end in _UNIT_SUFFIXES:
        if words.endswith(end):
            words = words[: -len(end)]
            break
    words = words.replace("_", " ")
    return words[:1].upper() + words[1:]


def number_format(unit: str) -> tuple[str, int]:
    """``(format, decimals)`` of a unit: ``percent`` for shares, ``currency`` for money (two
    decimals per order, none for totals), ``decimals`` otherwise."""
    if unit == "share":
        return "percent", 1
    if unit.startswith("currency"):
        return "currency", 0 if unit in ("currency", "currency/year") else 2
    if unit in ("orders", "steps", "customers", "returns", "reviews", "chargebacks"):
        return "decimals", 0
    if unit in ("m/order", "orders/day", "lines/h", "m/line", "h", "days"):
        return "decimals", 1
    return "decimals", 2


def presentation(name: str, unit: str) -> dict[str, object]:
    """The presentation fields of a KPI: ``label``, ``group``, ``format``, ``decimals``,
    ``human_unit`` and ``practical`` (the smallest difference that matters; 0: any)."""
    fmt, decimals = number_format(unit)
    decimals = DECIMALS.get(name, decimals)
    return {
        "label": label_of(name),
        "group": group_of(name),
        "format": fmt,
        "decimals": decimals,
        "human_unit": HUMAN_UNITS.get(unit, unit),
        "practical": PRACTICAL.get(name, PRACTICAL_BY_UNIT.get(unit, 0.0)),
    }
