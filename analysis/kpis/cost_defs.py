"""Definitions of the cost KPIs (``analysis/kpis/costs.py``), read by ``kpi_defs``.

Plain tuples ``(name, unit, description, higher_is_better, headline)`` so that this module
does not import ``kpi_defs`` (which imports it).
"""

from __future__ import annotations

_PER = "/ orders shipped in the window"

#: What each cost component counts (KPI ``<component>_cost_per_order``).
_COMPONENT: dict[str, str] = {
    "labour": "Paid on-duty time in the window of every role times its wage (temporary "
    "shifts: their wage)",
    "overtime": "Work in the window finished after the end of a worker's on-duty period, paid "
    "at the wage times 1 + costs.overtime_premium_share,",
    "fixed": "Rent, systems and overhead per calendar day of the window",
    "equipment": "Write-off in the window of the equipment of the scenario's picking method "
    "and of all methods (costs.equipment)",
    "packaging": "Boxes and packing material of the orders shipped",
    "label": "Shipping labels (costs.label_cost_per_parcel per parcel) of the orders shipped",
    "shipping": "Carrier charges of the orders shipped",
    "special": "Gifts, notes and discount codes of high-value orders shipped",
    "returns": "Return labels, plus costs.return_handling_cost per parcel returned, of the "
    "orders shipped in the window (whenever returned),",
    "chargeback": "Chargeback fees of the orders shipped in the window (whenever charged)",
    "lost_sales": "Margin (costs.gross_margin_share) of the sales lost (orders placed in the "
    "window)",
    "lapse": "Margin of costs.lapse_horizon_years of the yearly revenue of customers who "
    "left after a negative encounter in the window",
}

#: ``(name, unit, description, higher_is_better, headline)`` of every fixed-name cost KPI.
COST_KPIS: tuple[tuple[str, str, str, bool | None, bool], ...] = (
    *[
        (f"{c}_cost_per_order", "currency/order", f"{what} {_PER}.", False, False)
        for c, what in _COMPONENT.items()
    ],
    (
        "warehouse_cost_per_order",
        "currency/order",
        "labour + overtime + fixed + equipment + packaging + label cost per order shipped "
        "(carrier charges excluded; compare with published warehouse cost per order).",
        False,
        False,
    ),
    (
        "cost_per_order",
        "currency/order",
        "Cost per order shipped: warehouse_cost_per_order + shipping + special + returns + "
        "chargeback cost per order.",
        False,
        True,
    ),
    (
        "lost_margin_per_order",
        "currency/order",
        "lost_sales + lapse cost per order shipped (margin lost, not money spent).",
        False,
        False,
    ),
    (
        "total_cost_per_order",
        "currency/order",
        "cost_per_order + lost_margin_per_order: every cost component per order shipped.",
        False,
        False,
    ),
    (
        "total_cost",
        "currency",
        "Every cost component in the window (equipment of the picking method included).",
        False,
        False,
    ),
    ("labour_cost", "currency", "Paid (on-duty) time in the window times wage.", False, False),
    ("equipment_cost", "currency", "Equipment write-off in the window.", False, False),
    (
        "overtime_h",
        "h",
        "Hours of work finished after the end of a shift, in the window.",
        False,
        False,
    ),
)

#: ``labour_cost_per_order_<role>``: the labour component split by role.
LABOUR_BY_ROLE = (
    "labour_cost_per_order_",
    "currency/order",
    "Paid on-duty time in the window of role {suffix} times its wage " + _PER + ".",
    False,
)
