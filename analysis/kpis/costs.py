"""Cost per order by component, from the event log and the scenario's cost rates.

Every component is money spent (or margin lost) in the window ``[start, end]``, divided by
the orders shipped in the window (``orders_shipped_in_window``), so the components add up to
the totals exactly:

* ``warehouse_cost_per_order`` = labour + overtime + fixed + equipment + packaging + label
  (comparable with published warehouse cost per order, carrier charges excluded);
* ``cost_per_order`` = warehouse + shipping + special + returns + chargeback (the cost of
  fulfilling an order shipped);
* ``total_cost_per_order`` = ``cost_per_order`` + lost_sales + lapse (margin lost with sales
  that never happened and with customers who left after a negative encounter);
* ``total_cost`` = ``total_cost_per_order`` x orders shipped in the window.

Labour is paid on-duty time times the roster's wage (temporary shifts carry their own);
overtime is busy time after the end of the worker's on-duty period (the task in hand is
finished), paid at the wage times ``1 + overtime_premium_share``. Fixed costs and equipment
accrue per calendar day of the window. The orders shipped in the window bring their
after-sales costs with them, whenever they come (to the end of the run): the return label
plus a handling cost per parcel returned, and chargeback fees. A lost sale loses
``gross_margin_share`` of its value (orders placed in the window); a lapsed customer
``lapse_horizon_years`` of its yearly revenue times the margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from analysis.kpis.resources import MIN_PER_DAY, MIN_PER_HOUR, _busy_intervals, ratio, to_float

#: Components of cost per order, in the order they add up (KPI ``<name>_cost_per_order``).
WAREHOUSE_COMPONENTS = ("labour", "overtime", "fixed", "equipment", "packaging", "label")
EVENT_CHARGEBACKS = ("chargeback_fraud", "chargeback_not_received")
FULFILMENT_COMPONENTS = (*WAREHOUSE_COMPONENTS, "shipping", "special", "returns", "chargeback")
LOST_MARGIN_COMPONENTS = ("lost_sales", "lapse")
COMPONENTS = (*FULFILMENT_COMPONENTS, *LOST_MARGIN_COMPONENTS)


@dataclass(frozen=True)
class CostRates:
    """The scenario's cost rates that the event log does not carry (wages, box, material,
    carrier, return-label and chargeback costs are in the tables). All zero by default but
    the overtime premium."""

    overtime_premium_share: float = 0.5
    fixed_per_day: float = 0.0
    equipment_per_day: float = 0.0
    label_cost_per_parcel: float = 0.0
    return_handling_cost: float = 0.0
    gross_margin_share: float = 0.0
    lapse_horizon_years: float = 0.0
    chargeback_fee: float = 0.0  # per fraud / item-not-received chargeback (events table)


def labour_by_role(roster: pl.DataFrame, *, start: float, end: float) -> dict[str, float]:
    """Paid wages (on-duty time in ``[start, end]`` times wage) per roster resource."""
    paid = (
        (pl.col("t_off").clip(upper_bound=end) - pl.col("t_on").clip(lower_bound=start)).clip(
            lower_bound=0.0
        )
        / MIN_PER_HOUR
        * pl.col("wage_per_hour").cast(pl.Float64)
    )
    rows = roster.select(pl.col("resource").cast(pl.String), paid.alias("paid"))
    out: dict[str, float] = {}
    for part in rows.partition_by("resource", maintain_order=True):
        out[part["resource"][0]] = math.fsum(part["paid"].to_list())
    return out


def overtime(
    steps: pl.DataFrame, roster: pl.DataFrame, *, start: float, end: float
) -> tuple[float, float]:
    """(hours, wages at the plain rate) of work finished after the end of the on-duty period
    in which it started, within the window (the same overtime as ``utilisation``)."""
    shifts = roster.lazy().select(
        pl.col("resource").cast(pl.String),
        pl.col("worker").cast(pl.Int64),
        pl.col("t_on").alias("t_start"),
        "t_off",
        pl.col("wage_per_hour").cast(pl.Float64).alias("wage"),
    )
    rows = (
        _busy_intervals(steps)
        .filter(pl.col("t_end").is_not_null())
        .sort("t_start", "resource", "worker", "t_end")
        .join_asof(
            shifts.sort("t_start", "resource", "worker"),
            on="t_start",
            by=["resource", "worker"],
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col("t_off").is_not_null())
        .select(
            (
                (pl.col("t_end").clip(upper_bound=end) - pl.max_horizontal("t_off", pl.lit(start)))
                .clip(lower_bound=0.0)
                .alias("ot_min")
            ),
            "wage",
        )
        .collect()
    )
    minutes = rows["ot_min"].to_list()
    wages = [m / MIN_PER_HOUR * w for m, w in zip(minutes, rows["wage"].to_list(), strict=True)]
    return math.fsum(minutes) / MIN_PER_HOUR, math.fsum(wages)


def cost_kpis(
    orders: pl.DataFrame,
    steps: pl.DataFrame,
    roster: pl.DataFrame,
    returns: pl.DataFrame | None,
    *,
    revenue_lost_to_lapses_per_year: float,
    rates: CostRates,
    start: float,
    end: float,
    events: pl.DataFrame | None = None,
) -> dict[str, float]:
    """Cost KPIs of the window ``[start, end]`` (see the module docstring): per component
    ``<component>_cost_per_order``, ``labour_cost_per_order_<role>`` per rostered role, the
    subtotals, ``total_cost``, ``labour_cost``, ``equipment_cost`` and ``overtime_h``."""
    f64 = pl.Float64
    ship_win = pl.col("shipped_at").is_between(start, end).fill_null(False)
    placed_win = pl.col("placed_at").is_between(start, end).fill_null(False)
    lost = (pl.col("lost_cause").cast(pl.String) != "none") & pl.col("duplicate_of").is_null()

    def exact_sum(expr: pl.Expr, where: pl.Expr) -> float:
        values = orders.select(expr.filter(where).cast(f64)).to_series().drop_nulls()
        return math.fsum(values.to_list())  # exact: the same float whatever the row order

    row = {
        "shipped": float(orders.select(ship_win.sum()).item()),
        "packaging": exact_sum(pl.col("packaging_cost"), ship_win),
        "shipping": exact_sum(pl.col("shipping_cost"), ship_win),
        "special": exact_sum(pl.col("special_cost"), ship_win),
        "parcels": exact_sum(pl.col("n_parcels"), ship_win),
        "lost_value": exact_sum(pl.col("value"), placed_win & lost),
    }
    shipped = to_float(row["shipped"])
    days = max(end - start, 0.0) / MIN_PER_DAY
    roles = labour_by_role(roster, start=start, end=end)
    ot_h, ot_plain = overtime(steps, roster, start=start, end=end)
    ret_labels = ret_handling = cb_fees = 0.0
    if returns is not None and returns.height:
        # the after-sales costs of the orders shipped in the window, whenever they come
        ids = orders.filter(ship_win).select("order_id")
        mine = returns.join(ids, on="order_id", how="semi")
        r = {
            "lab": math.fsum(mine["return_shipping_cost"].cast(f64).drop_nulls().to_list()),
            "n": int((mine["outcome"].cast(pl.String) == "returned").sum()),
            "cb": math.fsum(mine["chargeback_fee"].cast(f64).drop_nulls().to_list()),
        }
        ret_labels, cb_fees = to_float(r["lab"]), to_float(r["cb"])
        ret_handling = float(r["n"]) * rates.return_handling_cost
    if events is not None and events.height and rates.chargeback_fee:
        # fraud and item-not-received chargebacks of the orders shipped in the window,
        # whenever they come (as the return-related ones): each carries the scenario's fee
        ids = orders.filter(ship_win).select(pl.col("order_id").cast(events.schema["order_id"]))
        kinds = pl.col("event").cast(pl.String).is_in(EVENT_CHARGEBACKS)
        n_cb = events.filter(kinds).join(ids, on="order_id", how="semi").height
        cb_fees = math.fsum([cb_fees, n_cb * rates.chargeback_fee])
    lapses = revenue_lost_to_lapses_per_year
    lapses = 0.0 if math.isnan(lapses) else lapses
    totals = {
        "labour": math.fsum(roles.values()),
        "overtime": ot_plain * (1.0 + rates.overtime_premium_share),
        "fixed": rates.fixed_per_day * days,
        "equipment": rates.equipment_per_day * days,
        "packaging": to_float(row["packaging"]),
        "label": rates.label_cost_per_parcel * to_float(row["parcels"]),
        "shipping": to_float(row["shipping"]),
        "special": to_float(row["special"]),
        "returns": ret_labels + ret_handling,
        "chargeback": cb_fees,
        "lost_sales": rates.gross_margin_share * to_float(row["lost_value"]),
        "lapse": rates.gross_margin_share * lapses * rates.lapse_horizon_years,
    }
    out = {f"{c}_cost_per_order": ratio(totals[c], shipped) for c in COMPONENTS}
    for role, paid in roles.items():
        out[f"labour_cost_per_order_{role}"] = ratio(paid, shipped)
    for name, parts in (
        ("warehouse_cost_per_order", WAREHOUSE_COMPONENTS),
        ("cost_per_order", FULFILMENT_COMPONENTS),
        ("lost_margin_per_order", LOST_MARGIN_COMPONENTS),
        ("total_cost_per_order", COMPONENTS),
    ):
        out[name] = ratio(math.fsum(totals[c] for c in parts), shipped)
    out["total_cost"] = math.fsum(totals.values())
    out["labour_cost"] = totals["labour"]
    out["equipment_cost"] = totals["equipment"]
    out["overtime_h"] = ot_h
    return out
