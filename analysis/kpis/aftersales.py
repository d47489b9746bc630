"""After-sales KPIs: return requests by reason and outcome, refunds, chargebacks, reviews.

Pure functions over the ``orders``, ``returns``, ``reviews`` and ``events`` tables of
``sim/eventlog.py``
(column names only; the model and simpy are never imported). The cohort is the orders placed
in ``[start, end]``; times after ``observe_end`` are not reached. Every rate is per *delivered
order*: a customer order of the cohort (not a duplicate keyed twice, not lost) that is not a
point-of-sale order and was delivered by ``observe_end``, the orders counted by
``orders_delivered``. Return requests and reviews are attributed to their order (joined on
``order_id``) and counted when the order is one of those delivered orders and the request
(``requested_at``) or review (``t``) came by ``observe_end``. Chargebacks are counted by
reason: ``late_refund`` and ``refused_return`` from the returns table, ``fraud`` and
``not_received`` from the ``chargeback_*`` events (0 without an events table).

Undefined values: without a returns table (``returns`` None) every return KPI is NaN, without
a reviews table every review KPI is NaN; the two groups are independent. An empty table (the
scenario has no returns or reviews) gives counts and costs 0 and rates per delivered order 0
(accuracy inferred from returns 1); shares among requests, refunds or reviews (prevented
share, refund times, rating, star shares) are NaN when there is nothing to share out. Rates
per delivered order are NaN when no order of the cohort was delivered.
"""

from __future__ import annotations

import polars as pl

from analysis.kpis.aftersales_defs import RETURN_KPIS, REVIEW_KPIS
from analysis.kpis.resources import MIN_PER_DAY, NAN, ratio, to_float
from sim.eventlog import RETURN_REASONS

#: Every return KPI name :func:`aftersales_kpis` returns (NaN without a returns table).
RETURN_NAMES: tuple[str, ...] = tuple(d[0] for d in RETURN_KPIS)
#: Every review KPI name :func:`aftersales_kpis` returns (NaN without a reviews table).
REVIEW_NAMES: tuple[str, ...] = tuple(d[0] for d in REVIEW_KPIS)
#: Every KPI name :func:`aftersales_kpis` returns.
NAMES: tuple[str, ...] = RETURN_NAMES + REVIEW_NAMES

STARS: tuple[int, ...] = (1, 2, 3, 4, 5)
#: A review with at most this many stars is negative.
NEGATIVE_STARS = 2
#: Chargeback reasons, as in the ``chargebacks_<reason>`` KPIs; the last two are events.
CHARGEBACK_REASONS: tuple[str, ...] = ("late_refund", "refused_return", "fraud", "not_received")


def delivered_orders(
    orders: pl.DataFrame, *, start: float, end: float, observe_end: float
) -> pl.DataFrame:
    """``order_id`` and ``pick_errors_shipped`` of the delivered orders of the cohort: placed
    in ``[start, end]``, not a duplicate, not lost, not sold in store, delivered by
    ``observe_end``."""
    return orders.filter(
        pl.col("placed_at").is_between(start, end).fill_null(False)
        & pl.col("duplicate_of").is_null()
        & (pl.col("lost_cause").cast(pl.String) == "none")
        & ~pl.col("in_store").fill_null(False)
        & (pl.col("delivered_at") <= observe_end).fill_null(False)
    ).select("order_id", "pick_errors_shipped")


def _of_cohort(
    table: pl.DataFrame, delivered: pl.DataFrame, time: str, observe_end: float
) -> pl.DataFrame:
    """Rows of ``table`` about a delivered order, with ``time`` by ``observe_end``."""
    ids = delivered.select(pl.col("order_id").cast(table.schema["order_id"]))
    return table.filter((pl.col(time) <= observe_end).fill_null(False)).join(
        ids, on="order_id", how="semi"
    )


def _event_chargebacks(
    events: pl.DataFrame | None, delivered: pl.DataFrame, observe_end: float
) -> dict[str, float]:
    """Fraud and item-not-received chargebacks of the delivered orders, by ``observe_end``."""
    if events is None:
        return {"fraud": 0.0, "not_received": 0.0}
    mine = _of_cohort(events, delivered, "t", observe_end)
    event = pl.col("event").cast(pl.String)
    r = mine.select(
        (event == "chargeback_fraud").sum().cast(pl.Float64).alias("fraud"),
        (event == "chargeback_not_received").sum().cast(pl.Float64).alias("not_received"),
    ).row(0, named=True)
    return {k: to_float(v) for k, v in r.items()}


def _return_kpis(
    returns: pl.DataFrame,
    delivered: pl.DataFrame,
    observe_end: float,
    events: pl.DataFrame | None = None,
) -> dict[str, float]:
    f64 = pl.Float64
    n = float(delivered.height)
    mine = _of_cohort(returns, delivered, "requested_at", observe_end)
    reason = pl.col("reason").cast(pl.String)
    outcome = pl.col("outcome").cast(pl.String)
    chargeback = pl.col("chargeback").fill_null(False)
    # a refund without an arrival (none expected) has no refund time: null, left out
    refunded = (pl.col("refunded_at") <= observe_end).fill_null(False)
    refund_days = ((pl.col("refunded_at") - pl.col("arrived_at")) / MIN_PER_DAY).filter(refunded)
    r = mine.select(
        pl.len().cast(f64).alias("requests"),
        *[(reason == k).sum().cast(f64).alias(f"_r_{k}") for k in RETURN_REASONS],
        pl.col("order_id")
        .filter(reason == "wrong_item")
        .n_unique()
        .cast(f64)
        .alias("wrong_orders"),
        (outcome == "prevented").sum().cast(f64).alias("prevented"),
        (outcome == "refused").sum().cast(f64).alias("refused"),
        ((outcome == "returned") & (pl.col("arrived_at") <= observe_end).fill_null(False))
        .sum()
        .cast(f64)
        .alias("received"),
        refund_days.mean().alias("refund_mean"),
        refund_days.quantile(0.95, "linear").alias("refund_p95"),
        (chargeback & (outcome == "refused")).sum().cast(f64).alias("cb_refused"),
        (chargeback & (outcome != "refused")).sum().cast(f64).alias("cb_late"),
        pl.col("chargeback_fee").cast(f64).sum().alias("chargeback_cost"),
        pl.col("return_shipping_cost").cast(f64).fill_null(0.0).sum().alias("shipping"),
    ).row(0, named=True)
    wrong_shipped = float(delivered.filter(pl.col("pick_errors_shipped") > 0).height)
    requests = to_float(r["requests"])
    chargeback_cost = to_float(r["chargeback_cost"])
    by_reason = {
        "late_refund": to_float(r["cb_late"]),
        "refused_return": to_float(r["cb_refused"]),
        **_event_chargebacks(events, delivered, observe_end),
    }
    chargebacks = sum(by_reason.values())
    return {
        "return_rate": ratio(requests, n),
        **{f"return_rate_{k}": ratio(to_float(r[f"_r_{k}"]), n) for k in RETURN_REASONS},
        "returns_prevented_share": ratio(to_float(r["prevented"]), requests),
        "returns_refused": to_float(r["refused"]),
        "returns_received": to_float(r["received"]),
        "picking_accuracy_inferred": 1.0 - ratio(to_float(r["wrong_orders"]), n),
        "picking_accuracy_true_orders": 1.0 - ratio(wrong_shipped, n),
        "refund_time_mean_days": to_float(r["refund_mean"]),
        "refund_time_p95_days": to_float(r["refund_p95"]),
        "chargebacks": chargebacks,
        **{f"chargebacks_{k}": v for k, v in by_reason.items()},
        "chargeback_rate": ratio(chargebacks, n),
        **{f"chargeback_rate_{k}": ratio(v, n) for k, v in by_reason.items()},
        "chargeback_cost": chargeback_cost,
        "return_cost_per_delivered_order": ratio(to_float(r["shipping"]) + chargeback_cost, n),
    }


def _review_kpis(
    reviews: pl.DataFrame, delivered: pl.DataFrame, observe_end: float
) -> dict[str, float]:
    f64 = pl.Float64
    mine = _of_cohort(reviews, delivered, "t", observe_end)
    stars = pl.col("stars").cast(f64)
    r = mine.select(
        pl.len().cast(f64).alias("reviews"),
        stars.mean().alias("rating_mean"),
        (stars <= NEGATIVE_STARS).sum().cast(f64).alias("negative"),
        *[(stars == k).sum().cast(f64).alias(f"_s_{k}") for k in STARS],
    ).row(0, named=True)
    count = to_float(r["reviews"])
    return {
        "reviews": count,
        "review_rate": ratio(count, float(delivered.height)),
        "rating_mean": to_float(r["rating_mean"]),
        "negative_review_share": ratio(to_float(r["negative"]), count),
        **{f"review_share_{k}_stars": ratio(to_float(r[f"_s_{k}"]), count) for k in STARS},
    }


def aftersales_kpis(
    orders: pl.DataFrame,
    returns: pl.DataFrame | None,
    reviews: pl.DataFrame | None,
    *,
    start: float,
    end: float,
    observe_end: float,
    events: pl.DataFrame | None = None,
) -> dict[str, float]:
    """After-sales KPIs of the cohort placed in ``[start, end]``, observed at ``observe_end``.

    See the module docstring for the cohort and the NaN and 0 rules and ``KPI_DEFS`` for each
    name; ``return_rate_<reason>`` exists for every reason in ``RETURN_REASONS`` and
    ``review_share_<k>_stars`` for k = 1..5.
    """
    out = dict.fromkeys(NAMES, NAN)
    if returns is None and reviews is None:
        return out
    delivered = delivered_orders(orders, start=start, end=end, observe_end=observe_end)
    if returns is not None:
        out.update(_return_kpis(returns, delivered, observe_end, events))
    if reviews is not None:
        out.update(_review_kpis(reviews, delivered, observe_end))
    return out
