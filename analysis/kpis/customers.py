"""Customer KPIs: who ordered in the window, how often, what they spent, who left and why.

Pure functions over the ``orders`` and ``customers`` tables of ``sim/eventlog.py`` (column
names only; the model and simpy are never imported). The window ``[start, end]`` is the KPI
window (warm-up to the end of arrivals). *Customer orders* are the orders placed in the window
that are not duplicates (``duplicate_of`` null) and not stock-outs (a shopper who saw an item
out of stock did not order), point-of-sale orders included; *fulfilled* ones are those not
lost (``lost_cause`` "none"), whether delivered by the end of the run or not.

The ``customers`` table holds every customer of the run, those present at the start who did
not order in it included. Without customers (``customers`` None or empty, e.g.
``customers.enabled`` off) every customer KPI is NaN.

Purchase frequency comes two ways. ``purchase_frequency_per_year`` is the yearly order rate
of the customer base: the window's customer orders per customer-year of membership (each
customer counts from joining, or the start, to lapsing, or the end), valid for a window of
any length. ``purchase_frequency_window`` is the seed's definition over the window: orders per
customer who ordered in it; over a one-year window it is the yearly purchase frequency, and
lapses lower it (customers who leave order fewer times).
"""

from __future__ import annotations

import polars as pl

from analysis.kpis.resources import MIN_PER_DAY, NAN, ratio, to_float
from sim.eventlog import LAPSE_CAUSES

YEAR_DAYS = 365.0

#: Why a customer left (``none``, "still active", excluded): one ``customers_lapsed_<cause>``
#: KPI per cause.
CAUSES: tuple[str, ...] = tuple(c for c in LAPSE_CAUSES if c != "none")
#: Lapse causes that are no negative encounter (revenue lost to lapses leaves them out).
NOT_ENCOUNTERS: tuple[str, ...] = ("none", "base")

#: Every KPI name :func:`customer_kpis` returns.
NAMES: tuple[str, ...] = (
    "customers_active",
    "purchase_frequency_per_year",
    "purchase_frequency_window",
    "new_customers",
    "customers_lapsed",
    *(f"customers_lapsed_{c}" for c in CAUSES),
    "retention",
    "revenue_per_customer",
    "revenue_lost_to_lapses_per_year",
    "lapse_rate_per_order",
)


def customer_kpis(
    orders: pl.DataFrame, customers: pl.DataFrame | None, *, start: float, end: float
) -> dict[str, float]:
    """Customer KPIs of the window ``[start, end]`` (see ``KPI_DEFS`` for each name).

    See the module docstring for the two purchase frequencies. Counts are 0.0 when nothing is
    counted; ratios are NaN when their denominator is 0. Everything is NaN without customers.
    """
    if customers is None or customers.is_empty():
        return dict.fromkeys(NAMES, NAN)
    f64 = pl.Float64

    placed = pl.col("placed_at").is_between(start, end).fill_null(False)
    cause = pl.col("lost_cause").cast(pl.String)
    mine = orders.filter(placed & pl.col("duplicate_of").is_null() & (cause != "stock_out"))
    fulfilled = cause == "none"
    o = mine.select(
        pl.len().cast(f64).alias("n"),
        pl.col("customer_id").n_unique().cast(f64).alias("active"),
        pl.col("value").cast(f64).filter(fulfilled).sum().alias("revenue"),
        pl.col("value").cast(f64).filter(fulfilled).mean().alias("mean_value"),
    ).row(0, named=True)
    n, active = to_float(o["n"]), to_float(o["active"])
    mean_value = to_float(o["mean_value"])

    lapsed_at = pl.col("lapsed_at")
    joined_at = pl.col("joined_at")
    lapse = pl.col("lapse_cause").cast(pl.String)
    in_window = lapsed_at.is_between(start, end).fill_null(False)
    # active at the window start: there from the start or joined before it, not lapsed before it
    at_risk = (pl.col("initial") | (joined_at < start).fill_null(False)) & (
        lapsed_at.is_null() | (lapsed_at >= start)
    )
    stayed = lapsed_at.is_null() | (lapsed_at > end)
    member_from = pl.max_horizontal(joined_at.fill_null(start), pl.lit(start))
    member_to = pl.min_horizontal(lapsed_at.fill_null(end), pl.lit(end))
    c = customers.select(
        (member_to - member_from).clip(lower_bound=0.0).sum().cast(f64).alias("exposure"),
        joined_at.is_between(start, end).fill_null(False).sum().cast(f64).alias("new"),
        in_window.sum().cast(f64).alias("lapsed"),
        *[(in_window & (lapse == k)).sum().cast(f64).alias(k) for k in CAUSES],
        at_risk.sum().cast(f64).alias("at_risk"),
        (at_risk & stayed).sum().cast(f64).alias("retained"),
        pl.col("rate_per_year")
        .filter(in_window & ~lapse.is_in(NOT_ENCOUNTERS))
        .sum()
        .cast(f64)
        .alias("lost_rate"),
    ).row(0, named=True)
    lapsed = to_float(c["lapsed"])
    lost_rate = to_float(c["lost_rate"])

    years = to_float(c["exposure"]) / (YEAR_DAYS * MIN_PER_DAY)
    return {
        "customers_active": active,
        "purchase_frequency_per_year": ratio(n, years),
        "purchase_frequency_window": ratio(n, active),
        "new_customers": to_float(c["new"]),
        "customers_lapsed": lapsed,
        **{f"customers_lapsed_{k}": to_float(c[k]) for k in CAUSES},
        "retention": ratio(to_float(c["retained"]), to_float(c["at_risk"])),
        "revenue_per_customer": ratio(to_float(o["revenue"]), active),
        # no lapse to a negative encounter loses nothing, even without an order value
        "revenue_lost_to_lapses_per_year": lost_rate * mean_value if lost_rate > 0 else 0.0,
        "lapse_rate_per_order": ratio(lapsed, n),
    }
