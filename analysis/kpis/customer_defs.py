"""Definitions of the customer KPIs (``analysis/kpis/customers.py``), read by ``kpi_defs``.

Plain tuples ``(name, unit, description, higher_is_better)`` so that this module does not
import ``kpi_defs`` (which imports it). All are NaN in a run without customers.
"""

from __future__ import annotations

from sim.eventlog import LAPSE_CAUSES

_ORDERS = (
    "customer orders (placed in the window, not a duplicate, not a stock-out; in-store sales "
    "included)"
)

#: Why a customer left, by lapse cause (``none``, "still active", has no KPI).
_WHY: dict[str, str] = {
    c: "after an order with nothing wrong (base lapse probability)"
    if c == "base"
    else f"after an order whose first negative encounter was {c}"
    for c in LAPSE_CAUSES
    if c != "none"
}

#: ``(name, unit, description, higher_is_better)`` of every customer KPI.
CUSTOMER_KPIS: tuple[tuple[str, str, str, bool | None], ...] = (
    (
        "customers_active",
        "customers",
        f"Distinct customers with at least one of the window's {_ORDERS}.",
        None,
    ),
    (
        "purchase_frequency_per_year",
        "orders/customer/year",
        "Yearly order rate of the customer base: the window's customer orders per "
        "customer-year of membership (each customer counts from joining, or the window start, "
        "to lapsing, or the window end); valid for a window of any length.",
        True,
    ),
    (
        "purchase_frequency_window",
        "orders/customer",
        "Purchase frequency over the window (the seed's definition): customer orders placed "
        "in the window / customers_active. Over a one-year window it is the yearly purchase "
        "frequency; customers who lapse order fewer times and lower it.",
        True,
    ),
    (
        "new_customers",
        "customers",
        "Customers whose first order (joined_at) lies in the window.",
        True,
    ),
    (
        "customers_lapsed",
        "customers",
        "Customers who left (lapsed_at) in the window, whatever the cause.",
        False,
    ),
    *(
        (
            f"customers_lapsed_{cause}",
            "customers",
            f"Customers who left in the window {why}.",
            False,
        )
        for cause, why in _WHY.items()
    ),
    (
        "retention",
        "share",
        "Among customers active at the window start (there from the start, or joined before "
        "it, and not lapsed before it), the share not lapsed by the window end. Customers who "
        "never ordered in the run are not in the customers table, so not counted.",
        True,
    ),
    (
        "revenue_per_customer",
        "currency/customer",
        "Value of the window's fulfilled (not lost) customer orders / customers_active.",
        True,
    ),
    (
        "revenue_lost_to_lapses_per_year",
        "currency/year",
        "Yearly revenue the customers who left in the window after a negative encounter "
        "(not base lapses) were bringing: the sum of their order rates (per year) x the mean "
        "value of the window's fulfilled customer orders.",
        False,
    ),
    (
        "lapse_rate_per_order",
        "customers/order",
        "customers_lapsed / customer orders placed in the window.",
        False,
    ),
)
